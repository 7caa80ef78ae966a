/*
 * test_grid.c: grid geometry (cells never overlap, captions sit under
 * their cells, sizes add up), the composite matches the layout pixel for
 * pixel, and the bundle carries HTML, a PNG of the computed size and the
 * plain-text summary.  Writes a sample to /tmp/dk_sample_grid.png.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "render/font.h"
#include "render/grid.h"
#include "render/png.h"
#include "util/base64.h"

/* A 28x28 "MNIST digit": the character drawn white on black at 2x. */
static RImage *digit(char ch)
{
    RImage *im = image_new(28, 28, 1, NULL);
    char s[2] = {ch, 0};
    font_draw(im, 8, 4, s, 2, (RColor){255, 255, 255, 255});
    return im;
}

static int overlap(GridRect a, GridRect b)
{
    return a.w > 0 && a.h > 0 && b.w > 0 && b.h > 0 && a.x < b.x + b.w &&
           b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static int inside(GridRect r, int w, int h)
{
    return r.x >= 0 && r.y >= 0 && r.x + r.w <= w && r.y + r.h <= h;
}

static void test_layout(void)
{
    RImage *ims[10];
    const char *caps[10] = {"t=999", "t=900", "t=800", "t=700", "t=600",
                            "t=500", "t=400", "t=300", "t=200", NULL};
    for (int i = 0; i < 10; i++)
        ims[i] = digit((char)('0' + i));
    GridOptions o = grid_options_default();
    o.columns = 4;
    o.title = "Samples";
    GridLayout l;
    DkErr e = {0};
    CHECK(grid_layout((const RImage *const *)ims, 10, caps, &o, &l, &e)
          == DK_OK);
    CHECK(l.columns == 4 && l.rows == 3 && l.scale == 4);
    CHECK(l.cell_w == 112 && l.cell_h == 112);
    CHECK(l.width == 8 + 4 * 112 + 3 * 8 + 8);
    /* title 20 + pads; each row: cell + 3 + 10 caption + pad */
    CHECK(l.height == 8 + 20 + 8 + 3 * (112 + 3 + FONT_H + 8));
    CHECK(l.title.h == 2 * FONT_H && l.title.y == 8);
    int bad = 0;
    for (int i = 0; i < 10; i++) {
        GridRect c = l.cells[i], k = l.captions[i];
        bad += !inside(c, l.width, l.height);
        bad += c.w != 112 || c.h != 112;
        bad += overlap(c, l.title);
        if (i == 9) {
            bad += k.h != 0;  /* no caption for the last */
            continue;
        }
        bad += !inside(k, l.width, l.height);
        bad += k.y != c.y + c.h + 3;                     /* right under */
        bad += k.x > c.x || k.x + k.w < c.x + c.w;       /* spans it */
        for (int j = 0; j < 10; j++) {
            bad += j != i && overlap(c, l.cells[j]);
            bad += overlap(k, l.cells[j]);
            bad += j != i && overlap(k, l.captions[j]);
        }
    }
    CHECK(bad == 0);
    CHECK(l.cells[1].x - l.cells[0].x == 112 + 8);
    CHECK(l.cells[4].y - l.cells[0].y == 112 + 3 + FONT_H + 8);
    grid_layout_free(&l);

    /* Auto columns, no title, no captions: one row of 10. */
    o = grid_options_default();
    o.padding = 2;
    CHECK(grid_layout((const RImage *const *)ims, 10, NULL, &o, &l, &e)
          == DK_OK);
    CHECK(l.columns == 10 && l.rows == 1 && l.title.h == 0);
    CHECK(l.width == 2 + 10 * 112 + 9 * 2 + 2 && l.height == 2 + 112 + 2);
    grid_layout_free(&l);

    /* A long title widens the composite and centres the cells. */
    o.title = "A rather long title for a single tiny image";
    o.scale = 1;
    CHECK(grid_layout((const RImage *const *)ims, 1, NULL, &o, &l, &e)
          == DK_OK);
    CHECK(l.width == font_text_width(o.title, 2) + 4);
    CHECK(abs((l.cells[0].x + 14) - l.width / 2) <= 1);
    grid_layout_free(&l);
    for (int i = 0; i < 10; i++)
        image_free(ims[i]);
    dk_err_clear(&e);
}

static void test_composite_and_bundle(void)
{
    RImage *ims[10];
    const char *caps[10];
    char text[10][16];
    for (int i = 0; i < 10; i++) {
        ims[i] = digit((char)('0' + i));
        snprintf(text[i], sizeof text[i], "t=%d", 1000 - 100 * i);
        caps[i] = text[i];
    }
    GridOptions o = grid_options_default();
    o.title = "Denoising <steps> & \"more\"";
    o.columns = 5;
    GridLayout l;
    DkErr e = {0};
    CHECK(grid_layout((const RImage *const *)ims, 10, caps, &o, &l, &e)
          == DK_OK);
    RImage *comp = NULL;
    CHECK(grid_render((const RImage *const *)ims, 10, caps, &o, &comp, &e)
          == DK_OK);
    CHECK(comp && comp->w == l.width && comp->h == l.height && comp->c == 3);
    /* Pixels under cell 3 are digit 3 upscaled; the corner is background. */
    int wrong = 0;
    for (int y = 0; comp && y < 112; y++)
        for (int x = 0; x < 112; x++) {
            RColor got = image_get(comp, l.cells[3].x + x, l.cells[3].y + y);
            uint8_t want = ims[3]->px[(y / 4) * 28 + x / 4];
            wrong += got.r != want || got.g != want || got.b != want;
        }
    CHECK(wrong == 0);
    RColor corner = image_get(comp, 0, 0);
    CHECK(corner.r == 255 && corner.g == 255 && corner.b == 255);
    /* Some caption ink inside caption box 0, none in a blank band. */
    int ink = 0;
    for (int y = 0; y < l.captions[0].h; y++)
        for (int x = 0; x < l.captions[0].w; x++)
            ink += image_get(comp, l.captions[0].x + x,
                             l.captions[0].y + y).r < 128;
    CHECK(ink > 10);
    png_save_file("/tmp/dk_sample_grid.png", comp, &e);

    json_t *data = NULL, *meta = NULL;
    CHECK(grid_bundle((const RImage *const *)ims, 10, caps, &o, &data, &meta,
                      &e) == DK_OK);
    const char *b64 = json_string_value(json_object_get(data, "image/png"));
    uint8_t *png = NULL;
    size_t len = 0;
    RImage *back = NULL;
    CHECK(b64 && base64_decode(b64, strlen(b64), &png, &len, &e) == DK_OK);
    CHECK(png && png_decode(png, len, "bundle", &back, &e) == DK_OK);
    CHECK(back && comp && back->w == comp->w && back->h == comp->h &&
          memcmp(back->px, comp->px, (size_t)comp->w * comp->h * 3) == 0);
    json_t *size = json_object_get(meta, "image/png");
    CHECK(json_integer_value(json_object_get(size, "width")) == l.width);
    CHECK(json_integer_value(json_object_get(size, "height")) == l.height);
    CHECK_STR(json_string_value(json_object_get(data, "text/plain")),
              "Denoising <steps> & \"more\": 10 images (28x28)");
    const char *html = json_string_value(json_object_get(data, "text/html"));
    int imgs = 0;
    for (const char *p = html; p && (p = strstr(p, "<img src=\"data:image/"
                                                   "png;base64,")); p++)
        imgs++;
    CHECK(imgs == 10);
    CHECK(html && strstr(html, "image-rendering:pixelated"));
    CHECK(html && strstr(html, "width=\"112\" height=\"112\""));
    /* It fits a narrower page: columns that may shrink below their 112 px
     * and images that shrink with them, keeping their aspect (a fixed
     * repeat(10,112px) ran off the page's right edge). */
    CHECK(html && strstr(html, "grid-template-columns:repeat(5,minmax(0,"
                               "112px))"));
    CHECK(html && strstr(html, "max-width:100%;height:auto"));
    CHECK(html && strstr(html, "class=\"dk-grid\" style=\"margin:0;"
                               "display:inline-block;max-width:100%"));
    CHECK(html && strstr(html, "Denoising &lt;steps&gt; &amp; &quot;more"
                               "&quot;"));
    CHECK(html && strstr(html, ">t=300</figcaption>"));
    json_decref(data);
    json_decref(meta);
    free(png);
    image_free(back);
    image_free(comp);
    grid_layout_free(&l);
    for (int i = 0; i < 10; i++)
        image_free(ims[i]);
    dk_err_clear(&e);
}

static void test_errors(void)
{
    DkErr e = {0};
    GridOptions o = grid_options_default();
    json_t *data = (json_t *)&e, *meta = (json_t *)&e;
    CHECK(grid_bundle(NULL, 0, NULL, &o, &data, &meta, &e) == DK_ERR_ARG);
    CHECK(data == NULL && meta == NULL);
    dk_err_clear(&e);
    RImage *one = digit('1');
    const RImage *list[2] = {one, NULL};
    CHECK(grid_bundle(list, 2, NULL, &o, &data, &meta, &e) == DK_ERR_ARG);
    CHECK(e.msg && strstr(e.msg, "grid image 1"));
    dk_err_clear(&e);
    RImage two = {4, 4, 2, one->px};
    list[1] = &two;
    CHECK(grid_bundle(list, 2, NULL, &o, &data, &meta, &e) == DK_ERR_ARG);
    dk_err_clear(&e);
    o.scale = 16;
    o.columns = 1;
    RImage *big = image_new(1000, 1000, 3, NULL);
    const RImage *bl[1] = {big};
    CHECK(grid_bundle(bl, 1, NULL, &o, &data, &meta, &e) == DK_ERR_ARG);
    CHECK(e.hint != NULL);
    dk_err_clear(&e);
    o = grid_options_default();
    o.padding = -1;
    CHECK(grid_bundle(bl, 1, NULL, &o, &data, &meta, &e) == DK_ERR_ARG);
    dk_err_clear(&e);
    /* Malformed UTF-8 in a caption still yields valid JSON strings. */
    o = grid_options_default();
    o.title = "bad \xff\xfe title";
    const char *caps[1] = {"t=\xc3"};
    const RImage *ol[1] = {one};
    CHECK(grid_bundle(ol, 1, caps, &o, &data, &meta, &e) == DK_OK);
    CHECK_STR(json_string_value(json_object_get(data, "text/plain")),
              "bad ?? title: 1 image (28x28)");
    json_decref(data);
    json_decref(meta);
    image_free(big);
    image_free(one);
    dk_err_clear(&e);
}

int main(void)
{
    test_layout();
    test_composite_and_bundle();
    test_errors();
    return check_report("test_grid");
}
