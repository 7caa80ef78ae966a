/*
 * progression.c: the denoising-progression bundle (see progression.h).
 * The fallbacks are a one-row grid, so layout and drawing are grid.c's.
 */
#include "progression.h"

#include <stdio.h>
#include <stdlib.h>

#include "../util/buf.h"
#include "grid.h"
#include "mime.h"

int progression_pick(int n, int max, int *idx)
{
    if (n <= 0 || max <= 0)
        return 0;
    if (n <= max) {
        for (int i = 0; i < n; i++)
            idx[i] = i;
        return n;
    }
    if (max == 1) {
        idx[0] = n - 1;  /* the result matters most */
        return 1;
    }
    /* Rounded positions i*(n-1)/(max-1) are strictly increasing when
     * n > max, so no index repeats. */
    for (int i = 0; i < max; i++)
        idx[i] = (int)(((long long)i * (n - 1) * 2 + (max - 1)) /
                       (2LL * (max - 1)));
    return max;
}

static dk_status check_frames(const RImage *const *frames,
                              const int *timesteps, int n, DkErr *err)
{
    if (!frames || !timesteps || n < 1)
        return dk_err_set(err, DK_ERR_ARG, "a progression needs at least "
                          "one frame and its timestep");
    for (int i = 0; i < n; i++) {
        char what[32];
        snprintf(what, sizeof what, "frame %d", i);
        if (image_check(frames[i], what, err) != DK_OK)
            return DK_ERR_ARG;
        if (frames[i]->w != frames[0]->w || frames[i]->h != frames[0]->h) {
            dk_err_set(err, DK_ERR_SHAPE, "frame %d is %dx%d but frame 0 is "
                       "%dx%d", i, frames[i]->w, frames[i]->h, frames[0]->w,
                       frames[0]->h);
            dk_err_hint(err, "all frames of a progression must have the "
                        "same size");
            return DK_ERR_SHAPE;
        }
    }
    return DK_OK;
}

/* The custom-type object for the frames listed in idx. */
static json_t *progression_json(const RImage *const *frames,
                                const int *timesteps, const int *idx, int k,
                                const char *title, DkErr *err)
{
    json_t *fr = json_array(), *ts = json_array();
    json_t *obj = json_pack("{s:o, s:o, s:i, s:i, s:o, s:i}", "frames", fr,
                            "timesteps", ts, "width", frames[0]->w,
                            "height", frames[0]->h, "title",
                            mime_string(title ? title : ""), "version",
                            PROGRESSION_VERSION);
    if (!obj) {
        dk_err_set(err, DK_ERR_OOM, "out of memory building a progression");
        return NULL;
    }
    for (int i = 0; i < k; i++) {
        char *b64 = mime_png_base64(frames[idx[i]], err);
        if (!b64 || json_array_append_new(fr, json_string_nocheck(b64)) ||
            json_array_append_new(ts, json_integer(timesteps[idx[i]]))) {
            free(b64);
            json_decref(obj);
            if (err && err->code == DK_OK)
                dk_err_set(err, DK_ERR_OOM, "out of memory building a "
                           "progression");
            return NULL;
        }
        free(b64);
    }
    return obj;
}

static char *plain_text(const RImage *f0, const int *timesteps, int n,
                        const char *title)
{
    Buf b = {0};
    if (title && title[0])
        buf_printf(&b, "%s: ", title);
    buf_printf(&b, "%d frame%s (%dx%d), t=%d", n, n == 1 ? "" : "s", f0->w,
               f0->h, timesteps[0]);
    if (n > 1)
        buf_printf(&b, "..%d", timesteps[n - 1]);
    return buf_detach(&b, NULL);
}

/* image/png + text/html strip of the frames in idx. */
static dk_status add_strip(json_t *d, json_t *m, const RImage *const *frames,
                           const int *timesteps, const int *idx, int k,
                           const char *title, int scale, DkErr *err)
{
    const RImage *sel[PROGRESSION_STRIP_FRAMES];
    char capbuf[PROGRESSION_STRIP_FRAMES][24];
    const char *caps[PROGRESSION_STRIP_FRAMES];
    for (int i = 0; i < k; i++) {
        sel[i] = frames[idx[i]];
        snprintf(capbuf[i], sizeof capbuf[i], "t=%d", timesteps[idx[i]]);
        caps[i] = capbuf[i];
    }
    GridOptions o = grid_options_default();
    o.title = title;
    o.columns = k;
    o.scale = scale;
    json_t *gd = NULL, *gm = NULL;
    if (grid_bundle(sel, k, caps, &o, &gd, &gm, err) != DK_OK)
        return err ? err->code : DK_ERR_ARG;
    json_object_del(gd, "text/plain");
    int bad = json_object_update(d, gd) || json_object_update(m, gm);
    json_decref(gd);
    json_decref(gm);
    if (bad)
        return dk_err_set(err, DK_ERR_OOM, "out of memory building a "
                          "progression");
    return DK_OK;
}

dk_status progression_bundle(const RImage *const *frames,
                             const int *timesteps, int n, const char *title,
                             int scale, json_t **data, json_t **metadata,
                             DkErr *err)
{
    *data = *metadata = NULL;
    if (check_frames(frames, timesteps, n, err) != DK_OK)
        return err ? err->code : DK_ERR_ARG;
    int *idx = malloc(sizeof *idx * (size_t)(n < PROGRESSION_MAX_FRAMES
                                             ? n : PROGRESSION_MAX_FRAMES));
    json_t *d = mime_object(), *m = mime_object();
    char *plain = plain_text(frames[0], timesteps, n, title);
    dk_status rc = DK_OK;
    if (!idx || !d || !m || !plain)
        rc = dk_err_set(err, DK_ERR_OOM, "out of memory building a "
                        "progression");
    if (rc == DK_OK) {
        int k = progression_pick(n, PROGRESSION_MAX_FRAMES, idx);
        json_t *obj = progression_json(frames, timesteps, idx, k, title,
                                       err);
        rc = obj ? mime_add_json(d, PROGRESSION_MIME, obj, err)
                 : (err ? err->code : DK_ERR_OOM);
    }
    if (rc == DK_OK) {
        int k = progression_pick(n, PROGRESSION_STRIP_FRAMES, idx);
        rc = add_strip(d, m, frames, timesteps, idx, k, title, scale, err);
    }
    if (rc == DK_OK)
        rc = mime_add_text(d, "text/plain", plain, err);
    free(idx);
    free(plain);
    if (rc != DK_OK) {
        json_decref(d);
        json_decref(m);
        return rc;
    }
    *data = d;
    *metadata = m;
    return DK_OK;
}
