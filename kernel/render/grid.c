/*
 * grid.c: layout, composite and HTML of an image grid (see grid.h).
 *
 * Vertical order of the composite: padding, title band (font scale 2),
 * padding, then rows of [cell box, caption gap, caption line], each row
 * followed by padding.  Horizontally the block of cells is centred when a
 * long title makes the composite wider than the cells.
 */
#include "grid.h"

#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "font.h"
#include "mime.h"

#define TITLE_SCALE 2
#define CAPTION_GAP 3        /* pixels between a cell and its caption */
#define CAPTION_MAX_W 240    /* a cell never widens past this for text */
#define TITLE_MAX_W 1200
#define AUTO_CELL 128        /* auto scale: largest cell side to aim for */

GridOptions grid_options_default(void)
{
    return (GridOptions){
        .title = NULL, .columns = 0, .scale = 0, .padding = 8,
        .background = {255, 255, 255, 255},
        .foreground = {32, 32, 32, 255},
    };
}

static int has_text(const char *s)
{
    return s && s[0];
}

static const char *caption_of(const char *const *captions, int i)
{
    return captions && has_text(captions[i]) ? captions[i] : NULL;
}

static dk_status check_inputs(const RImage *const *images, int n,
                              const GridOptions *o, DkErr *err)
{
    if (n < 1 || n > GRID_MAX_IMAGES || !images) {
        dk_err_set(err, DK_ERR_ARG, "a grid needs 1 to %d images, not %d",
                   GRID_MAX_IMAGES, n);
        return DK_ERR_ARG;
    }
    for (int i = 0; i < n; i++) {
        char what[32];
        snprintf(what, sizeof what, "grid image %d", i);
        if (image_check(images[i], what, err) != DK_OK)
            return DK_ERR_ARG;
    }
    if (o->columns < 0 || o->scale < 0 || o->scale > 16 ||
        o->padding < 0 || o->padding > 256) {
        dk_err_set(err, DK_ERR_ARG, "grid options out of range (columns "
                   "%d, scale %d, padding %d)", o->columns, o->scale,
                   o->padding);
        dk_err_hint(err, "columns >= 0 (0 = auto), scale 0..16 (0 = auto), "
                    "padding 0..256");
        return DK_ERR_ARG;
    }
    return DK_OK;
}

static int auto_scale(const RImage *const *images, int n)
{
    int side = 1;
    for (int i = 0; i < n; i++) {
        if (images[i]->w > side)
            side = images[i]->w;
        if (images[i]->h > side)
            side = images[i]->h;
    }
    int s = AUTO_CELL / side;
    return s < 1 ? 1 : s > 8 ? 8 : s;
}

/* The cell box: the largest scaled image, widened for captions. */
static void cell_size(const RImage *const *images, int n,
                      const char *const *captions, GridLayout *l)
{
    l->cell_w = l->cell_h = 0;
    for (int i = 0; i < n; i++) {
        if (images[i]->w * l->scale > l->cell_w)
            l->cell_w = images[i]->w * l->scale;
        if (images[i]->h * l->scale > l->cell_h)
            l->cell_h = images[i]->h * l->scale;
        const char *cap = caption_of(captions, i);
        int tw = cap ? font_text_width(cap, 1) : 0;
        if (tw > CAPTION_MAX_W)
            tw = CAPTION_MAX_W;
        if (tw > l->cell_w)
            l->cell_w = tw;
    }
}

