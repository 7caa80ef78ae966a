/*
 * safetensors.c: the one .safetensors reader: the header checked once,
 * then tensors read one at a time (see safetensors.h).
 */
#include "safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct StFile {
    char *path;
    int fd;
    uint64_t size;      /* of the whole file */
    StEntry *e;
    int n;
    char *names;        /* all entry names, NUL-separated */
    json_t *meta;       /* "__metadata__" when it is an object, or NULL */
};

static const struct {
    ts_dtype dtype;
    const char *name;
    int size;
} dtypes[] = {
    {TS_F32, "F32", 4}, {TS_F16, "F16", 2}, {TS_BF16, "BF16", 2},
    {TS_F64, "F64", 8}, {TS_I64, "I64", 8}, {TS_I32, "I32", 4},
    {TS_U8, "U8", 1},   {TS_BOOL, "BOOL", 1}, {TS_I8, "I8", 1},
};
#define NDTYPES (sizeof dtypes / sizeof dtypes[0])

const char *st_dtype_name(ts_dtype d)
{
    for (size_t i = 0; i < NDTYPES; i++)
        if (dtypes[i].dtype == d)
            return dtypes[i].name;
    return NULL;
}

int st_dtype_size(ts_dtype d)
{
    for (size_t i = 0; i < NDTYPES; i++)
        if (dtypes[i].dtype == d)
            return dtypes[i].size;
    return 0;
}

void st_shape_text(const int64_t *shape, int nd, char *buf, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return;
    buf[0] = '\0';
    o += (size_t)snprintf(buf, cap, "[");
    for (int d = 0; d < nd && o < cap; d++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%lld", d ? ", " : "",
                              (long long)shape[d]);
    if (o < cap)
        snprintf(buf + o, cap - o, "]");
}

static int read_at(int fd, void *buf, size_t n, uint64_t off)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

void st_close(StFile *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    free(f->path);
    free(f->e);
    free(f->names);
    json_decref(f->meta);
    free(f);
}

/* Data order; an empty tensor before a full one at the same offset. */
static int by_offset(const void *a, const void *b)
{
    const StEntry *x = a, *y = b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return x->len < y->len ? -1 : x->len > y->len;
}

static dk_status fail(StProblem *why, StProblem kind, dk_status code)
{
    if (why)
        *why = kind;
    return code;
}

/* One header entry into e: its dtype, its shape, and a byte count that is
 * the shape's times the dtype's size (overflow counts as a bad shape).
 * Whether the bytes lie inside the file is checked by the caller, in data
 * order. */
static dk_status parse_entry(StFile *f, const char *key, json_t *v, uint64_t base,
                             StEntry *e, DkErr *err)
{
    json_t *dt = json_object_get(v, "dtype"), *shape = json_object_get(v, "shape"),
           *offs = json_object_get(v, "data_offsets");
    if (!json_is_string(dt) || !json_is_array(shape) || !json_is_array(offs) ||
        json_array_size(offs) != 2 || json_array_size(shape) > TS_MAX_DIMS)
        return dk_err_set(err, DK_ERR_FORMAT, "%s: the header entry of %s is malformed",
                          f->path, key);
    int k = -1;
    for (size_t i = 0; i < NDTYPES && k < 0; i++)
        if (!strcmp(dtypes[i].name, json_string_value(dt)))
            k = (int)i;
    if (k < 0)
        return dk_err_set(err, DK_ERR_FORMAT, "%s: %s has dtype %s, which diffuse does "
                          "not read", f->path, key, json_string_value(dt));
    e->dtype = dtypes[k].dtype;
    e->nd = (int)json_array_size(shape);
    uint64_t bytes = (uint64_t)dtypes[k].size;
    for (int d = 0; d < e->nd; d++) {
        json_t *s = json_array_get(shape, (size_t)d);
        if (!json_is_integer(s) || json_integer_value(s) < 0 ||
            json_integer_value(s) > (1ll << 40) ||
            __builtin_mul_overflow(bytes, (uint64_t)json_integer_value(s), &bytes))
            return dk_err_set(err, DK_ERR_FORMAT, "%s: %s has a bad shape", f->path, key);
        e->shape[d] = json_integer_value(s);
    }
    json_t *j0 = json_array_get(offs, 0), *j1 = json_array_get(offs, 1);
    if (!json_is_integer(j0) || !json_is_integer(j1) || json_integer_value(j0) < 0 ||
        json_integer_value(j1) < json_integer_value(j0))
        return dk_err_set(err, DK_ERR_FORMAT, "%s: %s has bad data offsets", f->path, key);
    uint64_t b0 = (uint64_t)json_integer_value(j0), b1 = (uint64_t)json_integer_value(j1);
    if (b1 - b0 != bytes)
        return dk_err_set(err, DK_ERR_FORMAT, "%s: %s's data is %llu bytes, but its shape "
                          "and dtype need %llu", f->path, key, (unsigned long long)(b1 - b0),
                          (unsigned long long)bytes);
    e->offset = base + b0;   /* no overflow: base < 2^27, b0 < 2^63 */
    e->len = bytes;
    return DK_OK;
}

