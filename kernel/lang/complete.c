/*
 * complete.c: Tab completion (interp_complete in interp.h).
 *
 * Inside a string literal: file paths relative to the working directory.
 * Elsewhere the word before the cursor is completed from what fits the
 * place: at a statement's start, commands, variables and true/false/none;
 * among a command's arguments also its keywords (`wait=`) not yet given;
 * after `help`, command names only.
 */
#include "complete.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eval.h"
#include "strbuf.h"

#define MAX_FRAMES 64
#define MAX_PATHS 1000

/* Tokens that can end an operand, so that a value after them (with a
 * space between) starts the next argument of a command. */
static int ends_operand(TokenType t)
{
    return t == TOK_NUMBER || t == TOK_STRING || t == TOK_NAME ||
           t == TOK_TRUE || t == TOK_FALSE || t == TOK_NONE ||
           t == TOK_RPAREN || t == TOK_RBRACKET;
}

static int starts_value(TokenType t)
{
    return t == TOK_NUMBER || t == TOK_STRING || t == TOK_NAME ||
           t == TOK_TRUE || t == TOK_FALSE || t == TOK_NONE ||
           t == TOK_LPAREN || t == TOK_LBRACKET || t == TOK_MINUS ||
           t == TOK_NOT;
}

typedef struct Frame {
    const Command *cmd;
    size_t tok;
    unsigned used;   /* spec slots already filled */
    int positional;  /* positional arguments seen */
} Frame;

/* Does token i begin a new positional argument of the frame's command? */
static int new_argument(const TokenVec *tv, size_t i, const Frame *f)
{
    const Token *t = &tv->v[i], *prev = &tv->v[i - 1];
    if (!f->cmd || !starts_value(t->type))
        return 0;
    if (i + 1 < tv->n && t->type == TOK_NAME && tv->v[i + 1].type == TOK_ASSIGN)
        return 0;
    if (i - 1 == f->tok)
        return 1;
    if (!ends_operand(prev->type) || !t->space_before)
        return 0;
    if (t->type == TOK_MINUS) /* Ruby's rule: `a -1` but not `a - 1` */
        return i + 1 < tv->n && !tv->v[i + 1].space_before;
    return t->type != TOK_LBRACKET || t->space_before;
}

void complete_context(const char *src, const TokenVec *tv, size_t upto,
                      CursorContext *cx)
{
    Frame fr[MAX_FRAMES];
    int top = 0;
    memset(cx, 0, sizeof *cx);
    memset(fr, 0, sizeof fr);
    size_t first = upto;
    while (first > 0 && tv->v[first - 1].type != TOK_NEWLINE)
        first--;
    for (size_t i = first; i < upto; i++) {
        const Token *t = &tv->v[i];
        Frame *f = &fr[top];
        if (i > first && new_argument(tv, i, f)) {
            int slot = f->positional++;
            if (slot < f->cmd->nargs &&
                !(f->cmd->variadic && slot == f->cmd->nargs - 1))
                f->used |= 1u << slot;
        }
        switch (t->type) {
        case TOK_LPAREN:
        case TOK_LBRACKET:
            if (top + 1 < MAX_FRAMES) {
                top++;
                memset(&fr[top], 0, sizeof fr[top]);
            }
            break;
        case TOK_RPAREN:
        case TOK_RBRACKET:
            if (top > 0)
                top--;
            break;
        case TOK_COMMA:
            f->cmd = NULL;
            break;
        case TOK_NAME: {
            int keyword = i + 1 < tv->n && tv->v[i + 1].type == TOK_ASSIGN;
            const Command *c = registry_find(src + t->start, t->len);
            if (c && !keyword) {
                memset(f, 0, sizeof *f);
                f->cmd = c;
                f->tok = i;
            } else if (f->cmd && keyword) {
                int k = registry_arg_index(f->cmd, src + t->start, t->len);
                if (k >= 0)
                    f->used |= 1u << k;
            }
            break;
        }
        default:
            break;
        }
    }
    cx->cmd = fr[top].cmd;
    cx->cmd_token = fr[top].tok;
    cx->used = fr[top].used;
    cx->at_statement_start = upto == first;
    if (upto > first) {
        TokenType prev = tv->v[upto - 1].type;
        cx->after_assign = prev == TOK_ASSIGN;
        cx->after_dot = prev == TOK_DOT;
        cx->first_arg = cx->cmd && upto - 1 == cx->cmd_token;
    }
}

