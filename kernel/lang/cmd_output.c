/*
 * cmd_output.c: the commands that talk to the notebook: print, warn,
 * markdown, clear, sleep and ask.  Each is a thin adapter from checked
 * arguments to the Outlet (see registry.h for the calling convention).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/array.h"
#include "../util/interrupt.h"
#include "eval.h"
#include "registry.h"

/* The longest sleep: longer waits are surely typos (ms for s). */
#define SLEEP_MAX_SECONDS 86400.0
#define SLEEP_POLL_NS 10000000L /* check for interrupts every 10 ms */

enum { PRINT_VALUES };
static const ArgSpec print_args[] = {
    [PRINT_VALUES] = {
        .name = "values",
        .types = VT_ANY,
        .default_src = "[]",
        .doc = "the values to print; strings appear without quotes",
    },
};

/* Join values with spaces, strings raw, and end with a newline. */
static dk_status write_values(CallCtx *cx, const Value *list,
                              const char *stream)
{
    StrBuf b;
    strbuf_init(&b);
    for (size_t i = 0; i < list->as.list.len; i++) {
        const Value *v = list->as.list.items[i];
        if (i > 0)
            strbuf_addc(&b, ' ');
        if (v->kind == VAL_STRING) {
            strbuf_add(&b, v->as.str.bytes, v->as.str.len);
            continue;
        }
        char *text = value_repr(v);
        if (text)
            strbuf_puts(&b, text);
        free(text);
    }
    strbuf_addc(&b, '\n');
    if (b.oom) {
        strbuf_free(&b);
        return cx_oom(cx);
    }
    cx_stream(cx, stream, b.s, b.len);
    strbuf_free(&b);
    return DK_OK;
}

static dk_status cmd_print(CallCtx *cx, Value **args, Value **out)
{
    return write_values(cx, args[PRINT_VALUES], "stdout");
}

static dk_status cmd_warn(CallCtx *cx, Value **args, Value **out)
{
    return write_values(cx, args[PRINT_VALUES], "stderr");
}

enum { MARKDOWN_TEXT };
static const ArgSpec markdown_args[] = {
    [MARKDOWN_TEXT] = {
        .name = "text",
        .types = VT_STRING,
        .doc = "markdown source: **bold**, `code`, lists, tables, $math$",
    },
};

static dk_status cmd_markdown(CallCtx *cx, Value **args, Value **out)
{
    json_t *data = json_object();
    if (!data)
        return cx_oom(cx);
    json_object_set_new(data, "text/markdown",
                        value_json_text(args[MARKDOWN_TEXT]->as.str.bytes));
    json_object_set_new(data, "text/plain",
                        value_json_text(args[MARKDOWN_TEXT]->as.str.bytes));
    cx_display(cx, data, NULL);
    return DK_OK;
}

enum { CLEAR_WAIT };
static const ArgSpec clear_args[] = {
    [CLEAR_WAIT] = {
        .name = "wait",
        .types = VT_BOOL,
        .default_src = "false",
        .doc = "true: clear only when the next output arrives (no flicker)",
    },
};

