/*
 * cmd_plot.c: `plot`, series of numbers as a loss-curve display (see
 * render/plot.h for the bundle: SVG, PNG, the custom JSON type and text).
 * See registry.h for the calling convention.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../render/plot.h"
#include "../util/array.h"
#include "registry.h"

/* list's items as doubles; none becomes NaN (a gap in the line). */
static dk_status numbers(CallCtx *cx, int arg, const char *what,
                         const Value *list, double **out)
{
    size_t n = list->as.list.len;
    *out = NULL;
    if (n == 0)
        return cx_error(cx, arg, DK_ERR_ARG, "%s is empty", what);
    if (n > 10000000)
        return cx_error(cx, arg, DK_ERR_ARG, "%s has too many points", what);
    double *d = malloc(n * sizeof *d);
    if (!d)
        return cx_oom(cx);
    for (size_t i = 0; i < n; i++) {
        const Value *v = list->as.list.items[i];
        if (v->kind == VAL_NUMBER) {
            d[i] = v->as.number;
        } else if (v->kind == VAL_NONE) {
            d[i] = NAN;
        } else {
            free(d);
            cx_error(cx, arg, DK_ERR_TYPE, "item %zu of %s is a %s, not a "
                     "number", i, what, value_type_name(v));
            dk_err_hint(cx->err, "plot takes lists of numbers: plot [0.9, "
                        "0.5, 0.3]");
            return DK_ERR_TYPE;
        }
    }
    *out = d;
    return DK_OK;
}

static const char *opt_text(const Value *v)
{
    return v->kind == VAL_STRING ? v->as.str.bytes : NULL;
}

enum {
    PLOT_NAMES, PLOT_LOG, PLOT_TITLE, PLOT_XLABEL, PLOT_YLABEL, PLOT_X,
    PLOT_EPOCHS, PLOT_SERIES,
};
static const ArgSpec plot_args[] = {
    [PLOT_NAMES] = {
        .name = "names",
        .types = VT_LIST | VT_NONE,
        .default_src = "none",
        .doc = "one name per series, for the legend",
    },
    [PLOT_LOG] = {
        .name = "log",
        .types = VT_BOOL,
        .default_src = "false",
        .doc = "true: a logarithmic y axis (losses often want one)",
    },
    [PLOT_TITLE] = {
        .name = "title",
        .types = VT_STRING | VT_NONE,
        .default_src = "none",
        .doc = "a title above the chart",
    },
    [PLOT_XLABEL] = {
        .name = "xlabel",
        .types = VT_STRING | VT_NONE,
        .default_src = "none",
        .doc = "the x axis's label",
    },
    [PLOT_YLABEL] = {
        .name = "ylabel",
        .types = VT_STRING | VT_NONE,
        .default_src = "none",
        .doc = "the y axis's label",
    },
    [PLOT_X] = {
        .name = "x",
        .types = VT_LIST | VT_NONE,
        .default_src = "none",
        .doc = "x values shared by every series (default 0, 1, 2, ...)",
    },
    [PLOT_EPOCHS] = {
        .name = "epochs",
        .types = VT_LIST | VT_NONE,
        .default_src = "none",
        .doc = "x values where epochs end, each marked \"epoch N\" "
               "(a model's `epoch_ends`)",
    },
    [PLOT_SERIES] = {
        .name = "series",
        .types = VT_LIST,
        .doc = "lists of numbers, one per line",
    },
};

/* The marks of `epochs=`: the k-th x value is labelled "epoch k+1". */
static dk_status epoch_marks(CallCtx *cx, const Value *list, PlotEpoch **marks)
{
    size_t n = list->as.list.len;
    double *ends = NULL;
    dk_status rc = numbers(cx, PLOT_EPOCHS, "epochs", list, &ends);
    if (rc == DK_OK && !(*marks = plot_epochs_new((int)n)))
        rc = cx_oom(cx);
    for (size_t i = 0; rc == DK_OK && i < n; i++)
        (*marks)[i].x = ends[i];
    free(ends);
    return rc;
}

