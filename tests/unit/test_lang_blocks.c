/*
 * test_lang_blocks.c: the language's blocks and formulas (issue 15):
 * if/else/end, for/in/end, def/return/end with local variables and a
 * recursion limit, interrupts inside a loop, completeness inside an open
 * block, and + - * / sqrt abs clamp mean randn zeros on images, with
 * shape errors naming both shapes.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cell.h"
#include "check.h"
#include "util/interrupt.h"

static const char *complete(const char *code, const char **indent)
{
    return interp_is_complete(in, code, indent);
}

static void *raise_later(void *arg)
{
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
    dk_interrupt_raise();
    return NULL;
}

static void test_if(void)
{
    CHECK(run("x = 5\nif x > 3\n  print \"big\"\nelse\n  print \"small\"\nend") == DK_OK);
    CHECK_STR(out_text, "big\n");
    CHECK(run("x = 1\nif x > 3\n  print \"big\"\nelse\n  print \"small\"\nend") == DK_OK);
    CHECK_STR(out_text, "small\n");
    /* else if shares the one end */
    CHECK(run("x = 0\nif x > 0\n  print 1\nelse if x == 0\n  print 0\nelse\n  print -1\nend") == DK_OK);
    CHECK_STR(out_text, "0\n");
    CHECK(run("if false\n  print 1\nend\nprint 2") == DK_OK);
    CHECK_STR(out_text, "2\n");
}

static void test_for(void)
{
    CHECK(run("total = 0\nfor i in 1..4\n  total = total + i\nend\nprint total i") == DK_OK);
    CHECK_STR(out_text, "10 4\n");
    CHECK(run("for s in [\"a\", \"b\"]\n  for n in 1..2\n    print s n\n  end\nend") == DK_OK);
    CHECK_STR(out_text, "a 1\na 2\nb 1\nb 2\n");
    CHECK(run("for i in 5\n  print i\nend") == DK_ERR_TYPE);
    CHECK(err.msg && strstr(err.msg, "for goes over a list"));
    CHECK(err.span.line == 1);
    /* the error inside a body points at its line */
    CHECK(run("for i in 1..3\n  print i\n  y = i / 0\nend") == DK_ERR_VALUE);
    CHECK(err.span.line == 3);
    CHECK_STR(out_text, "1\n");
    CHECK_STR(eval_plain("strided_timesteps"), "[990, 960, 930, 900, 870, 840, "
              "810, 780, 750, 720, 690, 660, 630, 600, 570, 540, 510, 480, "
              "450, 420, 390, 360, 330, 300, 270, 240, 210, 180, 150, 120, "
              "90, 60, 30, 0]");
}

static void test_functions(void)
{
    CHECK(run("def add(a, b)\n  return a + b\nend\nprint add(2, 3)") == DK_OK);
    CHECK_STR(out_text, "5\n");
    /* defined in one cell, called from another */
    CHECK_STR(eval_plain("add(1, add(2, 3)) * 2"), "12");
    CHECK_STR(eval_plain("add"), "function add(a, b)");
    /* locals stay local; globals are readable */
    CHECK(run("k = 10\ndef f(x)\n  y = x + k\n  k = 0\n  return y\nend\nprint f(1) k") == DK_OK);
    CHECK_STR(out_text, "11 10\n");
    CHECK(run("print y") == DK_ERR_NAME);
    /* no return gives none; return leaves loops */
    CHECK_STR(eval_plain("def g()\n  x = 1\nend\ng()"), "");
    CHECK(run("def first_big(xs)\n  for x in xs\n    if x > 2\n      return x\n    end\n  end\n  return -1\nend\nprint first_big([1, 5, 7]) first_big([1])") == DK_OK);
    CHECK_STR(out_text, "5 -1\n");
    /* recursion, and its limit */
    CHECK(run("def fact(n)\n  if n <= 1\n    return 1\n  end\n  return n * fact(n - 1)\nend\nprint fact(10)") == DK_OK);
    CHECK_STR(out_text, "3628800\n");
    CHECK(run("def down(n)\n  return down(n + 1)\nend\ndown(0)") == DK_ERR_VALUE);
    CHECK(err.msg && strstr(err.msg, "recursion is too deep"));
    CHECK_STR(eval_plain("fact(5)"), "120"); /* the interpreter is fine after */
    /* arity and kind */
    CHECK(run("add(1)") == DK_ERR_ARG);
    CHECK(err.msg && strstr(err.msg, "add takes 2 arguments, got 1"));
    CHECK(run("n = 3\nn(1)") == DK_ERR_TYPE);
    CHECK(run("nosuch(1)") == DK_ERR_NAME);
    /* an error inside a function from another cell is shown at the call */
    CHECK(run("def bad(x)\n  return x / 0\nend") == DK_OK);
    CHECK(run("z = 1\nbad(z)") == DK_ERR_VALUE);
    CHECK(err.span.line == 2);
    CHECK(err.msg && strstr(err.msg, "in bad, line 2"));
    /* commands with glued parentheses take comma-separated arguments */
    CHECK_STR(eval_plain("clamp(5, 0, 1) + 1"), "2");
    CHECK_STR(eval_plain("sqrt(16) * 2"), "8");
    CHECK_STR(eval_plain("abs(-2)"), "2");
    CHECK_STR(eval_plain("mean [1, 2, 3]"), "2");
}

