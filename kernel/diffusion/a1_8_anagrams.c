/*
 * a1_8_anagrams.c: visual anagrams (see a1_8_anagrams.h).
 */
#include "a1_8_anagrams.h"

#include <stdlib.h>
#include <string.h>

#include "a1_6_cfg.h"

ts_tensor *anagram_view(Expr *s, const ts_tensor *x, AnagramView view)
{
    static const int64_t height[] = {2}, both[] = {2, 3};
    return view == VIEW_ROT180 ? flip(s, x, both, 2) : flip(s, x, height, 1);
}

void anagram_estimate(Expr *s, Denoiser *d, const Guide *gd,
                      const ts_tensor *x_t, int t, ts_tensor **eps,
                      ts_tensor **v)
{
    *eps = *v = NULL;
    const int64_t n = dim_size(s, x_t, 0);
    Cond *ab = conds_join(gd->a, gd->b, n);              /* [a; b] */
    if (!ab) {
        expr_fail(s, DK_ERR_OOM, "out of memory");
        return;
    }
    /* [x_t; view(x_t)] under [a; b], in one batch */
    ts_tensor *both = cat2(s, x_t, anagram_view(s, x_t, gd->view), 0);
    ts_tensor *e = NULL, *var = NULL;
    cfg_estimate(s, d, both, t, ab, gd->guidance, &e, &var);
    free(ab);
    ts_tensor *e1 = slice(s, e, 0, 0, n);
    ts_tensor *e2 = anagram_view(s, slice(s, e, 0, n, 2 * n), gd->view);
    *eps = over(s, add(s, e1, e2), 2.0);               /* (ε̂1 + ε̂2) / 2 */
    *v = var ? slice(s, var, 0, 0, n) : NULL;
}

const char *anagram_view_name(AnagramView view)
{
    return view == VIEW_ROT180 ? "rot180" : "flip";
}

int anagram_view_parse(const char *name)
{
    if (!strcmp(name, "flip"))
        return VIEW_FLIP;
    if (!strcmp(name, "rot180"))
        return VIEW_ROT180;
    return -1;
}
