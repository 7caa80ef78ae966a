/*
 * inspect.c: Shift+Tab help (interp_inspect in interp.h).
 *
 * On or just after a command name: the command's help.  On a keyword
 * argument (`wait=`): that argument's doc and the command's usage.  On a
 * variable: its type and value.  Elsewhere inside a command's arguments:
 * that command's help.  detail_level 1 adds the command's example.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_help.h"
#include "complete.h"
#include "eval.h"

static json_t *keyword_bundle(const Command *cmd, int i)
{
    const ArgSpec *s = &cmd->args[i];
    StrBuf md, text, usage;
    strbuf_init(&md);
    strbuf_init(&text);
    strbuf_init(&usage);
    registry_usage(cmd, &usage);
    char acc[96];
    if (s->objtype)
        snprintf(acc, sizeof acc, "%s", s->objtype);
    else
        value_mask_text(s->types, acc, sizeof acc);
    const char *def = s->default_src ? s->default_src : "required";
    strbuf_printf(&md, "**`%s`**, argument of `%s` (%s; default `%s`)\n\n"
                  "%s\n\nUsage: `%s`\n", s->name, cmd->name, acc, def, s->doc,
                  strbuf_cstr(&usage));
    strbuf_printf(&text, "%s: argument of %s (%s; default %s)\n%s\n\n"
                  "usage: %s", s->name, cmd->name, acc, def, s->doc,
                  strbuf_cstr(&usage));
    strbuf_free(&usage);
    return cmd_help_text_bundle(&md, &text);
}

/* The token under the cursor: one containing it, or one ending at it. */
static long token_at(const TokenVec *tv, size_t cursor)
{
    long found = -1;
    for (size_t i = 0; i < tv->n; i++) {
        const Token *t = &tv->v[i];
        if (t->type == TOK_NEWLINE || t->type == TOK_EOF)
            continue;
        if (t->start <= cursor && cursor < t->start + t->len)
            return (long)i;
        if (t->start + t->len == cursor)
            found = (long)i;
    }
    return found;
}

json_t *interp_inspect(Interp *in, const char *code, size_t cursor,
                       int detail_level)
{
    size_t len = strlen(code);
    if (cursor > len)
        cursor = len;
    lexer_tokenize(code, &in->toks);
    const TokenVec *tv = &in->toks;
    int example = detail_level > 0;
    long i = token_at(tv, cursor);
    if (i >= 0 && tv->v[i].type == TOK_NAME) {
        const Token *t = &tv->v[i];
        const Command *cmd = registry_find(code + t->start, t->len);
        int keyword = (size_t)i + 1 < tv->n && tv->v[i + 1].type == TOK_ASSIGN;
        if (cmd && !keyword)
            return cmd_help_bundle(cmd, example);
        CursorContext cx;
        complete_context(code, tv, (size_t)i, &cx);
        if (keyword && cx.cmd) {
            int k = registry_arg_index(cx.cmd, code + t->start, t->len);
            if (k >= 0)
                return keyword_bundle(cx.cmd, k);
        }
        char *name = strndup(code + t->start, t->len);
        const Value *v = name ? vars_get(in->vars, name) : NULL;
        json_t *data = v ? cmd_help_variable_bundle(name, v) : NULL;
        free(name);
        return data;
    }
    /* Not on a name: the command whose arguments the cursor is among. */
    size_t upto = 0;
    while (upto < tv->n && tv->v[upto].type != TOK_EOF &&
           tv->v[upto].start + tv->v[upto].len <= cursor &&
           !(tv->v[upto].type == TOK_NEWLINE && tv->v[upto].start >= cursor))
        upto++;
    CursorContext cx;
    complete_context(code, tv, upto, &cx);
    return cx.cmd ? cmd_help_bundle(cx.cmd, example) : NULL;
}
