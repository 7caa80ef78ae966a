/*
 * suggest.c: close-name suggestions (see suggest.h).
 */
#include "suggest.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_WORD 63

int suggest_distance(const char *a, size_t na, const char *b, size_t nb,
                     int cap)
{
    if (na > MAX_WORD || nb > MAX_WORD)
        return cap + 1;
    if ((na > nb ? na - nb : nb - na) > (size_t)cap)
        return cap + 1;
    /* Three rows of the DP table: two back (for swaps), one back, now. */
    int rows[3][MAX_WORD + 2];
    int *pp = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= nb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= nb; j++) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (prev[j - 1] + cost < d)
                d = prev[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                pp[j - 2] + 1 < d)
                d = pp[j - 2] + 1;
            cur[j] = d;
        }
        int *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
    return prev[nb] > cap ? cap + 1 : prev[nb];
}

void suggest_init(Suggest *s, const char *word, size_t len)
{
    s->word = word;
    s->len = len;
    s->best = NULL;
    s->best_dist = 1 << 20;
}

/* How far a word of this length may be from its suggestion. */
static int threshold(size_t len)
{
    return len <= 3 ? 1 : len <= 6 ? 2 : 3;
}

void suggest_offer(Suggest *s, const char *cand)
{
    size_t n = strlen(cand);
    if (n == s->len && memcmp(cand, s->word, n) == 0)
        return; /* the word itself is no suggestion */
    int cap = threshold(s->len);
    int d = suggest_distance(s->word, s->len, cand, n, cap);
    if (d > cap || (size_t)d >= s->len || (size_t)d >= n)
        return;
    if (d < s->best_dist || (d == s->best_dist && strcmp(cand, s->best) < 0)) {
        s->best = cand;
        s->best_dist = d;
    }
}

const char *suggest_result(const Suggest *s) { return s->best; }

int suggest_file(const char *path, char *buf, size_t cap)
{
    struct stat st;
    if (!path || !*path || stat(path, &st) == 0)
        return 0;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char dir[4096];
    int dlen = slash ? (int)(slash - path) : 0;
    snprintf(dir, sizeof dir, "%.*s", dlen ? dlen : 1, slash ? path : ".");
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    Suggest s;
    char best[256];
    suggest_init(&s, base, strlen(base));
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        suggest_offer(&s, e->d_name);
        if (s.best == e->d_name) {
            /* readdir reuses its entry: keep our own copy */
            snprintf(best, sizeof best, "%s", e->d_name);
            s.best = best;
        }
    }
    closedir(d);
    if (!suggest_result(&s))
        return 0;
    if (slash)
        snprintf(buf, cap, "%.*s/%s", dlen, path, s.best);
    else
        snprintf(buf, cap, "%s", s.best);
    return 1;
}
