/*
 * backend.c: dlopen() of libdiffuse_torch.so on first use (see backend.h).
 */
#include "backend.h"

#include <dlfcn.h>   /* dlopen, dlsym, dlerror */
#include <limits.h>  /* PATH_MAX */
#include <malloc.h>  /* mallopt */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>    /* clock_gettime */
#include <unistd.h>  /* access, readlink */

#ifndef DK_BACKEND_RELDIR
#define DK_BACKEND_RELDIR "../lib/diffuse"
#endif

#define SETUP_HINT \
    "run ./run.sh (it installs libtorch-dev and builds the backend), or " \
    "set " BACKEND_ENV " to the path of " BACKEND_LIBRARY

static const TsApi *table;        /* the loaded backend, or NULL */
static char loaded_path[PATH_MAX];
static double load_ms;
static int handed_out;            /* backend_get succeeded since the last trim */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The folder of the running executable into buf ("" when unknown). */
static void exe_dir(char *buf, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
    if (n <= 0) {
        buf[0] = '\0';
        return;
    }
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
    else
        buf[0] = '\0';
}

/* libtorch frees and re-allocates its activations every training step,
 * tens of MiB each for the Part B UNets.  glibc serves blocks that large
 * with mmap and unmaps them at free, so every step paid for all of them
 * again in page faults.  Serving everything from the heap, with slack
 * above its top and trimming only past 1 GiB, keeps the pages between
 * steps (the measured gain is in tests/bench/README.md).  backend_trim()
 * hands the free memory back between cells. */
static void keep_heap(void)
{
#if defined(M_MMAP_MAX) && defined(M_TRIM_THRESHOLD) && defined(M_TOP_PAD)
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 512 << 20);
#endif
}

void backend_trim(void)
{
    /* Only after tensor work: malloc_trim walks every free chunk and
     * madvises it again, which doubled the CPU of a trivial execute. */
    if (!handed_out)
        return;
    handed_out = 0;
#ifdef M_TOP_PAD
    malloc_trim(0);
#endif
}

/* libgomp's idle threads spin 300,000 times before they sleep.  When two
 * processes compute at once (two notebooks, a notebook beside a training
 * job) each one's spinning threads hold the cores the other needs: 33 steps
 * of a tiny IF model took 35 s beside a training run instead of 2.6 s.  At
 * 2,000 spins the same run takes 4.3 s, and an idle machine loses nothing
 * measurable (Part B training within 3%; OMP_WAIT_POLICY=passive, which
 * never spins, costs 12% there).  libgomp reads this when libtorch loads,
 * so it is set just before; a user's own OpenMP setting wins. */
static void bound_openmp_spinning(void)
{
    if (!getenv("OMP_WAIT_POLICY") && !getenv("GOMP_SPINCOUNT"))
        setenv("GOMP_SPINCOUNT", "2000", 0);
}

/* dlopen path and take its table.  The handle is never closed, not even on
 * a failed check: unloading libtorch is not safe once its static
 * constructors and thread pools exist. */