static dk_status cmd_clear(CallCtx *cx, Value **args, Value **out)
{
    cx_clear(cx, value_truthy(args[CLEAR_WAIT]));
    return DK_OK;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

enum { SLEEP_SECONDS };
static const ArgSpec sleep_args[] = {
    [SLEEP_SECONDS] = {
        .name = "seconds",
        .types = VT_NUMBER,
        .doc = "how long to wait, in seconds (fractions allowed)",
    },
};

static dk_status cmd_sleep(CallCtx *cx, Value **args, Value **out)
{
    double seconds = args[SLEEP_SECONDS]->as.number;
    if (!(seconds >= 0) || seconds > SLEEP_MAX_SECONDS)
        return cx_error(cx, SLEEP_SECONDS, DK_ERR_VALUE, "cannot sleep for "
                        "%g seconds; give 0 to %g", seconds,
                        SLEEP_MAX_SECONDS);
    if (cx_sandboxed(cx) && seconds > 0)
        return cx_error(cx, -1, DK_ERR_VALUE,
                        "sleep is switched off in this sandbox");
    double deadline = now_seconds() + seconds;
    for (;;) {
        if (dk_interrupted())
            return cx_error(cx, -1, DK_ERR_INTERRUPTED,
                            "interrupted by the user");
        double left = deadline - now_seconds();
        if (left <= 0)
            return DK_OK;
        long ns = left < 0.01 ? (long)(left * 1e9) : SLEEP_POLL_NS;
        struct timespec ts = {0, ns};
        nanosleep(&ts, NULL);
    }
}

enum { ASK_PROMPT, ASK_PASSWORD };
static const ArgSpec ask_args[] = {
    [ASK_PROMPT] = {
        .name = "prompt",
        .types = VT_STRING,
        .doc = "the question shown to the user",
    },
    [ASK_PASSWORD] = {
        .name = "password",
        .types = VT_BOOL,
        .default_src = "false",
        .doc = "true: hide what the user types",
    },
};

static dk_status cmd_ask(CallCtx *cx, Value **args, Value **out)
{
    if (cx_sandboxed(cx))
        return cx_error(cx, -1, DK_ERR_STDIN,
                        "ask is switched off in this sandbox");
    char *answer = cx_input(cx, args[ASK_PROMPT]->as.str.bytes,
                            value_truthy(args[ASK_PASSWORD]));
    if (!answer) {
        dk_err_at(cx->err, cx->span);
        return cx->err->code ? cx->err->code : DK_ERR_STDIN;
    }
    *out = value_string_take(answer, strlen(answer));
    return *out ? DK_OK : cx_oom(cx);
}

static const Command commands[] = {
    {
        .name = "print",
        .group = "Output",
        .summary = "Print values on one line, separated by spaces.",
        .help = "Strings are printed as they are, without quotes; numbers, "
                "lists and other values as they would show as a result. The "
                "text goes to the cell's standard output.",
        .example = "print \"hello, world\"\n"
                   "x = 3\n"
                   "print \"x is\" x \"and twice x is\" 2 * x",
        .args = print_args,
        .nargs = ARRAY_LEN(print_args),
        .variadic = 1,
        .fn = cmd_print,
    },
    {
        .name = "warn",
        .group = "Output",
        .summary = "Print values to the error stream (shown in red).",
        .help = "Works like `print`, but the text goes to standard error, "
                "which notebooks usually highlight. The cell keeps running: "
                "to stop it, use `assert`.",
        .example = "warn \"the learning rate looks large:\" 0.5",
        .args = print_args,
        .nargs = ARRAY_LEN(print_args),
        .variadic = 1,
        .fn = cmd_warn,
    },
    {
        .name = "markdown",
        .group = "Output",
        .summary = "Show formatted text written in markdown.",
        .help = "Displays the text rendered as markdown (headings, **bold**, "
                "lists, tables, `code`, LaTeX math between dollar signs). "
                "Triple-quoted strings are handy for several lines.",
        .example = "markdown \"\"\"\n"
                   "## Results\n"
                   "The loss went down to **0.12**.\n"
                   "\"\"\"",
        .args = markdown_args,
        .nargs = ARRAY_LEN(markdown_args),
        .fn = cmd_markdown,
    },
    {
        .name = "clear",
        .group = "Output",
        .summary = "Clear the cell's output.",
        .help = "Removes what the cell has shown so far. With `wait=true` "
                "the output is cleared only when the next output arrives, "
                "which avoids flicker in animations.",
        .example = "print \"you will not see this for long\"\n"
                   "sleep 0.5\n"
                   "clear\n"
                   "print \"done\"",
        .args = clear_args,
        .nargs = ARRAY_LEN(clear_args),
        .fn = cmd_clear,
    },
    {
        .name = "sleep",
        .group = "Basics",
        .summary = "Wait for some seconds.",
        .help = "Pauses the cell. Interrupting the kernel (the stop button) "
                "ends the wait at once with a KeyboardInterrupt error.",
        .example = "sleep 0.5\n"
                   "print \"half a second later\"",
        .args = sleep_args,
        .nargs = ARRAY_LEN(sleep_args),
        .fn = cmd_sleep,
        .flags = CMD_BLOCKS,
    },
    {
        .name = "ask",
        .group = "Basics",
        .summary = "Ask the user for a line of text.",
        .help = "Shows the prompt under the cell and waits for the user to "
                "type an answer, which becomes the value of `ask` (a "
                "string). Fails when the frontend does not allow input.",
        .example = "name = ask \"What is your name?\"\n"
                   "print \"Hello,\" name",
        .args = ask_args,
        .nargs = ARRAY_LEN(ask_args),
        .fn = cmd_ask,
        .flags = CMD_BLOCKS,
    },
};

const CommandTable cmd_output_table = {commands, ARRAY_LEN(commands)};
