/*
 * file.h: reading a whole file into memory, and joining paths.
 */
#ifndef DK_FILE_H
#define DK_FILE_H

#include <stddef.h>

#include "err.h"

/* The bytes of the file at `path`, followed by a NUL that *len does not
 * count (so a text file is a C string).  The buffer is malloc'd for the
 * caller (free()).  len may be NULL.  On failure returns NULL with err set:
 * DK_ERR_IO "cannot open PATH: reason" or "cannot read PATH", DK_ERR_OOM. */
char *dk_read_file(const char *path, size_t *len, DkErr *err);

/* "dir/name", malloc'd for the caller (free()); NULL when out of memory. */
char *dk_path_join(const char *dir, const char *name);

#endif
