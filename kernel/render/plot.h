/*
 * plot.h: loss curves (several named x/y series) as one Jupyter display.
 *
 * Bundle keys:
 *   "application/vnd.diffuse.losscurve+json"  the data for the JupyterLab
 *        extension (schema below and in MIME.md);
 *   "image/svg+xml"  the chart as SVG (well-formed, text escaped);
 *   "image/png"      the same chart rasterized by our own code (Wu
 *                    anti-aliased lines, the built-in font);
 *   "text/plain"     per series: points, last value, minimum.
 * and metadata {"image/png": {"width", "height"}}.
 *
 * Axes: "nice" ticks (1, 2, 5 x 10^k) on both axes with bounds rounded out
 * to a tick; a log y axis has one tick per decade (every k-th decade when
 * there are more than 10).  On a log axis non-positive y values cannot be
 * drawn: they are left out (the line breaks there) and the text/plain
 * says how many; when no y value is positive the axis falls back to
 * linear.  Non-finite values break the line too.
 *
 * Long series are decimated for drawing only: above PLOT_DRAW_POINTS
 * points a series is cut into PLOT_DRAW_POINTS/2 buckets of consecutive
 * points and each bucket keeps its minimum and maximum (so spikes stay
 * visible).  The JSON keeps every point up to PLOT_JSON_POINTS per series;
 * longer series are decimated the same way to that size and marked
 * "decimated": true.
 *
 * Custom type schema, version 1:
 *   {"series": [{"name": str, "x": [num], "y": [num|null],
 *                ("decimated": true)}],
 *    "log_y": bool, "epochs": [{"x": num, "label": str}],
 *    "title": str, "xlabel": str, "ylabel": str, "version": 1}
 *   Non-finite numbers (NaN, inf) are written as null.
 *
 * Ownership: the spec and everything it points to are borrowed.  Results
 * (*data, *metadata, *out, returned strings) are new and the caller's.
 * Errors: DK_ERR_ARG (no series, a series without points or with NULL
 * arrays, bad size), DK_ERR_OOM; outputs NULL then.
 */
#ifndef DK_PLOT_H
#define DK_PLOT_H

#include <jansson.h>

#include "../util/err.h"
#include "image.h"

#define PLOT_MIME "application/vnd.diffuse.losscurve+json"
#define PLOT_VERSION 1
#define PLOT_DRAW_POINTS 2000
#define PLOT_JSON_POINTS 20000
#define PLOT_MAX_SERIES 16
#define PLOT_MAX_TICKS 24

typedef struct PlotSeries {
    const char *name;
    const double *x;   /* n values; NULL means 0, 1, 2, ... */
    const double *y;   /* n values */
    int n;
} PlotSeries;

typedef struct PlotEpoch {
    double x;
    const char *label;  /* may be NULL */
} PlotEpoch;

typedef struct PlotSpec {
    const char *title, *xlabel, *ylabel;  /* each may be NULL */
    const PlotSeries *series;
    int nseries;                          /* 1..PLOT_MAX_SERIES */
    const PlotEpoch *epochs;              /* may be NULL */
    int nepochs;
    int log_y;
    int width, height;                    /* 0 = 640 x 400 */
} PlotSpec;

/* Nice ticks covering [lo, hi]: writes at most max values and returns how
 * many.  *nlo and *nhi receive the rounded-out bounds.  For log = 1, lo and hi
 * are data values (> 0) and ticks are powers of ten. */
int plot_ticks(double lo, double hi, int log, double *ticks, int max,
               double *nlo, double *nhi);

/* Indices of the points kept when drawing n points with at most `max`
 * (min/max per bucket, in order).  idx needs room for min(n, max).
 * Returns the count. */
int plot_decimate(const double *y, int n, int max, int *idx);

/* The SVG text; malloc'd. */
char *plot_svg(const PlotSpec *s, DkErr *err);

/* The raster chart (RGB). */
dk_status plot_render(const PlotSpec *s, RImage **out, DkErr *err);

/* n epoch marks labelled "epoch 1" .. "epoch n", at x = 0 for the caller
 * to place, in one block the caller frees with free() (labels included).
 * NULL when out of memory. */
PlotEpoch *plot_epochs_new(int n);

/* The bundle described above. */
dk_status plot_bundle(const PlotSpec *s, json_t **data, json_t **metadata,
                      DkErr *err);

#endif
