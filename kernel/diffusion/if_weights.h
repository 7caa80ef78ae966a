/*
 * if_weights.h: loading a DeepFloyd IF UNet from its Hugging Face folder.
 *
 * The folder is a model's snapshot as the Hub lays it out
 * (DeepFloyd/IF-I-XL-v1.0, IF-II-L-v1.0, ...):
 *
 *   <folder>/unet/config.json                      the architecture
 *   <folder>/unet/diffusion_pytorch_model.safetensors
 *   <folder>/unet/diffusion_pytorch_model.fp16.safetensors   (the variant)
 *   or, for large models, diffusion_pytorch_model[.fp16].safetensors.index.json
 *   with the shards it names ("weight_map": key -> file).
 *
 * <folder> may also be the unet/ folder itself.  The UNet is built from
 * config.json by the shim (ts_if_unet_new), then every tensor is checked
 * (name, shape, dtype F32/F16/BF16) against it before any is read, and read
 * one at a time into the model, converted to the model's dtype: loading
 * never holds a second copy of the weights (peak memory is the model plus
 * the largest tensor, twice).
 *
 * Which file: a float32 model prefers the full-precision file and falls
 * back to the .fp16. variant; a float16 or bfloat16 model prefers the
 * variant (half the bytes to read) and falls back to the full file.
 */
#ifndef DK_IF_WEIGHTS_H
#define DK_IF_WEIGHTS_H

#include <stddef.h>

#include "backend/backend.h"
#include "util/err.h"

/* The UNet of `folder` in `dtype` (TS_F32, TS_F16, TS_BF16) on `device`.
 * *out is the caller's, to api->module_free.  used (may be NULL) receives
 * what was read: "unet/diffusion_pytorch_model.fp16.safetensors (float16,
 * converted to bfloat16)".
 * Errors, each naming the file and a hint on the fix:
 *   DK_ERR_IO      no unet/config.json, no weights file, a shard the index
 *                  names is missing, a file that cannot be read;
 *   DK_ERR_FORMAT  a config the kernel does not implement (naming the key
 *                  and value), a bad or truncated safetensors file or index,
 *                  and the first missing, unexpected or mis-shaped tensor
 *                  (with the count of further problems);
 *   DK_ERR_OOM     the model does not fit;
 *   DK_ERR_TORCH   anything else the backend refused. */
dk_status if_unet_load(const TsApi *api, const char *folder, ts_dtype dtype, int device,
                       ts_module **out, char *used, size_t used_cap, DkErr *err);

/* The text of the UNet's config.json under `folder` (as if_unet_load finds
 * it), malloc'd for the caller; *path_out (may be NULL) gets its path,
 * malloc'd too.  DK_ERR_IO when there is none. */
dk_status if_unet_config(const char *folder, char **json_text, char **path_out,
                         DkErr *err);

#endif
