/*
 * plot.c: loss-curve charts as SVG, PNG, JSON and text (see plot.h).
 *
 * One Frame holds the geometry both renderers share (plot area, axis
 * bounds, ticks and their labels), so the SVG and the PNG agree pixel for
 * pixel on where things are.  A log axis is handled by mapping y through
 * log10 before the linear pixel transform.
 */
#include "plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "font.h"
#include "mime.h"

#define PAD 10
#define TICK 4

typedef struct Frame {
    int w, h;
    int ax0, ay0, ax1, ay1;     /* plot area: left, top, right, bottom */
    int log;                    /* log y in effect */
    int log_fallback;           /* asked for log, had no positive y */
    long skipped;               /* non-positive y left out on a log axis */
    double xlo, xhi, ylo, yhi;  /* bounds (y in log10 units when log) */
    double xt[PLOT_MAX_TICKS], yt[PLOT_MAX_TICKS];
    int nxt, nyt;
    char xl[PLOT_MAX_TICKS][24], yl[PLOT_MAX_TICKS][24];
    int epoch_stride;           /* label every epoch_stride-th epoch mark */
} Frame;

/* tab10, the matplotlib default cycle. */
static const RColor palette[10] = {
    {31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255},
    {214, 39, 40, 255}, {148, 103, 189, 255}, {140, 86, 75, 255},
    {227, 119, 194, 255}, {127, 127, 127, 255}, {188, 189, 34, 255},
    {23, 190, 207, 255},
};
static const RColor ink = {40, 40, 40, 255}, grid_ink = {229, 229, 229, 255},
                    epoch_ink = {120, 120, 120, 255};

static const char *str(const char *s)
{
    return s ? s : "";
}

static double sx(const PlotSeries *s, int i)
{
    return s->x ? s->x[i] : (double)i;
}

/* ---- ticks and decimation --------------------------------------------- */

static double nice_step(double raw)
{
    double e = pow(10.0, floor(log10(raw)));
    double f = raw / e;
    return (f < 1.5 ? 1.0 : f < 3.0 ? 2.0 : f < 7.0 ? 5.0 : 10.0) * e;
}

static int log_ticks(double lo, double hi, double *t, int max, double *nlo,
                     double *nhi)
{
    int a = (int)floor(log10(lo) + 1e-9), b = (int)ceil(log10(hi) - 1e-9);
    if (b <= a)
        b = a + 1;
    int stride = (b - a + 9) / 10;
    b = a + (b - a + stride - 1) / stride * stride;
    int n = 0;
    for (int k = a; k <= b && n < max; k += stride)
        t[n++] = pow(10.0, k);
    *nlo = pow(10.0, a);
    *nhi = pow(10.0, b);
    return n;
}

int plot_ticks(double lo, double hi, int log, double *t, int max,
               double *nlo, double *nhi)
{
    if (max < 2 || !isfinite(lo) || !isfinite(hi))
        return 0;
    if (hi < lo) {
        double tmp = lo;
        lo = hi;
        hi = tmp;
    }
    if (log)
        return lo > 0 ? log_ticks(lo, hi, t, max, nlo, nhi) : 0;
    if (hi - lo < 1e-12 * (fabs(lo) + fabs(hi)) || hi == lo) {
        double d = lo == 0 ? 1.0 : fabs(lo) * 0.1;
        lo -= d;
        hi += d;
    }
    double step = nice_step((hi - lo) / 5.0);
    while ((hi - lo) / step > max - 1)
        step = nice_step(step * 2.0);
    double first = floor(lo / step + 1e-9), last = ceil(hi / step - 1e-9);
    int n = 0;
    for (double k = first; k <= last + 0.5 && n < max; k += 1.0) {
        double v = k * step;
        t[n++] = fabs(v) < step * 1e-9 ? 0.0 : v;
    }
    *nlo = first * step;
    *nhi = last * step;
    return n;
}

