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
