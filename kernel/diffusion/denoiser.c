/*
 * denoiser.c: what every denoiser shares (see denoiser.h).
 */
#include "denoiser.h"

#include <stdio.h>
#include <stdlib.h>

void denoiser_free(Denoiser *d)
{
    if (!d)
        return;
    if (d->ops && d->ops->release)
        d->ops->release(d);
    free(d);
}

dk_status denoiser_check(const Denoiser *d, const Cond *conds, int n,
                         DkErr *err)
{
    for (int i = 0; i < n; i++) {
        if (d->ops->check(d, &conds[i], err) == DK_OK)
            continue;
        if (n > 1)
            dk_err_prefix(err, "condition %d: ", i);
        return err->code;
    }
    return DK_OK;
}

Cond *conds_join(const Cond *a, const Cond *b, int64_t n)
{
    Cond *both = calloc((size_t)(2 * n + 1), sizeof *both);
    for (int64_t i = 0; both && i < n; i++) {
        both[i] = a[i];
        both[n + i] = b ? b[i] : COND_NULL;
    }
    return both;
}

void cond_describe(const Cond *c, char *buf, size_t cap)
{
    switch (c->kind) {
    case COND_CLASS:
        snprintf(buf, cap, "class %d", c->cls);
        break;
    case COND_PROMPT:
        snprintf(buf, cap, "\"%s\"", c->prompt ? c->prompt : "");
        break;
    default:
        snprintf(buf, cap, "unconditional");
        break;
    }
}
