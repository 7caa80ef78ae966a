/*
 * registry.c: the list of command tables, lookup by name, argument
 * defaults, usage lines and help text, and the helpers handlers use
 * (see registry.h).
 */
#include "registry.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/backend.h"
#include "../util/array.h"
#include "eval.h"

/* Every command file's table, in one place. */
static const CommandTable *const tables[] = {
    &cmd_core_table,
    &cmd_output_table,
    &cmd_help_table,
    &cmd_image_table,
    &cmd_backend_table,
    &cmd_diffusion_table,
    &cmd_plot_table,
    &cmd_model_table,
    &cmd_train_table,
    &cmd_sample_table,
    &cmd_data_table,
    &cmd_denoise_table,
    &cmd_tensor_table,
    &cmd_estimate_table,
    &cmd_deepfloyd_table,
    &cmd_needs_table,
};

#define MAX_COMMANDS 512
#define MAX_ARGS 16

static const Command *sorted[MAX_COMMANDS];
static size_t ncommands;
static int ready;
/* Evaluated defaults, by sorted index and spec index; NULL until used. */
static Value *defaults[MAX_COMMANDS][MAX_ARGS];

static int cmp_commands(const void *a, const void *b)
{
    const Command *x = *(const Command *const *)a;
    const Command *y = *(const Command *const *)b;
    return strcmp(x->name, y->name);
}

static void init(void)
{
    if (ready)
        return;
    ncommands = 0;
    for (size_t t = 0; t < ARRAY_LEN(tables); t++)
        for (size_t i = 0; i < tables[t]->count && ncommands < MAX_COMMANDS; i++)
            sorted[ncommands++] = &tables[t]->commands[i];
    qsort(sorted, ncommands, sizeof sorted[0], cmp_commands);
    ready = 1;
}