int plot_decimate(const double *y, int n, int max, int *idx)
{
    if (n <= max) {
        for (int i = 0; i < n; i++)
            idx[i] = i;
        return n;
    }
    int buckets = max / 2, k = 0;
    for (int b = 0; b < buckets; b++) {
        int from = (int)((long long)b * n / buckets);
        int to = (int)((long long)(b + 1) * n / buckets);
        int lo = -1, hi = -1;
        for (int i = from; i < to; i++) {
            if (!isfinite(y[i]))
                continue;
            if (lo < 0 || y[i] < y[lo])
                lo = i;
            if (hi < 0 || y[i] > y[hi])
                hi = i;
        }
        if (lo < 0) {           /* nothing finite: keep the gap */
            idx[k++] = from;
            continue;
        }
        idx[k++] = lo < hi ? lo : hi;
        if (lo != hi)
            idx[k++] = lo < hi ? hi : lo;
    }
    return k;
}

/* ---- the shared frame ------------------------------------------------- */

static dk_status check_spec(const PlotSpec *s, DkErr *err)
{
    if (!s || s->nseries < 1 || s->nseries > PLOT_MAX_SERIES || !s->series)
        return dk_err_set(err, DK_ERR_ARG, "a plot needs 1 to %d series",
                          PLOT_MAX_SERIES);
    for (int i = 0; i < s->nseries; i++)
        if (s->series[i].n < 1 || !s->series[i].y) {
            dk_err_set(err, DK_ERR_ARG, "series %d (%s) has no points", i,
                       str(s->series[i].name));
            return DK_ERR_ARG;
        }
    if (s->nepochs < 0 || (s->nepochs > 0 && !s->epochs))
        return dk_err_set(err, DK_ERR_ARG, "bad epoch marks");
    int w = s->width ? s->width : 640, h = s->height ? s->height : 400;
    if (w < 200 || h < 150 || w > 4096 || h > 4096) {
        dk_err_set(err, DK_ERR_ARG, "plot size %dx%d is out of range", w, h);
        dk_err_hint(err, "use 200..4096 by 150..4096 pixels");
        return DK_ERR_ARG;
    }
    return DK_OK;
}

static int drawable(const Frame *f, double x, double y)
{
    return isfinite(x) && isfinite(y) && (!f->log || y > 0);
}

static void format_tick(double v, double step, int log, char *out)
{
    if (log) {
        int k = (int)lround(log10(v));
        if (k >= -3 && k <= 4)
            snprintf(out, 24, "%g", v);
        else
            snprintf(out, 24, "1e%d", k);
        return;
    }
    double mag = fabs(v);
    if (mag >= 1e6 || (step < 1e-4 && mag > 0)) {
        snprintf(out, 24, "%.3g", v);
        return;
    }
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    snprintf(out, 24, "%.*f", dec > 8 ? 8 : dec, v);
}

/* Data bounds over the drawable points. */
static void data_bounds(const PlotSpec *s, Frame *f, double b[4])
{
    b[0] = b[2] = INFINITY;
    b[1] = b[3] = -INFINITY;
    f->skipped = 0;
    for (int k = 0; k < s->nseries; k++) {
        const PlotSeries *p = &s->series[k];
        for (int i = 0; i < p->n; i++) {
            double x = sx(p, i), y = p->y[i];
            if (f->log && isfinite(y) && y <= 0)
                f->skipped++;
            if (!drawable(f, x, y))
                continue;
            b[0] = fmin(b[0], x);
            b[1] = fmax(b[1], x);
            b[2] = fmin(b[2], y);
            b[3] = fmax(b[3], y);
        }
    }
}

static int max_label_chars(char (*l)[24], int n)
{
    int m = 0;
    for (int i = 0; i < n; i++)
        if ((int)strlen(l[i]) > m)
            m = (int)strlen(l[i]);
    return m;
}

static double px_x(const Frame *f, double x);

static int epoch_visible(const Frame *f, double x)
{
    return isfinite(x) && x >= f->xlo && x <= f->xhi;
}

/* An epoch label's width in pixels: the wider of the PNG's bitmap font and
 * the SVG's 11px monospace (about 0.6 em a character). */
static int epoch_label_width(const char *label)
{
    int chars = font_glyphs(label);
    return chars * (FONT_W > 7 ? FONT_W : 7);
}

/* Where an epoch label starts: right of its mark, or left of it when it
 * would run past the image's right edge (so no label is clipped). */
static double epoch_label_left(const Frame *f, double mark, const char *label)
{
    int w = epoch_label_width(label);
    return mark + 3 + w > f->w - 2 ? mark - 3 - w : mark + 3;
}

