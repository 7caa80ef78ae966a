/*
 * test_eval.c: running cells as a student would: output, results, ranges,
 * precedence, variables across cells, errors with their spans, hints and
 * tracebacks, the built-in commands, interrupts and completeness.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cell.h"
#include "check.h"
#include "util/interrupt.h"

static const char *tb_line(json_t *tb, size_t i)
{
    const char *s = json_string_value(json_array_get(tb, i));
    return s ? s : "(none)";
}

/* ---- interrupting from another thread -------------------------------- */

static void *raise_later(void *arg)
{
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
    dk_interrupt_raise();
    return NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(void)
{
    in = interp_new();

    /* Hello world and the stream it goes to. */
    CHECK(run("print \"hello, world\"") == DK_OK);
    CHECK_STR(out_text, "hello, world\n");
    CHECK(result == NULL);
    CHECK(run("warn \"careful\" 1") == DK_OK);
    CHECK_STR(err_text, "careful 1\n");
    CHECK_STR(out_text, "");
    run("print \"a\" 1 [1, \"b\"] true none");
    CHECK_STR(out_text, "a 1 [1, \"b\"] true none\n");

    /* env reads the kernel's environment, with a default when unset. */
    setenv("DK_TEST_PROFILE", "full", 1);
    CHECK_STR(eval_plain("env \"DK_TEST_PROFILE\" default=\"quick\""), "\"full\"");
    unsetenv("DK_TEST_PROFILE");
    CHECK_STR(eval_plain("env \"DK_TEST_PROFILE\" default=\"quick\""), "\"quick\"");
    CHECK_STR(eval_plain("type (env \"DK_TEST_PROFILE\")"), "\"none\"");
    CHECK(run("env 3") == DK_ERR_TYPE);

    /* Ranges. */
    CHECK_STR(eval_plain("1..5"), "[1, 2, 3, 4, 5]");
    CHECK_STR(eval_plain("5..1"), "[5, 4, 3, 2, 1]");
    CHECK_STR(eval_plain("0..1 by 0.25"), "[0, 0.25, 0.5, 0.75, 1]");
    CHECK_STR(eval_plain("0..10 by 3"), "[0, 3, 6, 9]");
    run("steps = 990..0 by -30\nprint (len steps) steps[0] steps[1] steps[-1]");
    CHECK_STR(out_text, "34 990 960 0\n");
    CHECK_STR(eval_plain("range 1 5"), "[1, 2, 3, 4, 5]");
    CHECK_STR(eval_plain("range 10 0 -5"), "[10, 5, 0]");
    CHECK(run("1..5 by -1") == DK_ERR_VALUE);
    CHECK(err.hint && strstr(err.hint, "positive step"));
    CHECK(run("1..5 by 0") == DK_ERR_VALUE);
    CHECK_STR(eval_plain("1..1000"), "[1, 2, 3, ..., 998, 999, 1000]");
    CHECK_STR(eval_plain("len (1..1000)"), "1000");

    /* Arithmetic and precedence. */
    CHECK_STR(eval_plain("2 * (3 + 4) ** 2 / 7 - -1"), "15");
    CHECK_STR(eval_plain("-2 ** 2"), "-4");
    CHECK_STR(eval_plain("2 ** 3 ** 2"), "512");
    CHECK_STR(eval_plain("1 + 2 * 3"), "7");
    CHECK_STR(eval_plain("-1 % 3"), "2");
    CHECK_STR(eval_plain("7 / 2"), "3.5");
    CHECK_STR(eval_plain("0.1 + 0.2"), "0.30000000000000004");
    CHECK_STR(eval_plain("1e-4"), "0.0001");
    CHECK_STR(eval_plain("1e20"), "1e+20");
    CHECK_STR(eval_plain("1 < 2 and not 3 < 2"), "true");
    CHECK_STR(eval_plain("1 == 1 or x"), "true"); /* short circuit */
    CHECK_STR(eval_plain("[1, [2]] == [1, [2]]"), "true");
    CHECK_STR(eval_plain("\"abc\" < \"abd\""), "true");
    CHECK_STR(eval_plain("\"ab\" + \"cd\""), "\"abcd\"");
    CHECK_STR(eval_plain("[1] + [2, 3]"), "[1, 2, 3]");
    CHECK_STR(eval_plain("\"ab\" * 3"), "\"ababab\"");
    CHECK_STR(eval_plain("[0] * 3"), "[0, 0, 0]");
    CHECK_STR(eval_plain("\"héllo\"[1]"), "\"é\"");
    CHECK_STR(eval_plain("len \"héllo\""), "5");
    CHECK_STR(eval_plain("\"tab\\there\\n\""), "\"tab\\there\\n\"");
    CHECK_STR(eval_plain("\"\"\"two\nlines\"\"\""), "\"two\\nlines\"");
    CHECK(run("1 / 0") == DK_ERR_VALUE);
    CHECK_STR(err.msg, "division by zero");
    CHECK(run("1 + \"a\"") == DK_ERR_TYPE);
    CHECK(run("[1, 2][2]") == DK_ERR_VALUE);
    CHECK(err.span.line == 1 && err.span.col == 8);
    CHECK(run("[1, 2][0.5]") == DK_ERR_TYPE);

    /* The sample cell from the design, all of it. */
    CHECK(run("# The forward process\nts = [250, 500, 750]\n"
              "steps = 990..0 by -30\nprint \"hello, world\"\n"
              "x = 2 * (3 + 4) ** 2 / 7 - -1\nnote = \"\"\"multi-line\n"
              "string\"\"\"\nmarkdown \"**bold**\"\n"
              "assert x > 10 \"x is too small\"\nfirst = ts[0]\n"
              "print first (len ts) x") == DK_OK);
    CHECK_STR(out_text, "hello, world\n250 3 15\n");
    CHECK(json_array_size(displays) == 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(displays, 0),
                                                "text/markdown")), "**bold**");
    CHECK_STR(json_string_value(json_object_get(json_array_get(displays, 0),
                                                "text/plain")), "**bold**");

    /* Results: a bare expression gives one; assignments and commands
     * without a value do not. */
    CHECK(run("x") == DK_OK);
    CHECK_STR(plain(), "15");
    CHECK(run("y = 3") == DK_OK && result == NULL);
    CHECK(run("clear") == DK_OK && result == NULL && clears == 1 &&
          last_wait == 0);
    CHECK(run("clear wait=true") == DK_OK && clears == 1 && last_wait == 1);
    CHECK(run("none") == DK_OK && result == NULL);
    CHECK_STR(eval_plain("type ts"), "\"list\"");

    /* Variables persist, and survive an error later in the cell. */
    CHECK(run("a = 1\nb = a + 1\nc = nope\nd = 4") == DK_ERR_NAME);
    CHECK_STR(eval_plain("[a, b]"), "[1, 2]");
    CHECK(run("d") == DK_ERR_NAME);

    /* Unknown names: message, span, suggestion and traceback. */
    run("noisy = 1");
    const char *cell = "x = 1\nprint noisey";
    CHECK(run(cell) == DK_ERR_NAME);
    CHECK_STR(err.msg, "unknown name 'noisey'");
    CHECK_STR(err.hint, "did you mean 'noisy'?");
    CHECK(err.span.line == 2 && err.span.col == 7 && err.span.len == 6);
    json_t *tb = interp_traceback(cell, &err);
    CHECK(json_array_size(tb) == 4);
    CHECK_STR(tb_line(tb, 0), "\x1b[31mNameError\x1b[0m: unknown name 'noisey'");
    CHECK_STR(tb_line(tb, 1), "  line 2 | print noisey");
    CHECK_STR(tb_line(tb, 2), "         |       ^^^^^^");
    CHECK_STR(tb_line(tb, 3), "hint: did you mean 'noisy'?");
    json_decref(tb);

    /* Caret placement with multi-byte characters and tabs. */
    cell = "s = \"日本語\" + nope";
    run(cell);
    tb = interp_traceback(cell, &err);
    CHECK_STR(tb_line(tb, 2), "         |                ^^^^");
    json_decref(tb);
    cell = "\tprint nope";
    run(cell);
    tb = interp_traceback(cell, &err);
    CHECK_STR(tb_line(tb, 2), "         | \t      ^^^^");
    json_decref(tb);
    /* A span running off the end of its line is cut there. */
    DkErr long_err = {DK_ERR_VALUE, "m", NULL, {1, 3, 50}};
    tb = interp_traceback("ab cd", &long_err);
    CHECK_STR(tb_line(tb, 2), "         |   ^^^");
    json_decref(tb);
    /* No location: just the headline. */
    DkErr bare = {DK_ERR_INTERRUPTED, "interrupted by the user", NULL, {0, 0, 0}};
    tb = interp_traceback("x", &bare);
    CHECK(json_array_size(tb) == 1);
    json_decref(tb);

    /* Several syntax errors: the first, and how many more. */
    CHECK(run("x = = 1\ny = )") == DK_ERR_SYNTAX);
    CHECK(err.msg && strstr(err.msg, "and 1 more error"));
    CHECK(err.span.line == 1 && err.span.col == 5);

    /* Argument checking, once for every command. */
    CHECK(run("sleep") == DK_ERR_ARG);
    CHECK_STR(err.msg, "sleep needs the argument 'seconds'");
    CHECK_STR(err.hint, "usage: sleep seconds");
    CHECK(run("clear wiat=true") == DK_ERR_ARG);
    CHECK(err.hint && strstr(err.hint, "did you mean 'wait='?"));
    CHECK(err.span.col == 7 && err.span.len == 4);
    CHECK(run("len 1 2") == DK_ERR_ARG);
    CHECK(run("len 5") == DK_ERR_TYPE);
    CHECK_STR(err.msg, "argument 'value' of len must be a string or a list, "
                       "not a number");
    CHECK(err.span.col == 5);
    CHECK(run("clear true wait=false") == DK_ERR_ARG);
    CHECK(err.msg && strstr(err.msg, "given twice"));

    /* assert. */
    CHECK(run("x = 5\nassert x > 10 \"x is too small\"") == DK_ERR_ASSERT);
    CHECK_STR(err.msg, "x is too small");
    CHECK(err.span.line == 2 && err.span.col == 8);
    CHECK(run("assert 1 < 2") == DK_OK);
    CHECK(run("assert []") == DK_ERR_ASSERT);

    /* help. */
    CHECK(run("help") == DK_OK && json_array_size(displays) == 1);
    const char *md = json_string_value(json_object_get(
        json_array_get(displays, 0), "text/markdown"));
    CHECK(md && strstr(md, "`clear [wait=false]`") && strstr(md, "### Output"));
    CHECK(run("help print") == DK_OK && json_array_size(displays) == 1);
    md = json_string_value(json_object_get(json_array_get(displays, 0),
                                           "text/markdown"));
    CHECK(md && strstr(md, "`print [values...]`") && strstr(md, "Example"));
    CHECK(run("help noisy") == DK_OK);
    md = json_string_value(json_object_get(json_array_get(displays, 0),
                                           "text/plain"));
    CHECK(md && strstr(md, "noisy: number"));
    CHECK(run("help by") == DK_OK);
    md = json_string_value(json_object_get(json_array_get(displays, 0),
                                           "text/plain"));
    CHECK(md && strstr(md, "990..0 by -30"));
    CHECK(run("help noisey") == DK_ERR_NAME);
    CHECK_STR(err.hint, "did you mean 'noisy'?");

    /* Variables: vars, del, len, type, numbers. */
    run("vars");
    md = json_string_value(json_object_get(json_array_get(displays, 0),
                                           "text/markdown"));
    CHECK(md && strstr(md, "| `noisy` | number | `1` |"));
    CHECK(run("del noisy ts") == DK_OK);
    CHECK(run("noisy") == DK_ERR_NAME);
    CHECK(run("del steps nothere") == DK_ERR_NAME);
    CHECK(run("steps") == DK_OK); /* nothing was deleted */
    CHECK_STR(eval_plain("round 3.14159 digits=2"), "3.14");
    CHECK_STR(eval_plain("abs -3"), "3");
    CHECK_STR(eval_plain("min 3 1 2"), "1");
    CHECK_STR(eval_plain("max [250, 500, 750]"), "750");
    CHECK_STR(eval_plain("sum 1..100"), "5050");

    /* ask goes through the outlet. */
    CHECK(run("name = ask \"Name?\" password=true\nname") == DK_OK);
    CHECK(inputs == 1 && last_password == 1);
    CHECK_STR(plain(), "\"Ada\"");

    /* sleep: interrupted from another thread, promptly. */
    dk_interrupt_clear();
    pthread_t th;
    pthread_create(&th, NULL, raise_later, NULL);
    double t0 = now();
    CHECK(run("sleep 10") == DK_ERR_INTERRUPTED);
    double took = now() - t0;
    pthread_join(th, NULL);
    CHECK(took < 1.0);
    CHECK_STR(err.msg, "interrupted by the user");
    /* ... and when the flag is already up, nothing runs. */
    CHECK(run("z = 1\nsleep 10") == DK_ERR_INTERRUPTED);
    dk_interrupt_clear();
    CHECK(run("z") == DK_ERR_NAME);
    CHECK(run("sleep 0.02") == DK_OK);

    /* The sandbox: nothing blocks. */
    interp_set_sandbox(in, 1);
    t0 = now();
    CHECK(run("sleep 100") != DK_OK);
    CHECK(run("ask \"?\"") == DK_ERR_STDIN);
    CHECK(now() - t0 < 0.5 && inputs == 0);
    CHECK(run("x = 0..1000000") == DK_ERR_VALUE);
    interp_set_sandbox(in, 0);

    /* user_expressions: a value, no output. */
    json_t *bundle = NULL;
    run("x = 15");
    reset();
    CHECK(interp_eval_expression(in, "x + 1", &bundle, &err) == DK_OK);
    CHECK_STR(json_string_value(json_object_get(bundle, "text/plain")), "16");
    json_decref(bundle);
    bundle = NULL;
    CHECK(interp_eval_expression(in, "x = 2", &bundle, &err) != DK_OK);
    dk_err_clear(&err);

    /* Completeness. */
    const char *indent = NULL;
    CHECK_STR(interp_is_complete(in, "print \"hi\"", &indent), "complete");
    CHECK_STR(interp_is_complete(in, "", &indent), "complete");
    CHECK_STR(interp_is_complete(in, "x = [1,", &indent), "incomplete");
    CHECK_STR(indent, "  ");
    CHECK_STR(interp_is_complete(in, "print (len", &indent), "incomplete");
    CHECK_STR(interp_is_complete(in, "x = 1 +", &indent), "incomplete");
    CHECK_STR(indent, "");
    CHECK_STR(interp_is_complete(in, "x =", &indent), "incomplete");
    CHECK_STR(interp_is_complete(in, "s = \"\"\"abc", &indent), "incomplete");
    CHECK_STR(interp_is_complete(in, "print )", &indent), "invalid");
    CHECK_STR(interp_is_complete(in, "print \"abc", &indent), "invalid");
    CHECK_STR(interp_is_complete(in, "x = = 1", &indent), "invalid");
    CHECK_STR(interp_is_complete(in, "x = (1 2", &indent), "invalid");
    /* An incomplete cell completed on the next line runs. */
    CHECK(run("x = 1 +\n  2\nx") == DK_OK);
    CHECK_STR(plain(), "3");

    /* The registry as JSON. */
    json_t *cmds = interp_commands_json();
    int found = 0;
    size_t i;
    json_t *c;
    json_array_foreach(cmds, i, c) {
        if (strcmp(json_string_value(json_object_get(c, "name")), "clear") == 0) {
            json_t *a = json_array_get(json_object_get(c, "args"), 0);
            found = strcmp(json_string_value(json_object_get(a, "name")), "wait") == 0 &&
                    strcmp(json_string_value(json_object_get(a, "default")), "false") == 0;
        }
    }
    CHECK(found);
    json_decref(cmds);

    interp_free(in);
    cell_done();
    return check_report("test_eval");
}
