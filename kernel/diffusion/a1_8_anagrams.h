/*
 * a1_8_anagrams.h: visual anagrams, CS180 Part A 1.8.
 *
 *   ε̂1 = CFG(x_t, t, a)
 *   ε̂2 = view⁻¹(CFG(view(x_t), t, b))
 *   ε̂  = (ε̂1 + ε̂2) / 2
 *
 * so the image reads as a one way and as b seen through the view.  The
 * course's view turns the image upside down (the height axis reversed);
 * VIEW_ROT180 turns it half a circle (both axes), which makes 6 and 9 a
 * natural pair of digits.  Both views are their own inverse.  The
 * variance channels, where the model has them, are a's (the spec leaves
 * this open; most course code does so).  One batch of 2N (4N with CFG).
 */
#ifndef DK_A1_8_ANAGRAMS_H
#define DK_A1_8_ANAGRAMS_H

#include "a1_4_iterative.h"

/* view(x) for an N x C x H x W batch (scope-owned). */
ts_tensor *anagram_view(Expr *s, const ts_tensor *x, AnagramView view);

/* ε̂ and v by the rule above (guide: a, b, γ, view). */
void anagram_estimate(Expr *s, Denoiser *d, const Guide *gd,
                      const ts_tensor *x_t, int t, ts_tensor **eps,
                      ts_tensor **v);

/* "flip" or "rot180"; parse returns -1 for anything else. */
const char *anagram_view_name(AnagramView view);
int anagram_view_parse(const char *name);

#endif
