/*
 * sketch.h: a drawing from strokes, for section 1.7.1's hand-drawn images.
 *
 * The course has students draw on a canvas widget.  In a notebook with no
 * other program, a drawing is a list of strokes, each a polyline through
 * points given in pixels of the square canvas (x to the right, y down).
 * Each segment is drawn as a round-capped line of the given width, with
 * anti-aliased edges (coverage from the distance to the segment), in
 * white on black: MNIST's look.  Callers invert or convert to RGB.
 *
 * Ownership: the points are borrowed; the result is a new 1-channel
 * RImage (image_free), or NULL with err set (DK_ERR_ARG for a size or
 * width out of range, DK_ERR_OOM).
 */
#ifndef DK_SKETCH_H
#define DK_SKETCH_H

#include "image.h"

#define SKETCH_MAX_SIZE 1024

/* Stroke i has counts[i] points: xy[2k], xy[2k+1] for its k-th point, the
 * strokes' points stored one after another.  A stroke of one point is a
 * dot. */
RImage *sketch_draw(const double *xy, const int *counts, int nstrokes,
                    int size, double width, DkErr *err);

#endif