static dk_status cmd_plot(CallCtx *cx, Value **args, Value **out)
{
    const Value *series = args[PLOT_SERIES], *names = args[PLOT_NAMES];
    const Value *xs = args[PLOT_X];
    size_t ns = series->as.list.len;
    if (ns == 0 || ns > PLOT_MAX_SERIES) {
        cx_error(cx, PLOT_SERIES, DK_ERR_ARG, "plot takes 1 to %d series, not "
                 "%zu", PLOT_MAX_SERIES, ns);
        dk_err_hint(cx->err, "plot [0.9, 0.5, 0.3] [1.0, 0.6, 0.4] "
                    "names=[\"train\", \"test\"]");
        return DK_ERR_ARG;
    }
    if (names->kind == VAL_LIST && names->as.list.len != ns) {
        cx_error(cx, PLOT_NAMES, DK_ERR_ARG, "%zu names for %zu series",
                 names->as.list.len, ns);
        return DK_ERR_ARG;
    }
    PlotSeries ps[PLOT_MAX_SERIES] = {{0}};
    double *x = NULL;
    char defname[PLOT_MAX_SERIES][24];
    dk_status rc = DK_OK;
    if (xs->kind == VAL_LIST)
        rc = numbers(cx, PLOT_X, "x", xs, &x);
    for (size_t i = 0; i < ns && rc == DK_OK; i++) {
        const Value *s = series->as.list.items[i];
        char what[32];
        snprintf(what, sizeof what, "series %zu", i + 1);
        double *y = NULL;
        rc = numbers(cx, PLOT_SERIES, what, s, &y);
        if (rc != DK_OK)
            break;
        ps[i].y = y;
        ps[i].n = (int)s->as.list.len;
        if (x && xs->as.list.len != s->as.list.len) {
            rc = cx_error(cx, PLOT_X, DK_ERR_SHAPE, "x has %zu values but %s "
                          "has %zu", xs->as.list.len, what, s->as.list.len);
            break;
        }
        ps[i].x = x;
        const Value *nm = names->kind == VAL_LIST ? names->as.list.items[i]
                                                  : NULL;
        if (nm && nm->kind != VAL_STRING) {
            rc = cx_error(cx, PLOT_NAMES, DK_ERR_TYPE, "name %zu is a %s, not "
                          "a string", i + 1, value_type_name(nm));
            break;
        }
        /* one unnamed line needs no legend: the title names it */
        if (ns > 1)
            snprintf(defname[i], sizeof defname[i], "series %zu", i + 1);
        else
            defname[i][0] = '\0';
        ps[i].name = nm ? nm->as.str.bytes : defname[i];
    }
    PlotEpoch *marks = NULL;
    size_t nmarks = args[PLOT_EPOCHS]->kind == VAL_LIST
                        ? args[PLOT_EPOCHS]->as.list.len : 0;
    if (rc == DK_OK && nmarks > 0)
        rc = epoch_marks(cx, args[PLOT_EPOCHS], &marks);
    json_t *data = NULL, *meta = NULL;
    if (rc == DK_OK) {
        PlotSpec spec = {0};
        spec.epochs = marks;
        spec.nepochs = (int)nmarks;
        spec.title = opt_text(args[PLOT_TITLE]);
        spec.xlabel = opt_text(args[PLOT_XLABEL]);
        spec.ylabel = opt_text(args[PLOT_YLABEL]);
        spec.series = ps;
        spec.nseries = (int)ns;
        spec.log_y = value_truthy(args[PLOT_LOG]);
        rc = plot_bundle(&spec, &data, &meta, cx->err);
        if (rc != DK_OK)
            dk_err_at(cx->err, cx->span);
    }
    if (rc == DK_OK)
        cx_display(cx, data, meta);
    for (size_t i = 0; i < ns; i++)
        free((double *)ps[i].y);
    free(x);
    free(marks);
    return rc;
}

static const Command commands[] = {
    {
        .name = "plot",
        .group = "Output",
        .summary = "Plot lists of numbers as lines (loss curves).",
        .help = "Each list is one line, drawn against 0, 1, 2, ... (or `x`). "
                "The output carries an SVG chart, a PNG of it, the data for "
                "the diffuse JupyterLab extension and a text summary (last "
                "value and minimum of each series). Long series are thinned "
                "for drawing, keeping spikes; `none` leaves a gap. "
                "`epochs` marks where epochs end, as `train` does: "
                "`plot m.losses epochs=m.epoch_ends` draws a model's whole "
                "training, a shipped one's too.",
        .example = "plot [0.9, 0.5, 0.3, 0.2] [1.0, 0.6, 0.45, 0.4] "
                   "names=[\"train\", \"test\"] log=true title=\"loss\"",
        .args = plot_args,
        .nargs = ARRAY_LEN(plot_args),
        .variadic = 1,
        .fn = cmd_plot,
    },
};

const CommandTable cmd_plot_table = {commands, ARRAY_LEN(commands)};
