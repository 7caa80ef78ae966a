/*
 * fuzz_safetensors.c: libFuzzer target for the kernel's one safetensors
 * reader (diffusion/safetensors.h), which Part B checkpoints, DeepFloyd IF
 * weights and prompt embeddings all go through.
 *
 * The input is the file.  Whatever st_open accepts must keep its promise:
 * every entry lies inside the file, in data order, shares no bytes with
 * another, holds exactly its shape's bytes, is found by its name, and
 * reads back (st_read_bytes) as the file's own bytes.  What it refuses
 * must come with a message and a kind.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diffusion/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One scratch file for every run, unlinked at once and reached through
 * /proc/self/fd, so nothing is left behind. */
static int scratch(char *path, size_t cap)
{
    static int fd = -1;
    if (fd < 0) {
        char tmpl[] = "/tmp/fuzz_safetensors.XXXXXX";
        fd = mkstemp(tmpl);
        if (fd < 0)
            abort();
        unlink(tmpl);
    }
    snprintf(path, cap, "/proc/self/fd/%d", fd);
    return fd;
}

static void check_entries(StFile *f, const uint8_t *data, size_t size)
{
    uint64_t end = 0;
    for (int i = 0; i < st_count(f); i++) {
        const StEntry *e = st_entry(f, i);
        uint64_t need = (uint64_t)st_dtype_size(e->dtype);
        for (int d = 0; d < e->nd; d++)
            need *= (uint64_t)e->shape[d];
        if (e->offset < end || e->offset + e->len > size || e->len != need ||
            !st_dtype_name(e->dtype) || st_find(f, e->name) != e)
            abort();
        end = e->offset + e->len;
        void *bytes = NULL;
        DkErr err = {0};
        if (st_read_bytes(f, e, &bytes, &err) != DK_OK ||
            memcmp(bytes, data + e->offset, (size_t)e->len) != 0)
            abort();
        free(bytes);
    }
    (void)st_meta(f, "format");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = scratch(path, sizeof path);
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
        abort();
    StFile *f = NULL;
    StProblem why = ST_FINE;
    DkErr err = {0};
    dk_status rc = st_open(path, &f, &why, &err);
    if (rc == DK_OK) {
        if (!f || why != ST_FINE)
            abort();
        check_entries(f, data, size);
    } else if (f || why == ST_FINE || !err.msg) {
        abort();
    }
    st_close(f);
    dk_err_clear(&err);
    return 0;
}
