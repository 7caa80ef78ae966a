/*
 * test_plot.c: nice linear ticks and decade log ticks, min/max-preserving
 * decimation, an SVG that a real XML parser (xmllint, from the Debian
 * package libxml2-utils) accepts with the right number of points per
 * series, the log axis with non-positive values, and the bundle's JSON,
 * PNG and text; epoch labels that thin out instead of colliding and stay
 * inside the image; a legend only when there are series to tell apart.  Writes /tmp/dk_sample_plot.png and .svg.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "render/plot.h"
#include "render/png.h"
#include "util/base64.h"

static int near(double a, double b)
{
    return fabs(a - b) <= 1e-9 * (fabs(a) + fabs(b) + 1e-300);
}

static void test_ticks(void)
{
    double t[PLOT_MAX_TICKS], lo, hi;
    int n = plot_ticks(0, 1000, 0, t, PLOT_MAX_TICKS, &lo, &hi);
    CHECK(n == 6 && t[0] == 0 && near(t[1], 200) && near(t[5], 1000));
    CHECK(lo == 0 && near(hi, 1000));
    n = plot_ticks(0.013, 0.097, 0, t, PLOT_MAX_TICKS, &lo, &hi);
    CHECK(n == 6 && near(t[0], 0) && near(t[1], 0.02) && near(t[5], 0.1));
    n = plot_ticks(-3.7, 12.2, 0, t, PLOT_MAX_TICKS, &lo, &hi);
    CHECK(n == 5 && near(lo, -5) && near(hi, 15) && near(t[1], 0));
    n = plot_ticks(5, 5, 0, t, PLOT_MAX_TICKS, &lo, &hi);
    CHECK(n >= 2 && lo < 5 && hi > 5);
    n = plot_ticks(0, 0, 0, t, PLOT_MAX_TICKS, &lo, &hi);
    CHECK(n >= 2 && lo < 0 && hi > 0);

    n = plot_ticks(0.003, 1.5, 1, t, PLOT_MAX_TICKS, &lo, &hi);
    CHECK(n == 5 && near(t[0], 1e-3) && near(t[4], 10));
    CHECK(near(lo, 1e-3) && near(hi, 10));
    n = plot_ticks(0.01, 0.01, 1, t, PLOT_MAX_TICKS, &lo, &hi);
    CHECK(n == 2 && near(t[0], 0.01) && near(t[1], 0.1));
    n = plot_ticks(1e-12, 1e3, 1, t, PLOT_MAX_TICKS, &lo, &hi);
    CHECK(n <= 11 && n >= 8 && near(t[0], 1e-12) && near(t[1], 1e-10));
    CHECK(plot_ticks(-1, 10, 1, t, PLOT_MAX_TICKS, &lo, &hi) == 0);
    CHECK(plot_ticks(NAN, 1, 0, t, PLOT_MAX_TICKS, &lo, &hi) == 0);
}

static void test_decimate(void)
{
    enum { N = 10007 };
    static double y[N];
    static int idx[2000];
    for (int i = 0; i < N; i++)
        y[i] = sin(i * 0.01) + (i == 4321 ? 50 : 0) - (i == 777 ? 9 : 0);
    int n = plot_decimate(y, N, 2000, idx);
    CHECK(n <= 2000 && n >= 1000);
    int increasing = 1, has_spike = 0, has_dip = 0;
    for (int i = 0; i < n; i++) {
        increasing &= i == 0 || idx[i] > idx[i - 1];
        has_spike |= idx[i] == 4321;
        has_dip |= idx[i] == 777;
    }
    CHECK(increasing && has_spike && has_dip);
    CHECK(plot_decimate(y, 5, 2000, idx) == 5 && idx[4] == 4);
}

/* Run xmllint on the file; returns its stdout (malloc'd) or NULL. */
static char *xmllint(const char *args, const char *path)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "xmllint %s %s 2>&1", args, path);
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    char *out = calloc(1, 1 << 20);
    size_t n = fread(out, 1, (1 << 20) - 1, p);
    out[n] = '\0';
    int rc = pclose(p);
    if (rc != 0) {
        fprintf(stderr, "xmllint %s: rc %d: %s\n", args, rc, out);
        free(out);
        return NULL;
    }
    return out;
}

