/*
 * safetensors.h: reading tensors from a .safetensors file one at a time.
 *
 * Format (https://github.com/huggingface/safetensors): 8 bytes of
 * little-endian header length N, N bytes of JSON mapping each tensor's name
 * to {"dtype", "shape", "data_offsets": [begin, end]} (offsets into the data
 * that follows the header), and an optional "__metadata__" of strings.
 *
 * st_open reads and checks only the header: the length, the JSON, and for
 * every entry its dtype, its shape and that its bytes lie inside the file
 * (a truncated file is refused here, naming the first tensor that does not
 * fit).  Tensors are then read one by one with st_read, so a caller that
 * copies each into a model and frees it never holds a second copy of the
 * weights.  (checkpoint.c, which reads whole Part B checkpoints of a few
 * MB at once, keeps its own reader.)
 */
#ifndef DK_SAFETENSORS_H
#define DK_SAFETENSORS_H

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

/* Open path and check its header (see above).  *out is the caller's, to
 * st_close.  Errors: DK_ERR_IO (cannot open or read), DK_ERR_FORMAT (no
 * safetensors header, bad JSON, an entry with an unknown dtype, a bad shape
 * or offsets outside the file), each naming the file and the entry. */
dk_status st_open(const char *path, StFile **out, DkErr *err);
void st_close(StFile *f);

const char *st_path(const StFile *f);
/* Entries in the order of their data in the file. */
int st_count(const StFile *f);
const StEntry *st_entry(const StFile *f, int i);
/* The entry called name, or NULL. */
const StEntry *st_find(const StFile *f, const char *name);

/* Entry e's bytes as a new CPU tensor of its dtype and shape (the caller's,
 * to api->tensor_free).  DK_ERR_IO when the file cannot be read (or shrank
 * since st_open). */
dk_status st_read(const TsApi *api, StFile *f, const StEntry *e, ts_tensor **out,
                  DkErr *err);

/* st_find then st_read; DK_ERR_FORMAT naming the file when there is no
 * tensor called name. */
dk_status st_load(const TsApi *api, StFile *f, const char *name, ts_tensor **out,
                  DkErr *err);

/* "[1, 2, 3]" into buf. */
void st_shape_text(const int64_t *shape, int nd, char *buf, size_t cap);

#endif
