/*
 * tensor_ops.h: arithmetic on image values, for the evaluator.
 *
 * `x + 0.5`, `2 * eps`, `(x - s * eps) / sqrt(ab)`: the operators of the
 * language work on images as PyTorch's do on tensors: element-wise, with a
 * number on either side, or between two images of matching or
 * broadcastable shape (N, C, H, W; a size of 1 stretches).  The result is
 * a new image (mask flag 0, whatever the inputs were), on the inputs'
 * backend.  Only + - * / are defined; `**` and `%` on an image are a
 * TypeError, as is an image beside a string, list or bool.
 *
 * Why a file of its own: eval.c knows values, not tensors; keeping the
 * shim out of it lets the evaluator build and run without libtorch.
 *
 * Ownership: inputs are borrowed; *out is a new reference, NULL on error
 * (err set, no span: the evaluator adds the operator's).
 */
#ifndef DK_TENSOR_OPS_H
#define DK_TENSOR_OPS_H

#include "lexer.h"
#include "value.h"

/* Non-zero when a or b is an image, so the operator is tensor_binary's. */
int tensor_ops_wants(const Value *a, const Value *b);

/* a op b for op in + - * /.  Errors: DK_ERR_TYPE (an operator or operand
 * images do not take), DK_ERR_SHAPE ("shapes 1x1x28x28 and 1x3x64x64 do
 * not broadcast"), DK_ERR_VALUE (division by the number 0), DK_ERR_TORCH,
 * DK_ERR_OOM. */
dk_status tensor_binary(TokenType op, const Value *a, const Value *b,
                        Value **out, DkErr *err);

/* -a for an image a. */
dk_status tensor_negate(const Value *a, Value **out, DkErr *err);

/* "1x3x64x64" into buf. */
void tensor_shape_text(const Value *image, char *buf, size_t size);

#endif
