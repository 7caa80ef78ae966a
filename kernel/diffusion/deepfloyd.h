/*
 * deepfloyd.h: DeepFloyd IF as the kernel holds it: the stage I UNet
 * (64 px), optionally the stage II upscaler (256 px), and the prompt
 * embeddings that condition both (prompts.h).  No text encoder runs: the
 * prompts come from the course's embeddings file.
 *
 * Weights are Hugging Face folders as `huggingface-cli download` writes
 * them, one per stage (IF-I-XL-v1.0, IF-I-L-v1.0 or IF-I-M-v1.0 for stage
 * I; IF-II-L-v1.0 or IF-II-M-v1.0 for stage II), each with
 * unet/config.json and unet/diffusion_pytorch_model[.fp16].safetensors.
 * deepfloyd_find locates them under one root folder (docs/deepfloyd.md
 * says how to get them; DEEPFLOYD_HOWTO is that text for error hints).
 *
 * Ownership: deepfloyd_load returns a DeepFloyd freed with deepfloyd_free
 * (NULL is a no-op); it owns its UNets and its TextEncoder.  The TsApi is
 * borrowed (static).
 */
#ifndef DK_DEEPFLOYD_H
#define DK_DEEPFLOYD_H

#include <stdint.h>

#include "backend/backend.h"
#include "prompts.h"
#include "util/err.h"

#define DEEPFLOYD_PATH 1024

/* The environment variable that names the weights' folder. */
#define DEEPFLOYD_ENV "DIFFUSE_DEEPFLOYD"

/* Where the weights come from, for hints: one paragraph. */
extern const char DEEPFLOYD_HOWTO[];
/* The same steps as a markdown list, for a notebook cell (`needs`). */
extern const char DEEPFLOYD_HOWTO_MD[];

/* $DIFFUSE_DEEPFLOYD, or NULL when it is unset or empty (borrowed from
 * the environment). */
const char *deepfloyd_env_root(void);

/* One stage's UNet and what its config.json says about its inputs. */
typedef struct IfUnet {
    ts_module *net;            /* owned */
    char folder[DEEPFLOYD_PATH];
    char name[128];            /* the folder's last part: "IF-I-XL-v1.0" */
    int in_channels;           /* 3 (stage I), 6 (stage II: + the upscale) */
    int out_channels;          /* 6: ε̂ then v */
    int sample_size;           /* 64, 256 */
    int64_t text_width;        /* encoder_hid_dim: 4096 */
    int noise_level_input;     /* class_embed_type "timestep": stage II */
    int64_t params;
    char used[256];            /* the weights file read, for messages */
} IfUnet;

typedef struct DeepFloyd {
    const TsApi *api;          /* borrowed */
    IfUnet stage1;
    IfUnet stage2;             /* net NULL when not loaded */
    TextEncoder *text;         /* owned */
    char prompts_path[DEEPFLOYD_PATH];
    ts_dtype dtype;            /* of the weights in memory */
} DeepFloyd;

/* What to load: stage1 and prompts are required, stage2 may be "". */
typedef struct DeepFloydPaths {
    char stage1[DEEPFLOYD_PATH];
    char stage2[DEEPFLOYD_PATH];
    char prompts[DEEPFLOYD_PATH];
} DeepFloydPaths;

/* Fill paths from root: a folder holding a stage I folder (a name that
 * starts with "IF-I-", or "stage1"/"stage_1"), optionally a stage II one
 * ("IF-II-", "stage2"/"stage_2") and the embeddings (a .pth, .pt or
 * .safetensors file whose name has "prompt" in it); or root is itself a
 * stage I folder (it has unet/config.json).  Errors: DK_ERR_IO with
 * DEEPFLOYD_HOWTO as the hint when no stage I folder is there. */
dk_status deepfloyd_find(const char *root, DeepFloydPaths *paths, DkErr *err);

/* Load both stages (stage II when paths->stage2 is set) in dtype on the
 * chosen device, and the embeddings.  Errors: DK_ERR_IO (a missing file,
 * with the hint), DK_ERR_FORMAT (a bad config, checkpoint or embeddings
 * file, the first bad tensor named; embeddings whose width is not the
 * UNet's encoder_hid_dim), DK_ERR_OOM, DK_ERR_TORCH. */
dk_status deepfloyd_load(const TsApi *api, const DeepFloydPaths *paths,
                         ts_dtype dtype, DeepFloyd **out, DkErr *err);

void deepfloyd_free(DeepFloyd *m);

/* "DeepFloyd IF: IF-I-XL-v1.0 (4.3 B parameters, float16) + IF-II-L-v1.0
 * ..., 14 prompts" into buf. */
void deepfloyd_describe(const DeepFloyd *m, char *buf, size_t cap);

#endif