static int count_points(const char *path, int series)
{
    char args[200];
    snprintf(args, sizeof args, "--xpath '//*[local-name()=\"polyline\"]"
             "[@data-series=\"%d\"]/@points'", series);
    char *out = xmllint(args, path);
    if (!out)
        return -1;
    /* Prints ' points="x,y x,y"' per polyline: one comma per point. */
    int n = 0;
    for (char *c = out; *c; c++)
        n += *c == ',';
    free(out);
    return n;
}

static int xpath_count(const char *path, const char *expr)
{
    char args[300];
    snprintf(args, sizeof args, "--xpath '%s'", expr);
    char *out = xmllint(args, path);
    int n = out ? atoi(out) : -1;
    free(out);
    return n;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

enum { NT = 5000, NV = 50 };
static double tx[NT], ty[NT], vx[NV], vy[NV];

static PlotSpec training_spec(PlotSeries *ser, PlotEpoch *ep)
{
    for (int i = 0; i < NT; i++) {
        tx[i] = i + 1;
        ty[i] = 1.4 * exp(-i / 300.0) + 0.08 + 0.02 * sin(i * 1.7);
    }
    for (int i = 0; i < NV; i++) {
        vx[i] = (i + 1) * 100.0;
        vy[i] = 1.2 * exp(-i / 4.0) + 0.09;
    }
    ser[0] = (PlotSeries){"train <mse>", tx, ty, NT};
    ser[1] = (PlotSeries){"val & test", vx, vy, NV};
    ep[0] = (PlotEpoch){1875, "epoch 1"};
    ep[1] = (PlotEpoch){3750, "epoch 2"};
    ep[2] = (PlotEpoch){99999, "off the axis"};
    return (PlotSpec){.title = "Flow matching \"loss\"", .xlabel = "step",
                      .ylabel = "MSE loss", .series = ser, .nseries = 2,
                      .epochs = ep, .nepochs = 3, .log_y = 1};
}

static void test_svg(void)
{
    PlotSeries ser[2];
    PlotEpoch ep[3];
    PlotSpec s = training_spec(ser, ep);
    DkErr e = {0};
    char *svg = plot_svg(&s, &e);
    CHECK(svg != NULL);
    const char *path = "/tmp/dk_sample_plot.svg";
    write_file(path, svg ? svg : "");
    char *ok = xmllint("--noout", path);
    CHECK(ok != NULL);  /* well-formed */
    free(ok);
    CHECK(xpath_count(path, "count(//*[local-name()=\"polyline\"])") == 2);
    int p0 = count_points(path, 0);
    CHECK(p0 > 1000 && p0 <= PLOT_DRAW_POINTS);
    CHECK(count_points(path, 1) == NV);
    CHECK(xpath_count(path, "count(//*[@class=\"epoch\"])") == 2);
    CHECK(svg && strstr(svg, "train &lt;mse&gt;"));
    CHECK(svg && strstr(svg, "Flow matching &quot;loss&quot;"));
    /* Decade labels on the log axis. */
    CHECK(svg && strstr(svg, ">0.1</text>") && strstr(svg, ">1</text>"));
    free(svg);

    /* Linear axis, short series without x: one point per value. */
    double y[7] = {3, 1, 4, 1, 5, 9, 2};
    PlotSeries one = {"pi", NULL, y, 7};
    PlotSpec lin = {.series = &one, .nseries = 1};
    svg = plot_svg(&lin, &e);
    write_file("/tmp/dk_plot_linear.svg", svg ? svg : "");
    CHECK(count_points("/tmp/dk_plot_linear.svg", 0) == 7);
    free(svg);
    dk_err_clear(&e);
}

static void test_log_nonpositive(void)
{
    double y[8] = {1.0, 0.5, 0.0, -0.2, 0.1, NAN, 0.05, 0.02};
    PlotSeries ser = {"loss", NULL, y, 8};
    PlotSpec s = {.series = &ser, .nseries = 1, .log_y = 1};
    DkErr e = {0};
    char *svg = plot_svg(&s, &e);
    const char *path = "/tmp/dk_plot_log.svg";
    write_file(path, svg ? svg : "");
    free(svg);
    /* Runs: [1, .5] [.1] [.05, .02] */
    CHECK(xpath_count(path, "count(//*[local-name()=\"polyline\"])") == 3);
    CHECK(count_points(path, 0) == 5);
    json_t *data = NULL, *meta = NULL;
    CHECK(plot_bundle(&s, &data, &meta, &e) == DK_OK);
    const char *text = json_string_value(json_object_get(data, "text/plain"));
    CHECK(text && strstr(text, "2 non-positive values not shown"));
    CHECK(text && strstr(text, "last 0.02 (x=7), min -0.2 (x=3)"));
    json_t *j = json_object_get(data, PLOT_MIME);
    json_t *ys = json_object_get(json_array_get(json_object_get(j, "series"),
                                                0), "y");
    CHECK(json_array_size(ys) == 8 && json_is_null(json_array_get(ys, 5)));
    CHECK(json_is_true(json_object_get(j, "log_y")));
    json_decref(data);
    json_decref(meta);

    /* Nothing positive: falls back to a linear axis. */
    double neg[3] = {-1, -2, 0};
    PlotSeries ns = {"neg", NULL, neg, 3};
    PlotSpec s2 = {.series = &ns, .nseries = 1, .log_y = 1};
    CHECK(plot_bundle(&s2, &data, &meta, &e) == DK_OK);
    text = json_string_value(json_object_get(data, "text/plain"));
    CHECK(text && strstr(text, "y axis is linear"));
    json_decref(data);
    json_decref(meta);
    dk_err_clear(&e);
}

static void test_bundle(void)
{
    PlotSeries ser[2];
    PlotEpoch ep[3];
    PlotSpec s = training_spec(ser, ep);
    json_t *data = NULL, *meta = NULL;
    DkErr e = {0};
    CHECK(plot_bundle(&s, &data, &meta, &e) == DK_OK);
    json_t *j = json_object_get(data, PLOT_MIME);
    json_t *series = json_object_get(j, "series");
    CHECK(json_array_size(series) == 2);
    json_t *s0 = json_array_get(series, 0);
    CHECK_STR(json_string_value(json_object_get(s0, "name")), "train <mse>");
    CHECK(json_array_size(json_object_get(s0, "x")) == NT);
    CHECK(json_array_size(json_object_get(s0, "y")) == NT);
    CHECK(json_object_get(s0, "decimated") == NULL);
    CHECK(json_real_value(json_array_get(json_object_get(s0, "y"), 17)) ==
          ty[17]);
    CHECK(json_array_size(json_object_get(j, "epochs")) == 3);
    CHECK(json_integer_value(json_object_get(j, "version")) == 1);
    CHECK_STR(json_string_value(json_object_get(j, "ylabel")), "MSE loss");
    CHECK(json_is_string(json_object_get(data, "image/svg+xml")));
    const char *text = json_string_value(json_object_get(data, "text/plain"));
    CHECK(text && strncmp(text, "Flow matching \"loss\" (2 series, log y)\n",
                          39) == 0);
    CHECK(text && strstr(text, "  val & test: 50 points, last 0.09"));

    const char *b64 = json_string_value(json_object_get(data, "image/png"));
    uint8_t *png = NULL;
    size_t len = 0;
    RImage *im = NULL;
    CHECK(b64 && base64_decode(b64, strlen(b64), &png, &len, &e) == DK_OK);
    CHECK(png && png_decode(png, len, "plot", &im, &e) == DK_OK);
    CHECK(im && im->w == 640 && im->h == 400);
    json_t *size = json_object_get(meta, "image/png");
    CHECK(json_integer_value(json_object_get(size, "width")) == 640);
    /* Some pixels carry the first series' blue. */
    int blue = 0;
    for (int i = 0; im && i < im->w * im->h; i++)
        blue += im->px[3 * i] == 31 && im->px[3 * i + 1] == 119 &&
                im->px[3 * i + 2] == 180;
    CHECK(blue > 100);
    png_save_file("/tmp/dk_sample_plot.png", im, &e);
    image_free(im);
    free(png);
    json_decref(data);
    json_decref(meta);
    dk_err_clear(&e);
}

static void test_long_json(void)
{
    enum { N = 50000 };
    double *y = malloc(sizeof *y * N);
    for (int i = 0; i < N; i++)
        y[i] = 1.0 / (i + 1);
    PlotSeries ser = {"long", NULL, y, N};
    PlotSpec s = {.series = &ser, .nseries = 1};
    json_t *data = NULL, *meta = NULL;
    CHECK(plot_bundle(&s, &data, &meta, NULL) == DK_OK);
    json_t *s0 = json_array_get(json_object_get(json_object_get(data,
                                PLOT_MIME), "series"), 0);
    CHECK(json_array_size(json_object_get(s0, "y")) <= PLOT_JSON_POINTS);
    CHECK(json_is_true(json_object_get(s0, "decimated")));
    json_decref(data);
    json_decref(meta);
    free(y);
}

static void test_errors(void)
{
    DkErr e = {0};
    json_t *data = NULL, *meta = NULL;
    PlotSpec s = {0};
    CHECK(plot_bundle(&s, &data, &meta, &e) == DK_ERR_ARG);
    CHECK(data == NULL && meta == NULL);
    dk_err_clear(&e);
    PlotSeries empty = {"e", NULL, NULL, 0};
    s.series = &empty;
    s.nseries = 1;
    CHECK(plot_bundle(&s, &data, &meta, &e) == DK_ERR_ARG);
    CHECK(e.msg && strstr(e.msg, "no points"));
    dk_err_clear(&e);
    double y[2] = {1, 2};
    PlotSeries ok = {"ok", NULL, y, 2};
    s.series = &ok;
    s.width = 50;
    CHECK(plot_bundle(&s, &data, &meta, &e) == DK_ERR_ARG);
    dk_err_clear(&e);
    /* All values NaN: still a valid (empty) chart. */
    double nan2[2] = {NAN, NAN};
    PlotSeries nn = {"nan", NULL, nan2, 2};
    PlotSpec s3 = {.series = &nn, .nseries = 1};
    CHECK(plot_bundle(&s3, &data, &meta, &e) == DK_OK);
    CHECK(strstr(json_string_value(json_object_get(data, "text/plain")),
                 "no finite values") != NULL);
    json_decref(data);
    json_decref(meta);
}

/* The x of every epoch label in an SVG, in order; returns the count. */
static int epoch_label_xs(const char *svg, double *xs, int max, int *widths)
{
    int n = 0;
    for (const char *p = svg; (p = strstr(p, "<text x=\"")) && n < max; p++) {
        double x = strtod(p + 9, NULL);
        const char *gt = strchr(p, '>');
        if (!gt || strncmp(gt + 1, "epoch ", 6) != 0)
            continue;
        const char *end = strstr(gt, "</text>");
        xs[n] = x;
        widths[n] = (int)(end - gt - 1) * 7; /* 11px monospace: < 7 px a char */
        n++;
    }
    return n;
}

/* Ten epochs on 640 px: the labels thin out to every 2nd (or 5th), never
 * touch ("epoch 1epoch 2..." before), and the last one ends inside the
 * image (it ran off the right edge before). */
static void test_epoch_labels(void)
{
    static double x[1000], y[1000];
    for (int i = 0; i < 1000; i++)
        x[i] = i + 1, y[i] = 1.0 / (i + 1);
    PlotSeries one = {"train", x, y, 1000};
    PlotEpoch ep[10];
    static char names[10][16];
    for (int i = 0; i < 10; i++) {
        snprintf(names[i], sizeof names[i], "epoch %d", i + 1);
        ep[i] = (PlotEpoch){(i + 1) * 100.0, names[i]};
    }
    PlotSpec s = {.title = "loss", .series = &one, .nseries = 1,
                  .epochs = ep, .nepochs = 10, .width = 640, .height = 400};
    DkErr e = {0};
    char *svg = plot_svg(&s, &e);
    CHECK(svg != NULL);
    double xs[16];
    int ws[16];
    int n = svg ? epoch_label_xs(svg, xs, 16, ws) : 0;
    CHECK(n >= 2 && n < 10);
    for (int i = 1; i < n; i++)
        CHECK(xs[i] >= xs[i - 1] + ws[i - 1]);
    CHECK(n > 0 && xs[n - 1] + ws[n - 1] <= 640);
    CHECK(svg && strstr(svg, ">epoch 10</text>")); /* the last is kept */
    /* every epoch still has its mark */
    int marks = 0;
    for (const char *p = svg; p && (p = strstr(p, "class=\"epoch\"")); p++)
        marks++;
    CHECK(marks == 10);
    free(svg);

    /* One epoch at the right edge: its label turns to the left of the
     * mark instead of being cut off. */
    PlotSpec edge = s;
    edge.epochs = &ep[9];
    edge.nepochs = 1;
    svg = plot_svg(&edge, &e);
    n = svg ? epoch_label_xs(svg, xs, 16, ws) : 0;
    CHECK(n == 1 && xs[0] + ws[0] <= 640);
    free(svg);
    dk_err_clear(&e);
}

/* Two series over ten epochs: the legend box sits below every epoch
 * label (it covered "epoch 10" in the top right corner before). */
static void test_legend_clears_epoch_labels(void)
{
    static double y[1000], z[1000];
    for (int i = 0; i < 1000; i++)
        y[i] = 1.0 / (i + 1), z[i] = 2.0 / (i + 1);
    PlotSeries two[2] = {{"1e-2, decayed", NULL, y, 1000}, {"1e-3, clip 1", NULL, z, 1000}};
    PlotEpoch ep[10];
    static char names[10][16];
    for (int i = 0; i < 10; i++) {
        snprintf(names[i], sizeof names[i], "epoch %d", i + 1);
        ep[i] = (PlotEpoch){(i + 1) * 100.0, names[i]};
    }
    PlotSpec s = {.title = "loss", .series = two, .nseries = 2, .log_y = 1,
                  .epochs = ep, .nepochs = 10, .width = 640, .height = 400};
    DkErr e = {0};
    char *svg = plot_svg(&s, &e);
    const char *g = svg ? strstr(svg, "<g class=\"legend\"><rect x=\"") : NULL;
    CHECK(g != NULL);
    if (!g) {
        free(svg);
        return;
    }
    double lx = 0, ly = 0, lw = 0;
    CHECK(sscanf(strstr(g, "<rect"), "<rect x=\"%lf\" y=\"%lf\" width=\"%lf\"", &lx, &ly,
                 &lw) == 3);
    int labels = 0;
    for (const char *p = svg; (p = strstr(p, "<text x=\"")); p++) {
        double lab_x = 0, lab_y = 0;
        const char *gt = strchr(p, '>');
        if (!gt || strncmp(gt + 1, "epoch ", 6) || sscanf(p, "<text x=\"%lf\" y=\"%lf\"",
                                                         &lab_x, &lab_y) != 2)
            continue;
        labels++;
        int right = (int)lab_x + (int)(strstr(gt, "</text>") - gt - 1) * 7;
        if (right > lx && lab_x < lx + lw)  /* the same columns: the label ends above */
            CHECK(lab_y + 3 <= ly);
    }
    CHECK(labels >= 2 && strstr(svg, ">epoch 10</text>"));
    free(svg);
    dk_err_clear(&e);
}

/* A legend tells series apart: one named series draws none, two do. */
static void test_legend_only_for_several(void)
{
    double y[5] = {5, 4, 3, 2, 1}, z[5] = {1, 2, 3, 4, 5};
    PlotSeries two[2] = {{"train", NULL, y, 5}, {"val", NULL, z, 5}};
    PlotSpec s = {.series = two, .nseries = 1};
    DkErr e = {0};
    char *svg = plot_svg(&s, &e);
    CHECK(svg && !strstr(svg, "class=\"legend\""));
    free(svg);
    s.nseries = 2;
    svg = plot_svg(&s, &e);
    CHECK(svg && strstr(svg, "class=\"legend\""));
    free(svg);
    dk_err_clear(&e);
}

int main(void)
{
    test_ticks();
    test_decimate();
    test_svg();
    test_log_nonpositive();
    test_bundle();
    test_long_json();
    test_errors();
    test_epoch_labels();
    test_legend_only_for_several();
    test_legend_clears_epoch_labels();
    return check_report("test_plot");
}
