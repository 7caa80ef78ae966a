/*
 * cmd_core.c: the basic commands: assert, len, type, range, del, vars and
 * the small numeric helpers round, abs, min, max and sum (see registry.h
 * for the calling convention).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_help.h"
#include "eval.h"
#include "registry.h"
#include "suggest.h"

static dk_status number_out(CallCtx *cx, double d, Value **out)
{
    *out = value_number(d);
    return *out ? DK_OK : cx_error(cx, -1, DK_ERR_OOM, "out of memory");
}

static dk_status cmd_assert(CallCtx *cx, Value **args, Value **out)
{
    if (value_truthy(args[0]))
        return DK_OK;
    const Value *msg = args[1];
    if (msg->kind == VAL_STRING && msg->as.str.len > 0)
        return cx_error(cx, 0, DK_ERR_ASSERT, "%s", msg->as.str.bytes);
    char *repr = value_summary(args[0]);
    cx_error(cx, 0, DK_ERR_ASSERT, "assertion failed: the condition is %s",
             repr ? repr : "false");
    free(repr);
    dk_err_hint(cx->err, "add a message: assert x > 0 \"x must be positive\"");
    return DK_ERR_ASSERT;
}

static dk_status cmd_len(CallCtx *cx, Value **args, Value **out)
{
    const Value *v = args[0];
    if (v->kind == VAL_LIST)
        return number_out(cx, (double)v->as.list.len, out);
    return number_out(cx, (double)value_utf8_len(v->as.str.bytes,
                                                 v->as.str.len), out);
}

static dk_status cmd_type(CallCtx *cx, Value **args, Value **out)
{
    const char *name = value_type_name(args[0]);
    *out = value_string(name, strlen(name));
    return *out ? DK_OK : cx_error(cx, -1, DK_ERR_OOM, "out of memory");
}

static dk_status cmd_range(CallCtx *cx, Value **args, Value **out)
{
    double step = args[2]->kind == VAL_NUMBER ? args[2]->as.number : 0;
    dk_status st = eval_range(cx->in, args[0]->as.number, args[1]->as.number,
                              args[2]->kind == VAL_NUMBER ? &step : NULL, out,
                              cx->err);
    if (st)
        dk_err_at(cx->err, cx->span);
    return st;
}

static dk_status cmd_del(CallCtx *cx, Value **args, Value **out)
{
    const Value *names = args[0];
    if (names->as.list.len == 0)
        return cx_error(cx, -1, DK_ERR_ARG, "del needs at least one name");
    /* Check every name first, so a typo deletes nothing. */
    for (size_t i = 0; i < names->as.list.len; i++) {
        const char *name = names->as.list.items[i]->as.str.bytes;
        if (!vars_get(cx->in->vars, name))
            return eval_unknown_name(cx->in, name, cx->arg_spans[0], cx->err);
    }
    for (size_t i = 0; i < names->as.list.len; i++)
        vars_del(cx->in->vars, names->as.list.items[i]->as.str.bytes);
    return DK_OK;
}

/* Markdown table cells must not break the table. */
static void md_cell(StrBuf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            strbuf_puts(b, "\\|");
        else if (*s == '\n')
            strbuf_addc(b, ' ');
        else
            strbuf_addc(b, *s);
    }
}

static dk_status cmd_vars(CallCtx *cx, Value **args, Value **out)
{
    size_t n;
    const char **names = vars_names(cx->in->vars, &n);
    StrBuf md, text;
    strbuf_init(&md);
    strbuf_init(&text);
    if (n == 0) {
        strbuf_puts(&md, "*No variables yet.* Make one with `x = 1`.");
        strbuf_puts(&text, "no variables yet");
    } else {
        strbuf_puts(&md, "| name | type | value |\n|---|---|---|\n");
    }
    for (size_t i = 0; i < n; i++) {
        const Value *v = vars_get(cx->in->vars, names[i]);
        char *summary = value_summary(v);
        strbuf_printf(&md, "| `%s` | %s | `", names[i], value_type_name(v));
        md_cell(&md, summary ? summary : "");
        strbuf_puts(&md, "` |\n");
        strbuf_printf(&text, "%s%-12s %-8s %s", i ? "\n" : "", names[i],
                      value_type_name(v), summary ? summary : "");
        free(summary);
    }
    free(names);
    json_t *data = cmd_help_text_bundle(&md, &text);
    if (!data)
        return cx_error(cx, -1, DK_ERR_OOM, "out of memory");
    cx_display(cx, data, NULL);
    return DK_OK;
}

