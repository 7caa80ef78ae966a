/*
 * test_font.c: the bitmap font draws the course's Greek letters and
 * symbols as glyphs of their own (not as '?'), counts a UTF-8 sequence as
 * one glyph, and draws a malformed byte as '?'.
 */
#include <string.h>

#include "check.h"
#include "render/font.h"

/* s drawn alone into a fresh 6x10 cell, as 60 bytes (0 or 255). */
static void cell(const char *s, unsigned char out[FONT_W * FONT_H])
{
    RImage *im = image_new(FONT_W, FONT_H, 1, NULL);
    font_draw(im, 0, 0, s, 1, (RColor){255, 255, 255, 255});
    memcpy(out, im->px, FONT_W * FONT_H);
    image_free(im);
}

static int same(const char *a, const char *b)
{
    unsigned char x[FONT_W * FONT_H], y[FONT_W * FONT_H];
    cell(a, x);
    cell(b, y);
    return memcmp(x, y, sizeof x) == 0;
}

static int blank(const char *s)
{
    unsigned char x[FONT_W * FONT_H], zero[FONT_W * FONT_H] = {0};
    cell(s, x);
    return memcmp(x, zero, sizeof x) == 0;
}

/* The minus and the en dash share the hyphen's shape. */
static int dash(const char *s)
{
    return !strcmp(s, "−") || !strcmp(s, "–");
}

int main(void)
{
    const char *greek[] = {"α", "β", "γ", "ε", "θ", "σ", "−", "×", "·", "…",
                           "→", "≈", "²", "–", "—"};
    size_t n = sizeof greek / sizeof *greek;
    for (size_t i = 0; i < n; i++) {
        CHECK(!same(greek[i], "?"));
        CHECK(!blank(greek[i]));
        CHECK(font_glyphs(greek[i]) == 1);
        for (size_t j = i + 1; j < n; j++)
            if (!(dash(greek[i]) && dash(greek[j])))
                CHECK(!same(greek[i], greek[j]));
    }
    CHECK(!same("σ", "s") && !same("ε", "e") && !same("γ", "y"));
    CHECK(same("−", "-") && same("–", "-"));
    CHECK(font_glyphs("σ = 0.5") == 7);
    CHECK(font_text_width("γ=5", 2) == 3 * FONT_W * 2);
    CHECK(same("\xb7", "?"));              /* a lone continuation byte */
    CHECK(same("\xe2\x82", "?"));          /* a cut-off sequence */
    CHECK(same("ψ", "?"));                 /* outside the table */
    return check_report("test_font");
}
