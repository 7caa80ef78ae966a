/*
 * expr.c: the scope behind expr.h's formulas: a growing list of the
 * temporaries it owns, and the sticky first error.
 */
#include "expr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void expr_begin(Expr *s, const TsApi *api, DkErr *err)
{
    *s = (Expr){.api = api, .err = err, .status = DK_OK};
}

dk_status expr_end(Expr *s)
{
    for (size_t i = 0; i < s->n; i++)
        s->api->tensor_free(s->owned[i]);
    free(s->owned);
    s->owned = NULL;
    s->n = s->cap = 0;
    return s->status;
}

/* The first failure wins; later ones are consequences of it. */
static void fail_with(Expr *s, dk_status code)
{
    if (s->status == DK_OK)
        s->status = code;
}

void expr_inherit(Expr *s, dk_status code)
{
    if (code != DK_OK)
        fail_with(s, code);
}

ts_tensor *expr_adopt(Expr *s, ts_tensor *t)
{
    if (!t)
        return NULL;
    if (s->status != DK_OK) {
        s->api->tensor_free(t);
        return NULL;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        ts_tensor **grown = realloc(s->owned, cap * sizeof *grown);
        if (!grown) {
            s->api->tensor_free(t);
            fail_with(s, dk_err_oom(s->err));
            return NULL;
        }
        s->owned = grown;
        s->cap = cap;
    }
    s->owned[s->n++] = t;
    return t;
}

ts_tensor *expr_call(Expr *s, ts_status st, ts_tensor *t)
{
    if (st != TS_OK) {
        /* Read the shim's message now: the next call replaces it. */
        if (s->status == DK_OK)
            fail_with(s, backend_error(s->api, st, s->err));
        s->api->tensor_free(t);
        return NULL;
    }
    return expr_adopt(s, t);
}

/* The index of t in the scope's list, or s->n. */
static size_t find(const Expr *s, const ts_tensor *t)
{
    size_t i = s->n;
    while (i > 0 && s->owned[i - 1] != t)
        i--;
    return i ? i - 1 : s->n;
}

ts_tensor *expr_keep(Expr *s, const ts_tensor *t)
{
    size_t i = t ? find(s, t) : s->n;
    if (s->status != DK_OK || i == s->n)
        return NULL;
    ts_tensor *out = s->owned[i];
    s->owned[i] = s->owned[--s->n];
    return out;
}

void expr_drop(Expr *s, const ts_tensor *t)
{
    size_t i = t ? find(s, t) : s->n;
    if (i == s->n)
        return;
    s->api->tensor_free(s->owned[i]);
    s->owned[i] = s->owned[--s->n];
}

ts_tensor *expr_fail(Expr *s, dk_status code, const char *fmt, ...)
{
    if (s->status != DK_OK)
        return NULL;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fail_with(s, dk_err_set(s->err, code, "%s", msg));
    return NULL;
}

ts_tensor *to_device_of(Expr *s, const ts_tensor *t, const ts_tensor *like)
{
    int device = TS_CPU;
    ts_tensor *r = NULL;
    if (s->status != DK_OK || !t || !like)
        return NULL;
    ts_status st = s->api->tensor_device(like, &device);
    if (st != TS_OK)
        return expr_call(s, st, NULL);
    st = s->api->tensor_to_device(&r, t, device);
    return expr_call(s, st, r);
}

ts_tensor *rand_shape(Expr *s, const int64_t *shape, int ndim, ts_generator *g)
{
    ts_tensor *r = NULL;
    if (s->status != DK_OK)
        return NULL;
    ts_status st = s->api->tensor_rand(&r, shape, ndim, TS_F32,
                                            TS_DEVICE_DEFAULT, g);
    return expr_call(s, st, r);
}

ts_tensor *full(Expr *s, const int64_t *shape, int ndim, double v)
{
    ts_tensor *r = NULL;
    if (s->status != DK_OK)
        return NULL;
    ts_status st = s->api->tensor_full(&r, shape, ndim, v, TS_F32,
                                            TS_DEVICE_DEFAULT);
    return expr_call(s, st, r);
}

ts_tensor *from_host(Expr *s, const void *data, const int64_t *shape,
                     int ndim, ts_dtype dtype)
{
    ts_tensor *r = NULL;
    if (s->status != DK_OK)
        return NULL;
    ts_status st = s->api->tensor_from_data(&r, data, shape, ndim, dtype);
    return expr_call(s, st, r);
}

int64_t dim_size(Expr *s, const ts_tensor *x, int dim)
{
    int64_t shape[TS_MAX_DIMS];
    int nd = 0;
    if (s->status != DK_OK || !x)
        return 0;
    ts_status st = s->api->tensor_shape(x, shape, TS_MAX_DIMS, &nd);
    if (st != TS_OK) {
        fail_with(s, backend_error(s->api, st, s->err));
        return 0;
    }
    if (dim < 0)
        dim += nd;
    if (dim < 0 || dim >= nd) {
        expr_fail(s, DK_ERR_INTERNAL, "dim %d of a %d-D tensor", dim, nd);
        return 0;
    }
    return shape[dim];
}