static dk_status cmd_round(CallCtx *cx, Value **args, Value **out)
{
    double x = args[0]->as.number, d = args[1]->as.number;
    if (d != floor(d) || d < 0 || d > 15)
        return cx_error(cx, 1, DK_ERR_VALUE, "digits must be a whole number "
                        "from 0 to 15");
    double scale = pow(10, d);
    return number_out(cx, round(x * scale) / scale, out);
}

static dk_status cmd_abs(CallCtx *cx, Value **args, Value **out)
{
    return number_out(cx, fabs(args[0]->as.number), out);
}

/* The numbers of a variadic argument, or of the single list given. */
static dk_status numbers(CallCtx *cx, const Value *rest, const Value **list)
{
    *list = rest;
    if (rest->as.list.len == 1 && rest->as.list.items[0]->kind == VAL_LIST)
        *list = rest->as.list.items[0];
    if ((*list)->as.list.len == 0)
        return cx_error(cx, -1, DK_ERR_VALUE, "%s needs at least one number",
                        cx->cmd->name);
    for (size_t i = 0; i < (*list)->as.list.len; i++)
        if ((*list)->as.list.items[i]->kind != VAL_NUMBER)
            return cx_error(cx, 0, DK_ERR_TYPE, "%s works on numbers, but "
                            "item %zu is %s", cx->cmd->name, i,
                            value_type_name((*list)->as.list.items[i]));
    return DK_OK;
}

static dk_status extreme(CallCtx *cx, Value **args, Value **out, int sign)
{
    const Value *list;
    dk_status st = numbers(cx, args[0], &list);
    if (st)
        return st;
    double best = list->as.list.items[0]->as.number;
    for (size_t i = 1; i < list->as.list.len; i++) {
        double d = list->as.list.items[i]->as.number;
        if ((d - best) * sign > 0)
            best = d;
    }
    return number_out(cx, best, out);
}

static dk_status cmd_min(CallCtx *cx, Value **args, Value **out)
{
    return extreme(cx, args, out, -1);
}

static dk_status cmd_max(CallCtx *cx, Value **args, Value **out)
{
    return extreme(cx, args, out, 1);
}

static dk_status cmd_sum(CallCtx *cx, Value **args, Value **out)
{
    const Value *list = args[0];
    double total = 0;
    for (size_t i = 0; i < list->as.list.len; i++) {
        if (list->as.list.items[i]->kind != VAL_NUMBER)
            return cx_error(cx, 0, DK_ERR_TYPE, "sum adds numbers, but item "
                            "%zu is %s", i,
                            value_type_name(list->as.list.items[i]));
        total += list->as.list.items[i]->as.number;
    }
    return number_out(cx, total, out);
}

