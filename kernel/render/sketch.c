/*
 * sketch.c: strokes to pixels (see sketch.h).
 */
#include "sketch.h"

#include <math.h>

/* The distance from (px, py) to the segment a-b. */
static double segment_distance(double px, double py, double ax, double ay,
                               double bx, double by)
{
    const double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    double u = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
    u = u < 0 ? 0 : u > 1 ? 1 : u;
    const double ex = ax + u * dx - px, ey = ay + u * dy - py;
    return sqrt(ex * ex + ey * ey);
}

/* Ink the segment a-b: each pixel keeps the most coverage any segment
 * gives it, so strokes overlap without darkening. */
static void ink_segment(RImage *im, double ax, double ay, double bx, double by,
                        double radius)
{
    const int x0 = (int)floor(fmin(ax, bx) - radius - 1);
    const int x1 = (int)ceil(fmax(ax, bx) + radius + 1);
    const int y0 = (int)floor(fmin(ay, by) - radius - 1);
    const int y1 = (int)ceil(fmax(ay, by) + radius + 1);
    for (int y = y0 < 0 ? 0 : y0; y <= y1 && y < im->h; y++)
        for (int x = x0 < 0 ? 0 : x0; x <= x1 && x < im->w; x++) {
            /* pixel centres sit at (x + 0.5, y + 0.5) */
            double d = segment_distance(x + 0.5, y + 0.5, ax, ay, bx, by);
            double cov = radius + 0.5 - d;
            if (cov <= 0)
                continue;
            uint8_t v = (uint8_t)lround(255.0 * (cov > 1 ? 1 : cov));
            uint8_t *p = &im->px[(size_t)y * (size_t)im->w + (size_t)x];
            if (v > *p)
                *p = v;
        }
}

RImage *sketch_draw(const double *xy, const int *counts, int nstrokes,
                    int size, double width, DkErr *err)
{
    if (size < 1 || size > SKETCH_MAX_SIZE) {
        dk_err_set(err, DK_ERR_ARG, "size=%d is not in 1..%d", size, SKETCH_MAX_SIZE);
        return NULL;
    }
    if (!(width > 0 && width <= size)) {
        dk_err_set(err, DK_ERR_ARG, "width=%g is not in (0, %d]", width, size);
        return NULL;
    }
    RImage *im = image_new(size, size, 1, err);
    if (!im)
        return NULL;
    const double r = width / 2;
    size_t k = 0;
    for (int s = 0; s < nstrokes; s++) {
        for (int i = 0; i < counts[s]; i++, k++) {
            const double *a = &xy[2 * k];
            const double *b = i + 1 < counts[s] ? &xy[2 * (k + 1)] : a;
            if (i + 1 < counts[s] || counts[s] == 1)
                ink_segment(im, a[0], a[1], b[0], b[1], r);
        }
    }
    return im;
}
