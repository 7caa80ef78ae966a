/*
 * prompts.h: text prompts as embeddings, the way DeepFloyd IF is
 * conditioned.
 *
 * IF reads a prompt as its T5-XXL encoding: a tensor [1, 77, 4096] (77
 * tokens, width 4096), with the empty prompt "" as the unconditional input
 * of classifier-free guidance.  The course ships these encodings instead
 * of the 9 GB encoder: a Python dict {prompt: [1, 77, 4096] float16}
 * written by torch.save.  A TextEncoder is whatever turns a prompt into
 * its embedding; today one kind exists, a table read from such a file
 * (prompts_load).  A native T5 encoder would be one more TextEncoderOps,
 * and the denoiser (denoiser_if.c) would not change.
 *
 * Files: a torch.save dict (".pth", ".pt": any zip-format file, read by
 * libtorch's unpickler) or a safetensors file whose keys are the prompts.
 * Every entry must be [1, L, D] or [L, D] of a float type, all of one
 * shape; the real file has L = 77, D = 4096, float16.
 *
 * Ownership: prompts_load returns an encoder freed with
 * text_encoder_free (NULL is a no-op); text_encode returns a new tensor
 * the caller frees.  The TsApi is borrowed (static).
 */
#ifndef DK_PROMPTS_H
#define DK_PROMPTS_H

#include <stdint.h>

#include "backend/backend.h"
#include "util/err.h"

typedef struct TextEncoder TextEncoder;

typedef struct TextEncoderOps {
    /* The embedding of prompt: a new CPU tensor [1, length, width] in the
     * encoder's dtype.  DK_ERR_ARG for a prompt it cannot encode, with a
     * hint naming the close ones it can. */
    dk_status (*encode)(TextEncoder *e, const char *prompt, ts_tensor **emb,
                        DkErr *err);
    void (*release)(TextEncoder *e);
} TextEncoderOps;

struct TextEncoder {
    const TextEncoderOps *ops;
    const TsApi *api;          /* borrowed */
    char source[256];          /* "prompt_embeds_dict.pth (14 prompts)" */
    int64_t length, width;     /* tokens (77) and channels (4096) */
    ts_dtype dtype;            /* of the embeddings (float16) */
    void *self;
};

/* The table of the file at path (format by its first bytes: a zip archive
 * is a torch.save file, anything else is read as safetensors).  Errors:
 * DK_ERR_IO (cannot read), DK_ERR_FORMAT (neither format, truncated,
 * bad header, an entry that is not a float [1, L, D] tensor, entries of
 * different shapes, no entries), DK_ERR_TORCH, DK_ERR_OOM. */
dk_status prompts_load(const TsApi *api, const char *path, TextEncoder **out,
                       DkErr *err);

/* e->ops->encode. */
dk_status text_encode(TextEncoder *e, const char *prompt, ts_tensor **emb,
                      DkErr *err);

/* Whether a prompt table holds `prompt` (1) or not (0); -1 for an encoder
 * that is not a table (it encodes anything). */
int prompts_has(const TextEncoder *e, const char *prompt);

/* The prompts of a table, in the file's order: count, and the i-th
 * (borrowed from e).  0 and NULL for an encoder that is not a table. */
int prompts_count(const TextEncoder *e);
const char *prompts_key(const TextEncoder *e, int i);

void text_encoder_free(TextEncoder *e);

#endif