static const ArgSpec assert_args[] = {
    {"cond", VT_ANY, NULL, "the condition that must hold (false, 0, \"\", [] and none fail)", NULL},
    {"message", VT_STRING, "\"\"", "the error message when it does not hold", NULL},
};
static const ArgSpec len_args[] = {
    {"value", VT_LIST | VT_STRING, NULL, "a list or a string", NULL},
};
static const ArgSpec type_args[] = {
    {"value", VT_ANY, NULL, "any value", NULL},
};
static const ArgSpec range_args[] = {
    {"start", VT_NUMBER, NULL, "the first number", NULL},
    {"stop", VT_NUMBER, NULL, "the last number (included when the steps land on it)", NULL},
    {"step", VT_NUMBER, "none", "the distance between numbers; by default 1 or -1, toward stop", NULL},
};
static const ArgSpec del_args[] = {
    {"names", VT_WORD | VT_STRING, "[]", "the variables to delete", NULL},
};
static const ArgSpec round_args[] = {
    {"x", VT_NUMBER, NULL, "the number to round", NULL},
    {"digits", VT_NUMBER, "0", "digits to keep after the decimal point", NULL},
};
static const ArgSpec abs_args[] = {
    {"x", VT_NUMBER, NULL, "a number", NULL},
};
static const ArgSpec minmax_args[] = {
    {"values", VT_NUMBER | VT_LIST, "[]", "numbers, or one list of numbers", NULL},
};
static const ArgSpec sum_args[] = {
    {"values", VT_LIST, NULL, "a list of numbers", NULL},
};

static const Command commands[] = {
    {"assert", "Basics", "Stop the cell with an error unless a condition holds.",
     "Checks a condition, usually a comparison. When it is false the cell "
     "stops with an AssertionError showing the message, and later lines do "
     "not run. Variables assigned before stay.",
     "ts = [250, 500, 750]\nassert (len ts) == 3 \"expected three timesteps\"",
     assert_args, 2, 0, cmd_assert, 0},
    {"len", "Basics", "Count the items of a list or the characters of a string.",
     "Gives a number. Characters are counted as code points, so \"é\" has "
     "length 1.",
     "ts = [250, 500, 750]\nprint (len ts)",
     len_args, 1, 0, cmd_len, 0},
    {"type", "Basics", "Name the type of a value.",
     "Gives one of \"none\", \"bool\", \"number\", \"string\", \"list\", or "
     "the name of an object type such as \"image\".",
     "type [1, 2]",
     type_args, 1, 0, cmd_type, 0},
    {"range", "Basics", "Make a list of evenly spaced numbers, both ends included.",
     "`range a b` is the same as `a..b` and `range a b s` the same as "
     "`a..b by s`: it starts at a and steps toward b, including b when a "
     "step lands on it. Without a step it counts by 1 up or by -1 down.",
     "steps = range 990 0 -30\nprint (len steps) steps[0] steps[-1]",
     range_args, 3, 0, cmd_range, 0},
    {"del", "Basics", "Delete variables.",
     "Forgets the named variables, freeing what they hold (useful for "
     "large models and images). Fails, deleting nothing, when a name is "
     "not a variable.",
     "x = 1\ndel x",
     del_args, 1, 1, cmd_del, 0},
    {"vars", "Basics", "List the variables with their types and values.",
     "Shows a table of every variable defined so far in this kernel, "
     "sorted by name.",
     "lr = 0.001\nsteps = 0..10\nvars",
     NULL, 0, 0, cmd_vars, 0},
    {"round", "Numbers", "Round a number.",
     "Rounds to the nearest number with the given digits after the "
     "decimal point; halves round away from zero.",
     "round 3.14159 digits=2",
     round_args, 2, 0, cmd_round, 0},
    {"abs", "Numbers", "Give the absolute value of a number.",
     "Drops the sign: `abs -3` is 3.",
     "abs -3",
     abs_args, 1, 0, cmd_abs, 0},
    {"min", "Numbers", "Give the smallest of some numbers.",
     "Takes several numbers or one list of numbers.",
     "min 3 1 2\nmin [250, 500, 750]",
     minmax_args, 1, 1, cmd_min, 0},
    {"max", "Numbers", "Give the largest of some numbers.",
     "Takes several numbers or one list of numbers.",
     "max 3 1 2\nmax [250, 500, 750]",
     minmax_args, 1, 1, cmd_max, 0},
    {"sum", "Numbers", "Add up a list of numbers.",
     "The sum of an empty list is 0.",
     "sum 1..100",
     sum_args, 1, 0, cmd_sum, 0},
};

const CommandTable cmd_core_table = {commands,
                                     sizeof commands / sizeof commands[0]};