// ---- candidates ----------------------------------------------------------

typedef struct Match {
    char *text;
    const char *type;
    char *signature;
} Match;

typedef struct Matches {
    Match *v;
    size_t n, cap;
    const char *prefix;
    size_t plen;
} Matches;

static void offer(Matches *m, const char *text, const char *type,
                  const char *signature)
{
    if (strncmp(text, m->prefix, m->plen) != 0)
        return;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 32;
        Match *v = realloc(m->v, cap * sizeof *v);
        if (!v)
            return;
        m->v = v;
        m->cap = cap;
    }
    char *t = strdup(text), *s = strdup(signature ? signature : "");
    if (!t || !s) {
        free(t);
        free(s);
        return;
    }
    m->v[m->n++] = (Match){t, type, s};
}

static void offer_commands(Matches *m)
{
    size_t n;
    const Command *const *all = registry_all(&n);
    StrBuf usage;
    strbuf_init(&usage);
    for (size_t i = 0; i < n; i++) {
        usage.len = 0;
        registry_usage(all[i], &usage);
        offer(m, all[i]->name, "command", strbuf_cstr(&usage));
    }
    strbuf_free(&usage);
}

static void offer_variables(Matches *m, const Interp *in)
{
    size_t n;
    const char **names = vars_names(in->vars, &n);
    for (size_t i = 0; i < n; i++)
        offer(m, names[i], "variable",
              value_type_name(vars_get(in->vars, names[i])));
    free(names);
}

static void offer_literals(Matches *m)
{
    offer(m, "false", "literal", "");
    offer(m, "none", "literal", "");
    offer(m, "true", "literal", "");
}

/* The block words (if, for, def, ...): lexer_keywords from TOK_IF on. */
static void offer_block_words(Matches *m)
{
    for (int i = TOK_IF - TOK_TRUE; lexer_keywords[i]; i++)
        offer(m, lexer_keywords[i], "keyword", "");
}

static void offer_keywords(Matches *m, const Command *cmd, unsigned used)
{
    StrBuf usage, text;
    strbuf_init(&usage);
    strbuf_init(&text);
    registry_usage(cmd, &usage);
    for (int i = 0; i < cmd->nargs; i++) {
        if ((used >> i) & 1)
            continue;
        text.len = 0;
        strbuf_printf(&text, "%s=", cmd->args[i].name);
        offer(m, strbuf_cstr(&text), "keyword", strbuf_cstr(&usage));
    }
    strbuf_free(&usage);
    strbuf_free(&text);
}

/* File names under the directory part of prefix. */
static void offer_paths(Matches *m)
{
    const char *slash = strrchr(m->prefix, '/');
    size_t dlen = slash ? (size_t)(slash - m->prefix) + 1 : 0;
    char *dir = strndup(m->prefix, dlen);
    if (!dir)
        return;
    const char *base = m->prefix + dlen;
    DIR *d = opendir(dlen ? dir : ".");
    if (!d) {
        free(dir);
        return;
    }
    StrBuf path;
    strbuf_init(&path);
    struct dirent *e;
    size_t count = 0;
    while ((e = readdir(d)) && count < MAX_PATHS) {
        const char *name = e->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        if (name[0] == '.' && base[0] != '.')
            continue;
        if (strncmp(name, base, strlen(base)) != 0)
            continue;
        path.len = 0;
        strbuf_printf(&path, "%s%s", dir, name);
        struct stat st;
        if (stat(strbuf_cstr(&path), &st) == 0 && S_ISDIR(st.st_mode))
            strbuf_addc(&path, '/');
        offer(m, strbuf_cstr(&path), "path", "");
        count++;
    }
    closedir(d);
    strbuf_free(&path);
    free(dir);
}

