/*
 * progress.h: how a long loop in this layer reports its steps upwards.
 *
 * Calls go down (lang -> diffusion -> shim), so a loop here cannot reach
 * the notebook itself.  The caller hands in a function pointer and its own
 * context, as stable-diffusion.cpp's sd_progress_cb_t does; the loop calls
 * it after each step with (step done, total).  The callback only shows
 * things: stopping is the loop's job, which polls dk_interrupted() and
 * returns DK_ERR_INTERRUPTED.
 *
 * Ownership: a DiffProgress is borrowed for the call; it and ctx may be
 * NULL (no reporting).
 */
#ifndef DK_DIFF_PROGRESS_H
#define DK_DIFF_PROGRESS_H

typedef void (*DiffProgressFn)(void *ctx, long step, long total);

typedef struct DiffProgress {
    DiffProgressFn fn;
    void *ctx;
} DiffProgress;

/* Report that `step` of `total` steps are done (no-op when p or fn is
 * NULL). */
static inline void diff_progress(const DiffProgress *p, long step, long total)
{
    if (p && p->fn)
        p->fn(p->ctx, step, total);
}

#endif