/* The sorted index of name[0..len), or -1. */
static long find_index(const char *name, size_t len)
{
    init();
    size_t lo = 0, hi = ncommands;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *m = sorted[mid]->name;
        int c = strncmp(m, name, len);
        if (c == 0)
            c = m[len] == '\0' ? 0 : 1;
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

const Command *registry_find(const char *name, size_t len)
{
    long i = find_index(name, len);
    return i < 0 ? NULL : sorted[i];
}

const Command *const *registry_all(size_t *n)
{
    init();
    *n = ncommands;
    return sorted;
}

int registry_arg_index(const Command *cmd, const char *name, size_t len)
{
    for (int i = 0; i < cmd->nargs; i++)
        if (strlen(cmd->args[i].name) == len &&
            memcmp(cmd->args[i].name, name, len) == 0)
            return i;
    return -1;
}

Value *registry_default(const Command *cmd, int i, DkErr *err)
{
    long k = find_index(cmd->name, strlen(cmd->name));
    const char *src = cmd->args[i].default_src;
    if (k < 0 || i >= MAX_ARGS || !src) {
        dk_err_set(err, DK_ERR_INTERNAL, "%s: argument %d has no default",
                   cmd->name, i);
        return NULL;
    }
    if (defaults[k][i])
        return value_ref(defaults[k][i]);
    Value *v;
    if (eval_constant(src, &v, err)) {
        dk_err_prefix(err, "default of %s's argument '%s': ", cmd->name,
                      cmd->args[i].name);
        err->code = DK_ERR_INTERNAL;
        return NULL;
    }
    defaults[k][i] = v;
    return value_ref(v);
}

// ---- documentation -------------------------------------------------------

void registry_usage(const Command *cmd, StrBuf *out)
{
    strbuf_puts(out, cmd->name);
    for (int i = 0; i < cmd->nargs; i++) {
        const ArgSpec *s = &cmd->args[i];
        if (cmd->variadic && i == cmd->nargs - 1)
            strbuf_printf(out, " [%s...]", s->name);
        else if (!s->default_src)
            strbuf_printf(out, " %s", s->name);
        else if (strcmp(s->default_src, "none") == 0)
            strbuf_printf(out, " [%s]", s->name);
        else
            strbuf_printf(out, " [%s=%s]", s->name, s->default_src);
    }
}

static void accepts_text(const ArgSpec *s, char *buf, size_t size)
{
    if (s->objtype)
        snprintf(buf, size, "%s", s->objtype);
    else
        value_mask_text(s->types, buf, size);
}

void registry_help_markdown(const Command *cmd, int level, int with_example,
                            StrBuf *out)
{
    StrBuf usage;
    strbuf_init(&usage);
    registry_usage(cmd, &usage);
    strbuf_fill(out, '#', (size_t)level);
    strbuf_printf(out, " `%s`\n\n`%s`\n\n%s\n\n%s\n", cmd->name,
                  strbuf_cstr(&usage), cmd->summary, cmd->help);
    strbuf_free(&usage);
    if (cmd->nargs > 0) {
        strbuf_puts(out, "\n| argument | accepts | default | meaning |\n"
                         "|---|---|---|---|\n");
        for (int i = 0; i < cmd->nargs; i++) {
            const ArgSpec *s = &cmd->args[i];
            char acc[96];
            accepts_text(s, acc, sizeof acc);
            int rest = cmd->variadic && i == cmd->nargs - 1;
            strbuf_printf(out, "| `%s%s` | %s | %s%s%s | %s |\n", s->name,
                          rest ? "..." : "", acc,
                          s->default_src && !rest ? "`" : "",
                          rest ? "(any number)"
                               : s->default_src ? s->default_src : "required",
                          s->default_src && !rest ? "`" : "", s->doc);
        }
    }
    if (with_example)
        strbuf_printf(out, "\n**Example**\n\n```\n%s\n```\n", cmd->example);
}

void registry_help_text(const Command *cmd, int with_example, StrBuf *out)
{
    StrBuf usage;
    strbuf_init(&usage);
    registry_usage(cmd, &usage);
    strbuf_printf(out, "%s\n    %s\n\n%s\n", strbuf_cstr(&usage),
                  cmd->summary, cmd->help);
    strbuf_free(&usage);
    if (cmd->nargs > 0)
        strbuf_puts(out, "\nArguments:\n");
    for (int i = 0; i < cmd->nargs; i++) {
        const ArgSpec *s = &cmd->args[i];
        char acc[96];
        accepts_text(s, acc, sizeof acc);
        int rest = cmd->variadic && i == cmd->nargs - 1;
        strbuf_printf(out, "  %s%s (%s", s->name, rest ? "..." : "", acc);
        if (rest)
            strbuf_puts(out, ", any number");
        else if (s->default_src)
            strbuf_printf(out, ", default %s", s->default_src);
        else
            strbuf_puts(out, ", required");
        strbuf_printf(out, "): %s\n", s->doc);
    }
    if (!with_example)
        return;
    strbuf_puts(out, "\nExample:\n");
    const char *line = cmd->example;
    while (*line) {
        size_t n = strcspn(line, "\n");
        strbuf_printf(out, "    %.*s\n", (int)n, line);
        line += n + (line[n] == '\n');
    }
}

// ---- helpers for handlers ------------------------------------------------

dk_status cx_error(CallCtx *cx, int arg, dk_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    dk_err_set(cx->err, code, "%s", buf);
    if (code == DK_ERR_ARG || code == DK_ERR_TYPE) {
        StrBuf usage;
        strbuf_init(&usage);
        registry_usage(cx->cmd, &usage);
        dk_err_hint(cx->err, "usage: %s", strbuf_cstr(&usage));
        strbuf_free(&usage);
    }
    Span span = cx->span;
    if (arg >= 0 && arg < cx->cmd->nargs && cx->arg_spans[arg].line)
        span = cx->arg_spans[arg];
    dk_err_at(cx->err, span);
    return code;
}

void cx_stream(CallCtx *cx, const char *name, const char *text, size_t len)
{
    if (cx->out->stream && len)
        cx->out->stream(cx->out->ctx, name, text, len);
}

void cx_display(CallCtx *cx, json_t *data, json_t *metadata)
{
    if (data && cx->out->display)
        cx->out->display(cx->out->ctx, data, metadata, NULL, 0);
    json_decref(data);
    json_decref(metadata);
}

void cx_clear(CallCtx *cx, int wait)
{
    if (cx->out->clear)
        cx->out->clear(cx->out->ctx, wait);
}

char *cx_input(CallCtx *cx, const char *prompt, int password)
{
    if (!cx->out->input) {
        dk_err_set(cx->err, DK_ERR_STDIN, "input is not available here");
        return NULL;
    }
    char *s = cx->out->input(cx->out->ctx, prompt, password, cx->err);
    if (!s && !cx->err->msg)
        dk_err_set(cx->err, DK_ERR_STDIN, "no input was given");
    return s;
}

int cx_sandboxed(const CallCtx *cx) { return cx->in && cx->in->sandbox; }

ts_generator *cx_generator(CallCtx *cx, const TsApi *api)
{
    return rng_generator(&cx->in->rng, api, cx->err);
}

int cx_last_seed(const CallCtx *cx, uint64_t *seed)
{
    return rng_last_seed(&cx->in->rng, seed);
}

dk_status cx_seed(CallCtx *cx, const TsApi *api, uint64_t seed)
{
    return rng_seed(&cx->in->rng, api, seed, cx->err);
}

dk_status cx_oom(CallCtx *cx)
{
    dk_err_oom(cx->err);
    dk_err_at(cx->err, cx->span);
    return DK_ERR_OOM;
}

dk_status cmd_api(CallCtx *cx, const TsApi **api)
{
    dk_status rc = backend_get(api, cx->err);
    if (rc != DK_OK)
        dk_err_at(cx->err, cx->span);
    return rc;
}

dk_status int_arg(CallCtx *cx, int arg, const Value *v, long lo, long hi,
                  long *out)
{
    const char *name = cx->cmd->args[arg].name;
    if (v->kind != VAL_NUMBER || v->as.number != floor(v->as.number))
        return cx_error(cx, arg, DK_ERR_ARG, "%s must be a whole number, "
                        "not %s", name, value_type_name(v));
    if (v->as.number < (double)lo || v->as.number > (double)hi)
        return cx_error(cx, arg, DK_ERR_ARG, "%s=%g is not in %ld..%ld", name,
                        v->as.number, lo, hi);
    *out = (long)v->as.number;
    return DK_OK;
}
