/*
 * mime.c: building MIME bundles (see mime.h).
 */
#include "mime.h"

#include <stdlib.h>
#include <string.h>

#include "../util/base64.h"
#include "../util/buf.h"
#include "png.h"

json_t *mime_object(void)
{
    return json_object();
}

json_t *mime_string(const char *s)
{
    Buf b = {0};
    buf_put_utf8(&b, s ? s : "");
    size_t n = 0;
    char *clean = buf_detach(&b, &n);
    if (!clean)
        return NULL;
    json_t *j = json_stringn_nocheck(clean, n);
    free(clean);
    return j;
}

/* PNG of im as base64 after an optional prefix. */
static char *png_text(const RImage *im, const char *prefix, DkErr *err)
{
    uint8_t *png = NULL;
    size_t len = 0;
    if (png_encode(im, PNG_LEVEL_DEFAULT, &png, &len, err) != DK_OK)
        return NULL;
    char *b64 = base64_encode(png, len, NULL);
    free(png);
    if (!b64 || !prefix[0]) {
        if (!b64)
            dk_err_oom(err);
        return b64;
    }
    Buf b = {0};
    buf_puts(&b, prefix);
    buf_puts(&b, b64);
    free(b64);
    char *out = buf_detach(&b, NULL);
    if (!out)
        dk_err_oom(err);
    return out;
}

char *mime_png_base64(const RImage *im, DkErr *err)
{
    return png_text(im, "", err);
}

char *mime_png_data_uri(const RImage *im, DkErr *err)
{
    return png_text(im, "data:image/png;base64,", err);
}

dk_status mime_add_json(json_t *data, const char *mime, json_t *value,
                        DkErr *err)
{
    if (!value || json_object_set_new(data, mime, value) != 0)
        return dk_err_oom(err);
    return DK_OK;
}

dk_status mime_add_text(json_t *data, const char *mime, const char *text,
                        DkErr *err)
{
    return mime_add_json(data, mime, mime_string(text), err);
}

dk_status mime_add_png(json_t *data, json_t *metadata, const RImage *im,
                       int width, int height, DkErr *err)
{
    char *b64 = mime_png_base64(im, err);
    if (!b64)
        return err ? err->code : DK_ERR_OOM;
    json_t *s = json_stringn_nocheck(b64, strlen(b64));
    free(b64);
    if (mime_add_json(data, "image/png", s, err) != DK_OK)
        return DK_ERR_OOM;
    if (!metadata)
        return DK_OK;
    json_t *size = json_pack("{s:i, s:i}", "width", width > 0 ? width : im->w,
                             "height", height > 0 ? height : im->h);
    return mime_add_json(metadata, "image/png", size, err);
}
