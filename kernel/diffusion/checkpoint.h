/*
 * checkpoint.h: saving and loading a Part B model, with everything needed
 * to use it or to resume training, as one safetensors file.
 *
 * Format (https://github.com/huggingface/safetensors): 8 bytes of
 * little-endian header length N, N bytes of JSON, then the raw tensors.
 * The JSON maps each state_dict key of the UNet ("down1.0.0.weight", see
 * kernel/shim/unet.cpp) to {"dtype", "shape", "data_offsets"}, so Python's
 * safetensors.torch.load_file gives a state_dict a PyTorch model with the
 * same layout loads.  "__metadata__" (strings only, as the format wants)
 * holds "format": "diffuse-unet", "version": "1", the kind, hidden,
 * num_classes, the objective (sigma, pure_noise, p_uncond), the plan (lr0,
 * schedule, schedule_epochs, clip, batch, seed) and the record
 * (epochs_done, the place in the epoch in progress as epoch_batch of
 * epoch_batches, steps, last and minimum loss).  Two extra entries, outside
 * the UNet's keys, start with "_diffuse.": "_diffuse.losses" (F32, the
 * per-step losses) and "_diffuse.epoch_ends" (I64), and optionally
 * "_diffuse.optimizer" (U8: Adam's state in libtorch's archive format)
 * for an exact resume.
 *
 * Weights (CheckpointWeights): float32; F16, every float parameter in
 * half the size; or I8, for a shipped checkpoint a quarter of the size:
 * each weight of two or more dimensions as int8 q with one float32 scale
 * s per slice of its first axis (w = s * q, s = max|w| / 127 over the
 * slice), the scales in "_diffuse.scale.KEY" (F32, one per slice), the
 * other float parameters as F16.  Python: w = q.float() * s.view(-1, 1,
 * ...).  Loading converts everything back to float32.  Running statistics
 * stay in float32 and counters in int64.
 *
 * Saving is atomic: a temporary file in the same folder, fsync, rename.
 * Loading reads through the kernel's one safetensors reader
 * (safetensors.h), tensor by tensor, and checks everything before touching
 * a model: the header, every offset, the metadata, and the keys: a file
 * whose keys or shapes do not match the UNet its metadata describes is
 * refused with a message listing the missing, unexpected and mis-shaped
 * keys (a few of each, then "and N more").
 */
#ifndef DK_CHECKPOINT_H
#define DK_CHECKPOINT_H

#include "model.h"

#define CHECKPOINT_FORMAT "diffuse-unet"
#define CHECKPOINT_VERSION 1

typedef enum {
    CHECKPOINT_F32,   /* exact */
    CHECKPOINT_F16,   /* float parameters as float16 */
    CHECKPOINT_I8,    /* weights as int8 with row scales, the rest float16 */
} CheckpointWeights;

/* Write m to path, its weights stored as `weights` says.  with_optimizer:
 * add Adam's state (when the model has one).  Errors: DK_ERR_IO (cannot
 * write; no file is left behind), DK_ERR_OOM, the backend's. */
dk_status checkpoint_save(const Model *m, const char *path,
                          CheckpointWeights weights, int with_optimizer,
                          DkErr *err);

/* A new Model from path, on the chosen device, with its record and (when
 * stored) its optimizer state.  Errors: DK_ERR_IO (cannot read),
 * DK_ERR_FORMAT ("PATH is not a checkpoint (no safetensors header)",
 * truncated, a corrupt header (safetensors.h lists those), not a diffuse
 * checkpoint, keys or shapes that do not match, an int8 weight without
 * valid scales), DK_ERR_OOM. */
dk_status checkpoint_load(const TsApi *api, const char *path, Model **out,
                          DkErr *err);

#endif
