/*
 * ast.h: the syntax tree of a cell, and the arena it lives in.
 *
 * The parser allocates every node, name and decoded string literal from
 * an Arena; the whole tree is released at once with arena_reset (the
 * interpreter reuses one arena across cells, so a steady-state cell
 * allocates nothing for its tree).
 *
 * Ownership: nodes belong to the arena; Command pointers in calls are
 * static.  Names are NUL-terminated arena copies.
 */
#ifndef DK_AST_H
#define DK_AST_H

#include <stddef.h>

#include "../util/err.h"
#include "lexer.h"
#include "registry.h"

typedef struct ArenaChunk ArenaChunk;
typedef struct Arena {
    ArenaChunk *head;  /* newest chunk first */
    int oom;           /* an allocation failed */
} Arena;

/* Zeroed memory of n bytes (8-byte aligned), or NULL (and oom set). */
void *arena_alloc(Arena *a, size_t n);
/* A NUL-terminated copy of s[0..n). */
char *arena_strndup(Arena *a, const char *s, size_t n);
/* Forget everything allocated; keeps the first chunk for reuse. */
void arena_reset(Arena *a);
void arena_free(Arena *a);

typedef enum {
    NODE_NUMBER,   /* 1.5 */
    NODE_STRING,   /* "text" */
    NODE_BOOL,     /* true */
    NODE_NONE,     /* none */
    NODE_NAME,     /* x */
    NODE_LIST,     /* [a, b] */
    NODE_RANGE,    /* a..b by c */
    NODE_UNARY,    /* -a, not a */
    NODE_BINARY,   /* a + b */
    NODE_INDEX,    /* a[i] */
    NODE_FIELD,    /* a.name */
    NODE_CALL,     /* cmd a b k=v */
    NODE_ASSIGN,   /* x = a (statement only) */
    NODE_FUNCALL,  /* f(a, b): a function defined with def */
    NODE_IF,       /* if c ... else ... end */
    NODE_FOR,      /* for x in xs ... end */
    NODE_DEF,      /* def f(a, b) ... end (top level only) */
    NODE_RETURN    /* return a */
} NodeKind;

typedef struct Node Node;

/* The statements of a block (a cell, a branch, a loop's or a function's
 * body). */
typedef struct Block {
    Node **stmts;
    size_t n;
} Block;

typedef struct CallArg {
    const char *name;  /* keyword name, or NULL for a positional one */
    Span name_span;
    Node *value;
} CallArg;

struct Node {
    NodeKind kind;
    Span span;          /* for carets: start line/col, length in code points */
    size_t start, end;  /* byte range in the source */
    union {
        double number;
        int boolean;
        struct { const char *s; size_t len; } str;
        const char *name;
        struct { Node **items; size_t n; } list;
        struct { Node *from, *to, *by; } range;
        struct { TokenType op; Node *a, *b; } op;  /* unary: a only */
        struct { Node *obj, *index; } index;
        struct { Node *obj; const char *name; } field;
        struct { const Command *cmd; CallArg *args; size_t n; } call;
        struct { const char *name; Span name_span; Node *value; } assign;
        struct { const char *name; Node **args; size_t n; } funcall;
        struct { Node *cond; Block then, els; } if_;
        struct { const char *name; Span name_span; Node *iter; Block body; }
            for_;
        struct { const char *name; const char **params; size_t nparams;
                 Block body; } def;
        struct { Node *value; } ret;  /* value NULL: return none */
    } as;
};

#endif
