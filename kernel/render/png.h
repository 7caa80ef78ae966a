/*
 * png.h: PNG files to and from RImages, in memory, over libpng.
 *
 * Encoding is tuned for the notebook, which shows many small images and
 * re-encodes progress frames often: a fast zlib level (PNG_LEVEL_DEFAULT)
 * with the Sub/Up/Paeth row filters.  Decoding accepts every PNG colour
 * type and depth and normalizes it to 8 bits: palette -> RGB (RGBA with a
 * tRNS chunk), gray < 8 bit -> 8 bit, gray + alpha -> RGBA, 16 bit -> 8 bit
 * by exact rounding (v * 255 / 65535, no gamma: 16-bit files are usually
 * data such as masks or depth, not sRGB photographs).
 *
 * libpng reports errors by longjmp; it is confined to png.c, whose frames
 * are plain C, and libpng's own messages are routed into the DkErr (never
 * to stderr).
 *
 * Ownership: on DK_OK the out-parameters (*out bytes, *image) are new and
 * belong to the caller (free() / image_free()); on error they are NULL and
 * err holds the reason: DK_ERR_ARG (bad RImage or level), DK_ERR_FORMAT
 * (empty, not a PNG, truncated, corrupt: the message names `name`),
 * DK_ERR_IO (file cannot be opened/read/written), DK_ERR_OOM.
 */
#ifndef DK_PNG_H
#define DK_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"
#include "image.h"

/* zlib level used by png_encode when asked for PNG_LEVEL_DEFAULT (-1). */
#define PNG_LEVEL_DEFAULT (-1)
#define PNG_LEVEL_FAST 3

/* Encode im as a PNG of the same channel count (gray, RGB or RGBA, 8 bit).
 * level: 0 (store) .. 9 (smallest), or PNG_LEVEL_DEFAULT. */
dk_status png_encode(const RImage *im, int level, uint8_t **out,
                     size_t *out_len, DkErr *err);

/* Decode a PNG held in memory.  `name` (a file name or "frame 3", may be
 * NULL) is used in error messages only. */
dk_status png_decode(const uint8_t *data, size_t len, const char *name,
                     RImage **image, DkErr *err);

/* Read and decode a PNG file. */
dk_status png_load_file(const char *path, RImage **image, DkErr *err);

/* Encode im and write it to path (replacing the file). */
dk_status png_save_file(const char *path, const RImage *im, DkErr *err);

#endif
