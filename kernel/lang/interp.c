/*
 * interp.c: the language's face towards the protocol layer (interp.h):
 * running cells, tracebacks, user expressions, completeness, and the
 * registry as markdown and JSON.  Completion and inspection live in
 * complete.c and inspect.c.
 */
#include "interp.h"

#include <stdlib.h>
#include <string.h>

#include "../util/utf8.h"
#include "backend/backend.h"
#include "cmd_help.h"
#include "eval.h"

#define SANDBOX_MAX_ITEMS 100000u
#define SANDBOX_MAX_BYTES (1u << 20)
#define SANDBOX_MAX_STEPS 100000u /* loops and recursion end (fuzzing) */

Interp *interp_new(void)
{
    Interp *in = calloc(1, sizeof *in);
    if (!in)
        return NULL;
    in->vars = vars_new();
    if (!in->vars) {
        free(in);
        return NULL;
    }
    in->max_items = EVAL_MAX_ITEMS;
    in->max_bytes = EVAL_MAX_BYTES;
    return in;
}

void interp_free(Interp *in)
{
    if (!in)
        return;
    vars_free(in->vars);
    rng_free(&in->rng);
    arena_free(&in->arena);
    tokvec_free(&in->toks);
    free(in);
}

void interp_set_sandbox(Interp *in, int on)
{
    in->sandbox = on != 0;
    in->max_items = on ? SANDBOX_MAX_ITEMS : EVAL_MAX_ITEMS;
    in->max_bytes = on ? SANDBOX_MAX_BYTES : EVAL_MAX_BYTES;
    in->max_steps = on ? SANDBOX_MAX_STEPS : 0;
}

const char *interp_language_version(void) { return "0.1.0"; }

static dk_status parse_failed(const Interp *in, const Program *prog,
                              DkErr *err)
{
    if (in->toks.oom || in->arena.oom)
        return dk_err_set(err, DK_ERR_OOM, "out of memory while reading the cell");
    return parser_report(prog, err);
}

dk_status interp_execute(Interp *in, const char *code, const Outlet *out,
                         json_t **result, DkErr *err)
{
    *result = NULL;
    if (!in || !code)
        return dk_err_set(err, DK_ERR_INTERNAL, "no interpreter or no code");
    Program prog;
    eval_parse(in, code, 0, &prog);
    dk_status st = parse_failed(in, &prog, err);
    if (st)
        return st;
    Value *last;
    st = eval_program(in, &prog, out, &last, err);
    backend_trim();
    if (st)
        return st;
    if (last && last->kind != VAL_NONE) {
        *result = value_bundle(last);
        if (!*result)
            st = dk_err_oom(err);
    }
    value_unref(last);
    return st;
}

dk_status interp_eval_expression(Interp *in, const char *expr,
                                 json_t **bundle, DkErr *err)
{
    *bundle = NULL;
    if (!in || !expr)
        return dk_err_set(err, DK_ERR_INTERNAL, "no interpreter or no code");
    Program prog;
    eval_parse(in, expr, 1, &prog);
    dk_status st = parse_failed(in, &prog, err);
    if (st)
        return st;
    if (prog.n != 1)
        return dk_err_set(err, DK_ERR_SYNTAX, "expected an expression");
    Value *v;
    st = eval_program(in, &prog, &eval_null_outlet, &v, err);
    if (st)
        return st;
    *bundle = value_bundle(v ? v : value_none());
    value_unref(v);
    return *bundle ? DK_OK : dk_err_oom(err);
}

// ---- tracebacks ----------------------------------------------------------

