/*
 * jpeg.h: JPEG files to and from RImages, in memory, over libjpeg(-turbo).
 *
 * Photographs reach the course as JPEGs, so `load` reads them here; `save`
 * may write one too.  Decoding uses libjpeg's defaults (islow DCT, fancy
 * upsampling), the same as PIL, so a decoded photo matches PIL's pixels
 * to within a level or two.  Every JPEG colour space libjpeg can convert
 * comes out as gray (1 channel) or RGB (3 channels); CMYK/YCCK files are
 * refused with a clear message (rare outside print work).
 *
 * libjpeg reports errors by calling error_exit, which must not return; it
 * longjmps back into jpeg.c only, and its messages go into the DkErr,
 * never to stderr (warnings such as "premature end of data" are turned
 * into errors: a truncated file must not load as a grey half-picture).
 *
 * Ownership: on DK_OK *image / *out belong to the caller (image_free /
 * free); on error they are NULL and err says why: DK_ERR_FORMAT (not a
 * JPEG, truncated, corrupt, unsupported colour space: the message names
 * `name`), DK_ERR_ARG (bad RImage or quality), DK_ERR_OOM.
 */
#ifndef DK_JPEG_H
#define DK_JPEG_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"
#include "image.h"

#define JPEG_QUALITY_DEFAULT 90

/* Non-zero when data starts like a JPEG file (FF D8 FF). */
int jpeg_sniff(const uint8_t *data, size_t len);

/* Decode a JPEG held in memory.  `name` (a file name, may be NULL) is used
 * in error messages only. */
dk_status jpeg_decode(const uint8_t *data, size_t len, const char *name,
                      RImage **image, DkErr *err);

/* Encode im (gray or RGB; RGBA loses its alpha) at quality 1..100. */
dk_status jpeg_encode(const RImage *im, int quality, uint8_t **out,
                      size_t *out_len, DkErr *err);

#endif
