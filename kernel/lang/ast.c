/*
 * ast.c: the arena behind the syntax tree (see ast.h).
 */
#include "ast.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE 8192

struct ArenaChunk {
    ArenaChunk *next;
    size_t used, size;
    _Alignas(8) unsigned char data[];
};

static ArenaChunk *chunk_new(size_t size)
{
    ArenaChunk *c = malloc(sizeof *c + size);
    if (!c)
        return NULL;
    c->next = NULL;
    c->used = 0;
    c->size = size;
    return c;
}

void *arena_alloc(Arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    ArenaChunk *c = a->head;
    if (!c || c->size - c->used < n) {
        size_t size = n > CHUNK_SIZE ? n : CHUNK_SIZE;
        ArenaChunk *fresh = chunk_new(size);
        if (!fresh) {
            a->oom = 1;
            return NULL;
        }
        /* A big one-off allocation goes behind the head, keeping the
         * head's free space for the small ones that follow. */
        if (c && size > CHUNK_SIZE) {
            fresh->next = c->next;
            c->next = fresh;
            fresh->used = n;
            memset(fresh->data, 0, n);
            return fresh->data;
        }
        fresh->next = c;
        a->head = c = fresh;
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void arena_reset(Arena *a)
{
    ArenaChunk *c = a->head;
    if (!c)
        return;
    /* Keep the oldest chunk (the last in the list), free the rest. */
    while (c->next) {
        ArenaChunk *next = c->next;
        free(c);
        c = next;
    }
    c->used = 0;
    a->head = c;
    a->oom = 0;
}

void arena_free(Arena *a)
{
    ArenaChunk *c = a->head;
    while (c) {
        ArenaChunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->oom = 0;
}