static void test_syntax(void)
{
    CHECK(run("for i in 1..3\n  print i") == DK_ERR_SYNTAX);
    CHECK(err.msg && strstr(err.msg, "has no 'end'"));
    CHECK(run("end") == DK_ERR_SYNTAX);
    CHECK(run("else") == DK_ERR_SYNTAX);
    CHECK(run("return 1") == DK_ERR_SYNTAX);
    CHECK(err.msg && strstr(err.msg, "outside a function"));
    CHECK(run("if true\n  def f()\n  end\nend") == DK_ERR_SYNTAX);
    CHECK(run("def f(a, a)\nend") == DK_ERR_SYNTAX);
    CHECK(run("for print in 1..2\nend") == DK_ERR_SYNTAX);
    CHECK(run("if x > 1 print x\nend") == DK_ERR_SYNTAX);
    /* deep nesting is an error, not a crash */
    char deep[4000] = "";
    for (int i = 0; i < 300; i++)
        strcat(deep, "if true\n");
    CHECK(run(deep) == DK_ERR_SYNTAX);
    /* y = blurr img: an unknown command, with the nearest one */
    CHECK(run("img = 1\ny = blurr img") == DK_ERR_NAME);
    CHECK(err.msg && strstr(err.msg, "unknown command 'blurr'"));
    CHECK(err.hint && strstr(err.hint, "did you mean 'blur'?"));
}

static void test_complete(void)
{
    const char *indent = NULL;
    CHECK_STR(complete("for i in 1..3", &indent), "incomplete");
    CHECK_STR(indent, "  ");
    CHECK_STR(complete("for i in 1..3\n  if i > 1", &indent), "incomplete");
    CHECK_STR(indent, "    ");
    CHECK_STR(complete("def f(x)\n  return x\n", &indent), "incomplete");
    CHECK_STR(complete("def f(x)\n  return x\nend", &indent), "complete");
    CHECK_STR(complete("if true\n  print 1\nelse", &indent), "incomplete");
    CHECK_STR(complete("end", &indent), "invalid");
    CHECK_STR(complete("for i in 1..3\n  print (\nend", &indent), "invalid");
}

static void test_interrupt(void)
{
    dk_interrupt_clear();
    pthread_t th;
    pthread_create(&th, NULL, raise_later, NULL);
    dk_status st = run("n = 0\ni = 0\nfor i in 1..100000\n  n = i\n  sleep 0.001\nend");
    pthread_join(th, NULL);
    dk_interrupt_clear();
    CHECK(st == DK_ERR_INTERRUPTED);
    /* n holds the last finished assignment: the loop's variable agrees */
    CHECK(run("print n == i") == DK_OK);
    CHECK_STR(out_text, "true\n");
    CHECK_STR(eval_plain("n > 0 and n < 100000"), "true");
}

