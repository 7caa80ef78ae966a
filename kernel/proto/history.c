/*
 * history.c: an in-memory cell history (see history.h).
 */
#include "history.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#define SESSION 1

typedef struct Entry {
    int line;
    char *input;
    char *output; /* text/plain of the result, or NULL */
} Entry;

struct History {
    Entry *e;
    int n, cap;
};

History *history_new(void) { return calloc(1, sizeof(History)); }

void history_free(History *h)
{
    if (!h)
        return;
    for (int i = 0; i < h->n; i++) {
        free(h->e[i].input);
        free(h->e[i].output);
    }
    free(h->e);
    free(h);
}

void history_add(History *h, int line, const char *input, const char *output)
{
    if (h->n == h->cap) {
        int cap = h->cap ? 2 * h->cap : 64;
        Entry *e = realloc(h->e, (size_t)cap * sizeof *e);
        if (!e)
            return; /* history is a convenience; losing a line is fine */
        h->e = e;
        h->cap = cap;
    }
    Entry *x = &h->e[h->n];
    x->line = line;
    x->input = strdup(input ? input : "");
    x->output = output ? strdup(output) : NULL;
    if (x->input)
        h->n++;
}

static json_t *entry_json(const Entry *x, int with_output)
{
    json_t *src = json_string(x->input);
    if (with_output)
        src = json_pack("[o, o]", src,
                        x->output ? json_string(x->output) : json_null());
    return json_pack("[i, i, o]", SESSION, x->line, src);
}

static int int_field(json_t *req, const char *key, int fallback)
{
    json_t *v = json_object_get(req, key);
    return json_is_integer(v) ? (int)json_integer_value(v) : fallback;
}

/* Indices of the last n entries (all when n <= 0) passing `keep`. */
static json_t *collect(const History *h, int n, int with_output,
                       int (*keep)(const History *, int, void *), void *arg)
{
    json_t *out = json_array();
    int count = 0, first = h->n;
    while (first > 0 && (n <= 0 || count < n)) {
        first--;
        if (keep(h, first, arg))
            count++;
    }
    for (int i = first; i < h->n; i++)
        if (keep(h, i, arg))
            json_array_append_new(out, entry_json(&h->e[i], with_output));
    return out;
}

static int keep_all(const History *h, int i, void *arg)
{
    (void)h, (void)i, (void)arg;
    return 1;
}

typedef struct Search {
    const char *pattern;
    int unique;
} Search;

static int keep_match(const History *h, int i, void *arg)
{
    const Search *s = arg;
    if (fnmatch(s->pattern, h->e[i].input, 0) != 0)
        return 0;
    if (!s->unique)
        return 1;
    for (int j = i + 1; j < h->n; j++) /* keep only the latest copy */
        if (strcmp(h->e[j].input, h->e[i].input) == 0 &&
            fnmatch(s->pattern, h->e[j].input, 0) == 0)
            return 0;
    return 1;
}

typedef struct Range {
    int start, stop;
} Range;

static int keep_range(const History *h, int i, void *arg)
{
    const Range *r = arg;
    return h->e[i].line >= r->start && (r->stop <= 0 || h->e[i].line < r->stop);
}

json_t *history_query(const History *h, json_t *req)
{
    const char *kind =
        json_string_value(json_object_get(req, "hist_access_type"));
    int with_output = json_is_true(json_object_get(req, "output"));
    int n = int_field(req, "n", 0);
    if (!kind)
        return json_array();
    if (strcmp(kind, "tail") == 0)
        return collect(h, n > 0 ? n : 10, with_output, keep_all, NULL);
    if (strcmp(kind, "search") == 0) {
        const char *pattern =
            json_string_value(json_object_get(req, "pattern"));
        Search s = {pattern ? pattern : "*",
                    json_is_true(json_object_get(req, "unique"))};
        return collect(h, n, with_output, keep_match, &s);
    }
    if (strcmp(kind, "range") == 0) {
        int session = int_field(req, "session", 0);
        if (session != 0 && session != SESSION)
            return json_array();
        Range r = {int_field(req, "start", 1), int_field(req, "stop", 0)};
        return collect(h, 0, with_output, keep_range, &r);
    }
    return json_array();
}
