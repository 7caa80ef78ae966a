/*
 * mime.h: helpers that build Jupyter MIME bundles the same way everywhere.
 *
 * A display is two JSON objects, as the Outlet takes them: `data`
 * ({"text/plain": str, "image/png": base64 str, "text/html": str, ...}) and
 * `metadata` ({"image/png": {"width": w, "height": h}}).  Every renderer
 * fills both through these helpers, so each output carries a text/plain
 * and, where it has pixels, an image/png fallback for front-ends that do
 * not know our custom types (classic notebook, nbconvert, GitHub).
 *
 * Strings are made valid UTF-8 before they reach jansson (which refuses
 * anything else): malformed bytes become '?'.
 *
 * Ownership: data and metadata are borrowed and modified in place; every
 * text argument is borrowed and copied.  Functions returning char * give a
 * malloc'd string the caller frees; NULL with err set (DK_ERR_OOM, or the
 * PNG encoder's error).  On error a bundle may have gained some keys but
 * is still a valid object; callers drop it (json_decref).
 */
#ifndef DK_MIME_H
#define DK_MIME_H

#include <jansson.h>

#include "../util/err.h"
#include "image.h"

/* A new {} (never NULL unless out of memory). */
json_t *mime_object(void);

/* A JSON string from any bytes, malformed UTF-8 replaced by '?'. */
json_t *mime_string(const char *s);

/* The PNG of im as base64 text, and as a "data:image/png;base64,..."
 * URI for HTML. */
char *mime_png_base64(const RImage *im, DkErr *err);
char *mime_png_data_uri(const RImage *im, DkErr *err);

/* data[mime] = text (a string value). */
dk_status mime_add_text(json_t *data, const char *mime, const char *text,
                        DkErr *err);

/* data["image/png"] = base64 PNG of im, and metadata["image/png"] =
 * {"width": w, "height": h} (display size in CSS pixels; width/height <= 0
 * mean im's own size). */
dk_status mime_add_png(json_t *data, json_t *metadata, const RImage *im,
                       int width, int height, DkErr *err);

/* data[mime] = value, stealing the reference to value (it is released on
 * failure too). */
dk_status mime_add_json(json_t *data, const char *mime, json_t *value,
                        DkErr *err);

#endif
