/*
 * cmd_bar.c: progress bars for long commands (see cmd_bar.h).
 */
#include "cmd_bar.h"

#include <math.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void send(CmdBar *bar, json_t *bundle)
{
    const Outlet *o = bar->cx->out;
    json_t *meta = progress_metadata();
    if (o && o->display)
        o->display(o->ctx, bundle, meta, progress_display_id(bar->p),
                   bar->shown);
    bar->shown = 1;
    json_decref(bundle);
    json_decref(meta);
}

void cmdbar_start(CmdBar *bar, CallCtx *cx, const char *label, long total)
{
    bar->cx = cx;
    bar->p = progress_new(label, total);
    bar->start = now();
    bar->shown = 0;
    bar->hook = (DiffProgress){cmdbar_step, bar};
}

void cmdbar_step(void *ctx, long step, long total)
{
    CmdBar *bar = ctx;
    json_t *bundle = NULL;
    (void)total;
    if (!progress_update(bar->p, step, NAN, &bundle))
        return;
    /* A bar for a command that ends within the delay is only noise. */
    if (!bar->shown && now() - bar->start < CMDBAR_DELAY) {
        json_decref(bundle);
        return;
    }
    send(bar, bundle);
}

void cmdbar_finish(CmdBar *bar, dk_status outcome)
{
    json_t *bundle = NULL;
    if (bar->p && bar->shown) {
        ProgressStatus s = outcome == DK_OK ? PROGRESS_DONE
                         : outcome == DK_ERR_INTERRUPTED ? PROGRESS_INTERRUPTED
                         : PROGRESS_ERROR;
        if (progress_finish(bar->p, s, &bundle))
            send(bar, bundle);
    }
    progress_free(bar->p);
    bar->p = NULL;
}
