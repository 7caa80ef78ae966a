/*
 * backend.h: finding and loading the libtorch backend on first use.
 *
 * libtorch lives in a shared library of its own, libdiffuse_torch.so
 * (kernel/shim), so that the kernel starts in milliseconds and a machine
 * without libtorch still runs every command that needs no tensors.  The
 * first command that does need them calls backend_get(), which dlopen()s the
 * library, resolves its one symbol (ts_api_v1), checks the ABI version, sets
 * libtorch's thread count to the cores, and hands out the function table.
 * Later calls return the same table at once.
 *
 * Where it looks, first hit wins:
 *   1. $DIFFUSE_BACKEND, when set and not empty (a path to the .so; nothing
 *      else is tried, so a wrong value is reported, not papered over);
 *   2. next to the running executable (/proc/self/exe): the build tree;
 *   3. <exe dir>/DK_BACKEND_RELDIR: the installed layout,
 *      <prefix>/bin/diffuse -> <prefix>/<libdir>/diffuse/libdiffuse_torch.so.
 *
 * Only the shell thread calls this; it is not meant for concurrent callers.
 * A failed load is not remembered: the next call tries again (after the user
 * ran the set-up, say).
 */
#ifndef DK_BACKEND_H
#define DK_BACKEND_H

#include "shim/ts.h"
#include "util/err.h"

#define BACKEND_LIBRARY "libdiffuse_torch.so"
#define BACKEND_ENV "DIFFUSE_BACKEND"

/* Load the backend if needed and set *api to its table (owned by the
 * library, valid for the life of the process).  On failure *api is NULL and
 * err says what is missing (DK_ERR_TORCH) with a hint on how to fix it. */
dk_status backend_get(const TsApi **api, DkErr *err);

/* Turn a failed shim call into a DkErr: TS_OOM -> DK_ERR_OOM (hint: smaller
 * batch or the CPU), TS_INTERRUPTED -> DK_ERR_INTERRUPTED, TS_ERR ->
 * DK_ERR_TORCH, each with ts_last_error()'s message.  Returns the code;
 * DK_OK (and err untouched) when st is TS_OK. */
dk_status backend_error(const TsApi *api, ts_status st, DkErr *err);

/* Give the heap's free memory back to the system (malloc_trim).  The
 * backend keeps freed tensor memory mapped while a cell runs, since
 * training re-allocates the same blocks every step (backend.c says how
 * much that saves); the interpreter calls this after each cell so an idle
 * kernel holds little more than its values use.  It trims only when
 * backend_get was called since the last trim, so cells without tensor
 * work pay nothing (memory a value drops in such a cell goes back after
 * the next cell that does tensor work). */
void backend_trim(void);

/* What the loaded backend is: its path, and how long dlopen plus set-up took
 * in milliseconds.  NULL and 0 until backend_get succeeded. */
const char *backend_path(void);
double backend_load_ms(void);

#endif
