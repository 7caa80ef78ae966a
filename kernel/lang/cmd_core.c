/*
 * cmd_core.c: the basic commands: assert, len, type, range, del, vars, env
 * and the small numeric helpers round, min, max and sum (see registry.h for
 * the calling convention; abs is cmd_tensor.c's, as it takes images too).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/array.h"
#include "cmd_help.h"
#include "eval.h"
#include "registry.h"
#include "suggest.h"

static dk_status number_out(CallCtx *cx, double d, Value **out)
{
    *out = value_number(d);
    return *out ? DK_OK : cx_oom(cx);
}

enum { ASSERT_COND, ASSERT_MESSAGE };
static const ArgSpec assert_args[] = {
    [ASSERT_COND] = {
        .name = "cond",
        .types = VT_ANY,
        .doc = "the condition that must hold (false, 0, \"\", [] and none "
               "fail)",
    },
    [ASSERT_MESSAGE] = {
        .name = "message",
        .types = VT_STRING,
        .default_src = "\"\"",
        .doc = "the error message when it does not hold",
    },
};

static dk_status cmd_assert(CallCtx *cx, Value **args, Value **out)
{
    if (value_truthy(args[ASSERT_COND]))
        return DK_OK;
    const Value *msg = args[ASSERT_MESSAGE];
    if (msg->kind == VAL_STRING && msg->as.str.len > 0)
        return cx_error(cx, ASSERT_COND, DK_ERR_ASSERT, "%s",
                        msg->as.str.bytes);
    char *repr = value_summary(args[ASSERT_COND]);
    cx_error(cx, ASSERT_COND, DK_ERR_ASSERT, "assertion failed: the "
             "condition is %s", repr ? repr : "false");
    free(repr);
    dk_err_hint(cx->err, "add a message: assert x > 0 \"x must be positive\"");
    return DK_ERR_ASSERT;
}

enum { LEN_VALUE };
static const ArgSpec len_args[] = {
    [LEN_VALUE] = {
        .name = "value",
        .types = VT_LIST | VT_STRING,
        .doc = "a list or a string",
    },
};

static dk_status cmd_len(CallCtx *cx, Value **args, Value **out)
{
    const Value *v = args[LEN_VALUE];
    if (v->kind == VAL_LIST)
        return number_out(cx, (double)v->as.list.len, out);
    return number_out(cx, (double)value_utf8_len(v->as.str.bytes,
                                                 v->as.str.len), out);
}

enum { TYPE_VALUE };
static const ArgSpec type_args[] = {
    [TYPE_VALUE] = {
        .name = "value",
        .types = VT_ANY,
        .doc = "any value",
    },
};

static dk_status cmd_type(CallCtx *cx, Value **args, Value **out)
{
    const char *name = value_type_name(args[TYPE_VALUE]);
    *out = value_string(name, strlen(name));
    return *out ? DK_OK : cx_oom(cx);
}

enum { RANGE_START, RANGE_STOP, RANGE_STEP };
static const ArgSpec range_args[] = {
    [RANGE_START] = {
        .name = "start",
        .types = VT_NUMBER,
        .doc = "the first number",
    },
    [RANGE_STOP] = {
        .name = "stop",
        .types = VT_NUMBER,
        .doc = "the last number (included when the steps land on it)",
    },
    [RANGE_STEP] = {
        .name = "step",
        .types = VT_NUMBER,
        .default_src = "none",
        .doc = "the distance between numbers; by default 1 or -1, toward stop",
    },
};

static dk_status cmd_range(CallCtx *cx, Value **args, Value **out)
{
    const Value *stepv = args[RANGE_STEP];
    double step = stepv->kind == VAL_NUMBER ? stepv->as.number : 0;
    dk_status st = eval_range(cx->in, args[RANGE_START]->as.number,
                              args[RANGE_STOP]->as.number,
                              stepv->kind == VAL_NUMBER ? &step : NULL, out,
                              cx->err);
    if (st)
        dk_err_at(cx->err, cx->span);
    return st;
}

enum { DEL_NAMES };
static const ArgSpec del_args[] = {
    [DEL_NAMES] = {
        .name = "names",
        .types = VT_WORD | VT_STRING,
        .default_src = "[]",
        .doc = "the variables to delete",
    },
};

static dk_status cmd_del(CallCtx *cx, Value **args, Value **out)
{
    const Value *names = args[DEL_NAMES];
    if (names->as.list.len == 0)
        return cx_error(cx, -1, DK_ERR_ARG, "del needs at least one name");
    /* Check every name first, so a typo deletes nothing. */
    for (size_t i = 0; i < names->as.list.len; i++) {
        const char *name = names->as.list.items[i]->as.str.bytes;
        if (!vars_get(cx->in->vars, name))
            return eval_unknown_name(cx->in, name, cx->arg_spans[DEL_NAMES],
                                     cx->err);
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
        return cx_oom(cx);
    cx_display(cx, data, NULL);
    return DK_OK;
}