static int epoch_labelled(const PlotSpec *s, const Frame *f, int i, int stride)
{
    const char *l = s->epochs[i].label;
    return l && l[0] && epoch_visible(f, s->epochs[i].x) &&
           (i + 1) % stride == 0;
}

/* 1, 2, 5, 10, 20, 50, 100, ... */
static int next_stride(int k)
{
    int p = 1;
    while (k / p >= 10)
        p *= 10;
    return k / p == 2 ? 5 * p : 2 * k;
}

/* Epoch marks are drawn for every epoch, but labels only for every k-th
 * (k = 1, 2, 5, 10, 20, 50, ...), the smallest k whose labels do not touch
 * ("epoch 1epoch 2" on a long run otherwise). */
static int epoch_label_stride(const PlotSpec *s, const Frame *f)
{
    for (int k = 1;; k = next_stride(k)) {
        if (k >= s->nepochs)
            return k > 1 ? k : 1;
        double right = -1e9;
        int fits = 1;
        for (int i = 0; i < s->nepochs && fits; i++) {
            if (!epoch_labelled(s, f, i, k))
                continue;
            const char *l = s->epochs[i].label;
            double left = epoch_label_left(f, px_x(f, s->epochs[i].x), l);
            fits = left >= right + 8;
            right = left + epoch_label_width(l);
        }
        if (fits)
            return k;
    }
}

static void frame_build(const PlotSpec *s, Frame *f)
{
    memset(f, 0, sizeof *f);
    f->w = s->width ? s->width : 640;
    f->h = s->height ? s->height : 400;
    f->log = s->log_y;
    double b[4];
    data_bounds(s, f, b);
    if (f->log && !(b[3] > 0)) {
        f->log = 0;
        f->log_fallback = 1;
        data_bounds(s, f, b);
    }
    if (!isfinite(b[0])) {      /* nothing drawable at all */
        b[0] = 0, b[1] = 1, b[2] = f->log ? 1 : 0, b[3] = f->log ? 10 : 1;
    }
    double lo, hi;
    f->nxt = plot_ticks(b[0], b[1], 0, f->xt, 11, &lo, &hi);
    f->xlo = lo, f->xhi = hi;
    f->nyt = plot_ticks(b[2], b[3], f->log, f->yt, 11, &lo, &hi);
    f->ylo = f->log ? log10(lo) : lo;
    f->yhi = f->log ? log10(hi) : hi;
    double xstep = f->nxt > 1 ? f->xt[1] - f->xt[0] : 1;
    double ystep = f->nyt > 1 ? f->yt[1] - f->yt[0] : 1;
    for (int i = 0; i < f->nxt; i++)
        format_tick(f->xt[i], xstep, 0, f->xl[i]);
    for (int i = 0; i < f->nyt; i++)
        format_tick(f->yt[i], ystep, f->log, f->yl[i]);

    f->ax0 = PAD + (s->ylabel && s->ylabel[0] ? FONT_H + 8 : 0) +
             max_label_chars(f->yl, f->nyt) * FONT_W + TICK + 4;
    f->ay0 = PAD + (s->title && s->title[0] ? 2 * FONT_H + 10 : 4);
    f->ax1 = f->w - 24;
    f->ay1 = f->h - PAD - FONT_H - TICK - 4 -
             (s->xlabel && s->xlabel[0] ? FONT_H + 8 : 0);
    f->epoch_stride = epoch_label_stride(s, f);
}

static double px_x(const Frame *f, double x)
{
    return f->ax0 + (x - f->xlo) / (f->xhi - f->xlo) * (f->ax1 - f->ax0);
}

static double px_y(const Frame *f, double y)
{
    double v = f->log ? log10(y) : y;
    return f->ay1 - (v - f->ylo) / (f->yhi - f->ylo) * (f->ay1 - f->ay0);
}

/* A legend tells series apart: one series needs none (its name is in the
 * title or the axis label). */
static int has_legend(const PlotSpec *s)
{
    if (s->nseries < 2)
        return 0;
    for (int i = 0; i < s->nseries; i++)
        if (s->series[i].name && s->series[i].name[0])
            return 1;
    return 0;
}

static int epoch_labels_shown(const PlotSpec *s, const Frame *f)
{
    for (int i = 0; i < s->nepochs; i++)
        if (epoch_labelled(s, f, i, f->epoch_stride))
            return 1;
    return 0;
}

