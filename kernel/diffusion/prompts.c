/*
 * prompts.c: prompt embeddings read from a file (see prompts.h).
 */
#include "prompts.h"
#include "safetensors.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CLOSE 3   /* close matches listed for an unknown prompt */

typedef struct Table {
    int n;
    char **keys;        /* owned */
    ts_tensor **values; /* owned, [1, L, D] each */
} Table;

static void table_free(const TsApi *api, Table *t)
{
    for (int i = 0; i < t->n; i++) {
        free(t->keys[i]);
        api->tensor_free(t->values[i]);
    }
    free(t->keys);
    free(t->values);
    *t = (Table){0};
}

/* ---- reading the two formats ---------------------------------------------- */

/* safetensors, through the kernel's one reader: keys are the prompts, in
 * the order of their data. */
static dk_status load_safetensors(const TsApi *api, const char *path,
                                  Table *t, DkErr *err)
{
    StFile *f = NULL;
    StProblem why = ST_FINE;
    dk_status rc = st_open(path, &f, &why, err);
    if (why == ST_NOT_SAFETENSORS)
        return dk_err_set(err, DK_ERR_FORMAT, "%s is neither a torch.save file nor "
                          "a safetensors file (or it is truncated)", path);
    if (rc != DK_OK)
        return rc;
    const int n = st_count(f);
    if (!(t->keys = calloc((size_t)n + 1, sizeof *t->keys)) ||
        !(t->values = calloc((size_t)n + 1, sizeof *t->values)))
        rc = dk_err_oom(err);
    for (int i = 0; rc == DK_OK && i < n; i++) {
        const StEntry *e = st_entry(f, i);
        if (e->dtype != TS_F16 && e->dtype != TS_BF16 && e->dtype != TS_F32) {
            rc = dk_err_set(err, DK_ERR_FORMAT, "%s: \"%s\" is %s, not a float16, "
                            "bfloat16 or float32 embedding", path, e->name,
                            st_dtype_name(e->dtype));
            break;
        }
        rc = st_read(api, f, e, &t->values[t->n], err);
        if (rc == DK_OK && !(t->keys[t->n++] = strdup(e->name)))
            rc = dk_err_oom(err);
    }
    st_close(f);
    return rc;
}

static dk_status load_pickle(const TsApi *api, const char *path, Table *t,
                             DkErr *err)
{
    int64_t n = 0;
    ts_status st = api->load_tensor_dict(path, &n, &t->keys, &t->values);
    if (st != TS_OK) {
        dk_err_set(err, DK_ERR_FORMAT, "%s", api->last_error());
        return DK_ERR_FORMAT;
    }
    t->n = (int)n;
    return DK_OK;
}

/* ---- checking ------------------------------------------------------------- */

/* Every entry a float [1, L, D] (an [L, D] one is reshaped), all alike. */
static dk_status check_table(const TsApi *api, const char *path, Table *t,
                             int64_t *L, int64_t *D, ts_dtype *dtype, DkErr *err)
{
    if (t->n == 0)
        return dk_err_set(err, DK_ERR_FORMAT, "%s holds no prompt embeddings", path);
    for (int i = 0; i < t->n; i++) {
        int64_t sh[TS_MAX_DIMS];
        int nd = 0;
        ts_dtype dt;
        ts_status st = api->tensor_shape(t->values[i], sh, TS_MAX_DIMS, &nd);
        if (st == TS_OK)
            st = api->tensor_dtype(t->values[i], &dt);
        if (st != TS_OK)
            return backend_error(api, st, err);
        if (nd == 2) {
            sh[2] = sh[1], sh[1] = sh[0], sh[0] = 1, nd = 3;
            ts_tensor *r = NULL;
            st = api->tensor_reshape(&r, t->values[i], sh, 3);
            if (st != TS_OK)
                return backend_error(api, st, err);
            api->tensor_free(t->values[i]);
            t->values[i] = r;
        }
        if (nd != 3 || sh[0] != 1 || (dt != TS_F16 && dt != TS_F32 && dt != TS_BF16)) {
            dk_err_set(err, DK_ERR_FORMAT, "%s: \"%s\" is not a prompt embedding "
                       "(a float [1, tokens, width] tensor)", path, t->keys[i]);
            dk_err_hint(err, "the course's embeddings are [1, 77, 4096] float16");
            return DK_ERR_FORMAT;
        }
        if (i == 0) {
            *L = sh[1], *D = sh[2], *dtype = dt;
        } else if (sh[1] != *L || sh[2] != *D) {
            return dk_err_set(err, DK_ERR_FORMAT, "%s: \"%s\" is [1, %lld, %lld] "
                              "but \"%s\" is [1, %lld, %lld]", path, t->keys[i],
                              (long long)sh[1], (long long)sh[2], t->keys[0],
                              (long long)*L, (long long)*D);
        }
    }
    return DK_OK;
}

/* ---- lookups and close matches -------------------------------------------- */

/* Levenshtein distance of a and b, ignoring case (prompts run long, so no
 * length cap). */
static int distance(const char *a, const char *b)
{
    const size_t na = strlen(a), nb = strlen(b);
    int *row = malloc((nb + 1) * sizeof *row);
    if (!row)
        return 1 << 20;
    for (size_t j = 0; j <= nb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= nb; j++) {
            const int up = row[j];
            const int same = (a[i - 1] | 0x20) == (b[j - 1] | 0x20);
            int d = diag + !same;
            if (up + 1 < d)
                d = up + 1;
            if (row[j - 1] + 1 < d)
                d = row[j - 1] + 1;
            row[j] = d;
            diag = up;
        }
    }
    const int d = row[nb];
    free(row);
    return d;
}

