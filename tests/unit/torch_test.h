/*
 * torch_test.h: shared start of the unit tests that need the libtorch
 * backend (test_forward, test_image).
 *
 * CMake defines DK_TEST_TORCH when it built libdiffuse_torch.so next to
 * the tests; then torch_test_api() must load it.  Without it the tests
 * check instead that loading fails with a message and a hint, and stop.
 */
#ifndef DK_TORCH_TEST_H
#define DK_TORCH_TEST_H

#include "check.h"

#include "backend/backend.h"

/* The backend's table, or NULL (after checking the failure) when the
 * build has no libtorch. */
static inline const TsApi *torch_test_api(void)
{
    const TsApi *api = NULL;
    DkErr err = {0};
    dk_status rc = backend_get(&api, &err);
#ifdef DK_TEST_TORCH
    CHECK(rc == DK_OK && api != NULL);
    if (rc != DK_OK)
        fprintf(stderr, "  backend: %s\n", err.msg ? err.msg : "?");
#else
    CHECK(rc == DK_ERR_TORCH && err.msg && err.hint);
    api = NULL;
#endif
    dk_err_clear(&err);
    return api;
}

#endif