/* The legend box: top right inside the plot area, below the row of epoch
 * labels when there is one (it hid the last label). */
static void legend_box(const PlotSpec *s, const Frame *f, int *x, int *y,
                       int *w, int *h)
{
    int chars = 0;
    for (int i = 0; i < s->nseries; i++) {
        int n = font_glyphs(str(s->series[i].name));
        chars = n > chars ? n : chars;
    }
    if (chars > 30)
        chars = 30;
    *w = 8 + 18 + 6 + chars * FONT_W + 8;
    *h = 6 + s->nseries * (FONT_H + 4) + 2;
    *x = f->ax1 - *w - 6;
    *y = f->ay0 + 6 + (epoch_labels_shown(s, f) ? FONT_H + 6 : 0);
}

/* Decimated indices of series k (caller frees); NULL on OOM. */
static int *draw_indices(const PlotSeries *p, int *count)
{
    int *idx = malloc(sizeof *idx * (size_t)(p->n < PLOT_DRAW_POINTS
                                             ? p->n : PLOT_DRAW_POINTS));
    if (idx)
        *count = plot_decimate(p->y, p->n, PLOT_DRAW_POINTS, idx);
    return idx;
}

/* ---- SVG -------------------------------------------------------------- */

static void svg_text(Buf *b, double x, double y, const char *anchor,
                     const char *extra, const char *text)
{
    buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>", x, y,
               anchor, extra);
    buf_put_xml(b, text);
    buf_puts(b, "</text>\n");
}

static void svg_axes(Buf *b, const PlotSpec *s, const Frame *f)
{
    buf_puts(b, "<g class=\"grid\" stroke=\"#e5e5e5\" stroke-width=\"1\">\n");
    for (int i = 0; i < f->nxt; i++)
        buf_printf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>\n",
                   px_x(f, f->xt[i]), f->ay0, px_x(f, f->xt[i]), f->ay1);
    for (int i = 0; i < f->nyt; i++)
        buf_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n",
                   f->ax0, px_y(f, f->yt[i]), f->ax1, px_y(f, f->yt[i]));
    buf_puts(b, "</g>\n");
    buf_printf(b, "<rect class=\"axes\" x=\"%d\" y=\"%d\" width=\"%d\" "
               "height=\"%d\" fill=\"none\" stroke=\"#282828\"/>\n", f->ax0,
               f->ay0, f->ax1 - f->ax0, f->ay1 - f->ay0);
    buf_puts(b, "<g class=\"ticks\" fill=\"#282828\">\n");
    for (int i = 0; i < f->nxt; i++)
        svg_text(b, px_x(f, f->xt[i]), f->ay1 + TICK + FONT_H + 1, "middle",
                 "", f->xl[i]);
    for (int i = 0; i < f->nyt; i++)
        svg_text(b, f->ax0 - TICK - 2, px_y(f, f->yt[i]) + 4, "end", "",
                 f->yl[i]);
    buf_puts(b, "</g>\n");
    if (s->title && s->title[0])
        svg_text(b, (f->ax0 + f->ax1) / 2.0, PAD + 14, "middle",
                 " font-size=\"16\" font-weight=\"bold\"", s->title);
    if (s->xlabel && s->xlabel[0])
        svg_text(b, (f->ax0 + f->ax1) / 2.0, f->h - PAD, "middle", "",
                 s->xlabel);
    if (s->ylabel && s->ylabel[0]) {
        char rot[64];
        double cy = (f->ay0 + f->ay1) / 2.0;
        snprintf(rot, sizeof rot, " transform=\"rotate(-90 %d %.1f)\"",
                 PAD + FONT_H, cy);
        svg_text(b, PAD + FONT_H, cy, "middle", rot, s->ylabel);
    }
}

static void svg_epochs(Buf *b, const PlotSpec *s, const Frame *f)
{
    for (int i = 0; i < s->nepochs; i++) {
        double x = s->epochs[i].x;
        if (!epoch_visible(f, x))
            continue;
        buf_printf(b, "<line class=\"epoch\" x1=\"%.1f\" y1=\"%d\" "
                   "x2=\"%.1f\" y2=\"%d\" stroke=\"#787878\" "
                   "stroke-dasharray=\"4 3\"/>\n", px_x(f, x), f->ay0,
                   px_x(f, x), f->ay1);
        if (epoch_labelled(s, f, i, f->epoch_stride))
            svg_text(b, epoch_label_left(f, px_x(f, x), s->epochs[i].label),
                     f->ay0 + FONT_H + 2, "start", " fill=\"#787878\"",
                     s->epochs[i].label);
    }
}