/* In data order, every entry inside the file and none sharing bytes with
 * the one before it. */
static dk_status check_layout(StFile *f, StProblem *why, DkErr *err)
{
    qsort(f->e, (size_t)f->n, sizeof *f->e, by_offset);
    for (int i = 0; i < f->n; i++) {
        const StEntry *e = &f->e[i];
        if (e->offset + e->len > f->size) {
            dk_err_set(err, DK_ERR_FORMAT, "%s is truncated: tensor %s (bytes %llu to "
                       "%llu) lies past its end (%llu bytes)", f->path, e->name,
                       (unsigned long long)e->offset,
                       (unsigned long long)(e->offset + e->len),
                       (unsigned long long)f->size);
            dk_err_hint(err, "the download or copy stopped half-way: fetch the file again");
            return fail(why, ST_TRUNCATED, DK_ERR_FORMAT);
        }
        if (i > 0 && e->offset < e[-1].offset + e[-1].len) {
            dk_err_set(err, DK_ERR_FORMAT, "%s: tensors %s and %s share bytes (their data "
                       "offsets overlap): a corrupt file", f->path, e[-1].name, e->name);
            dk_err_hint(err, "download or save the file again");
            return fail(why, ST_CORRUPT, DK_ERR_FORMAT);
        }
    }
    return DK_OK;
}

static dk_status parse_header(StFile *f, const char *text, size_t len, uint64_t base,
                              StProblem *why, DkErr *err)
{
    json_error_t jerr;
    json_t *hdr = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(hdr)) {
        json_decref(hdr);
        dk_err_set(err, DK_ERR_FORMAT, "%s: the safetensors header is not a JSON object "
                   "(%s): a corrupt file", f->path, hdr ? "another JSON value" : jerr.text);
        dk_err_hint(err, "download or save the file again");
        return fail(why, ST_CORRUPT, DK_ERR_FORMAT);
    }
    size_t n = json_object_size(hdr), names_len = 0;
    const char *key;
    json_t *v;
    json_object_foreach(hdr, key, v)
        names_len += strlen(key) + 1;
    f->e = calloc(n ? n : 1, sizeof *f->e);
    f->names = malloc(names_len ? names_len : 1);
    if (!f->e || !f->names) {
        json_decref(hdr);
        return fail(why, ST_UNREADABLE, dk_err_oom(err));
    }
    char *np = f->names;
    dk_status rc = DK_OK;
    json_object_foreach(hdr, key, v) {
        if (!strcmp(key, "__metadata__")) {
            if (json_is_object(v))
                f->meta = json_incref(v);
            continue;
        }
        StEntry *e = &f->e[f->n];
        rc = parse_entry(f, key, v, base, e, err);
        if (rc != DK_OK)
            break;
        size_t kl = strlen(key) + 1;
        memcpy(np, key, kl);
        e->name = np;
        np += kl;
        f->n++;
    }
    json_decref(hdr);
    if (rc != DK_OK)
        return fail(why, ST_CORRUPT, rc);
    return check_layout(f, why, err);
}

/* The 8-byte length and the header's first byte: is this a safetensors
 * file at all, and is its header inside it? */