enum { ROUND_X, ROUND_DIGITS };
static const ArgSpec round_args[] = {
    [ROUND_X] = {
        .name = "x",
        .types = VT_NUMBER,
        .doc = "the number to round",
    },
    [ROUND_DIGITS] = {
        .name = "digits",
        .types = VT_NUMBER,
        .default_src = "0",
        .doc = "digits to keep after the decimal point",
    },
};

static dk_status cmd_round(CallCtx *cx, Value **args, Value **out)
{
    double x = args[ROUND_X]->as.number, d = args[ROUND_DIGITS]->as.number;
    if (d != floor(d) || d < 0 || d > 15)
        return cx_error(cx, ROUND_DIGITS, DK_ERR_VALUE, "digits must be a "
                        "whole number from 0 to 15");
    double scale = pow(10, d);
    return number_out(cx, round(x * scale) / scale, out);
}

enum { MINMAX_VALUES };
static const ArgSpec minmax_args[] = {
    [MINMAX_VALUES] = {
        .name = "values",
        .types = VT_NUMBER | VT_LIST,
        .default_src = "[]",
        .doc = "numbers, or one list of numbers",
    },
};

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
            return cx_error(cx, MINMAX_VALUES, DK_ERR_TYPE, "%s works on "
                            "numbers, but item %zu is %s", cx->cmd->name, i,
                            value_type_name((*list)->as.list.items[i]));
    return DK_OK;
}

