/*
 * progress.c: progress-bar state, throttling and rendering (progress.h).
 *
 * The rate is the plain average since the start (steps / elapsed), which
 * is what a training loop with steady step times needs; the ETA follows
 * from it.  The text bar uses Unicode eighth blocks like tqdm so it
 * advances smoothly in narrow widths.
 */
#include "progress.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../util/buf.h"
#include "mime.h"

struct Progress {
    char *label;            /* owned */
    long total, step;
    double loss;            /* latest loss or NaN */
    double start;           /* clock time of progress_new / set_clock */
    double last_emit;       /* clock time of the last bundle */
    int emitted;            /* bundles produced so far */
    ProgressStatus status;
    int finished;
    ProgressClock clock;
    void *clock_ctx;
    char display_id[64];
};

static double monotonic(void *ctx)
{
    (void)ctx;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Unique across bars (counter), processes (pid) and restarts (time). */
static void make_id(char *out, size_t n)
{
    static unsigned long counter;
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    snprintf(out, n, "diffuse-progress-%ld-%lx-%lu", (long)getpid(),
             (unsigned long)t.tv_sec * 1000000000ul + (unsigned long)t.tv_nsec,
             ++counter);
}

Progress *progress_new(const char *label, long total)
{
    Progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->label = strdup(label ? label : "");
    if (!p->label) {
        free(p);
        return NULL;
    }
    p->total = total > 0 ? total : 0;
    p->loss = NAN;
    p->clock = monotonic;
    p->start = monotonic(NULL);
    make_id(p->display_id, sizeof p->display_id);
    return p;
}

void progress_free(Progress *p)
{
    if (!p)
        return;
    free(p->label);
    free(p);
}

void progress_set_clock(Progress *p, ProgressClock clock, void *ctx)
{
    if (!p || !clock)
        return;
    p->clock = clock;
    p->clock_ctx = ctx;
    p->start = clock(ctx);
}

const char *progress_display_id(const Progress *p)
{
    return p ? p->display_id : "";
}

char *progress_format_time(double s, char *out, size_t outsz)
{
    if (!(s >= 0) || s > 360000.0 * 24) {
        snprintf(out, outsz, "?");
        return out;
    }
    long t = (long)(s + 0.5);
    char tmp[64]; /* roomy enough for any long, so no truncation warning */
    if (t >= 3600)
        snprintf(tmp, sizeof tmp, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60,
                 t % 60);
    else
        snprintf(tmp, sizeof tmp, "%02ld:%02ld", t / 60, t % 60);
    snprintf(out, outsz, "%s", tmp);
    return out;
}

/* "36.5 it/s", "2.50 s/it", "?" before any progress. */
static void format_rate(double steps, double elapsed, Buf *b)
{
    if (steps <= 0 || elapsed <= 0) {
        buf_puts(b, "? it/s");
        return;
    }
    double r = steps / elapsed;
    if (r < 1.0)
        buf_printf(b, "%.2f s/it", 1.0 / r);
    else
        buf_printf(b, r >= 100 ? "%.0f it/s" : r >= 10 ? "%.1f it/s"
                                                      : "%.2f it/s", r);
}

/* "|████▌     |": PROGRESS_BAR_CELLS cells, eighths for the partial one. */
static void text_bar(double frac, Buf *b)
{
    static const char *eighths[8] = {" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
    int units = (int)(frac * PROGRESS_BAR_CELLS * 8);
    buf_putc(b, '|');
    for (int i = 0; i < PROGRESS_BAR_CELLS; i++) {
        int u = units - i * 8;
        buf_puts(b, u >= 8 ? "█" : u > 0 ? eighths[u] : " ");
    }
    buf_putc(b, '|');
}

static const char *status_word(const Progress *p)
{
    if (!p->finished)
        return NULL;
    switch (p->status) {
    case PROGRESS_ERROR: return "error";
    case PROGRESS_INTERRUPTED: return "interrupted";
    default: return NULL;
    }
}

/* "450/1000 [00:12<00:15, 36.5 it/s, loss=0.0312]" (shared by both). */
static void counts_and_times(const Progress *p, double now, Buf *b)
{
    double elapsed = now - p->start;
    char el[16], eta[16];
    progress_format_time(elapsed, el, sizeof el);
    if (p->total > 0) {
        double left = NAN;
        if (p->step > 0 && elapsed > 0)
            left = (double)(p->total - p->step) * elapsed / (double)p->step;
        progress_format_time(left, eta, sizeof eta);
        buf_printf(b, "%ld/%ld [%s<%s, ", p->step, p->total, el, eta);
    } else {
        buf_printf(b, "%ld it [%s, ", p->step, el);
    }
    format_rate((double)p->step, elapsed, b);
    if (!isnan(p->loss))
        buf_printf(b, ", loss=%.4g", p->loss);
    buf_putc(b, ']');
    const char *word = status_word(p);
    if (word)
        buf_printf(b, " (%s)", word);
}

char *progress_text(const Progress *p, double now)
{
    if (!p)
        return NULL;
    Buf b = {0};
    buf_put_utf8(&b, p->label);
    if (p->total > 0) {
        double frac = (double)p->step / (double)p->total;
        buf_printf(&b, "%s%3d%% ", p->label[0] ? " " : "",
                   (int)(frac * 100.0));
        text_bar(frac, &b);
    }
    buf_putc(&b, ' ');
    counts_and_times(p, now, &b);
    return buf_detach(&b, NULL);
}

static char *html_bar(const Progress *p, double now)
{
    const char *colour = !p->finished ? "#2196f3"
                         : p->status == PROGRESS_DONE ? "#4caf50"
                         : p->status == PROGRESS_ERROR ? "#e53935"
                                                        : "#fb8c00";
    double pct = p->total > 0 ? 100.0 * (double)p->step / (double)p->total
                              : (p->finished ? 100.0 : 0.0);
    Buf b = {0}, tail = {0};
    counts_and_times(p, now, &tail);
    buf_puts(&b, "<div class=\"dk-progress\" style=\"display:flex;"
             "align-items:center;gap:8px;font-family:monospace\"><span>");
    buf_put_xml(&b, p->label);
    if (p->total > 0)
        buf_printf(&b, " %d%%", (int)pct);
    buf_printf(&b, "</span><div style=\"width:240px;height:12px;"
               "background:#e0e0e0;border-radius:3px;overflow:hidden\">"
               "<div style=\"width:%.1f%%;height:100%%;background:%s\">"
               "</div></div><span>", pct, colour);
    buf_put_xml(&b, tail.data ? tail.data : "");
    buf_puts(&b, "</span></div>");
    buf_free(&tail);
    return buf_detach(&b, NULL);
}

static json_t *make_bundle(Progress *p, double now)
{
    char *text = progress_text(p, now), *html = html_bar(p, now);
    json_t *d = mime_object();
    if (!text || !html || !d ||
        mime_add_text(d, "text/plain", text, NULL) != DK_OK ||
        mime_add_text(d, "text/html", html, NULL) != DK_OK) {
        json_decref(d);
        d = NULL;
    }
    free(text);
    free(html);
    if (d) {
        p->emitted++;
        p->last_emit = now;
    }
    return d;
}

int progress_update(Progress *p, long step, double loss, json_t **bundle)
{
    *bundle = NULL;
    if (!p)
        return 0;
    p->step = step < 0 ? 0 : (p->total > 0 && step > p->total ? p->total
                                                              : step);
    if (!isnan(loss))
        p->loss = loss;
    double now = p->clock(p->clock_ctx);
    int final = p->total > 0 && p->step >= p->total;
    if (p->emitted > 0 && !final && now - p->last_emit < PROGRESS_INTERVAL)
        return 0;
    *bundle = make_bundle(p, now);
    return *bundle != NULL;
}

int progress_finish(Progress *p, ProgressStatus status, json_t **bundle)
{
    *bundle = NULL;
    if (!p)
        return 0;
    p->finished = 1;
    p->status = status;
    *bundle = make_bundle(p, p->clock(p->clock_ctx));
    return *bundle != NULL;
}

json_t *progress_metadata(void)
{
    return json_pack("{s:{s:b}}", "diffuse", "progress", 1);
}
