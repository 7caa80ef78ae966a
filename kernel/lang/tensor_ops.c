/*
 * tensor_ops.c: + - * / on image values (see tensor_ops.h), each one
 * call of the shim through an Expr scope (diffusion/expr.h).
 */
#include "tensor_ops.h"

#include <stdio.h>

#include "../diffusion/expr.h"
#include "cmd_image.h"

int tensor_ops_wants(const Value *a, const Value *b)
{
    return image_of(a) || image_of(b);
}

void tensor_shape_text(const Value *image, char *buf, size_t size)
{
    const DImage *im = image_of(image);
    if (im)
        snprintf(buf, size, "%dx%dx%dx%d", im->n, im->c, im->h, im->w);
    else
        snprintf(buf, size, "%s", value_type_name(image));
}

/* Do the shapes broadcast (PyTorch's rule: each size equal, or one is 1)? */
static int broadcasts(const DImage *a, const DImage *b)
{
    const int sa[4] = {a->n, a->c, a->h, a->w}, sb[4] = {b->n, b->c, b->h, b->w};
    for (int i = 0; i < 4; i++)
        if (sa[i] != sb[i] && sa[i] != 1 && sb[i] != 1)
            return 0;
    return 1;
}

/* Wrap a tensor the scope handed out as a new image value. */
static dk_status wrap(const TsApi *api, ts_tensor *t, Value **out, DkErr *err)
{
    DImage *im = NULL;
    dk_status rc = dimage_wrap(api, t, 0, &im, err);
    if (rc != DK_OK)
        return rc;
    *out = image_value(im);
    return *out ? DK_OK : dk_err_oom(err);
}

/* Image op image. */
static ts_tensor *both(Expr *s, TokenType op, const DImage *a, const DImage *b)
{
    switch (op) {
    case TOK_PLUS:  return add(s, a->t, b->t);
    case TOK_MINUS: return sub(s, a->t, b->t);
    case TOK_STAR:  return mul(s, a->t, b->t);
    default:        return divide(s, a->t, b->t);
    }
}

/* Image op number, or number op image when `flipped`. */
static ts_tensor *with_number(Expr *s, TokenType op, const DImage *im,
                              double k, int flipped)
{
    switch (op) {
    case TOK_PLUS:  return plus(s, im->t, k);
    case TOK_MINUS: return flipped ? plus(s, scale(s, -1.0, im->t), k)
                                   : plus(s, im->t, -k);
    case TOK_STAR:  return scale(s, k, im->t);
    default: {
        if (!flipped)
            return over(s, im->t, k);
        /* k / x: a tensor of k's divided element-wise, as torch does */
        int64_t shape[4] = {im->n, im->c, im->h, im->w};
        return divide(s, full(s, shape, 4, k), im->t);
    }
    }
}

static dk_status type_error(TokenType op, const Value *a, const Value *b,
                            DkErr *err)
{
    dk_err_set(err, DK_ERR_TYPE, "cannot use %s on %s and %s",
               lexer_token_name(op), value_type_name(a), value_type_name(b));
    dk_err_hint(err, "images take + - * / with a number or another image");
    return DK_ERR_TYPE;
}

dk_status tensor_binary(TokenType op, const Value *a, const Value *b,
                        Value **out, DkErr *err)
{
    *out = NULL;
    const DImage *ia = image_of(a), *ib = image_of(b);
    int ok_op = op == TOK_PLUS || op == TOK_MINUS || op == TOK_STAR ||
                op == TOK_SLASH;
    int ok_a = ia || a->kind == VAL_NUMBER, ok_b = ib || b->kind == VAL_NUMBER;
    if (!ok_op || !ok_a || !ok_b)
        return type_error(op, a, b, err);
    if (ia && ib && !broadcasts(ia, ib)) {
        char sa[64], sb[64];
        tensor_shape_text(a, sa, sizeof sa);
        tensor_shape_text(b, sb, sizeof sb);
        dk_err_set(err, DK_ERR_SHAPE, "shapes %s and %s do not broadcast",
                   sa, sb);
        dk_err_hint(err, "each size (N x C x H x W) must match or be 1; "
                    "`resize` or `gray` makes images fit");
        return DK_ERR_SHAPE;
    }
    if (op == TOK_SLASH && !ib && b->as.number == 0)
        return dk_err_set(err, DK_ERR_VALUE, "division by zero");
    const DImage *im = ia ? ia : ib;
    Expr s;
    expr_begin(&s, im->api, err);
    ts_tensor *r = ia && ib ? both(&s, op, ia, ib)
                 : ia       ? with_number(&s, op, ia, b->as.number, 0)
                            : with_number(&s, op, ib, a->as.number, 1);
    ts_tensor *kept = expr_keep(&s, r);
    if (expr_end(&s) != DK_OK)
        return err->code;
    return wrap(im->api, kept, out, err);
}

dk_status tensor_negate(const Value *a, Value **out, DkErr *err)
{
    *out = NULL;
    const DImage *im = image_of(a);
    if (!im)
        return dk_err_set(err, DK_ERR_TYPE, "cannot negate %s",
                          value_type_name(a));
    Expr s;
    expr_begin(&s, im->api, err);
    ts_tensor *kept = expr_keep(&s, scale(&s, -1.0, im->t));
    if (expr_end(&s) != DK_OK)
        return err->code;
    return wrap(im->api, kept, out, err);
}