dk_status grid_layout(const RImage *const *images, int n,
                      const char *const *captions, const GridOptions *o,
                      GridLayout *l, DkErr *err)
{
    *l = (GridLayout){0};
    if (check_inputs(images, n, o, err) != DK_OK)
        return DK_ERR_ARG;
    int pad = o->padding;
    l->n = n;
    l->columns = o->columns > 0 && o->columns < n ? o->columns
                 : (o->columns > 0 ? n : (n < 10 ? n : 10));
    l->rows = (n + l->columns - 1) / l->columns;
    l->scale = o->scale > 0 ? o->scale : auto_scale(images, n);
    cell_size(images, n, captions, l);

    int any_caption = 0;
    for (int i = 0; i < n; i++)
        any_caption |= caption_of(captions, i) != NULL;
    int cap_band = any_caption ? CAPTION_GAP + FONT_H : 0;
    int pitch_x = l->cell_w + pad, pitch_y = l->cell_h + cap_band + pad;
    long long cells_w = (long long)l->columns * pitch_x - pad;
    long long width = cells_w + 2LL * pad;
    int title_h = has_text(o->title) ? font_text_height(TITLE_SCALE) : 0;
    if (title_h) {
        long long tw = font_text_width(o->title, TITLE_SCALE);
        if (tw > TITLE_MAX_W)
            tw = TITLE_MAX_W;
        if (tw + 2LL * pad > width)
            width = tw + 2LL * pad;
    }
    int top = pad + (title_h ? title_h + pad : 0);
    long long height = top + (long long)l->rows * pitch_y;
    if (width > IMAGE_MAX_DIM || height > IMAGE_MAX_DIM ||
        width * height * 3 > (long long)IMAGE_MAX_BYTES) {
        dk_err_set(err, DK_ERR_ARG, "the grid would be %lldx%lld pixels, "
                   "too large", width, height);
        dk_err_hint(err, "use fewer images, fewer columns or a smaller "
                    "scale");
        return DK_ERR_ARG;
    }
    l->width = (int)width;
    l->height = (int)height;
    if (title_h)
        l->title = (GridRect){pad, pad, l->width - 2 * pad, title_h};

    l->cells = calloc((size_t)n, sizeof *l->cells);
    l->captions = calloc((size_t)n, sizeof *l->captions);
    if (!l->cells || !l->captions) {
        grid_layout_free(l);
        return dk_err_set(err, DK_ERR_OOM, "out of memory laying out a "
                          "grid of %d images", n);
    }
    int x0 = pad + (int)((width - 2 * pad - cells_w) / 2);
    for (int i = 0; i < n; i++) {
        int bx = x0 + (i % l->columns) * pitch_x;
        int by = top + (i / l->columns) * pitch_y;
        int iw = images[i]->w * l->scale, ih = images[i]->h * l->scale;
        l->cells[i] = (GridRect){bx + (l->cell_w - iw) / 2, by, iw, ih};
        if (caption_of(captions, i))
            l->captions[i] = (GridRect){bx, by + l->cell_h + CAPTION_GAP,
                                        l->cell_w, FONT_H};
    }
    return DK_OK;
}

void grid_layout_free(GridLayout *l)
{
    free(l->cells);
    free(l->captions);
    *l = (GridLayout){0};
}

/* Draw s centred in box r at font scale `scale`, shortened to fit. */
static void draw_centred(RImage *im, GridRect r, const char *s, int scale,
                         RColor col)
{
    char fitted[512];
    font_fit(s, r.w, scale, fitted, sizeof fitted);
    int tw = font_text_width(fitted, scale);
    font_draw(im, r.x + (r.w - tw) / 2, r.y, fitted, scale, col);
}

dk_status grid_render(const RImage *const *images, int n,
                      const char *const *captions, const GridOptions *o,
                      RImage **out, DkErr *err)
{
    *out = NULL;
    GridLayout l;
    if (grid_layout(images, n, captions, o, &l, err) != DK_OK)
        return err ? err->code : DK_ERR_ARG;
    RImage *im = image_new(l.width, l.height, 3, err);
    if (!im) {
        grid_layout_free(&l);
        return err ? err->code : DK_ERR_OOM;
    }
    image_fill(im, o->background);
    if (l.title.h)
        draw_centred(im, l.title, o->title, TITLE_SCALE, o->foreground);
    for (int i = 0; i < n; i++) {
        image_blit(im, images[i], l.cells[i].x, l.cells[i].y, l.scale);
        if (l.captions[i].h)
            draw_centred(im, l.captions[i], captions[i], 1, o->foreground);
    }
    grid_layout_free(&l);
    *out = im;
    return DK_OK;
}