static dk_status load(const char *path, DkErr *err)
{
    double t0 = now_ms();
    keep_heap();
    bound_openmp_spinning();
    /* RTLD_NOW: a missing symbol fails here, with a message, instead of
     * killing the kernel at the first call.  RTLD_LOCAL: libtorch's symbols
     * stay out of the global namespace. */
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        dk_err_set(err, DK_ERR_TORCH, "the libtorch backend %s could not be loaded: %s",
                   path, why ? why : "unknown dlopen error");
        if (why && strstr(why, "cannot open shared object file") &&
            (strstr(why, "libtorch") || strstr(why, "libc10")))
            dk_err_hint(err, "libtorch itself is missing: run ./run.sh (it installs "
                             "libtorch-dev), or add the lib/ folder of your libtorch "
                             "to LD_LIBRARY_PATH");
        else
            dk_err_hint(err, "rebuild it: " SETUP_HINT);
        return DK_ERR_TORCH;
    }
    void *sym = dlsym(h, TS_API_SYMBOL);
    if (!sym) {
        dk_err_set(err, DK_ERR_TORCH, "%s is not a diffuse backend (it has no %s)",
                   path, TS_API_SYMBOL);
        dk_err_hint(err, SETUP_HINT);
        return DK_ERR_TORCH;
    }
    ts_api_fn get;
    memcpy(&get, &sym, sizeof get); /* object pointer -> function pointer */
    const TsApi *t = get();
    if (!t || t->version != TS_API_VERSION || t->size < (int)sizeof(TsApi)) {
        dk_err_set(err, DK_ERR_TORCH,
                   "the libtorch backend %s speaks version %d of the backend "
                   "interface, this kernel needs version %d",
                   path, t ? t->version : -1, TS_API_VERSION);
        dk_err_hint(err, "rebuild the kernel and the backend together (./run.sh), or "
                         "point " BACKEND_ENV " at the matching " BACKEND_LIBRARY);
        return DK_ERR_TORCH;
    }
    /* Debian's libtorch starts with one thread: use every core we may. */
    ts_status st = t->set_threads(0, NULL);
    if (st != TS_OK) {
        backend_error(t, st, err);
        dk_err_prefix(err, "setting up the libtorch backend: ");
        return err ? err->code : DK_ERR_TORCH;
    }
    load_ms = now_ms() - t0;
    snprintf(loaded_path, sizeof loaded_path, "%s", path);
    table = t;
    return DK_OK;
}

dk_status backend_get(const TsApi **api, DkErr *err)
{
    if (!api)
        return dk_err_set(err, DK_ERR_INTERNAL, "backend_get: api is NULL");
    *api = NULL;
    if (!table) {
        dk_status s;
        const char *env = getenv(BACKEND_ENV);
        if (env && *env) {
            if (access(env, R_OK) != 0) {
                dk_err_set(err, DK_ERR_TORCH,
                           "%s names %s, which does not exist or cannot be read",
                           BACKEND_ENV, env);
                dk_err_hint(err, "unset " BACKEND_ENV " to use the installed backend, "
                                 "or point it at " BACKEND_LIBRARY);
                return DK_ERR_TORCH;
            }
            s = load(env, err);
        } else {
            char dir[PATH_MAX], here[PATH_MAX + 64], installed[PATH_MAX + 128];
            exe_dir(dir, sizeof dir);
            snprintf(here, sizeof here, "%s/" BACKEND_LIBRARY, dir);
            snprintf(installed, sizeof installed, "%s/" DK_BACKEND_RELDIR "/" BACKEND_LIBRARY,
                     dir);
            if (access(here, R_OK) == 0)
                s = load(here, err);
            else if (access(installed, R_OK) == 0)
                s = load(installed, err);
            else {
                dk_err_set(err, DK_ERR_TORCH,
                           "the libtorch backend is not installed (looked for %s "
                           "and %s)", here, installed);
                dk_err_hint(err, SETUP_HINT);
                return DK_ERR_TORCH;
            }
        }
        if (s != DK_OK)
            return s;
    }
    *api = table;
    handed_out = 1;
    return DK_OK;
}

dk_status backend_error(const TsApi *api, ts_status st, DkErr *err)
{
    if (st == TS_OK)
        return DK_OK;
    const char *msg = api ? api->last_error() : NULL;
    if (!msg || !*msg)
        msg = "libtorch failed without a message";
    switch (st) {
    case TS_OOM:
        dk_err_set(err, DK_ERR_OOM, "%s", msg);
        dk_err_hint(err, "out of memory: use a smaller batch or image, free models "
                         "you no longer need, or run on the CPU");
        return DK_ERR_OOM;
    case TS_INTERRUPTED:
        return dk_err_set(err, DK_ERR_INTERRUPTED, "%s", msg);
    default:
        return dk_err_set(err, DK_ERR_TORCH, "%s", msg);
    }
}

const char *backend_path(void)
{
    return table ? loaded_path : NULL;
}

double backend_load_ms(void)
{
    return table ? load_ms : 0.0;
}
