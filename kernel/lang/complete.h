/*
 * complete.h: where in a statement a cursor stands, shared by completion
 * (complete.c) and inspection (inspect.c).
 *
 * Both work on the cell's tokens, not its tree, so they also work on a
 * half-typed cell that does not parse.
 */
#ifndef DK_COMPLETE_H
#define DK_COMPLETE_H

#include <stddef.h>

#include "lexer.h"
#include "registry.h"

typedef struct CursorContext {
    const Command *cmd;  /* the innermost command whose arguments the
                            cursor is in, or NULL */
    size_t cmd_token;    /* index of that command's name token */
    unsigned used;       /* bit i: keyword cmd->args[i] already given */
    int after_assign;    /* the token before the cursor is '=' */
    int after_dot;       /* the token before the cursor is '.' */
    int first_arg;       /* the cursor is at the command's first argument */
    int at_statement_start;
} CursorContext;

/* Analyse tokens [0, upto) of tv (those before the cursor's word) in src. */
void complete_context(const char *src, const TokenVec *tv, size_t upto,
                      CursorContext *cx);

#endif
