/*
 * font.h: a built-in 6x10 bitmap font for drawing titles, captions and axis
 * labels into RImages (the PNG fallbacks carry their text as pixels).
 *
 * The glyphs are the printable ASCII range of the public-domain X11
 * "misc-fixed" 6x10 font, stored as data in font.c, plus the few Greek
 * letters and symbols the course writes (α β γ ε θ σ − × · … → ≈ ² – —).
 * Every character takes one FONT_W x FONT_H cell (spacing included) times
 * the integer scale; any other character (each UTF-8 sequence counts as
 * one) is drawn as '?'.  Text is one line: control characters are drawn as spaces.
 *
 * Ownership: all arguments are borrowed; nothing is allocated.
 */
#ifndef DK_FONT_H
#define DK_FONT_H

#include <stddef.h>

#include "image.h"

#define FONT_W 6
#define FONT_H 10
#define FONT_BASELINE 8  /* rows above the baseline; descenders below */

/* Number of glyphs s draws as (UTF-8 sequences count once). */
int font_glyphs(const char *s);

/* Width and height in pixels of s drawn at `scale` (>= 1). */
int font_text_width(const char *s, int scale);
int font_text_height(int scale);

/* Draw s with its cell's top-left corner at (x, y), clipped to im. */
void font_draw(RImage *im, int x, int y, const char *s, int scale,
               RColor col);

/* Copy s into out (size outsz), shortened with a trailing "..." so that it
 * draws at most max_px wide at `scale`; whole UTF-8 sequences only.
 * Returns out. */
char *font_fit(const char *s, int max_px, int scale, char *out,
               size_t outsz);

#endif