static int cmp_match(const void *a, const void *b)
{
    return strcmp(((const Match *)a)->text, ((const Match *)b)->text);
}

static json_t *reply(Matches *m, size_t start, size_t end)
{
    if (m->n > 1)
        qsort(m->v, m->n, sizeof *m->v, cmp_match);
    json_t *matches = json_array(), *types = json_array();
    for (size_t i = 0; i < m->n; i++) {
        if (i == 0 || strcmp(m->v[i].text, m->v[i - 1].text) != 0) {
            json_array_append_new(matches, value_json_text(m->v[i].text));
            json_array_append_new(types, json_pack("{s:o, s:s, s:o}",
                "text", value_json_text(m->v[i].text), "type", m->v[i].type,
                "signature", value_json_text(m->v[i].signature)));
        }
    }
    for (size_t i = 0; i < m->n; i++) {
        free(m->v[i].text);
        free(m->v[i].signature);
    }
    free(m->v);
    return json_pack("{s:o, s:I, s:I, s:o}", "matches", matches,
                     "cursor_start", (json_int_t)start, "cursor_end",
                     (json_int_t)end, "types", types);
}

/* The string token holding the cursor, if any. */
static const Token *string_at(const TokenVec *tv, size_t cursor)
{
    for (size_t i = 0; i < tv->n; i++) {
        const Token *t = &tv->v[i];
        int open = t->type == TOK_ERROR && (t->error == LEX_OPEN_STRING ||
                                            t->error == LEX_OPEN_TRIPLE);
        if (t->type != TOK_STRING && !open)
            continue;
        size_t end = t->start + t->len;
        if (t->start < cursor && (cursor < end || (open && cursor == end)))
            return t;
    }
    return NULL;
}

json_t *interp_complete(Interp *in, const char *code, size_t cursor)
{
    size_t len = strlen(code);
    if (cursor > len)
        cursor = len;
    lexer_tokenize(code, &in->toks);
    const TokenVec *tv = &in->toks;
    Matches m = {0};
    const Token *str = string_at(tv, cursor);
    if (str) {
        int triple = str->len >= 3 && memcmp(code + str->start, "\"\"\"", 3) == 0;
        size_t content = str->start + (triple ? 3 : 1);
        if (cursor < content)
            return reply(&m, cursor, cursor);
        char *prefix = strndup(code + content, cursor - content);
        if (!prefix)
            return reply(&m, cursor, cursor);
        m.prefix = prefix;
        m.plen = strlen(prefix);
        if (!strchr(prefix, '\n'))
            offer_paths(&m);
        free(prefix);
        return reply(&m, content, cursor);
    }
    size_t start = cursor;
    while (start > 0 && lexer_is_name_char((unsigned char)code[start - 1]))
        start--;
    /* A cursor inside a word replaces all of it: pr|int -> print. */
    size_t end = cursor;
    while (lexer_is_name_char((unsigned char)code[end]))
        end++;
    char *prefix = strndup(code + start, cursor - start);
    if (!prefix || (prefix[0] >= '0' && prefix[0] <= '9')) {
        free(prefix);
        return reply(&m, cursor, cursor);
    }
    m.prefix = prefix;
    m.plen = cursor - start;
    size_t upto = 0;
    while (upto < tv->n && tv->v[upto].type != TOK_EOF &&
           tv->v[upto].start + tv->v[upto].len <= start &&
           !(tv->v[upto].type == TOK_NEWLINE && tv->v[upto].start >= start))
        upto++;
    CursorContext cx;
    complete_context(code, tv, upto, &cx);
    if (cx.after_dot) {
        /* fields are not known before run time */
    } else if (cx.cmd && cx.first_arg && strcmp(cx.cmd->name, "help") == 0) {
        offer_commands(&m);
    } else {
        offer_commands(&m);
        offer_variables(&m, in);
        offer_literals(&m);
        offer_block_words(&m);
        if (cx.cmd && !cx.after_assign)
            offer_keywords(&m, cx.cmd, cx.used);
    }
    json_t *r = reply(&m, start, end);
    free(prefix);
    return r;
}
