/*
 * cmd_bar.h: a progress bar under the cell for any command that may run
 * for more than a moment.
 *
 * A CmdBar wraps a render/progress.c bar and the cell's Outlet.  It is
 * handed down to the diffusion layer as a DiffProgress (a function pointer
 * and this bar as its context, see diffusion/progress.h), so the loop down
 * there never learns about the notebook.  Quick commands should not
 * flicker a bar: nothing is shown until the loop has run CMDBAR_DELAY
 * seconds; from then on the first bundle goes out as display_data with the
 * bar's display_id and every later one as update_display_data with the
 * same id, throttled by progress.c (4 per second), and cmdbar_finish
 * always sends the final state (done, error or interrupted) if the bar
 * was shown.
 *
 * Ownership: the CmdBar lives on the caller's stack; cmdbar_start borrows
 * cx for the bar's lifetime and cmdbar_finish releases everything (safe
 * on a bar that failed to start: then it simply shows nothing).
 */
#ifndef DK_CMD_BAR_H
#define DK_CMD_BAR_H

#include "../diffusion/progress.h"
#include "../render/progress.h"
#include "registry.h"

#define CMDBAR_DELAY 0.5 /* seconds of work before a bar appears */

typedef struct CmdBar {
    CallCtx *cx;        /* borrowed */
    Progress *p;        /* owned; NULL when out of memory */
    double start;       /* CLOCK_MONOTONIC seconds at cmdbar_start */
    int shown;          /* the display_data went out */
    DiffProgress hook;  /* {cmdbar_step, this}: pass &bar.hook down */
} CmdBar;

void cmdbar_start(CmdBar *bar, CallCtx *cx, const char *label, long total);
/* A DiffProgressFn: ctx is the CmdBar. */
void cmdbar_step(void *ctx, long step, long total);
/* End the bar with the command's outcome (DK_OK: done). */
void cmdbar_finish(CmdBar *bar, dk_status outcome);

#endif
