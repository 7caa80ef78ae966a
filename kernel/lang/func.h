/*
 * func.h: the `function` value a `def` makes.
 *
 * A cell's tree lives in the interpreter's arena, which the next cell
 * resets; a function must outlive its cell.  So a function keeps its own
 * copy of the defining cell's text and parses it again into its own arena
 * (parsing is deterministic, and a cell is small), pointing at its def
 * node there.  Spans inside the body therefore stay those of the defining
 * cell: eval.c moves an error to the call when the function runs from
 * another cell.
 *
 * Ownership: func_value returns a new reference; func_of borrows from the
 * value, valid while it lives.
 */
#ifndef DK_FUNC_H
#define DK_FUNC_H

#include "ast.h"
#include "lexer.h"
#include "parser.h"
#include "value.h"

typedef struct Func {
    char *src;         /* the defining cell (owned copy) */
    Arena arena;       /* its tree */
    TokenVec toks;
    Program prog;
    const Node *def;   /* the NODE_DEF, in arena */
} Func;

/* A function for the def at byte offset def_start of the cell src.  NULL
 * with err set when out of memory (or, a bug, when the def is not found
 * again). */
Value *func_value(const char *src, size_t def_start, DkErr *err);

/* The function inside v, or NULL for any other value. */
const Func *func_of(const Value *v);

/* Non-zero when f was defined by the cell src (same text). */
int func_from_cell(const Func *f, const char *src);

#endif