static dk_status check_prefix(StFile *f, uint64_t *hlen, StProblem *why, DkErr *err)
{
    unsigned char pre[9];
    const char *what = NULL;
    *hlen = 0;
    if (f->size < 10) {
        what = "too short";
    } else if (read_at(f->fd, pre, 9, 0) != 0) {
        dk_err_set(err, DK_ERR_IO, "cannot read %s: %s", f->path, strerror(errno));
        return fail(why, ST_UNREADABLE, DK_ERR_IO);
    } else {
        for (int i = 0; i < 8; i++)
            *hlen |= (uint64_t)pre[i] << (8 * i);
        if (*hlen < 2 || *hlen > ST_MAX_HEADER)
            what = "bad header length";
        else if (pre[8] != '{')
            what = "its header is no JSON object";
    }
    if (what) {
        dk_err_set(err, DK_ERR_FORMAT, "%s is not a safetensors file (%s)", f->path, what);
        dk_err_hint(err, "the file is damaged or of another format: download it again");
        return fail(why, ST_NOT_SAFETENSORS, DK_ERR_FORMAT);
    }
    if (*hlen > f->size - 8) {
        dk_err_set(err, DK_ERR_FORMAT, "%s is truncated: its header alone should be %llu "
                   "bytes, the file has %llu", f->path, (unsigned long long)*hlen,
                   (unsigned long long)f->size);
        dk_err_hint(err, "the download or copy stopped half-way: fetch the file again");
        return fail(why, ST_TRUNCATED, DK_ERR_FORMAT);
    }
    return DK_OK;
}

static dk_status open_checked(StFile *f, StProblem *why, DkErr *err)
{
    struct stat sb;
    f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0 || fstat(f->fd, &sb) != 0) {
        dk_err_set(err, DK_ERR_IO, "cannot open %s: %s", f->path, strerror(errno));
        dk_err_hint(err, "check the path and the file's permissions");
        return fail(why, ST_UNREADABLE, DK_ERR_IO);
    }
    f->size = (uint64_t)sb.st_size;
    uint64_t hlen = 0;
    dk_status rc = check_prefix(f, &hlen, why, err);
    if (rc != DK_OK)
        return rc;
    char *text = malloc((size_t)hlen);
    if (!text)
        return fail(why, ST_UNREADABLE, dk_err_oom(err));
    if (read_at(f->fd, text, (size_t)hlen, 8) != 0) {
        free(text);
        dk_err_set(err, DK_ERR_IO, "cannot read %s: %s", f->path, strerror(errno));
        return fail(why, ST_UNREADABLE, DK_ERR_IO);
    }
    rc = parse_header(f, text, (size_t)hlen, 8 + hlen, why, err);
    free(text);
    return rc;
}

dk_status st_open(const char *path, StFile **out, StProblem *why, DkErr *err)
{
    *out = NULL;
    if (why)
        *why = ST_FINE;
    StFile *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        return fail(why, ST_UNREADABLE, dk_err_oom(err));
    }
    f->fd = -1;
    dk_status rc = open_checked(f, why, err);
    if (rc != DK_OK) {
        st_close(f);
        return rc;
    }
    *out = f;
    return DK_OK;
}

const char *st_path(const StFile *f)
{
    return f->path;
}

int st_count(const StFile *f)
{
    return f->n;
}

const StEntry *st_entry(const StFile *f, int i)
{
    return i >= 0 && i < f->n ? &f->e[i] : NULL;
}

const StEntry *st_find(const StFile *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->e[i].name, name))
            return &f->e[i];
    return NULL;
}

const char *st_meta(const StFile *f, const char *key)
{
    return f->meta ? json_string_value(json_object_get(f->meta, key)) : NULL;
}

dk_status st_read_bytes(StFile *f, const StEntry *e, void **out, DkErr *err)
{
    *out = NULL;
    void *buf = malloc(e->len ? (size_t)e->len : 1);
    if (!buf)
        return dk_err_oom(err);
    errno = 0;
    if (e->len && read_at(f->fd, buf, (size_t)e->len, e->offset) != 0) {
        free(buf);
        dk_err_set(err, DK_ERR_IO, "cannot read tensor %s from %s (%s)", e->name, f->path,
                   errno ? strerror(errno) : "the file is shorter than its header says");
        dk_err_hint(err, "was the file changed while it was read? Fetch it again");
        return DK_ERR_IO;
    }
    *out = buf;
    return DK_OK;
}

