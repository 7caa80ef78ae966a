/*
 * safetensors.c: reading .safetensors files tensor by tensor (see
 * safetensors.h).
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
};

static const struct {
    ts_dtype dtype;
    const char *name;
    int size;
} dtypes[] = {
    {TS_F32, "F32", 4}, {TS_F16, "F16", 2}, {TS_BF16, "BF16", 2},
    {TS_F64, "F64", 8}, {TS_I64, "I64", 8}, {TS_I32, "I32", 4},
    {TS_U8, "U8", 1},   {TS_BOOL, "BOOL", 1},
};

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
    free(f);
}

static int by_offset(const void *a, const void *b)
{
    const StEntry *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* One header entry into e, checked against the data size. */
static dk_status parse_entry(StFile *f, const char *key, json_t *v, uint64_t base,
                             uint64_t data_len, StEntry *e, DkErr *err)
{
    json_t *dt = json_object_get(v, "dtype"), *shape = json_object_get(v, "shape"),
           *offs = json_object_get(v, "data_offsets");
    if (!json_is_string(dt) || !json_is_array(shape) || !json_is_array(offs) ||
        json_array_size(offs) != 2 || json_array_size(shape) > TS_MAX_DIMS)
        return dk_err_set(err, DK_ERR_FORMAT, "%s: the header entry of %s is malformed",
                          f->path, key);
    int k = -1;
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (!strcmp(dtypes[i].name, json_string_value(dt)))
            k = (int)i;
    if (k < 0)
        return dk_err_set(err, DK_ERR_FORMAT, "%s: %s has dtype %s, which diffuse does "
                          "not read", f->path, key, json_string_value(dt));
    e->dtype = dtypes[k].dtype;
    e->nd = (int)json_array_size(shape);
    uint64_t numel = 1;
    for (int d = 0; d < e->nd; d++) {
        json_t *s = json_array_get(shape, (size_t)d);
        if (!json_is_integer(s) || json_integer_value(s) < 0 ||
            json_integer_value(s) > (1ll << 40))
            return dk_err_set(err, DK_ERR_FORMAT, "%s: %s has a bad shape", f->path, key);
        e->shape[d] = json_integer_value(s);
        numel *= (uint64_t)e->shape[d];
    }
    json_t *j0 = json_array_get(offs, 0), *j1 = json_array_get(offs, 1);
    if (!json_is_integer(j0) || !json_is_integer(j1) || json_integer_value(j0) < 0 ||
        json_integer_value(j1) < json_integer_value(j0))
        return dk_err_set(err, DK_ERR_FORMAT, "%s: %s has bad data offsets", f->path, key);
    uint64_t b0 = (uint64_t)json_integer_value(j0), b1 = (uint64_t)json_integer_value(j1);
    if (b1 - b0 != numel * (uint64_t)dtypes[k].size)
        return dk_err_set(err, DK_ERR_FORMAT, "%s: %s's data is %llu bytes, but its shape "
                          "and dtype need %llu", f->path, key, (unsigned long long)(b1 - b0),
                          (unsigned long long)(numel * (uint64_t)dtypes[k].size));
    e->offset = base + b0;
    e->len = b1 - b0;
    (void)data_len;  /* checked by the caller, in data order */
    return DK_OK;
}

static dk_status parse_header(StFile *f, const char *text, size_t len, uint64_t base,
                              DkErr *err)
{
    json_error_t jerr;
    json_t *hdr = json_loadb(text, len, 0, &jerr);
    if (!json_is_object(hdr)) {
        json_decref(hdr);
        dk_err_set(err, DK_ERR_FORMAT, "%s: the safetensors header is not a JSON object "
                   "(%s): a corrupt file", f->path, jerr.text);
        dk_err_hint(err, "download the file again");
        return DK_ERR_FORMAT;
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
        return dk_err_oom(err);
    }
    char *np = f->names;
    dk_status rc = DK_OK;
    json_object_foreach(hdr, key, v) {
        if (!strcmp(key, "__metadata__"))
            continue;
        StEntry *e = &f->e[f->n];
        rc = parse_entry(f, key, v, base, f->size - base, e, err);
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
        return rc;
    qsort(f->e, (size_t)f->n, sizeof *f->e, by_offset);
    for (int i = 0; i < f->n; i++) {
        if (f->e[i].offset + f->e[i].len > f->size) {
            dk_err_set(err, DK_ERR_FORMAT, "%s is truncated: tensor %s (bytes %llu to "
                       "%llu) lies past its end (%llu bytes)", f->path, f->e[i].name,
                       (unsigned long long)f->e[i].offset,
                       (unsigned long long)(f->e[i].offset + f->e[i].len),
                       (unsigned long long)f->size);
            dk_err_hint(err, "the download or copy stopped half-way: fetch the file again");
            return DK_ERR_FORMAT;
        }
    }
    return DK_OK;
}

dk_status st_open(const char *path, StFile **out, DkErr *err)
{
    *out = NULL;
    StFile *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        return dk_err_oom(err);
    }
    f->fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (f->fd < 0 || fstat(f->fd, &sb) != 0) {
        dk_err_set(err, DK_ERR_IO, "cannot open %s: %s", path, strerror(errno));
        dk_err_hint(err, "check the path and the file's permissions");
        st_close(f);
        return DK_ERR_IO;
    }
    f->size = (uint64_t)sb.st_size;
    unsigned char lenbuf[8];
    uint64_t hlen = 0;
    int ok = f->size >= 10 && read_at(f->fd, lenbuf, 8, 0) == 0;
    for (int i = 0; ok && i < 8; i++)
        hlen |= (uint64_t)lenbuf[i] << (8 * i);
    if (!ok || hlen < 2 || hlen > ST_MAX_HEADER) {
        dk_err_set(err, DK_ERR_FORMAT, "%s is not a safetensors file (%s)", path,
                   f->size < 10 ? "too short" : "bad header length");
        dk_err_hint(err, "the file is damaged or of another format: download it again");
        st_close(f);
        return DK_ERR_FORMAT;
    }
    if (hlen > f->size - 8) {
        dk_err_set(err, DK_ERR_FORMAT, "%s is truncated: its header alone should be %llu "
                   "bytes, the file has %llu", path, (unsigned long long)hlen,
                   (unsigned long long)f->size);
        dk_err_hint(err, "the download or copy stopped half-way: fetch the file again");
        st_close(f);
        return DK_ERR_FORMAT;
    }
    char *text = malloc((size_t)hlen);
    if (!text) {
        st_close(f);
        return dk_err_oom(err);
    }
    if (read_at(f->fd, text, (size_t)hlen, 8) != 0) {
        free(text);
        dk_err_set(err, DK_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        st_close(f);
        return DK_ERR_IO;
    }
    dk_status rc = text[0] == '{' ? parse_header(f, text, (size_t)hlen, 8 + hlen, err)
                                  : dk_err_set(err, DK_ERR_FORMAT, "%s is not a safetensors "
                                               "file (its header is no JSON object)", path);
    free(text);
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

dk_status st_read(const TsApi *api, StFile *f, const StEntry *e, ts_tensor **out,
                  DkErr *err)
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
