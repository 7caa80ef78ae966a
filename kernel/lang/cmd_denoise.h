/*
 * cmd_denoise.h: what the Part A commands (cmd_denoise.c) share with the
 * language's own building blocks (cmd_estimate.c): a model value as a
 * denoiser, and conditions from values.
 */
#ifndef DK_CMD_DENOISE_H
#define DK_CMD_DENOISE_H

#include "../diffusion/denoiser.h"
#include "registry.h"

/* The denoiser of the model value v, argument `arg` (a new Denoiser:
 * denoiser_free it).  Errors: the backend does not load (DK_ERR_TORCH),
 * a model that cannot denoise step by step (DK_ERR_ARG at the argument). */
dk_status denoiser_arg(CallCtx *cx, int arg, const Value *v, Denoiser **d);

/* n conditions from argument `arg`: one value for all images, or a list
 * of n; each a class (a whole number), a prompt (a string, borrowed from
 * v) or none.  *conds is malloc'd (free it, also on error).  Errors:
 * DK_ERR_TYPE (another kind of value), DK_ERR_ARG (a list of another
 * length), DK_ERR_OOM. */
dk_status conds_arg(CallCtx *cx, int arg, const Value *v, int n, Cond **conds);

#endif
