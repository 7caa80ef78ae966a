/*
 * file.c: reading a whole file into memory, and joining paths (file.h).
 */
#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *dk_read_file(const char *path, size_t *len, DkErr *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        dk_err_set(err, DK_ERR_IO, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t cap = 0, n = 0, r = 0;
    do {
        if (n + 1 >= cap) {   /* room for the NUL, always */
            cap = cap ? cap * 2 : (1u << 16);
            char *p = realloc(buf, cap);
            if (!p) {
                free(buf);
                fclose(f);
                dk_err_set(err, DK_ERR_OOM, "out of memory reading %s", path);
                return NULL;
            }
            buf = p;
        }
        r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
    } while (r > 0);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        dk_err_set(err, DK_ERR_IO, "cannot read %s", path);
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

char *dk_path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}
