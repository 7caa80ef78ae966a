/*
 * parser.h: recursive descent from tokens to a Program (list of
 * statements), collecting every syntax error instead of stopping at the
 * first (SQLite/clox style: after an error the parser skips to the next
 * line and goes on, so one run shows all broken lines).
 *
 * Grammar (one statement per line; see REFERENCE.md for the friendly
 * version):
 *   stmt    := NAME '=' expr | expr | block | 'return' expr?
 *   block   := 'if' expr NL stmts ('else' ('if' ...  | NL stmts))? 'end'
 *            | 'for' NAME 'in' expr NL stmts 'end'
 *            | 'def' NAME '(' (NAME (',' NAME)*)? ')' NL stmts 'end'
 *              (def at the top level only; return only inside a def;
 *              `else if` shares the one 'end' of its if)
 *   expr    := or
 *   or      := and ('or' and)*          and := not ('and' not)*
 *   not     := 'not' not | compare      compare := range (cmp range)?
 *   range   := add ('..' add ('by' add)?)?
 *   add     := mul (('+'|'-') mul)*     mul := unary (('*'|'/'|'%') unary)*
 *   unary   := '-' unary | power        power := postfix ('**' unary)?
 *   postfix := primary ('[' expr ']' | '.' NAME)*
 *   primary := NUMBER | STRING | true | false | none | '(' expr ')'
 *            | '[' (expr (',' expr)* ','?)? ']' | NAME | call | funcall
 *   call    := COMMAND arg*             (up to end of line, ')', ']', ',')
 *            | COMMAND '(' (arg (',' arg)*)? ')'   ('(' glued to the name)
 *   funcall := NAME '(' (expr (',' expr)*)? ')'    ('(' glued to the name)
 *   arg     := NAME '=' expr | expr
 * Inside a call's arguments `-` with a space before and none after starts
 * a new argument (`f a -1` is two arguments, `f a - 1` one), and so does
 * `[` with a space before (`f a [1]`).
 *
 * Ownership: everything in a Program lives in the arena passed in.
 */
#ifndef DK_PARSER_H
#define DK_PARSER_H

#include <stddef.h>

#include "../util/err.h"
#include "ast.h"
#include "lexer.h"

typedef struct Diag {
    dk_status code;  /* DK_ERR_SYNTAX, or DK_ERR_NAME for unknown commands */
    Span span;
    size_t offset;   /* byte offset of the span's start */
    const char *msg; /* arena */
    const char *hint;/* arena or NULL */
    int at_end;      /* found at the end of the cell: more text may fix it */
} Diag;

typedef struct Program {
    Node **stmts;
    size_t n;
    Diag *diags;
    size_t ndiags;   /* 0: the program is valid */
    int open_blocks; /* if/for/def blocks the cell left open (incomplete) */
} Program;

/* Parse the tokens of src (lexed by the caller into tv) as statements. */
void parser_program(Arena *a, const char *src, const TokenVec *tv,
                    Program *out);
/* Parse as exactly one expression (user_expressions, defaults). */
void parser_expression(Arena *a, const char *src, const TokenVec *tv,
                       Program *out);

/* Copy the first diagnostic into err ("... (and N more errors)"). */
dk_status parser_report(const Program *p, DkErr *err);

/* Span of the bytes [start, end) of src beginning at (line, col). */
Span parser_span(const char *src, size_t start, size_t end, int line,
                 int col);

#endif
