/*
 * safetensors.h: the kernel's one reader of .safetensors files: Part B
 * checkpoints (checkpoint.c), DeepFloyd IF weights (if_weights.c) and
 * prompt embeddings (prompts.c) all open their files here.
 *
 * Format (https://github.com/huggingface/safetensors): 8 bytes of
 * little-endian header length N, N bytes of JSON mapping each tensor's name
 * to {"dtype", "shape", "data_offsets": [begin, end]} (offsets into the data
 * that follows the header), and an optional "__metadata__" of strings.
 *
 * st_open reads and checks only the header: the length, the JSON (a key
 * given twice is refused), and for every entry its dtype, its shape, that
 * its byte count is the shape's times the dtype's size, that its bytes lie
 * inside the file and that no two entries share bytes.  Once st_open has
 * succeeded, every StEntry may be read without further checks.  Tensors are
 * then read one by one (st_read, st_read_bytes), so a caller that copies
 * each into a model and frees it never holds a second copy of the weights.
 *
 * Ownership: an StFile is the caller's, to st_close (NULL is a no-op); the
 * entries, their names and the metadata strings belong to it and live
 * until st_close.  st_read's tensor and st_read_bytes's buffer are the
 * caller's.
 *
 * Writing stays with the one writer, checkpoint.c (atomically: a temporary
 * file, fsync, rename); it names dtypes through st_dtype_name.
 */
#ifndef DK_SAFETENSORS_H
#define DK_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "util/err.h"

#define ST_MAX_HEADER (100u << 20)   /* the format's own limit */

typedef struct StFile StFile;

typedef struct StEntry {
    const char *name;            /* owned by the StFile */
    ts_dtype dtype;
    int64_t shape[TS_MAX_DIMS];
    int nd;
    uint64_t offset;             /* from the start of the file */
    uint64_t len;                /* bytes */
} StEntry;

/* What st_open found wrong: callers that also read other formats, or that
 * know what their file is, word the first kinds their own way. */
typedef enum StProblem {
    ST_FINE = 0,
    ST_UNREADABLE,       /* DK_ERR_IO or DK_ERR_OOM: cannot open or read */
    ST_NOT_SAFETENSORS,  /* too short, a header length out of range, or a
                            header that does not start with '{' */
    ST_TRUNCATED,        /* the header or a tensor lies past the file's end */
    ST_CORRUPT           /* bad JSON, a malformed entry, an unknown dtype, a
                            size that does not fit the shape, shared bytes */
} StProblem;

/* Open path and check its header (see above).  *out is the caller's, to
 * st_close.  why (may be NULL) receives the kind of problem.  Errors, each
 * naming the file (and the entry) with a hint:
 *   DK_ERR_IO      cannot open or read ("cannot open PATH: reason");
 *   DK_ERR_OOM     the header does not fit in memory;
 *   DK_ERR_FORMAT  "PATH is not a safetensors file (too short | bad header
 *                  length | its header is no JSON object)",
 *                  "PATH is truncated: ...",
 *                  "PATH: the safetensors header is not a JSON object ...",
 *                  "PATH: the header entry of NAME is malformed",
 *                  "PATH: NAME has dtype D, which diffuse does not read",
 *                  "PATH: NAME has a bad shape",
 *                  "PATH: NAME has bad data offsets",
 *                  "PATH: NAME's data is N bytes, but its shape and dtype
 *                  need M", "PATH: tensors A and B share bytes ...". */
dk_status st_open(const char *path, StFile **out, StProblem *why, DkErr *err);
void st_close(StFile *f);

const char *st_path(const StFile *f);
/* Entries in the order of their data in the file. */
int st_count(const StFile *f);
const StEntry *st_entry(const StFile *f, int i);
/* The entry called name, or NULL. */
const StEntry *st_find(const StFile *f, const char *name);
/* The string under key in "__metadata__", or NULL (no metadata, no such
 * key, or a value that is not a string). */
const char *st_meta(const StFile *f, const char *key);

/* Entry e's bytes (e->len of them) in a malloc'd buffer for the caller.
 * DK_ERR_IO when the file cannot be read (or shrank since st_open),
 * DK_ERR_OOM. */
dk_status st_read_bytes(StFile *f, const StEntry *e, void **out, DkErr *err);

/* Entry e's bytes as a new CPU tensor of its dtype and shape (the caller's,
 * to api->tensor_free).  Errors as st_read_bytes, and the backend's. */
dk_status st_read(const TsApi *api, StFile *f, const StEntry *e, ts_tensor **out,
                  DkErr *err);

/* st_find then st_read; DK_ERR_FORMAT naming the file when there is no
 * tensor called name. */
dk_status st_load(const TsApi *api, StFile *f, const char *name, ts_tensor **out,
                  DkErr *err);

/* Matching a module's state with the tensors of one or more files. */
typedef enum StMismatch {
    ST_MISSING,      /* the module has it, no file does: entry is NULL */
    ST_MISSHAPED,    /* both have it, in other shapes */
    ST_UNEXPECTED    /* a file has it, the module does not: shape is NULL */
} StMismatch;

typedef struct StMatch {
    StMismatch kind;
    const char *name;
    const StFile *file;          /* holding entry (NULL for ST_MISSING) */
    const StEntry *entry;
    const int64_t *shape;        /* the module's, nd of them */
    int nd;
} StMatch;

/* Every state tensor of m (name and shape) against files[0..nfiles),
 * looked up by name in the first file that holds it; then every entry of
 * the files that m lacks, except names starting with `skip` (when not
 * NULL).  Each mismatch goes to report(ctx, ...), in the module's order
 * then the files'; dtypes are not compared.  The number of mismatches, or
 * -1 with err set when the backend fails (DK_ERR_TORCH, DK_ERR_OOM). */
int st_match_module(const TsApi *api, ts_module *m, StFile *const *files, int nfiles,
                    const char *skip, void (*report)(void *ctx, const StMatch *mm),
                    void *ctx, DkErr *err);

/* Every entry of f (except names starting with `skip`, when not NULL) into
 * m's state tensor of the same name, one at a time (the backend converts
 * to the module's dtype and device).  Errors as st_read, and the
 * backend's for a name m lacks (st_match_module first). */
dk_status st_copy_into(const TsApi *api, StFile *f, ts_module *m, const char *skip,
                       DkErr *err);

/* The format's name of a dtype ("F16") and its size in bytes; NULL and 0
 * for a dtype the format (or diffuse) has no name for. */
const char *st_dtype_name(ts_dtype d);
int st_dtype_size(ts_dtype d);

/* "[1, 2, 3]" into buf. */
void st_shape_text(const int64_t *shape, int nd, char *buf, size_t cap);

#endif