/* One <polyline> per unbroken run of drawable points. */
static int svg_series(Buf *b, const PlotSeries *p, int k, const Frame *f)
{
    int n = 0, open = 0;
    int *idx = draw_indices(p, &n);
    if (!idx)
        return -1;
    for (int j = 0; j < n; j++) {
        double x = sx(p, idx[j]), y = p->y[idx[j]];
        if (!drawable(f, x, y)) {
            if (open)
                buf_puts(b, "\"/>\n");
            open = 0;
            continue;
        }
        if (!open) {
            RColor c = palette[k % 10];
            buf_printf(b, "<polyline class=\"series\" data-series=\"%d\" "
                       "fill=\"none\" stroke=\"#%02x%02x%02x\" "
                       "stroke-width=\"1.5\" stroke-linejoin=\"round\" "
                       "points=\"", k, c.r, c.g, c.b);
            open = 1;
        } else {
            buf_putc(b, ' ');
        }
        buf_printf(b, "%.1f,%.1f", px_x(f, x), px_y(f, y));
    }
    if (open)
        buf_puts(b, "\"/>\n");
    free(idx);
    return 0;
}

static void svg_legend(Buf *b, const PlotSpec *s, const Frame *f)
{
    if (!has_legend(s))
        return;
    int x, y, w, h;
    legend_box(s, f, &x, &y, &w, &h);
    buf_printf(b, "<g class=\"legend\"><rect x=\"%d\" y=\"%d\" width=\"%d\" "
               "height=\"%d\" fill=\"white\" fill-opacity=\"0.85\" "
               "stroke=\"#bbbbbb\"/>\n", x, y, w, h);
    for (int i = 0; i < s->nseries; i++) {
        RColor c = palette[i % 10];
        int ly = y + 6 + i * (FONT_H + 4) + FONT_H / 2;
        buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                   "stroke=\"#%02x%02x%02x\" stroke-width=\"2\"/>\n", x + 8,
                   ly, x + 26, ly, c.r, c.g, c.b);
        char name[200];
        font_fit(str(s->series[i].name), 30 * FONT_W, 1, name, sizeof name);
        svg_text(b, x + 32, ly + 4, "start", "", name);
    }
    buf_puts(b, "</g>\n");
}

char *plot_svg(const PlotSpec *s, DkErr *err)
{
    if (check_spec(s, err) != DK_OK)
        return NULL;
    Frame f;
    frame_build(s, &f);
    Buf b = {0};
    buf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
               "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"monospace\" "
               "font-size=\"11\">\n<rect width=\"%d\" height=\"%d\" "
               "fill=\"white\"/>\n", f.w, f.h, f.w, f.h, f.w, f.h);
    svg_axes(&b, s, &f);
    svg_epochs(&b, s, &f);
    int bad = 0;
    for (int k = 0; k < s->nseries; k++)
        bad |= svg_series(&b, &s->series[k], k, &f);
    svg_legend(&b, s, &f);
    buf_puts(&b, "</svg>\n");
    char *out = bad ? (buf_free(&b), NULL) : buf_detach(&b, NULL);
    if (!out)
        dk_err_set(err, DK_ERR_OOM, "out of memory drawing a plot");
    return out;
}

/* ---- PNG -------------------------------------------------------------- */

static double fpart(double v)
{
    return v - floor(v);
}

/* Xiaolin Wu's anti-aliased line. */
static void wu_line(RImage *im, double x0, double y0, double x1, double y1,
                    RColor c)
{
    int steep = fabs(y1 - y0) > fabs(x1 - x0);
    double t;
    if (steep) {
        t = x0, x0 = y0, y0 = t;
        t = x1, x1 = y1, y1 = t;
    }
    if (x0 > x1) {
        t = x0, x0 = x1, x1 = t;
        t = y0, y0 = y1, y1 = t;
    }
    double dx = x1 - x0, grad = dx == 0 ? 1.0 : (y1 - y0) / dx;
    double y = y0 + grad * (round(x0) - x0);
    for (int x = (int)round(x0); x <= (int)round(x1); x++, y += grad) {
        int yi = (int)floor(y);
        int a = (int)((1.0 - fpart(y)) * 255), bcov = (int)(fpart(y) * 255);
        if (steep) {
            image_blend(im, yi, x, c, a);
            image_blend(im, yi + 1, x, c, bcov);
        } else {
            image_blend(im, x, yi, c, a);
            image_blend(im, x, yi + 1, c, bcov);
        }
    }
}