/* In the sandbox (the fuzzer) a cell's statements and loop turns are
 * budgeted, so neither nested loops nor branching recursion can hang. */
static void test_budget(void)
{
    Interp *sb = interp_new();
    interp_set_sandbox(sb, 1);
    json_t *r = NULL;
    DkErr e = {0};
    CHECK(interp_execute(sb, "for i in 1..1000\n  for j in 1..1000\n  end\nend",
                         &outlet, &r, &e) == DK_ERR_VALUE);
    CHECK(e.msg && strstr(e.msg, "ran more than"));
    dk_err_clear(&e);
    CHECK(interp_execute(sb, "def f(x)\n  f(x)\n  f(x)\nend\nf(1)",
                         &outlet, &r, &e) == DK_ERR_VALUE);
    dk_err_clear(&e);
    /* the budget is per cell */
    CHECK(interp_execute(sb, "n = 0\nfor i in 1..1000\n  n = n + i\nend\nprint n",
                         &outlet, &r, &e) == DK_OK);
    dk_err_clear(&e);
    json_decref(r);
    interp_free(sb);
}

/* Image arithmetic needs the backend; without it the first load fails
 * with DK_ERR_TORCH and the rest is skipped. */
static void test_tensors(void)
{
    dk_status st = run("img = load \"notebooks/data/rocket.jpg\" size=8");
    if (st == DK_ERR_TORCH) {
        fprintf(stderr, "  (no libtorch: image arithmetic skipped)\n");
        return;
    }
    CHECK(st == DK_OK);
    CHECK_STR(eval_plain("type (img * 0.5)"), "\"image\"");
    CHECK_STR(eval_plain("y = img * 0.5 + 1\nx = (y - 1) * 2\n(mean (abs (x - img))) < 1e-6"), "true");
    CHECK_STR(eval_plain("mean (img - img)"), "0");
    CHECK_STR(eval_plain("mean (2 - img + img)"), "2");
    CHECK_STR(eval_plain("mean (1 / ((zeros like img) + 4))"), "0.25");
    CHECK_STR(eval_plain("mean (-img + img)"), "0");
    CHECK_STR(eval_plain("mean (clamp img 2 3)"), "2");
    CHECK_STR(eval_plain("mean (clamp(img, lo=-5) - img)"), "0");
    CHECK_STR(eval_plain("mean (sqrt ((zeros like img) + 9))"), "3");
    CHECK_STR(eval_plain("mean (abs ((zeros like img) - 2))"), "2");
    CHECK_STR(eval_plain("(mean (img * img)) >= 0"), "true");
    /* broadcasting: a gray image against an RGB one */
    CHECK_STR(eval_plain("g = gray img\n(g + img).channels"), "3");
    /* the seeded stream: the same seed, the same noise */
    CHECK_STR(eval_plain("seed 3\na = randn like img\nseed 3\nb = randn like img\nmean (abs (a - b))"), "0");
    CHECK_STR(eval_plain("mean (abs (a - (randn like img)))") [0] != '0' ? "ok" : "same", "ok");
    /* errors */
    CHECK(run("small = load \"notebooks/data/rocket.jpg\" size=4\nimg + small") == DK_ERR_SHAPE);
    CHECK(err.msg && strstr(err.msg, "shapes 1x3x8x8 and 1x3x4x4 do not broadcast"));
    CHECK(err.span.line == 2);
    CHECK(run("img ** 2") == DK_ERR_TYPE);
    CHECK(run("img + \"a\"") == DK_ERR_TYPE);
    CHECK(run("img / 0") == DK_ERR_VALUE);
    CHECK(run("randn img") == DK_ERR_TYPE || err.code == DK_ERR_ARG);
}

int main(void)
{
    in = interp_new();
    interp_set_sandbox(in, 0);
    test_if();
    test_for();
    test_functions();
    test_syntax();
    test_complete();
    test_interrupt();
    test_budget();
    test_tensors();
    interp_free(in);
    cell_done();
    return check_report("test_lang_blocks");
}