/* Append `line` of code (1-based), without its newline, to b. */
static void add_line(StrBuf *b, const char *code, int line)
{
    const char *p = code;
    for (int l = 1; l < line && p; l++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (!p)
        return;
    size_t n = strcspn(p, "\n");
    if (n > 0 && p[n - 1] == '\r')
        n--;
    strbuf_add(b, p, n);
}

static void push_line(json_t *tb, const char *text)
{
    json_t *s = value_json_text(text);
    if (s)
        json_array_append_new(tb, s);
}

/* Decode the code point at *p and step past it (invalid bytes: one each). */
static unsigned decode(const char **p)
{
    const unsigned char *s = (const unsigned char *)*p;
    unsigned cp = s[0];
    size_t n = cp < 0x80 ? 1 : cp >= 0xF0 ? 4 : cp >= 0xE0 ? 3 : cp >= 0xC0 ? 2 : 1;
    if (n > 1) {
        cp &= 0x3Fu >> (n - 1);
        for (size_t i = 1; i < n; i++) {
            if (!utf8_is_cont(s[i])) {
                *p += 1;
                return 0xFFFD;
            }
            cp = (cp << 6) | (s[i] & 0x3Fu);
        }
    }
    *p += n;
    return cp;
}

/* Columns a code point takes in a monospace font: 0 for combining marks,
 * 2 for East Asian wide characters and emoji, else 1. */
static int cp_width(unsigned cp)
{
    if ((cp >= 0x300 && cp <= 0x36F) || (cp >= 0x200B && cp <= 0x200F) ||
        (cp >= 0xFE00 && cp <= 0xFE0F))
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
        (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
        (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
        (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD))
        return 2;
    return 1;
}

/* The source line and a caret line under the span.  Spans count code
 * points; the padding copies tabs and counts display widths, so the carets
 * sit under the right characters even after CJK text or emoji. */
static void add_caret(json_t *tb, const char *code, Span span)
{
    StrBuf src, b;
    strbuf_init(&src);
    strbuf_init(&b);
    add_line(&src, code, span.line);
    const char *text = strbuf_cstr(&src);
    char prefix[32];
    int w = snprintf(prefix, sizeof prefix, "  line %d ", span.line);
    strbuf_printf(&b, "%s| %s", prefix, text);
    push_line(tb, strbuf_cstr(&b));
    b.len = 0;
    strbuf_fill(&b, ' ', (size_t)w);
    strbuf_puts(&b, "| ");
    int col = 1, carets = 0, want = span.len < 1 ? 1 : span.len;
    const char *p = text;
    while (*p) {
        unsigned cp = decode(&p);
        if (col < span.col) {
            if (cp == '\t')
                strbuf_addc(&b, '\t');
            else
                strbuf_fill(&b, ' ', (size_t)cp_width(cp));
        } else if (col < span.col + want) {
            carets += cp == '\t' ? 1 : cp_width(cp);
        }
        col++;
    }
    for (; col < span.col; col++) /* a span past the end of the line */
        strbuf_addc(&b, ' ');
    strbuf_fill(&b, '^', (size_t)(carets > 0 ? carets : 1));
    push_line(tb, strbuf_cstr(&b));
    strbuf_free(&src);
    strbuf_free(&b);
}

json_t *interp_traceback(const char *code, const DkErr *err)
{
    json_t *tb = json_array();
    if (!tb || !err)
        return tb;
    StrBuf b;
    strbuf_init(&b);
    strbuf_printf(&b, "\x1b[31m%s\x1b[0m: %s", dk_status_name(err->code),
                  err->msg ? err->msg : "");
    push_line(tb, strbuf_cstr(&b));
    if (code && err->span.line > 0)
        add_caret(tb, code, err->span);
    if (err->hint) {
        b.len = 0;
        strbuf_printf(&b, "hint: %s", err->hint);
        push_line(tb, strbuf_cstr(&b));
    }
    strbuf_free(&b);
    return tb;
}

// ---- completeness --------------------------------------------------------

const char *interp_is_complete(Interp *in, const char *code,
                               const char **indent)
{
    static const char *const none = "";
    if (indent)
        *indent = none;
    if (!code)
        return "invalid";
    Interp *own = in ? NULL : interp_new();
    Interp *use = in ? in : own;
    if (!use)
        return "invalid";
    Program prog;
    eval_parse(use, code, 0, &prog);
    const TokenVec *tv = &use->toks;
    const Token *last = NULL;
    for (size_t i = 0; i < tv->n; i++)
        if (tv->v[i].type != TOK_NEWLINE && tv->v[i].type != TOK_EOF)
            last = &tv->v[i];
    int triple = last && last->type == TOK_ERROR &&
                 last->error == LEX_OPEN_TRIPLE;
    int open = tv->depth > 0 || triple || prog.open_blocks > 0 ||
               (last && lexer_continues(last->type));
    const char *verdict = prog.ndiags ? "invalid" : "complete";
    if (open) {
        verdict = "incomplete";
        for (size_t i = 0; i < prog.ndiags; i++) {
            const Diag *d = &prog.diags[i];
            if (!d->at_end && !(triple && d->offset >= last->start))
                verdict = "invalid";
        }
    }
    if (tv->oom || use->arena.oom)
        verdict = "invalid";
    /* Inside brackets one step; inside if/for/def blocks one step per
     * block still open, so the console lines up the body. */
    static const char *const steps[] = {"", "  ", "    ", "      ",
                                        "        "};
    if (indent && strcmp(verdict, "incomplete") == 0) {
        int k = prog.open_blocks + (tv->depth > 0);
        *indent = steps[k < 4 ? k : 4];
    }
    interp_free(own);
    return verdict;
}

// ---- the registry for tools ----------------------------------------------

char *interp_reference_markdown(void)
{
    StrBuf b;
    strbuf_init(&b);
    cmd_help_reference(&b);
    return strbuf_take(&b);
}

json_t *interp_commands_json(void)
{
    json_t *list = json_array();
    size_t n;
    const Command *const *all = registry_all(&n);
    StrBuf usage;
    strbuf_init(&usage);
    for (size_t i = 0; list && i < n; i++) {
        const Command *c = all[i];
        json_t *args = json_array();
        for (int k = 0; args && k < c->nargs; k++) {
            const ArgSpec *s = &c->args[k];
            json_array_append_new(args, json_pack("{s:s, s:o, s:s, s:b}",
                "name", s->name,
                "default", s->default_src ? json_string(s->default_src)
                                          : json_null(),
                "doc", s->doc,
                "variadic", c->variadic && k == c->nargs - 1));
        }
        usage.len = 0;
        registry_usage(c, &usage);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:o}",
            "name", c->name, "group", c->group, "summary", c->summary,
            "usage", strbuf_cstr(&usage), "args", args ? args : json_array()));
    }
    strbuf_free(&usage);
    return list ? list : json_array();
}