/* "close: "a photo of a dog", "a photo of a man"" or every prompt when the
 * table is small, into buf. */
static void close_matches(const Table *t, const char *prompt, char *buf,
                          size_t cap)
{
    int best[MAX_CLOSE], bestd[MAX_CLOSE], nb = 0;
    const int limit = (int)strlen(prompt) / 2 + 2;
    for (int i = 0; i < t->n; i++) {
        const int d = distance(prompt, t->keys[i]);
        if (d > limit || !t->keys[i][0])
            continue;
        int at = nb < MAX_CLOSE ? nb++ : MAX_CLOSE;
        while (at > 0 && bestd[at - 1] > d) {
            if (at < MAX_CLOSE)
                best[at] = best[at - 1], bestd[at] = bestd[at - 1];
            at--;
        }
        if (at < MAX_CLOSE)
            best[at] = i, bestd[at] = d;
    }
    size_t used = (size_t)snprintf(buf, cap, nb ? "close ones: " : "it has: ");
    const int count = nb ? nb : (t->n < 8 ? t->n : 8);
    for (int k = 0; k < count && used < cap; k++)
        used += (size_t)snprintf(buf + used, cap - used, "%s\"%s\"", k ? ", " : "",
                                 t->keys[nb ? best[k] : k]);
    if (!nb && t->n > count && used < cap)
        snprintf(buf + used, cap - used, " and %d more", t->n - count);
}

static int find(const Table *t, const char *prompt)
{
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->keys[i], prompt))
            return i;
    return -1;
}

static dk_status table_encode(TextEncoder *e, const char *prompt,
                              ts_tensor **emb, DkErr *err)
{
    const Table *t = e->self;
    *emb = NULL;
    const int i = find(t, prompt);
    if (i < 0) {
        char hint[1024];
        close_matches(t, prompt, hint, sizeof hint);
        if (!*prompt)
            dk_err_set(err, DK_ERR_ARG, "%s has no \"\" (the null prompt), so "
                       "there is no unconditional input", e->source);
        else
            dk_err_set(err, DK_ERR_ARG, "the prompt \"%s\" is not in %s",
                       prompt, e->source);
        dk_err_hint(err, "%s; make new embeddings with the T5 encoder (the "
                    "course's HF Space) and add them to the file", hint);
        return DK_ERR_ARG;
    }
    /* A copy, so the caller owns what it frees. */
    ts_status st = e->api->tensor_axpby(emb, 1.0, t->values[i], 0.0, t->values[i]);
    return st == TS_OK ? DK_OK : backend_error(e->api, st, err);
}

static void table_release(TextEncoder *e)
{
    Table *t = e->self;
    table_free(e->api, t);
    free(t);
}

static const TextEncoderOps table_ops = {table_encode, table_release};

/* ---- the public face -------------------------------------------------------- */

static int is_zip(const char *path)
{
    unsigned char m[4] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t got = fread(m, 1, 4, f);
    fclose(f);
    return got == 4 && m[0] == 'P' && m[1] == 'K' && m[2] == 3 && m[3] == 4;
}

dk_status prompts_load(const TsApi *api, const char *path, TextEncoder **out,
                       DkErr *err)
{
    *out = NULL;
    Table *t = calloc(1, sizeof *t);
    TextEncoder *e = calloc(1, sizeof *e);
    if (!t || !e) {
        free(t);
        free(e);
        return dk_err_oom(err);
    }
    *e = (TextEncoder){.ops = &table_ops, .api = api, .self = t};
    FILE *probe = fopen(path, "rb");
    dk_status rc = DK_OK;
    if (!probe) {
        rc = dk_err_set(err, DK_ERR_IO, "cannot open %s: %s", path, strerror(errno));
        dk_err_hint(err, "the course's file is prompt_embeds_dict.pth; give its path");
    } else {
        fclose(probe);
        rc = is_zip(path) ? load_pickle(api, path, t, err)
                          : load_safetensors(api, path, t, err);
    }
    if (rc == DK_OK)
        rc = check_table(api, path, t, &e->length, &e->width, &e->dtype, err);
    if (rc != DK_OK) {
        text_encoder_free(e);
        return rc;
    }
    const char *base = strrchr(path, '/');
    snprintf(e->source, sizeof e->source, "%s (%d prompt%s)", base ? base + 1 : path,
             t->n, t->n == 1 ? "" : "s");
    *out = e;
    return DK_OK;
}

dk_status text_encode(TextEncoder *e, const char *prompt, ts_tensor **emb,
                      DkErr *err)
{
    return e->ops->encode(e, prompt, emb, err);
}

int prompts_has(const TextEncoder *e, const char *prompt)
{
    if (e->ops != &table_ops)
        return -1;
    return find(e->self, prompt) >= 0;
}

int prompts_count(const TextEncoder *e)
{
    return e->ops == &table_ops ? ((const Table *)e->self)->n : 0;
}

const char *prompts_key(const TextEncoder *e, int i)
{
    if (e->ops != &table_ops || i < 0 || i >= prompts_count(e))
        return NULL;
    return ((const Table *)e->self)->keys[i];
}

void text_encoder_free(TextEncoder *e)
{
    if (!e)
        return;
    if (e->ops->release)
        e->ops->release(e);
    free(e);
}
