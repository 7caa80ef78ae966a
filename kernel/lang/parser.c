/*
 * parser.c: recursive descent over the token vector (see parser.h for the
 * grammar).  Errors are recorded as Diags; after the first error of a
 * statement (panic) nothing more is recorded until the parser has skipped
 * to the next line, so one mistake gives one message.
 */
#include "parser.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/utf8.h"
#include "suggest.h"
#include "value.h"

#define MAX_DEPTH 200  /* nesting of brackets and unary operators */
#define MAX_DIAGS 50
#define MAX_BLOCKS 100 /* nesting of if/for/def blocks */

typedef struct P {
    Arena *a;
    const char *src;
    const Token *t;
    size_t n, i;
    size_t end_index;  /* first of the trailing NEWLINE/EOF tokens */
    Diag *diags;
    size_t nd, capd;
    int panic;         /* an error in this statement was reported */
    int depth;
    int in_args;       /* parsing a command argument: Ruby's minus rule */
    int blocks;        /* if/for/def blocks open around the statement */
    int open_blocks;   /* the most still open when the cell ended */
    int in_def;        /* inside a def: return is allowed */
} P;

static Node *expr(P *p);

// ---- tokens --------------------------------------------------------------

static const Token *cur(const P *p) { return &p->t[p->i]; }

static const Token *ahead(const P *p, size_t k)
{
    size_t j = p->i + k;
    return &p->t[j < p->n ? j : p->n - 1];
}

static const Token *advance(P *p)
{
    const Token *t = &p->t[p->i];
    if (p->i + 1 < p->n)
        p->i++;
    return t;
}

static int check(const P *p, TokenType type) { return cur(p)->type == type; }

static size_t prev_end(const P *p)
{
    if (p->i == 0)
        return 0;
    const Token *t = &p->t[p->i - 1];
    return t->start + t->len;
}

Span parser_span(const char *src, size_t start, size_t end, int line, int col)
{
    Span s = {line, col, 0};
    if (end > start)
        s.len = (int)value_utf8_len(src + start, end - start);
    return s;
}

static Span token_span(const P *p, const Token *t)
{
    return parser_span(p->src, t->start, t->start + t->len, t->line, t->col);
}

/* A token for the bytes [start, start+len) inside token t, with its own
 * line and column (an escape inside a multi-line string). */
static Token token_inside(const P *p, const Token *t, size_t start, size_t len)
{
    Token r = *t;
    r.start = start;
    r.len = len;
    for (size_t k = t->start; k < start; k++) {
        unsigned char c = (unsigned char)p->src[k];
        if (c == '\n') {
            r.line++;
            r.col = 1;
        } else if (!utf8_is_cont(c)) {
            r.col++;
        }
    }
    return r;
}

// ---- errors --------------------------------------------------------------