/* A 2-pixel-wide line: two Wu lines half a pixel apart. */
static void thick_line(RImage *im, double x0, double y0, double x1,
                       double y1, RColor c)
{
    int steep = fabs(y1 - y0) > fabs(x1 - x0);
    double ox = steep ? 0.5 : 0, oy = steep ? 0 : 0.5;
    wu_line(im, x0 - ox, y0 - oy, x1 - ox, y1 - oy, c);
    wu_line(im, x0 + ox, y0 + oy, x1 + ox, y1 + oy, c);
}

/* Text turned 90 degrees counter-clockwise, centred on (cx, cy). */
static void draw_vertical(RImage *im, int cx, int cy, const char *text)
{
    char fitted[256];
    font_fit(text, im->h - 20, 1, fitted, sizeof fitted);
    int tw = font_text_width(fitted, 1);
    RImage *tmp = image_new(tw > 0 ? tw : 1, FONT_H, 4, NULL);
    if (!tmp)
        return;
    font_draw(tmp, 0, 0, fitted, 1, ink);
    for (int y = 0; y < tmp->h; y++)
        for (int x = 0; x < tmp->w; x++) {
            RColor c = image_get(tmp, x, y);
            image_blend(im, cx - FONT_H / 2 + y, cy + tw / 2 - x, c, 255);
        }
    image_free(tmp);
}

static void text_centred(RImage *im, int cx, int y, const char *s, int scale)
{
    char fitted[256];
    font_fit(s, im->w - 8, scale, fitted, sizeof fitted);
    font_draw(im, cx - font_text_width(fitted, scale) / 2, y, fitted, scale,
              ink);
}

static void png_axes(RImage *im, const PlotSpec *s, const Frame *f)
{
    for (int i = 0; i < f->nxt; i++) {
        int x = (int)lround(px_x(f, f->xt[i]));
        image_fill_rect(im, x, f->ay0, 1, f->ay1 - f->ay0, grid_ink);
        image_fill_rect(im, x, f->ay1, 1, TICK, ink);
        text_centred(im, x, f->ay1 + TICK + 2, f->xl[i], 1);
    }
    for (int i = 0; i < f->nyt; i++) {
        int y = (int)lround(px_y(f, f->yt[i]));
        image_fill_rect(im, f->ax0, y, f->ax1 - f->ax0, 1, grid_ink);
        image_fill_rect(im, f->ax0 - TICK, y, TICK, 1, ink);
        font_draw(im, f->ax0 - TICK - 2 - font_text_width(f->yl[i], 1),
                  y - FONT_H / 2, f->yl[i], 1, ink);
    }
    image_fill_rect(im, f->ax0, f->ay0, f->ax1 - f->ax0 + 1, 1, ink);
    image_fill_rect(im, f->ax0, f->ay1, f->ax1 - f->ax0 + 1, 1, ink);
    image_fill_rect(im, f->ax0, f->ay0, 1, f->ay1 - f->ay0, ink);
    image_fill_rect(im, f->ax1, f->ay0, 1, f->ay1 - f->ay0, ink);
    if (s->title && s->title[0])
        text_centred(im, (f->ax0 + f->ax1) / 2, PAD, s->title, 2);
    if (s->xlabel && s->xlabel[0])
        text_centred(im, (f->ax0 + f->ax1) / 2, f->h - PAD - FONT_H + 2,
                     s->xlabel, 1);
    if (s->ylabel && s->ylabel[0])
        draw_vertical(im, PAD + FONT_H / 2, (f->ay0 + f->ay1) / 2,
                      s->ylabel);
}

