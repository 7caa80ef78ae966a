/*
 * progression.h: a denoising progression (frames and their timesteps) as
 * one Jupyter display.
 *
 * Bundle keys:
 *   "application/vnd.diffuse.progression+json"  the frames for the
 *        JupyterLab extension's scrubber, schema below (and MIME.md);
 *   "image/png"   a strip of at most PROGRESSION_STRIP_FRAMES frames (first
 *        and last always included) captioned "t=<timestep>";
 *   "text/html"   the same strip as HTML (pixelated upscaling);
 *   "text/plain"  "<title>: N frames (WxH), t=999..0".
 *
 * Custom type schema, version 1:
 *   {"frames":    [base64 PNG, ...]   every frame at its own size, in the
 *                                     order given (at most
 *                                     PROGRESSION_MAX_FRAMES: longer runs
 *                                     are sampled evenly, first and last
 *                                     kept, timesteps sampled alike),
 *    "timesteps": [int, ...]          same length as frames,
 *    "width": int, "height": int,     frame size in pixels,
 *    "title": str,                    "" when none,
 *    "version": 1}
 *
 * Ownership: frames, timesteps and title are borrowed; on DK_OK *data and
 * *metadata are new references for the caller.  Errors: DK_ERR_ARG (no
 * frames, a bad frame), DK_ERR_SHAPE (frames of different sizes),
 * DK_ERR_OOM; outputs NULL then.
 */
#ifndef DK_PROGRESSION_H
#define DK_PROGRESSION_H

#include <jansson.h>

#include "../util/err.h"
#include "image.h"

#define PROGRESSION_MIME "application/vnd.diffuse.progression+json"
#define PROGRESSION_VERSION 1
#define PROGRESSION_MAX_FRAMES 256
#define PROGRESSION_STRIP_FRAMES 10

/* Choose at most `max` of n indices, evenly spaced, always 0 and n-1 (when
 * max >= 2), increasing.  Writes them to idx (room for min(n, max)) and
 * returns how many. */
int progression_pick(int n, int max, int *idx);

/* The bundle described above.  scale is the strip's upscale (0 = auto,
 * as in grid.h). */
dk_status progression_bundle(const RImage *const *frames,
                             const int *timesteps, int n, const char *title,
                             int scale, json_t **data, json_t **metadata,
                             DkErr *err);

#endif
