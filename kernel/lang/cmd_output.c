/*
 * cmd_output.c: the commands that talk to the notebook: print, warn,
 * markdown, clear, sleep and ask.  Each is a thin adapter from checked
 * arguments to the Outlet (see registry.h for the calling convention).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/interrupt.h"
#include "eval.h"
#include "registry.h"

/* The longest sleep: longer waits are surely typos (ms for s). */
#define SLEEP_MAX_SECONDS 86400.0
#define SLEEP_POLL_NS 10000000L /* check for interrupts every 10 ms */

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
        return cx_error(cx, -1, DK_ERR_OOM, "out of memory");
    }
    cx_stream(cx, stream, b.s, b.len);
    strbuf_free(&b);
    return DK_OK;
}

static dk_status cmd_print(CallCtx *cx, Value **args, Value **out)
{
    return write_values(cx, args[0], "stdout");
}

static dk_status cmd_warn(CallCtx *cx, Value **args, Value **out)
{
    return write_values(cx, args[0], "stderr");
}

static dk_status cmd_markdown(CallCtx *cx, Value **args, Value **out)
{
    json_t *data = json_object();
    if (!data)
        return cx_error(cx, -1, DK_ERR_OOM, "out of memory");
    json_object_set_new(data, "text/markdown",
                        value_json_text(args[0]->as.str.bytes));
    json_object_set_new(data, "text/plain",
                        value_json_text(args[0]->as.str.bytes));
    cx_display(cx, data, NULL);
    return DK_OK;
}

static dk_status cmd_clear(CallCtx *cx, Value **args, Value **out)
{
    cx_clear(cx, value_truthy(args[0]));
    return DK_OK;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static dk_status cmd_sleep(CallCtx *cx, Value **args, Value **out)
{
    double seconds = args[0]->as.number;
    if (!(seconds >= 0) || seconds > SLEEP_MAX_SECONDS)
        return cx_error(cx, 0, DK_ERR_VALUE, "cannot sleep for %g seconds; "
                        "give 0 to %g", seconds, SLEEP_MAX_SECONDS);
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

static dk_status cmd_ask(CallCtx *cx, Value **args, Value **out)
{
    if (cx_sandboxed(cx))
        return cx_error(cx, -1, DK_ERR_STDIN,
                        "ask is switched off in this sandbox");
    char *answer = cx_input(cx, args[0]->as.str.bytes, value_truthy(args[1]));
    if (!answer) {
        dk_err_at(cx->err, cx->span);
        return cx->err->code ? cx->err->code : DK_ERR_STDIN;
    }
    *out = value_string_take(answer, strlen(answer));
    return *out ? DK_OK : cx_error(cx, -1, DK_ERR_OOM, "out of memory");
}

static const ArgSpec print_args[] = {
    {"values", VT_ANY, "[]", "the values to print; strings appear without quotes", NULL},
};
static const ArgSpec markdown_args[] = {
    {"text", VT_STRING, NULL, "markdown source: **bold**, `code`, lists, tables, $math$", NULL},
};
static const ArgSpec clear_args[] = {
    {"wait", VT_BOOL, "false", "true: clear only when the next output arrives (no flicker)", NULL},
};
static const ArgSpec sleep_args[] = {
    {"seconds", VT_NUMBER, NULL, "how long to wait, in seconds (fractions allowed)", NULL},
};
static const ArgSpec ask_args[] = {
    {"prompt", VT_STRING, NULL, "the question shown to the user", NULL},
    {"password", VT_BOOL, "false", "true: hide what the user types", NULL},
};

static const Command commands[] = {
    {"print", "Output", "Print values on one line, separated by spaces.",
     "Strings are printed as they are, without quotes; numbers, lists and "
     "other values as they would show as a result. The text goes to the "
     "cell's standard output.",
     "print \"hello, world\"\nx = 3\nprint \"x is\" x \"and twice x is\" 2 * x",
     print_args, 1, 1, cmd_print, 0},
    {"warn", "Output", "Print values to the error stream (shown in red).",
     "Works like `print`, but the text goes to standard error, which "
     "notebooks usually highlight. The cell keeps running: to stop it, use "
     "`assert`.",
     "warn \"the learning rate looks large:\" 0.5",
     print_args, 1, 1, cmd_warn, 0},
    {"markdown", "Output", "Show formatted text written in markdown.",
     "Displays the text rendered as markdown (headings, **bold**, lists, "
     "tables, `code`, LaTeX math between dollar signs). Triple-quoted "
     "strings are handy for several lines.",
     "markdown \"\"\"\n## Results\nThe loss went down to **0.12**.\n\"\"\"",
     markdown_args, 1, 0, cmd_markdown, 0},
    {"clear", "Output", "Clear the cell's output.",
     "Removes what the cell has shown so far. With `wait=true` the output "
     "is cleared only when the next output arrives, which avoids flicker "
     "in animations.",
     "print \"you will not see this for long\"\nsleep 0.5\nclear\nprint \"done\"",
     clear_args, 1, 0, cmd_clear, 0},
    {"sleep", "Basics", "Wait for some seconds.",
     "Pauses the cell. Interrupting the kernel (the stop button) ends the "
     "wait at once with a KeyboardInterrupt error.",
     "sleep 0.5\nprint \"half a second later\"",
     sleep_args, 1, 0, cmd_sleep, CMD_BLOCKS},
    {"ask", "Basics", "Ask the user for a line of text.",
     "Shows the prompt under the cell and waits for the user to type an "
     "answer, which becomes the value of `ask` (a string). Fails when the "
     "frontend does not allow input.",
     "name = ask \"What is your name?\"\nprint \"Hello,\" name",
     ask_args, 2, 0, cmd_ask, CMD_BLOCKS},
};

const CommandTable cmd_output_table = {commands,
                                       sizeof commands / sizeof commands[0]};