static void png_epochs(RImage *im, const PlotSpec *s, const Frame *f)
{
    for (int i = 0; i < s->nepochs; i++) {
        if (!epoch_visible(f, s->epochs[i].x))
            continue;
        int x = (int)lround(px_x(f, s->epochs[i].x));
        for (int y = f->ay0; y < f->ay1; y += 7)
            image_fill_rect(im, x, y, 1, 4, epoch_ink);
        if (epoch_labelled(s, f, i, f->epoch_stride))
            font_draw(im, (int)lround(epoch_label_left(f, x,
                                                       s->epochs[i].label)),
                      f->ay0 + 3, s->epochs[i].label, 1, epoch_ink);
    }
}

static int png_series(RImage *im, const PlotSeries *p, int k, const Frame *f)
{
    int n = 0;
    int *idx = draw_indices(p, &n);
    if (!idx)
        return -1;
    int have = 0;
    double px = 0, py = 0;
    for (int j = 0; j < n; j++) {
        double x = sx(p, idx[j]), y = p->y[idx[j]];
        if (!drawable(f, x, y)) {
            have = 0;
            continue;
        }
        double qx = px_x(f, x), qy = px_y(f, y);
        if (have)
            thick_line(im, px, py, qx, qy, palette[k % 10]);
        else
            image_blend(im, (int)lround(qx), (int)lround(qy),
                        palette[k % 10], 255);
        px = qx, py = qy, have = 1;
    }
    free(idx);
    return 0;
}

static void png_legend(RImage *im, const PlotSpec *s, const Frame *f)
{
    if (!has_legend(s))
        return;
    int x, y, w, h;
    legend_box(s, f, &x, &y, &w, &h);
    image_fill_rect(im, x, y, w, h, (RColor){255, 255, 255, 217});
    RColor edge = {187, 187, 187, 255};
    image_fill_rect(im, x, y, w, 1, edge);
    image_fill_rect(im, x, y + h - 1, w, 1, edge);
    image_fill_rect(im, x, y, 1, h, edge);
    image_fill_rect(im, x + w - 1, y, 1, h, edge);
    for (int i = 0; i < s->nseries; i++) {
        int ly = y + 6 + i * (FONT_H + 4);
        image_fill_rect(im, x + 8, ly + FONT_H / 2 - 1, 18, 2,
                        palette[i % 10]);
        char name[200];
        font_fit(str(s->series[i].name), 30 * FONT_W, 1, name, sizeof name);
        font_draw(im, x + 32, ly, name, 1, ink);
    }
}

dk_status plot_render(const PlotSpec *s, RImage **out, DkErr *err)
{
    *out = NULL;
    if (check_spec(s, err) != DK_OK)
        return DK_ERR_ARG;
    Frame f;
    frame_build(s, &f);
    RImage *im = image_new(f.w, f.h, 3, err);
    if (!im)
        return err ? err->code : DK_ERR_OOM;
    image_fill(im, (RColor){255, 255, 255, 255});
    png_axes(im, s, &f);
    png_epochs(im, s, &f);
    int bad = 0;
    for (int k = 0; k < s->nseries; k++)
        bad |= png_series(im, &s->series[k], k, &f);
    png_legend(im, s, &f);
    if (bad) {
        image_free(im);
        return dk_err_set(err, DK_ERR_OOM, "out of memory drawing a plot");
    }
    *out = im;
    return DK_OK;
}

/* ---- JSON, text, bundle ----------------------------------------------- */

