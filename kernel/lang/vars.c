/*
 * vars.c: the variable table, chained hashing with FNV-1a (see vars.h).
 */
#include "vars.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct Var {
    struct Var *next;
    Value *value;
    uint32_t hash;
    char name[]; /* NUL-terminated */
} Var;

struct VarTable {
    Var **buckets;
    size_t nbuckets; /* a power of two */
    size_t count;
};

static uint32_t hash_name(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

VarTable *vars_new(void)
{
    VarTable *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->nbuckets = 32;
    t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    return t;
}

void vars_free(VarTable *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nbuckets; i++) {
        Var *v = t->buckets[i];
        while (v) {
            Var *next = v->next;
            value_unref(v->value);
            free(v);
            v = next;
        }
    }
    free(t->buckets);
    free(t);
}

static Var *find(const VarTable *t, const char *name, uint32_t h)
{
    for (Var *v = t->buckets[h & (t->nbuckets - 1)]; v; v = v->next)
        if (v->hash == h && strcmp(v->name, name) == 0)
            return v;
    return NULL;
}

Value *vars_get(const VarTable *t, const char *name)
{
    Var *v = find(t, name, hash_name(name));
    return v ? v->value : NULL;
}

/* Double the bucket count; on OOM keep the old (slower, still correct). */
static void grow(VarTable *t)
{
    size_t n = t->nbuckets * 2;
    Var **b = calloc(n, sizeof *b);
    if (!b)
        return;
    for (size_t i = 0; i < t->nbuckets; i++) {
        Var *v = t->buckets[i];
        while (v) {
            Var *next = v->next;
            v->next = b[v->hash & (n - 1)];
            b[v->hash & (n - 1)] = v;
            v = next;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = n;
}

dk_status vars_set(VarTable *t, const char *name, Value *value)
{
    uint32_t h = hash_name(name);
    Var *v = find(t, name, h);
    if (v) {
        value_unref(v->value);
        v->value = value;
        return DK_OK;
    }
    size_t len = strlen(name);
    v = malloc(sizeof *v + len + 1);
    if (!v) {
        value_unref(value);
        return DK_ERR_OOM;
    }
    memcpy(v->name, name, len + 1);
    v->hash = h;
    v->value = value;
    v->next = t->buckets[h & (t->nbuckets - 1)];
    t->buckets[h & (t->nbuckets - 1)] = v;
    if (++t->count > t->nbuckets)
        grow(t);
    return DK_OK;
}

int vars_del(VarTable *t, const char *name)
{
    uint32_t h = hash_name(name);
    Var **link = &t->buckets[h & (t->nbuckets - 1)];
    for (; *link; link = &(*link)->next) {
        Var *v = *link;
        if (v->hash != h || strcmp(v->name, name) != 0)
            continue;
        *link = v->next;
        value_unref(v->value);
        free(v);
        t->count--;
        return 1;
    }
    return 0;
}

size_t vars_count(const VarTable *t) { return t->count; }

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **vars_names(const VarTable *t, size_t *n)
{
    *n = 0;
    if (t->count == 0)
        return NULL;
    const char **names = malloc(t->count * sizeof *names);
    if (!names)
        return NULL;
    for (size_t i = 0; i < t->nbuckets; i++)
        for (Var *v = t->buckets[i]; v; v = v->next)
            names[(*n)++] = v->name;
    qsort(names, *n, sizeof *names, cmp_names);
    return names;
}
