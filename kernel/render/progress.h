/*
 * progress.h: tqdm-like progress bars for training and sampling loops.
 *
 * A Progress keeps the state of one bar and decides when the notebook
 * should see an update: the first update, the final step (step >= total)
 * and finish always produce a bundle; other updates at most every
 * PROGRESS_INTERVAL seconds (4 per second), so a fast loop does not flood
 * the frontend.  The bundle is a MIME data object:
 *   "text/plain"  train  45% |████▌     | 450/1000 [00:12<00:15, 36.5 it/s, loss=0.0312]
 *   "text/html"   the same as a styled bar.
 * The caller sends the first bundle as display_data with transient
 * display_id = progress_display_id(p) and every later one as
 * update_display_data with the same id (render never sends anything).
 *
 * Time comes from a clock the caller may replace (progress_set_clock) so
 * the throttle and the rate/ETA text are testable without sleeping; the
 * default is CLOCK_MONOTONIC in seconds.
 *
 * Ownership: progress_new copies label; progress_free releases the bar.
 * Bundles returned through *bundle are new references for the caller.
 * Functions given a NULL Progress do nothing and return 0.
 */
#ifndef DK_PROGRESS_H
#define DK_PROGRESS_H

#include <jansson.h>

#define PROGRESS_INTERVAL 0.25  /* seconds between throttled updates */
#define PROGRESS_BAR_CELLS 10   /* width of the text bar */

typedef enum {
    PROGRESS_DONE,
    PROGRESS_ERROR,
    PROGRESS_INTERRUPTED
} ProgressStatus;

/* Seconds on a monotonic scale; ctx is the pointer given with it. */
typedef double (*ProgressClock)(void *ctx);

typedef struct Progress Progress;

/* A bar counting to total (total <= 0: unknown, shows counts and rate
 * only), starting now.  NULL only when out of memory. */
Progress *progress_new(const char *label, long total);
void progress_free(Progress *p);

/* Replace the clock and restart the bar's timing at clock(ctx). */
void progress_set_clock(Progress *p, ProgressClock clock, void *ctx);

/* The metadata every bar's display carries, {"diffuse": {"progress":
 * true}}, so a reader of a saved notebook can tell a bar (which appears
 * only when the work outlasts CMDBAR_DELAY) from a figure.  A new
 * reference, or NULL when out of memory. */
json_t *progress_metadata(void);

/* The unique display_id of this bar ("diffuse-progress-..."), owned by p. */
const char *progress_display_id(const Progress *p);

/* Record that `step` steps are done, with the latest loss (NaN for none).
 * Returns 1 and sets *bundle when an update is due, else 0 and *bundle =
 * NULL (also when out of memory: a lost update is harmless). */
int progress_update(Progress *p, long step, double loss, json_t **bundle);

/* The final bundle, marked done, error or interrupted.  Returns 1 with
 * *bundle set (0 and NULL only when out of memory). */
int progress_finish(Progress *p, ProgressStatus status, json_t **bundle);

/* The text/plain line for the current state at time `now` (same clock).
 * malloc'd; NULL when out of memory. */
char *progress_text(const Progress *p, double now);

/* "MM:SS", or "H:MM:SS" from an hour on, into out (>= 16 bytes); "?" for
 * a negative, NaN or absurd time. */
char *progress_format_time(double seconds, char *out, size_t outsz);

#endif