static json_t *number(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *series_json(const PlotSeries *p)
{
    int n = p->n, *idx = NULL;
    if (n > PLOT_JSON_POINTS) {
        idx = malloc(sizeof *idx * PLOT_JSON_POINTS);
        if (!idx)
            return NULL;
        n = plot_decimate(p->y, p->n, PLOT_JSON_POINTS, idx);
    }
    json_t *xs = json_array(), *ys = json_array();
    json_t *o = json_pack("{s:o, s:o, s:o}", "name", mime_string(str(p->name)),
                          "x", xs, "y", ys);
    int bad = !o;
    for (int j = 0; j < n && !bad; j++) {
        int i = idx ? idx[j] : j;
        bad |= json_array_append_new(xs, number(sx(p, i))) != 0;
        bad |= json_array_append_new(ys, number(p->y[i])) != 0;
    }
    if (!bad && idx)
        bad = json_object_set_new(o, "decimated", json_true()) != 0;
    free(idx);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *plot_json(const PlotSpec *s)
{
    json_t *series = json_array(), *epochs = json_array();
    json_t *o = json_pack("{s:o, s:b, s:o, s:o, s:o, s:o, s:i}",
                          "series", series, "log_y", s->log_y != 0,
                          "epochs", epochs, "title", mime_string(str(s->title)),
                          "xlabel", mime_string(str(s->xlabel)),
                          "ylabel", mime_string(str(s->ylabel)),
                          "version", PLOT_VERSION);
    int bad = !o;
    for (int k = 0; k < s->nseries && !bad; k++) {
        json_t *sj = series_json(&s->series[k]);
        bad = !sj || json_array_append_new(series, sj) != 0;
    }
    for (int i = 0; i < s->nepochs && !bad; i++) {
        json_t *e = json_pack("{s:o, s:o}", "x", number(s->epochs[i].x),
                              "label", mime_string(str(s->epochs[i].label)));
        bad = !e || json_array_append_new(epochs, e) != 0;
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static void series_summary(Buf *b, const PlotSeries *p)
{
    int last = -1, min = -1;
    for (int i = 0; i < p->n; i++) {
        if (!isfinite(p->y[i]))
            continue;
        last = i;
        if (min < 0 || p->y[i] < p->y[min])
            min = i;
    }
    buf_puts(b, "  ");
    buf_put_utf8(b, p->name && p->name[0] ? p->name : "y");
    buf_printf(b, ": %d point%s", p->n, p->n == 1 ? "" : "s");
    if (last < 0) {
        buf_puts(b, ", no finite values\n");
        return;
    }
    buf_printf(b, ", last %.4g (x=%g), min %.4g (x=%g)\n", p->y[last],
               sx(p, last), p->y[min], sx(p, min));
}

static char *plot_text(const PlotSpec *s, const Frame *f)
{
    Buf b = {0};
    buf_put_utf8(&b, s->title && s->title[0] ? s->title : "Plot");
    buf_printf(&b, " (%d series%s)\n", s->nseries, f->log ? ", log y" : "");
    for (int k = 0; k < s->nseries; k++)
        series_summary(&b, &s->series[k]);
    if (f->log_fallback)
        buf_puts(&b, "  note: no positive values, so the y axis is linear\n");
    else if (f->skipped)
        buf_printf(&b, "  note: %ld non-positive value%s not shown on the "
                   "log axis\n", f->skipped, f->skipped == 1 ? "" : "s");
    if (b.len && !b.oom)
        b.data[--b.len] = '\0';  /* no trailing newline */
    return buf_detach(&b, NULL);
}

PlotEpoch *plot_epochs_new(int n)
{
    enum { LABEL = 24 };
    if (n < 0)
        n = 0;
    PlotEpoch *ep = calloc(1, (size_t)n * (sizeof *ep + LABEL) + 1);
    if (!ep)
        return NULL;
    char *labels = (char *)(ep + n);  /* after the marks, in the same block */
    for (int i = 0; i < n; i++) {
        ep[i].label = labels + (size_t)i * LABEL;
        snprintf(labels + (size_t)i * LABEL, LABEL, "epoch %d", i + 1);
    }
    return ep;
}

dk_status plot_bundle(const PlotSpec *s, json_t **data, json_t **metadata,
                      DkErr *err)
{
    *data = *metadata = NULL;
    RImage *im = NULL;
    if (plot_render(s, &im, err) != DK_OK)
        return err ? err->code : DK_ERR_ARG;
    Frame f;
    frame_build(s, &f);
    char *svg = plot_svg(s, err), *text = plot_text(s, &f);
    json_t *d = mime_object(), *m = mime_object(), *j = plot_json(s);
    dk_status rc = DK_OK;
    if (!svg || !text || !d || !m || !j) {
        json_decref(j);
        rc = dk_err_set(err, DK_ERR_OOM, "out of memory building a plot");
    }
    if (rc == DK_OK)
        rc = mime_add_json(d, PLOT_MIME, j, err);
    if (rc == DK_OK)
        rc = mime_add_text(d, "image/svg+xml", svg, err);
    if (rc == DK_OK)
        rc = mime_add_png(d, m, im, 0, 0, err);
    if (rc == DK_OK)
        rc = mime_add_text(d, "text/plain", text, err);
    image_free(im);
    free(svg);
    free(text);
    if (rc != DK_OK) {
        json_decref(d);
        json_decref(m);
        return rc;
    }
    *data = d;
    *metadata = m;
    return DK_OK;
}