dk_status st_read(const TsApi *api, StFile *f, const StEntry *e, ts_tensor **out,
                  DkErr *err)
{
    *out = NULL;
    void *buf = NULL;
    dk_status rc = st_read_bytes(f, e, &buf, err);
    if (rc != DK_OK)
        return rc;
    ts_status st = api->tensor_from_data(out, buf, e->shape, e->nd, e->dtype);
    free(buf);
    return backend_error(api, st, err);
}

dk_status st_load(const TsApi *api, StFile *f, const char *name, ts_tensor **out,
                  DkErr *err)
{
    *out = NULL;
    const StEntry *e = st_find(f, name);
    if (!e)
        return dk_err_set(err, DK_ERR_FORMAT, "%s has no tensor called %s", f->path, name);
    return st_read(api, f, e, out, err);
}

static int skipped(const char *name, const char *skip)
{
    return skip && !strncmp(name, skip, strlen(skip));
}

/* The first of the files holding name, and its entry there. */
static const StEntry *find_in(StFile *const *files, int nfiles, const char *name,
                              const StFile **in)
{
    for (int k = 0; k < nfiles; k++) {
        const StEntry *e = st_find(files[k], name);
        if (e) {
            *in = files[k];
            return e;
        }
    }
    *in = NULL;
    return NULL;
}

int st_match_module(const TsApi *api, ts_module *m, StFile *const *files, int nfiles,
                    const char *skip, void (*report)(void *ctx, const StMatch *mm),
                    void *ctx, DkErr *err)
{
    int n = 0, bad = 0;
    ts_status st = api->module_state_count(m, &n);
    if (st != TS_OK) {
        backend_error(api, st, err);
        return -1;
    }
    json_t *known = json_object();   /* the module's names */
    if (!known) {
        dk_err_oom(err);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const char *name = NULL;
        ts_tensor *v = NULL;
        int64_t shape[TS_MAX_DIMS];
        StMatch mm = {.shape = shape};
        st = api->module_state_get(m, i, &name, &v);
        if (st == TS_OK)
            st = api->tensor_shape(v, shape, TS_MAX_DIMS, &mm.nd);
        api->tensor_free(v);
        if (st != TS_OK) {
            json_decref(known);
            backend_error(api, st, err);
            return -1;
        }
        json_object_set_new(known, name, json_true());
        mm.name = name;
        mm.entry = find_in(files, nfiles, name, &mm.file);
        if (!mm.entry)
            mm.kind = ST_MISSING;
        else if (mm.entry->nd != mm.nd ||
                 memcmp(mm.entry->shape, shape, (size_t)mm.nd * sizeof *shape))
            mm.kind = ST_MISSHAPED;
        else
            continue;
        bad++;
        report(ctx, &mm);
    }
    for (int k = 0; k < nfiles; k++)
        for (int i = 0; i < files[k]->n; i++) {
            const StEntry *e = &files[k]->e[i];
            if (skipped(e->name, skip) || json_object_get(known, e->name))
                continue;
            bad++;
            report(ctx, &(StMatch){ST_UNEXPECTED, e->name, files[k], e, NULL, 0});
        }
    json_decref(known);
    return bad;
}

dk_status st_copy_into(const TsApi *api, StFile *f, ts_module *m, const char *skip,
                       DkErr *err)
{
    for (int i = 0; i < f->n; i++) {
        const StEntry *e = &f->e[i];
        if (skipped(e->name, skip))
            continue;
        ts_tensor *t = NULL;
        dk_status rc = st_read(api, f, e, &t, err);
        if (rc != DK_OK)
            return rc;
        ts_status st = api->module_state_set(m, e->name, t);
        api->tensor_free(t);
        if (st != TS_OK)
            return backend_error(api, st, err);
    }
    return DK_OK;
}