static dk_status extreme(CallCtx *cx, Value **args, Value **out, int sign)
{
    const Value *list;
    dk_status st = numbers(cx, args[MINMAX_VALUES], &list);
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

enum { SUM_VALUES };
static const ArgSpec sum_args[] = {
    [SUM_VALUES] = {
        .name = "values",
        .types = VT_LIST,
        .doc = "a list of numbers",
    },
};

static dk_status cmd_sum(CallCtx *cx, Value **args, Value **out)
{
    const Value *list = args[SUM_VALUES];
    double total = 0;
    for (size_t i = 0; i < list->as.list.len; i++) {
        if (list->as.list.items[i]->kind != VAL_NUMBER)
            return cx_error(cx, SUM_VALUES, DK_ERR_TYPE, "sum adds numbers, "
                            "but item %zu is %s", i,
                            value_type_name(list->as.list.items[i]));
        total += list->as.list.items[i]->as.number;
    }
    return number_out(cx, total, out);
}

enum { ENV_NAME, ENV_DEFAULT };
static const ArgSpec env_args[] = {
    [ENV_NAME] = {
        .name = "name",
        .types = VT_STRING,
        .doc = "the environment variable, e.g. \"DIFFUSE_PROFILE\"",
    },
    [ENV_DEFAULT] = {
        .name = "default",
        .types = VT_NONE | VT_STRING,
        .default_src = "none",
        .doc = "what to give when the variable is unset or empty",
    },
};

/* Read-only on purpose: a notebook may ask how it is being run (a GPU
 * profile, a folder of weights), but a cell cannot change the kernel's
 * environment under the libraries that read it. */
static dk_status cmd_env(CallCtx *cx, Value **args, Value **out)
{
    const char *v = getenv(args[ENV_NAME]->as.str.bytes);
    if (!v || !*v) {
        *out = value_ref(args[ENV_DEFAULT]);
        return DK_OK;
    }
    *out = value_string(v, strlen(v));
    return *out ? DK_OK : cx_oom(cx);
}

static const Command commands[] = {
    {
        .name = "assert",
        .group = "Basics",
        .summary = "Stop the cell with an error unless a condition holds.",
        .help = "Checks a condition, usually a comparison. When it is false "
                "the cell stops with an AssertionError showing the message, "
                "and later lines do not run. Variables assigned before stay.",
        .example = "ts = [250, 500, 750]\n"
                   "assert (len ts) == 3 \"expected three timesteps\"",
        .args = assert_args,
        .nargs = ARRAY_LEN(assert_args),
        .fn = cmd_assert,
    },
    {
        .name = "len",
        .group = "Basics",
        .summary = "Count the items of a list or the characters of a string.",
        .help = "Gives a number. Characters are counted as code points, so "
                "\"é\" has length 1.",
        .example = "ts = [250, 500, 750]\n"
                   "print (len ts)",
        .args = len_args,
        .nargs = ARRAY_LEN(len_args),
        .fn = cmd_len,
    },
    {
        .name = "type",
        .group = "Basics",
        .summary = "Name the type of a value.",
        .help = "Gives one of \"none\", \"bool\", \"number\", \"string\", "
                "\"list\", or the name of an object type such as \"image\".",
        .example = "type [1, 2]",
        .args = type_args,
        .nargs = ARRAY_LEN(type_args),
        .fn = cmd_type,
    },
    {
        .name = "range",
        .group = "Basics",
        .summary = "Make a list of evenly spaced numbers, both ends included.",
        .help = "`range a b` is the same as `a..b` and `range a b s` the "
                "same as `a..b by s`: it starts at a and steps toward b, "
                "including b when a step lands on it. Without a step it "
                "counts by 1 up or by -1 down.",
        .example = "steps = range 990 0 -30\n"
                   "print (len steps) steps[0] steps[-1]",
        .args = range_args,
        .nargs = ARRAY_LEN(range_args),
        .fn = cmd_range,
    },
    {
        .name = "del",
        .group = "Basics",
        .summary = "Delete variables.",
        .help = "Forgets the named variables, freeing what they hold (useful "
                "for large models and images). Fails, deleting nothing, when "
                "a name is not a variable.",
        .example = "x = 1\n"
                   "del x",
        .args = del_args,
        .nargs = ARRAY_LEN(del_args),
        .variadic = 1,
        .fn = cmd_del,
    },
    {
        .name = "vars",
        .group = "Basics",
        .summary = "List the variables with their types and values.",
        .help = "Shows a table of every variable defined so far in this "
                "kernel, sorted by name.",
        .example = "lr = 0.001\n"
                   "steps = 0..10\n"
                   "vars",
        .fn = cmd_vars,
    },
    {
        .name = "env",
        .group = "Basics",
        .summary = "Read an environment variable of the kernel.",
        .help = "Gives the variable's value as a string, or the default "
                "(none unless given) when it is unset or empty. The "
                "notebooks read DIFFUSE_PROFILE this way: `full` trains the "
                "course's whole recipe, for a GPU.",
        .example = "profile = env \"DIFFUSE_PROFILE\" default=\"quick\"\n"
                   "print profile",
        .args = env_args,
        .nargs = ARRAY_LEN(env_args),
        .fn = cmd_env,
    },
    {
        .name = "round",
        .group = "Numbers",
        .summary = "Round a number.",
        .help = "Rounds to the nearest number with the given digits after "
                "the decimal point; halves round away from zero.",
        .example = "round 3.14159 digits=2",
        .args = round_args,
        .nargs = ARRAY_LEN(round_args),
        .fn = cmd_round,
    },
    {
        .name = "min",
        .group = "Numbers",
        .summary = "Give the smallest of some numbers.",
        .help = "Takes several numbers or one list of numbers.",
        .example = "min 3 1 2\n"
                   "min [250, 500, 750]",
        .args = minmax_args,
        .nargs = ARRAY_LEN(minmax_args),
        .variadic = 1,
        .fn = cmd_min,
    },
    {
        .name = "max",
        .group = "Numbers",
        .summary = "Give the largest of some numbers.",
        .help = "Takes several numbers or one list of numbers.",
        .example = "max 3 1 2\n"
                   "max [250, 500, 750]",
        .args = minmax_args,
        .nargs = ARRAY_LEN(minmax_args),
        .variadic = 1,
        .fn = cmd_max,
    },
    {
        .name = "sum",
        .group = "Numbers",
        .summary = "Add up a list of numbers.",
        .help = "The sum of an empty list is 0.",
        .example = "sum 1..100",
        .args = sum_args,
        .nargs = ARRAY_LEN(sum_args),
        .fn = cmd_sum,
    },
};

const CommandTable cmd_core_table = {commands, ARRAY_LEN(commands)};
