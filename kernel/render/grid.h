/*
 * grid.h: a titled grid of images with per-image captions ("t=250"), as
 * one Jupyter display.
 *
 * The bundle (grid_bundle) holds:
 *   "text/html"  a <figure> with one data-URI PNG per image at its own
 *                size, shown `scale` times larger with CSS
 *                image-rendering: pixelated, and HTML captions;
 *   "image/png"  one composite PNG with the title and captions drawn by
 *                the built-in font (classic notebook, nbconvert, GitHub);
 *   "text/plain" "<title>: N images (WxH)";
 * and metadata {"image/png": {"width", "height"}}.
 *
 * Geometry lives in grid_layout so tests can check it without pixels:
 * every image gets a cell box of the largest scaled image size, cells sit
 * `padding` apart and from the border, the title band is above all cells
 * and each caption box is directly under its cell.
 *
 * Ownership: images, captions and options are borrowed.  captions may be
 * NULL (no captions), and so may any captions[i] (that image has none).
 * Outputs (*layout arrays, *out image, *data, *metadata) are new and
 * belong to the caller; on error they are NULL / zeroed and err says why
 * (DK_ERR_ARG for a bad image, count or option, DK_ERR_OOM).
 */
#ifndef DK_GRID_H
#define DK_GRID_H

#include <jansson.h>

#include "../util/err.h"
#include "image.h"

#define GRID_MAX_IMAGES 4096

typedef struct GridOptions {
    const char *title;   /* NULL or "" for none */
    int columns;         /* 0 = auto: min(n, 10) */
    int scale;           /* nearest-neighbour upscale 1..16; 0 = auto:
                            the largest that keeps cells <= 128 px */
    int padding;         /* pixels between and around cells; default 8 */
    RColor background;   /* default white */
    RColor foreground;   /* text colour; default near-black */
} GridOptions;

/* A rectangle in composite pixels; w == 0 or h == 0 means "absent". */
typedef struct GridRect {
    int x, y, w, h;
} GridRect;

typedef struct GridLayout {
    int n, columns, rows;
    int scale;           /* the scale actually used */
    int cell_w, cell_h;  /* the cell box (largest scaled image) */
    int width, height;   /* the whole composite */
    GridRect title;      /* the title band; h == 0 without a title */
    GridRect *cells;     /* n boxes where the scaled images go (each image
                            centred horizontally at the top of its box) */
    GridRect *captions;  /* n caption boxes under the cells; h == 0 for an
                            image without caption */
} GridLayout;

/* Defaults: auto columns and scale, padding 8, white background. */
GridOptions grid_options_default(void);

/* Compute the layout.  On DK_OK the caller frees it with grid_layout_free
 * (safe on a zeroed layout). */
dk_status grid_layout(const RImage *const *images, int n,
                      const char *const *captions, const GridOptions *o,
                      GridLayout *layout, DkErr *err);
void grid_layout_free(GridLayout *layout);

/* Draw the composite (RGB) described by grid_layout. */
dk_status grid_render(const RImage *const *images, int n,
                      const char *const *captions, const GridOptions *o,
                      RImage **out, DkErr *err);

/* The display bundle described above. */
dk_status grid_bundle(const RImage *const *images, int n,
                      const char *const *captions, const GridOptions *o,
                      json_t **data, json_t **metadata, DkErr *err);

/* Just the "text/html" figure (grid_bundle's), for callers composing
 * their own bundles (progression.c).  malloc'd; NULL with err set. */
char *grid_html(const RImage *const *images, int n,
                const char *const *captions, const GridOptions *o,
                DkErr *err);

#endif