char *grid_html(const RImage *const *images, int n,
                const char *const *captions, const GridOptions *o,
                DkErr *err)
{
    GridLayout l;
    if (grid_layout(images, n, captions, o, &l, err) != DK_OK)
        return NULL;
    Buf b = {0};
    /* Fits the page in every front-end: the columns shrink (minmax(0,
     * W)) and the images with them (max-width:100%, height:auto keeps the
     * aspect) when the grid is wider than its container; no wider than the
     * composite PNG otherwise. */
    buf_printf(&b, "<figure class=\"dk-grid\" style=\"margin:0;"
               "display:inline-block;max-width:100%%;box-sizing:border-box;"
               "font-family:monospace\">");
    if (has_text(o->title)) {
        buf_puts(&b, "<figcaption style=\"font-weight:bold;"
                 "margin-bottom:6px\">");
        buf_put_xml(&b, o->title);
        buf_puts(&b, "</figcaption>");
    }
    buf_printf(&b, "<div style=\"display:grid;grid-template-columns:"
               "repeat(%d,minmax(0,%dpx));gap:%dpx\">", l.columns, l.cell_w,
               o->padding);
    for (int i = 0; i < n && !b.oom; i++) {
        char *uri = mime_png_data_uri(images[i], err);
        if (!uri) {
            buf_free(&b);
            grid_layout_free(&l);
            return NULL;
        }
        const char *cap = caption_of(captions, i);
        buf_puts(&b, "<figure style=\"margin:0;min-width:0;"
                 "text-align:center\">");
        buf_printf(&b, "<img src=\"%s\" width=\"%d\" height=\"%d\" "
                   "style=\"max-width:100%%;height:auto;"
                   "image-rendering:crisp-edges;image-rendering:"
                   "pixelated\" alt=\"", uri, l.cells[i].w, l.cells[i].h);
        free(uri);
        /* alt text: the caption, else the title and the image's place */
        if (cap) {
            buf_put_xml(&b, cap);
        } else {
            if (has_text(o->title)) {
                buf_put_xml(&b, o->title);
                buf_puts(&b, ", ");
            }
            buf_printf(&b, "image %d of %d", i + 1, n);
        }
        buf_puts(&b, "\">");
        if (cap) {
            buf_puts(&b, "<figcaption style=\"font-size:12px\">");
            buf_put_xml(&b, cap);
            buf_puts(&b, "</figcaption>");
        }
        buf_puts(&b, "</figure>");
    }
    buf_puts(&b, "</div></figure>");
    grid_layout_free(&l);
    char *html = buf_detach(&b, NULL);
    if (!html)
        dk_err_set(err, DK_ERR_OOM, "out of memory building a grid's HTML");
    return html;
}

/* "<title>: N images (WxH)" or "(mixed sizes)". */
static char *plain_text(const RImage *const *images, int n, const char *title)
{
    int same = 1;
    for (int i = 1; i < n; i++)
        same &= images[i]->w == images[0]->w && images[i]->h == images[0]->h;
    Buf b = {0};
    if (has_text(title))
        buf_printf(&b, "%s: ", title);
    buf_printf(&b, "%d image%s", n, n == 1 ? "" : "s");
    if (same)
        buf_printf(&b, " (%dx%d)", images[0]->w, images[0]->h);
    else
        buf_puts(&b, " (mixed sizes)");
    return buf_detach(&b, NULL);
}

dk_status grid_bundle(const RImage *const *images, int n,
                      const char *const *captions, const GridOptions *o,
                      json_t **data, json_t **metadata, DkErr *err)
{
    *data = *metadata = NULL;
    RImage *composite = NULL;
    if (grid_render(images, n, captions, o, &composite, err) != DK_OK)
        return err ? err->code : DK_ERR_ARG;
    char *html = grid_html(images, n, captions, o, err);
    char *plain = plain_text(images, n, o->title);
    json_t *d = mime_object(), *m = mime_object();
    dk_status rc = DK_OK;
    if (!html || !plain || !d || !m)
        rc = html ? dk_err_set(err, DK_ERR_OOM, "out of memory building a "
                               "grid") : (err ? err->code : DK_ERR_OOM);
    if (rc == DK_OK)
        rc = mime_add_png(d, m, composite, 0, 0, err);
    if (rc == DK_OK)
        rc = mime_add_text(d, "text/html", html, err);
    if (rc == DK_OK)
        rc = mime_add_text(d, "text/plain", plain, err);
    image_free(composite);
    free(html);
    free(plain);
    if (rc != DK_OK) {
        json_decref(d);
        json_decref(m);
        return rc;
    }
    *data = d;
    *metadata = m;
    return DK_OK;
}