static char *arena_vprintf(Arena *a, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return NULL;
    char *s = arena_alloc(a, (size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

static char *arena_printf(Arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static char *arena_printf(Arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return s;
}

static void add_diag(P *p, const Token *at, Span span, dk_status code,
                     const char *msg, const char *hint)
{
    p->panic = 1;
    if (p->nd >= MAX_DIAGS)
        return;
    if (p->nd == p->capd) {
        size_t cap = p->capd ? p->capd * 2 : 4;
        Diag *d = arena_alloc(p->a, cap * sizeof *d);
        if (!d)
            return;
        if (p->nd)
            memcpy(d, p->diags, p->nd * sizeof *d);
        p->diags = d;
        p->capd = cap;
    }
    Diag *d = &p->diags[p->nd++];
    d->code = code;
    d->span = span;
    d->offset = at->start;
    d->msg = msg ? msg : "syntax error";
    d->hint = hint;
    d->at_end = (size_t)(at - p->t) >= p->end_index;
}

/* A lexer error token explains itself. */
static void lex_error(P *p, const Token *t)
{
    const char *text = p->src + t->start;
    int n = (int)t->len;
    const char *msg = lexer_error_text(t->error), *hint = NULL;
    switch (t->error) {
    case LEX_BAD_CHAR:
        msg = arena_printf(p->a, "unexpected character '%.*s'", n, text);
        if (n == 1 && (*text == '\'' || *text == '`'))
            hint = "strings use double quotes: \"like this\"";
        else if (n == 1 && *text == '!')
            hint = "write 'not x' for negation and '!=' for 'is not equal'";
        break;
    case LEX_OPEN_STRING:
        hint = "close it with \" on the same line, or use \"\"\"triple "
               "quotes\"\"\" for text over several lines";
        break;
    case LEX_OPEN_TRIPLE:
        hint = "end the string with \"\"\"";
        break;
    case LEX_BAD_NUMBER:
        msg = arena_printf(p->a, "malformed number '%.*s'", n, text);
        hint = "numbers look like 42, 0.5 or 1e-4";
        break;
    case LEX_OK:
        break;
    }
    add_diag(p, t, token_span(p, t), DK_ERR_SYNTAX, msg, hint);
}

static void error_at(P *p, const Token *t, const char *hint, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));
static void error_at(P *p, const Token *t, const char *hint, const char *fmt,
                     ...)
{
    if (p->panic)
        return;
    if (t->type == TOK_ERROR) {
        lex_error(p, t);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg = arena_vprintf(p->a, fmt, ap);
    va_end(ap);
    add_diag(p, t, token_span(p, t), DK_ERR_SYNTAX, msg, hint);
}

/* "number 12", "name 'x'", "'+'" for messages. */
static const char *describe(P *p, const Token *t)
{
    int n = t->len > 20 ? 20 : (int)t->len;
    const char *dots = t->len > 20 ? "..." : "";
    switch (t->type) {
    case TOK_NUMBER:
        return arena_printf(p->a, "number %.*s", n, p->src + t->start);
    case TOK_NAME:
        return arena_printf(p->a, "name '%.*s'", n, p->src + t->start);
    case TOK_STRING:
        return arena_printf(p->a, "string %.*s%s", n, p->src + t->start,
                            dots);
    default:
        return lexer_token_name(t->type);
    }
}

// ---- nodes ---------------------------------------------------------------

static Node *node_at(P *p, NodeKind kind, const Token *t)
{
    Node *n = arena_alloc(p->a, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->start = t->start;
    n->end = t->start + t->len;
    n->span = token_span(p, t);
    return n;
}

/* Close a node at the end of the last token consumed. */
static Node *finish(P *p, Node *n)
{
    if (!n)
        return NULL;
    size_t end = prev_end(p);
    if (end > n->end)
        n->end = end;
    n->span = parser_span(p->src, n->start, n->end, n->span.line, n->span.col);
    return n;
}

static Node *binary(P *p, TokenType op, const Token *at, Node *a, Node *b)
{
    if (!a || !b)
        return a;
    Node *n = node_at(p, NODE_BINARY, at);
    if (!n)
        return a;
    n->start = a->start;
    n->span.line = a->span.line;
    n->span.col = a->span.col;
    n->as.op.op = op;
    n->as.op.a = a;
    n->as.op.b = b;
    return finish(p, n);
}

/* An always-valid stand-in after an error, so callers need no NULL checks
 * beyond the arena running dry. */
static Node *error_node(P *p)
{
    return node_at(p, NODE_NONE, cur(p));
}

static int enter(P *p)
{
    if (++p->depth <= MAX_DEPTH)
        return 1;
    error_at(p, cur(p), "split it into several lines with variables",
             "this expression is nested too deeply");
    return 0;
}

// ---- expressions ---------------------------------------------------------

static int starts_expr(TokenType t)
{
    switch (t) {
    case TOK_NUMBER: case TOK_STRING: case TOK_NAME: case TOK_TRUE:
    case TOK_FALSE: case TOK_NONE: case TOK_NOT: case TOK_MINUS:
    case TOK_LPAREN: case TOK_LBRACKET: case TOK_ERROR:
        return 1;
    default:
        return 0;
    }
}

/* What ends a command's argument list. */
static int ends_args(TokenType t)
{
    return t == TOK_NEWLINE || t == TOK_EOF || t == TOK_RPAREN ||
           t == TOK_RBRACKET || t == TOK_COMMA;
}

static Node *list_literal(P *p)
{
    const Token *open = advance(p);
    Node *n = node_at(p, NODE_LIST, open);
    if (!n)
        return NULL;
    size_t cap = 0;
    while (!check(p, TOK_RBRACKET) && !p->panic) {
        if (check(p, TOK_EOF)) {
            error_at(p, cur(p), "add ']' to close the list",
                     "this list is never closed");
            break;
        }
        Node *item = expr(p);
        if (!item || p->panic)
            break;
        if (n->as.list.n == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            Node **items = arena_alloc(p->a, ncap * sizeof *items);
            if (!items)
                return NULL;
            if (cap)
                memcpy(items, n->as.list.items, cap * sizeof *items);
            n->as.list.items = items;
            cap = ncap;
        }
        n->as.list.items[n->as.list.n++] = item;
        if (check(p, TOK_COMMA)) {
            advance(p);
            continue;
        }
        if (!check(p, TOK_RBRACKET))
            error_at(p, cur(p), "separate list items with commas: [1, 2, 3]",
                     "expected ',' or ']' in the list, found %s",
                     describe(p, cur(p)));
    }
    if (check(p, TOK_RBRACKET))
        advance(p);
    return finish(p, n);
}

/* A bare word standing for its own text (VT_WORD arguments). */
static Node *word(P *p)
{
    const Token *t = advance(p);
    Node *n = node_at(p, NODE_STRING, t);
    if (!n)
        return NULL;
    n->as.str.s = arena_strndup(p->a, p->src + t->start, t->len);
    n->as.str.len = t->len;
    return finish(p, n);
}

/* Is the current token a bare word for a VT_WORD argument (`help by`)? */
static int word_at(const P *p, const Command *cmd, int slot)
{
    TokenType t = cur(p)->type, next = ahead(p, 1)->type;
    int wordlike = t == TOK_NAME || (t >= TOK_TRUE && t <= TOK_END);
    return (cmd->args[slot].types & VT_WORD) && wordlike &&
           next != TOK_DOT && next != TOK_LBRACKET;
}

/* Append arg to the call n (arena arrays double as they fill). */
static int push_arg(P *p, Node *n, size_t *cap, CallArg arg)
{
    if (n->as.call.n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        CallArg *args = arena_alloc(p->a, ncap * sizeof *args);
        if (!args)
            return 0;
        if (*cap)
            memcpy(args, n->as.call.args, *cap * sizeof *args);
        n->as.call.args = args;
        *cap = ncap;
    }
    n->as.call.args[n->as.call.n++] = arg;
    return 1;
}

/* `clamp(x, 0, 1)`: a '(' glued to the command's name holds its
 * arguments, separated by commas, so a command reads as a function inside
 * a formula: `sqrt(ab) * x` is sqrt of ab, times x. */
static Node *paren_call(P *p, Node *n, const Command *cmd)
{
    const Token *open = advance(p);
    int saved = p->in_args;
    p->in_args = 0;
    size_t cap = 0, positional = 0;
    while (!p->panic && !check(p, TOK_RPAREN)) {
        CallArg arg = {0};
        int slot;
        if (check(p, TOK_NAME) && ahead(p, 1)->type == TOK_ASSIGN) {
            const Token *k = advance(p);
            advance(p);
            arg.name = arena_strndup(p->a, p->src + k->start, k->len);
            arg.name_span = token_span(p, k);
            slot = registry_arg_index(cmd, p->src + k->start, k->len);
        } else {
            slot = positional < (size_t)cmd->nargs ? (int)positional
                 : cmd->variadic                   ? cmd->nargs - 1
                                                   : -1;
            positional++;
        }
        arg.value = slot >= 0 && word_at(p, cmd, slot) ? word(p) : expr(p);
        if (!arg.value || p->panic || !push_arg(p, n, &cap, arg))
            break;
        if (check(p, TOK_COMMA))
            advance(p);
        else if (!check(p, TOK_RPAREN))
            error_at(p, cur(p), "separate the arguments with commas: "
                     "clamp(x, 0, 1)", "expected ',' or ')' after an "
                     "argument of %s, found %s", cmd->name, describe(p, cur(p)));
    }
    p->in_args = saved;
    if (!p->panic && check(p, TOK_RPAREN))
        advance(p);
    else if (!p->panic)
        error_at(p, cur(p), NULL, "expected ')' to close the '(' at line %d "
                 "column %d", open->line, open->col);
    return finish(p, n);
}

static Node *call(P *p, const Command *cmd)
{
    const Token *name = advance(p);
    Node *n = node_at(p, NODE_CALL, name);
    if (!n)
        return NULL;
    n->as.call.cmd = cmd;
    if (check(p, TOK_LPAREN) && !cur(p)->space_before)
        return paren_call(p, n, cmd);
    int saved = p->in_args;
    size_t cap = 0, positional = 0;
    while (!p->panic && !ends_args(cur(p)->type)) {
        CallArg arg = {0};
        int slot;
        if (check(p, TOK_NAME) && ahead(p, 1)->type == TOK_ASSIGN) {
            const Token *k = advance(p);
            advance(p);
            arg.name = arena_strndup(p->a, p->src + k->start, k->len);
            arg.name_span = token_span(p, k);
            slot = registry_arg_index(cmd, p->src + k->start, k->len);
            if (ends_args(cur(p)->type)) {
                error_at(p, cur(p), NULL, "expected a value after '%s='",
                         arg.name ? arg.name : "");
                break;
            }
        } else {
            slot = positional < (size_t)cmd->nargs ? (int)positional
                 : cmd->variadic                   ? cmd->nargs - 1
                                                   : -1;
            if (!starts_expr(cur(p)->type) && !(slot >= 0 && word_at(p, cmd, slot)))
                break;
            positional++;
        }
        if (slot >= 0 && word_at(p, cmd, slot)) {
            arg.value = word(p);
        } else {
            p->in_args = 1;
            arg.value = expr(p);
            p->in_args = saved;
        }
        if (!arg.value || p->panic || !push_arg(p, n, &cap, arg))
            break;
    }
    p->in_args = saved;
    return finish(p, n);
}

/* f(a, b): a function of the user's (def). */
static Node *funcall(P *p)
{
    const Token *name = advance(p);
    const Token *open = advance(p);
    Node *n = node_at(p, NODE_FUNCALL, name);
    if (!n)
        return NULL;
    n->as.funcall.name = arena_strndup(p->a, p->src + name->start, name->len);
    int saved = p->in_args;
    p->in_args = 0;
    size_t cap = 0;
    while (!p->panic && !check(p, TOK_RPAREN)) {
        Node *a = expr(p);
        if (!a || p->panic)
            break;
        if (n->as.funcall.n == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            Node **args = arena_alloc(p->a, ncap * sizeof *args);
            if (!args)
                return NULL;
            if (cap)
                memcpy(args, n->as.funcall.args, cap * sizeof *args);
            n->as.funcall.args = args;
            cap = ncap;
        }
        n->as.funcall.args[n->as.funcall.n++] = a;
        if (check(p, TOK_COMMA))
            advance(p);
        else if (!check(p, TOK_RPAREN))
            error_at(p, cur(p), "separate the arguments with commas: f(a, b)",
                     "expected ',' or ')' after an argument, found %s",
                     describe(p, cur(p)));
    }
    p->in_args = saved;
    if (!p->panic && check(p, TOK_RPAREN))
        advance(p);
    else if (!p->panic)
        error_at(p, cur(p), NULL, "expected ')' to close the '(' at line %d "
                 "column %d", open->line, open->col);
    return finish(p, n);
}

static Node *primary(P *p)
{
    const Token *t = cur(p);
    Node *n;
    switch (t->type) {
    case TOK_NUMBER:
        advance(p);
        n = node_at(p, NODE_NUMBER, t);
        if (n)
            n->as.number = strtod(p->src + t->start, NULL);
        return n;
    case TOK_STRING: {
        advance(p);
        n = node_at(p, NODE_STRING, t);
        if (!n)
            return NULL;
        int triple = t->len >= 6 && memcmp(p->src + t->start, "\"\"\"", 3) == 0;
        size_t q = triple ? 3 : 1;
        const char *s = p->src + t->start + q;
        size_t len = t->len - 2 * q;
        char *out = arena_alloc(p->a, len + 1);
        if (!out)
            return NULL;
        size_t o = 0;
        for (size_t k = 0; k < len; k++) {
            if (s[k] != '\\' || k + 1 >= len) {
                out[o++] = s[k];
                continue;
            }
            char e = s[++k];
            switch (e) {
            case 'n':  out[o++] = '\n'; break;
            case 't':  out[o++] = '\t'; break;
            case '"':  out[o++] = '"'; break;
            case '\\': out[o++] = '\\'; break;
            case '\n': break; /* a backslash at a line end joins lines */
            default: {
                size_t at = (size_t)(s + k - 1 - p->src);
                Token bad = token_inside(p, t, at, 2);
                error_at(p, &bad, "the escapes are \\n \\t \\\" and \\\\",
                         "unknown escape '\\%c' in a string", e);
                out[o++] = e;
            }
            }
        }
        out[o] = '\0';
        n->as.str.s = out;
        n->as.str.len = o;
        return n;
    }
    case TOK_TRUE:
    case TOK_FALSE:
        advance(p);
        n = node_at(p, NODE_BOOL, t);
        if (n)
            n->as.boolean = t->type == TOK_TRUE;
        return n;
    case TOK_NONE:
        advance(p);
        return node_at(p, NODE_NONE, t);
    case TOK_NAME: {
        const Command *cmd = registry_find(p->src + t->start, t->len);
        if (cmd)
            return call(p, cmd);
        if (ahead(p, 1)->type == TOK_LPAREN && !ahead(p, 1)->space_before)
            return funcall(p);
        advance(p);
        n = node_at(p, NODE_NAME, t);
        if (n)
            n->as.name = arena_strndup(p->a, p->src + t->start, t->len);
        return n;
    }
    case TOK_LPAREN: {
        advance(p);
        int saved = p->in_args;
        p->in_args = 0;
        n = expr(p);
        p->in_args = saved;
        if (p->panic)
            return n;
        if (!check(p, TOK_RPAREN)) {
            error_at(p, cur(p), NULL,
                     "expected ')' to close the '(' at line %d column %d, "
                     "found %s", t->line, t->col, describe(p, cur(p)));
            return n;
        }
        advance(p);
        return n;
    }
    case TOK_LBRACKET: {
        int saved = p->in_args;
        p->in_args = 0;
        n = list_literal(p);
        p->in_args = saved;
        return n;
    }
    default:
        break;
    }
    const char *hint = NULL;
    if (t->type == TOK_NEWLINE || t->type == TOK_EOF)
        hint = "the line stops in the middle of an expression";
    error_at(p, t, hint, "expected a value, found %s", describe(p, t));
    return error_node(p);
}

static Node *postfix(P *p)
{
    Node *n = primary(p);
    while (n && !p->panic) {
        const Token *t = cur(p);
        if (t->type == TOK_LBRACKET && !(p->in_args && t->space_before)) {
            advance(p);
            int saved = p->in_args;
            p->in_args = 0;
            Node *index = expr(p);
            p->in_args = saved;
            if (p->panic)
                return n;
            if (!check(p, TOK_RBRACKET)) {
                error_at(p, cur(p), NULL, "expected ']' after the index, "
                         "found %s", describe(p, cur(p)));
                return n;
            }
            advance(p);
            Node *ix = node_at(p, NODE_INDEX, t);
            if (!ix)
                return n;
            ix->start = n->start;
            ix->span = n->span;
            ix->as.index.obj = n;
            ix->as.index.index = index;
            n = finish(p, ix);
        } else if (t->type == TOK_DOT && !t->space_before) {
            advance(p);
            if (!check(p, TOK_NAME)) {
                error_at(p, cur(p), NULL, "expected a field name after '.', "
                         "found %s", describe(p, cur(p)));
                return n;
            }
            const Token *f = advance(p);
            Node *fn = node_at(p, NODE_FIELD, t);
            if (!fn)
                return n;
            fn->start = n->start;
            fn->span = n->span;
            fn->as.field.obj = n;
            fn->as.field.name = arena_strndup(p->a, p->src + f->start, f->len);
            n = finish(p, fn);
        } else {
            break;
        }
    }
    return n;
}

static Node *unary(P *p);

static Node *power(P *p)
{
    Node *a = postfix(p);
    if (!check(p, TOK_POW) || p->panic)
        return a;
    const Token *op = advance(p);
    Node *b = unary(p); /* right associative; 2 ** -1 works */
    return binary(p, TOK_POW, op, a, b);
}

static Node *unary(P *p)
{
    if (!check(p, TOK_MINUS))
        return power(p);
    if (!enter(p))
        return error_node(p);
    const Token *op = advance(p);
    Node *a = unary(p);
    p->depth--;
    Node *n = node_at(p, NODE_UNARY, op);
    if (!n || !a)
        return a;
    n->as.op.op = TOK_MINUS;
    n->as.op.a = a;
    return finish(p, n);
}

static Node *mul(P *p)
{
    Node *a = unary(p);
    while (!p->panic && (check(p, TOK_STAR) || check(p, TOK_SLASH) ||
                         check(p, TOK_PERCENT))) {
        const Token *op = advance(p);
        a = binary(p, op->type, op, a, unary(p));
    }
    return a;
}

static Node *add(P *p)
{
    Node *a = mul(p);
    while (!p->panic && (check(p, TOK_PLUS) || check(p, TOK_MINUS))) {
        const Token *op = cur(p);
        /* `f a -1`: in an argument list, a minus glued to what follows but
         * not to what precedes starts the next argument (Ruby's rule). */
        if (p->in_args && op->space_before && !ahead(p, 1)->space_before)
            break;
        advance(p);
        a = binary(p, op->type, op, a, mul(p));
    }
    return a;
}

static Node *range(P *p)
{
    Node *a = add(p);
    if (!check(p, TOK_DOTDOT) || p->panic)
        return a;
    const Token *op = advance(p);
    Node *b = add(p);
    Node *c = NULL;
    if (check(p, TOK_BY) && !p->panic) {
        advance(p);
        c = add(p);
    }
    Node *n = node_at(p, NODE_RANGE, op);
    if (!n || !a)
        return a;
    n->start = a->start;
    n->span.line = a->span.line;
    n->span.col = a->span.col;
    n->as.range.from = a;
    n->as.range.to = b;
    n->as.range.by = c;
    return finish(p, n);
}

static int is_comparison(TokenType t)
{
    return t == TOK_EQ || t == TOK_NE || t == TOK_LT || t == TOK_LE ||
           t == TOK_GT || t == TOK_GE;
}

static Node *compare(P *p)
{
    Node *a = range(p);
    if (!is_comparison(cur(p)->type) || p->panic)
        return a;
    const Token *op = advance(p);
    a = binary(p, op->type, op, a, range(p));
    if (is_comparison(cur(p)->type))
        error_at(p, cur(p), "write 'a < b and b < c'",
                 "comparisons do not chain");
    return a;
}

static Node *not_expr(P *p)
{
    if (!check(p, TOK_NOT))
        return compare(p);
    if (!enter(p))
        return error_node(p);
    const Token *op = advance(p);
    Node *a = not_expr(p);
    p->depth--;
    Node *n = node_at(p, NODE_UNARY, op);
    if (!n || !a)
        return a;
    n->as.op.op = TOK_NOT;
    n->as.op.a = a;
    return finish(p, n);
}

static Node *and_expr(P *p)
{
    Node *a = not_expr(p);
    while (check(p, TOK_AND) && !p->panic) {
        const Token *op = advance(p);
        a = binary(p, TOK_AND, op, a, not_expr(p));
    }
    return a;
}

static Node *expr(P *p)
{
    if (!enter(p))
        return error_node(p);
    Node *a = and_expr(p);
    while (check(p, TOK_OR) && !p->panic) {
        const Token *op = advance(p);
        a = binary(p, TOK_OR, op, a, and_expr(p));
    }
    p->depth--;
    return a;
}

// ---- statements ----------------------------------------------------------

static Node *assignment(P *p)
{
    const Token *name = advance(p);
    advance(p); /* = */
    if (registry_find(p->src + name->start, name->len)) {
        char *hint = arena_printf(p->a, "pick another name, like '%.*s_1'",
                                  (int)name->len, p->src + name->start);
        add_diag(p, name, token_span(p, name), DK_ERR_SYNTAX,
                 arena_printf(p->a, "'%.*s' is a command, so it cannot be a "
                              "variable name", (int)name->len,
                              p->src + name->start), hint);
        return NULL;
    }
    Node *value = expr(p);
    Node *n = node_at(p, NODE_ASSIGN, name);
    if (!n)
        return NULL;
    n->as.assign.name = arena_strndup(p->a, p->src + name->start, name->len);
    n->as.assign.name_span = token_span(p, name);
    n->as.assign.value = value;
    return finish(p, n);
}

/* Something follows a complete statement on its line. */
static void trailing(P *p, const Node *stmt)
{
    const Token *t = cur(p);
    /* `y = blurr img` is the same mistake on the right of '='. */
    if (stmt && stmt->kind == NODE_ASSIGN)
        stmt = stmt->as.assign.value;
    if (stmt && stmt->kind == NODE_NAME && starts_expr(t->type) &&
        t->type != TOK_MINUS && t->type != TOK_LBRACKET) {
        /* `prnt "hi"`: a word followed by arguments was meant as a command. */
        Suggest s;
        suggest_init(&s, stmt->as.name, strlen(stmt->as.name));
        size_t n;
        const Command *const *all = registry_all(&n);
        for (size_t k = 0; k < n; k++)
            suggest_offer(&s, all[k]->name);
        const char *best = suggest_result(&s);
        const char *hint = best
            ? arena_printf(p->a, "did you mean '%s'?", best)
            : "type help to list the commands";
        const char *msg = arena_printf(p->a, "unknown command '%s'",
                                       stmt->as.name);
        const Token *at = &p->t[p->i - 1];
        add_diag(p, at, stmt->span, DK_ERR_NAME, msg, hint);
        return;
    }
    const char *hint = NULL;
    if (t->type == TOK_COMMA)
        hint = "a command's arguments are separated by spaces: print a b";
    else if (t->type == TOK_ASSIGN)
        hint = "only a name can be assigned to: x = 1";
    else if (t->type == TOK_RPAREN || t->type == TOK_RBRACKET)
        hint = "this bracket closes nothing";
    else if (starts_expr(t->type))
        hint = "one statement per line";
    error_at(p, t, hint, "unexpected %s", describe(p, t));
}


// ---- blocks --------------------------------------------------------------
//
// if COND / else / end, for NAME in LIST / end, def NAME(a, b) / end: a
// block is the lines up to a word `end` on its own line.  Why `end` and
// not indentation (Python) or braces: a student copies cells between
// notebooks, mails and slides, and `end` survives lost or mixed
// whitespace; it reads aloud ("for each t ... end"); and an unclosed
// block is visible in the cell, so the notebook can say "incomplete" and
// wait for more lines instead of guessing from indentation.

static Node *statement(P *p);

static int push_stmt(P *p, Block *b, size_t *cap, Node *s)
{
    if (b->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        Node **stmts = arena_alloc(p->a, ncap * sizeof *stmts);
        if (!stmts)
            return 0;
        if (*cap)
            memcpy(stmts, b->stmts, *cap * sizeof *stmts);
        b->stmts = stmts;
        *cap = ncap;
    }
    b->stmts[b->n++] = s;
    return 1;
}

/* One statement and the end of its line; after an error, skip the rest of
 * the line and go on (one message per broken line). */
static void stmt_line(P *p, Block *b, size_t *cap)
{
    Node *s = statement(p);
    if (!p->panic && !check(p, TOK_NEWLINE) && !check(p, TOK_EOF))
        trailing(p, s);
    if (p->panic || !s) {
        while (!check(p, TOK_NEWLINE) && !check(p, TOK_EOF))
            advance(p);
        p->panic = 0;
        p->depth = 0;
        return;
    }
    push_stmt(p, b, cap, s);
}

/* The header of a block ends its line. */
static int header_end(P *p, const char *after)
{
    if (p->panic)
        return 0;
    if (check(p, TOK_NEWLINE))
        return 1;
    error_at(p, cur(p), "the block's statements go on the next lines, "
             "and 'end' on a line of its own closes it",
             "expected the end of the line after %s, found %s", after,
             describe(p, cur(p)));
    return 0;
}

/* The lines up to 'end' or 'else' (not consumed) into b. */
static void block(P *p, Block *b, const Token *opener)
{
    size_t cap = 0;
    for (;;) {
        if (check(p, TOK_NEWLINE)) {
            advance(p);
            continue;
        }
        if (check(p, TOK_END) || check(p, TOK_ELSE))
            return;
        if (check(p, TOK_EOF)) {
            if (p->blocks > p->open_blocks)
                p->open_blocks = p->blocks;
            error_at(p, cur(p), "close the block with 'end' on a line of "
                     "its own", "the %s at line %d has no 'end'",
                     lexer_token_name(opener->type), opener->line);
            return;
        }
        stmt_line(p, b, &cap);
    }
}

/* Enter a block (its header at kw); 0 when nested too deeply. */
static int open_block(P *p, const Token *kw)
{
    if (p->blocks >= MAX_BLOCKS) {
        error_at(p, kw, "move the inner part into a function (def)",
                 "blocks are nested too deeply");
        return 0;
    }
    p->blocks++;
    return 1;
}

static int close_block(P *p, const Token *kw)
{
    p->blocks--;
    if (p->panic)
        return 0;
    if (check(p, TOK_END)) {
        advance(p);
        return 1;
    }
    error_at(p, cur(p), "every if, for and def ends with 'end'",
             "expected 'end' to close the %s at line %d, found %s",
             lexer_token_name(kw->type), kw->line, describe(p, cur(p)));
    return 0;
}

/* After an error in a block's header (already reported): skip the rest
 * of the line and read the body and its 'end' anyway, so they give no
 * second, stray error.  Leaves the block; returns NULL. */
static Node *skip_block(P *p, const Token *kw)
{
    while (!check(p, TOK_NEWLINE) && !check(p, TOK_EOF))
        advance(p);
    p->panic = 0;
    p->depth = 0;
    Block body = {0};
    block(p, &body, kw);
    close_block(p, kw);
    return NULL;
}

/* A block statement's span is its header line only (finish is called
 * before the body), so carets stay on one line. */
static Node *if_stmt(P *p)
{
    const Token *kw = cur(p);
    if (!open_block(p, kw))
        return NULL;
    advance(p);
    Node *n = node_at(p, NODE_IF, kw);
    if (!n) {
        p->blocks--;
        return NULL;
    }
    n->as.if_.cond = expr(p);
    finish(p, n);
    if (!header_end(p, "the condition"))
        return skip_block(p, kw);
    block(p, &n->as.if_.then, kw);
    if (!p->panic && check(p, TOK_ELSE)) {
        const Token *e = advance(p);
        if (check(p, TOK_IF)) {
            /* else if: the inner if owns the one 'end' */
            Node *inner = if_stmt(p);
            size_t cap = 0;
            p->blocks--;
            if (!inner || !push_stmt(p, &n->as.if_.els, &cap, inner))
                return NULL;
            return n;
        }
        if (!header_end(p, "'else'")) {
            p->blocks--;
            return NULL;
        }
        block(p, &n->as.if_.els, e);
    }
    return close_block(p, kw) ? n : NULL;
}

/* A name that can be assigned to: not a command.  what: "variable",
 * "function" or "parameter", for the message. */
static const char *target_name(P *p, const Token *t, const char *what)
{
    if (t->type != TOK_NAME) {
        error_at(p, t, NULL, "expected a name, found %s", describe(p, t));
        return NULL;
    }
    if (registry_find(p->src + t->start, t->len)) {
        error_at(p, t, "pick another name", "'%.*s' is a command, so it "
                 "cannot be a %s name", (int)t->len, p->src + t->start, what);
        return NULL;
    }
    return arena_strndup(p->a, p->src + t->start, t->len);
}

static Node *for_stmt(P *p)
{
    const Token *kw = cur(p);
    if (!open_block(p, kw))
        return NULL;
    advance(p);
    Node *n = node_at(p, NODE_FOR, kw);
    const Token *name = cur(p);
    const char *var = n ? target_name(p, name, "variable") : NULL;
    if (var) {
        advance(p);
        n->as.for_.name = var;
        n->as.for_.name_span = token_span(p, name);
        if (check(p, TOK_IN))
            advance(p);
        else
            error_at(p, cur(p), "for t in 990..0 by -30", "expected 'in' "
                     "after the loop's name, found %s", describe(p, cur(p)));
    }
    if (var && !p->panic)
        n->as.for_.iter = expr(p);
    if (n)
        finish(p, n);
    if (!var || !header_end(p, "the list"))
        return skip_block(p, kw);
    block(p, &n->as.for_.body, kw);
    return close_block(p, kw) ? n : NULL;
}

/* (a, b, c) after def's name into n. */
static int params(P *p, Node *n)
{
    if (!check(p, TOK_LPAREN)) {
        error_at(p, cur(p), "def name(a, b)", "expected '(' and the "
                 "parameters after the function's name, found %s",
                 describe(p, cur(p)));
        return 0;
    }
    advance(p);
    size_t cap = 0;
    while (!p->panic && !check(p, TOK_RPAREN)) {
        const Token *t = cur(p);
        const char *name = target_name(p, t, "parameter");
        if (!name)
            return 0;
        for (size_t i = 0; i < n->as.def.nparams; i++)
            if (strcmp(n->as.def.params[i], name) == 0) {
                error_at(p, t, NULL, "the parameter '%s' is named twice",
                         name);
                return 0;
            }
        advance(p);
        if (n->as.def.nparams == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            const char **ps = arena_alloc(p->a, ncap * sizeof *ps);
            if (!ps)
                return 0;
            if (cap)
                memcpy(ps, n->as.def.params, cap * sizeof *ps);
            n->as.def.params = ps;
            cap = ncap;
        }
        n->as.def.params[n->as.def.nparams++] = name;
        if (check(p, TOK_COMMA))
            advance(p);
        else if (!check(p, TOK_RPAREN))
            error_at(p, cur(p), "def name(a, b)", "expected ',' or ')' in "
                     "the parameters, found %s", describe(p, cur(p)));
    }
    if (p->panic)
        return 0;
    advance(p);
    return 1;
}

static Node *def_stmt(P *p)
{
    const Token *kw = cur(p);
    if (p->blocks > 0) {
        error_at(p, kw, "define functions at the top level of a cell",
                 "a def cannot be inside another block");
        return NULL;
    }
    if (!open_block(p, kw))
        return NULL;
    advance(p);
    Node *n = node_at(p, NODE_DEF, kw);
    const Token *name = cur(p);
    const char *fname = n ? target_name(p, name, "function") : NULL;
    if (fname) {
        advance(p);
        n->as.def.name = fname;
        params(p, n);
        finish(p, n);
    }
    p->in_def = 1;
    if (!fname || !header_end(p, "the parameters")) {
        skip_block(p, kw);
        p->in_def = 0;
        return NULL;
    }
    block(p, &n->as.def.body, kw);
    p->in_def = 0;
    return close_block(p, kw) ? n : NULL;
}

static Node *return_stmt(P *p)
{
    const Token *kw = advance(p);
    if (!p->in_def) {
        error_at(p, kw, "return ends a function: def f(x) ... return x ... "
                 "end", "'return' outside a function");
        return NULL;
    }
    Node *n = node_at(p, NODE_RETURN, kw);
    if (n && !check(p, TOK_NEWLINE) && !check(p, TOK_EOF))
        n->as.ret.value = expr(p);
    return finish(p, n);
}

static Node *statement(P *p)
{
    const Token *t = cur(p);
    switch (t->type) {
    case TOK_IF:     return if_stmt(p);
    case TOK_FOR:    return for_stmt(p);
    case TOK_DEF:    return def_stmt(p);
    case TOK_RETURN: return return_stmt(p);
    case TOK_END:
        error_at(p, t, "every 'end' closes one if, for or def",
                 "this 'end' closes no block");
        return NULL;
    case TOK_ELSE:
        error_at(p, t, "if x > 0 ... else ... end", "'else' without 'if'");
        return NULL;
    default:
        break;
    }
    if (check(p, TOK_NAME) && ahead(p, 1)->type == TOK_ASSIGN)
        return assignment(p);
    return expr(p);
}

static void init(P *p, Arena *a, const char *src, const TokenVec *tv)
{
    memset(p, 0, sizeof *p);
    p->a = a;
    p->src = src;
    p->t = tv->v;
    p->n = tv->n;
    p->end_index = p->n ? p->n - 1 : 0;
    while (p->end_index > 0 && p->t[p->end_index - 1].type == TOK_NEWLINE)
        p->end_index--;
}

static void done(P *p, Program *out)
{
    out->diags = p->diags;
    out->ndiags = p->nd;
}

void parser_program(Arena *a, const char *src, const TokenVec *tv,
                    Program *out)
{
    memset(out, 0, sizeof *out);
    if (tv->oom || tv->n == 0) {
        out->ndiags = 0;
        return;
    }
    P p;
    init(&p, a, src, tv);
    Block top = {0};
    size_t cap = 0;
    while (!check(&p, TOK_EOF)) {
        if (check(&p, TOK_NEWLINE)) {
            advance(&p);
            continue;
        }
        stmt_line(&p, &top, &cap);
    }
    out->stmts = top.stmts;
    out->n = top.n;
    out->open_blocks = p.open_blocks;
    done(&p, out);
}

void parser_expression(Arena *a, const char *src, const TokenVec *tv,
                       Program *out)
{
    memset(out, 0, sizeof *out);
    if (tv->oom || tv->n == 0)
        return;
    P p;
    init(&p, a, src, tv);
    while (check(&p, TOK_NEWLINE))
        advance(&p);
    Node *e = expr(&p);
    while (!p.panic && check(&p, TOK_NEWLINE))
        advance(&p);
    if (!p.panic && !check(&p, TOK_EOF))
        error_at(&p, cur(&p), "give one expression", "unexpected %s",
                 describe(&p, cur(&p)));
    if (!p.panic && e) {
        out->stmts = arena_alloc(a, sizeof *out->stmts);
        if (out->stmts) {
            out->stmts[0] = e;
            out->n = 1;
        }
    }
    done(&p, out);
}

dk_status parser_report(const Program *p, DkErr *err)
{
    if (p->ndiags == 0)
        return DK_OK;
    const Diag *d = &p->diags[0];
    if (p->ndiags > 1)
        dk_err_set(err, d->code, "%s (and %zu more error%s)", d->msg,
                   p->ndiags - 1, p->ndiags == 2 ? "" : "s");
    else
        dk_err_set(err, d->code, "%s", d->msg);
    if (d->hint)
        dk_err_hint(err, "%s", d->hint);
    dk_err_at(err, d->span);
    return d->code;
}
