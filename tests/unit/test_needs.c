/*
 * test_needs.c: the `needs` guard.  Without DeepFloyd IF's weights
 * (DIFFUSE_DEEPFLOYD unset, or naming a folder without them) `needs
 * deepfloyd` ends the cell with success: nothing after it runs, not
 * inside a function or a loop, and no assignment around it completes;
 * the first skipped cell of a session shows the how-to, later ones a
 * one-line note, each marked as the guard's.  With the weights (the tiny
 * checkpoint's folder) the cell runs on.  An unknown requirement is an
 * error that lists the known ones.  No libtorch is needed: the guard
 * only looks for the folders.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lang/interp.h"

static char out_text[4096];
static char shown[16384];   /* the markdown of every display, in order */
static int displays;
static int marked;          /* displays marked {"diffuse": {"needs": ...}} */

static void rec_stream(void *ctx, const char *name, const char *text,
                       size_t len)
{
    strncat(out_text, text, len < 1000 ? len : 1000);
}

static void rec_display(void *ctx, json_t *data, json_t *metadata,
                        const char *display_id, int update)
{
    const char *md = json_string_value(json_object_get(data, "text/markdown"));
    if (md)
        strncat(shown, md, sizeof shown - strlen(shown) - 1);
    json_t *d = json_object_get(metadata, "diffuse");
    const char *what = json_string_value(json_object_get(d, "needs"));
    marked += what && !strcmp(what, "deepfloyd");
    displays++;
}

static void rec_clear(void *ctx, int wait) {}

static char *rec_input(void *ctx, const char *prompt, int password, DkErr *err)
{
    return strdup("");
}

static const Outlet outlet = {NULL, rec_stream, rec_display, rec_clear,
                              rec_input};

static Interp *in;
static DkErr err;
static json_t *result;

static dk_status run(const char *code)
{
    out_text[0] = shown[0] = '\0';
    displays = marked = 0;
    json_decref(result);
    result = NULL;
    dk_err_clear(&err);
    return interp_execute(in, code, &outlet, &result, &err);
}

static const char *plain(const char *code)
{
    run(code);
    const char *s = json_string_value(json_object_get(result, "text/plain"));
    return s ? s : "";
}

static void test_without_weights(void)
{
    unsetenv("DIFFUSE_DEEPFLOYD");
    CHECK(run("x = 1") == DK_OK);
    /* The first skipped cell: the how-to, and nothing after the guard. */
    CHECK(run("needs deepfloyd\nx = 2\nprint \"ran on\"\nx") == DK_OK);
    CHECK(result == NULL);
    CHECK_STR(out_text, "");
    CHECK(displays == 1 && marked == 1);
    CHECK(strstr(shown, "Skipped: this cell needs DeepFloyd IF's weights"));
    CHECK(strstr(shown, "DIFFUSE_DEEPFLOYD is not set"));
    CHECK(strstr(shown, "accept the licence on the model card of "
                        "`DeepFloyd/IF-I-XL-v1.0`"));
    CHECK(strstr(shown, "unet/diffusion_pytorch_model.fp16.safetensors"));
    CHECK(strstr(shown, "prompt_embeds_dict.pth"));
    CHECK(strstr(shown, "IF-II-L-v1.0"));
    CHECK_STR(plain("x"), "1");

    /* Later cells: one line, no how-to; statements before the guard ran. */
    CHECK(run("y = 5\nneeds deepfloyd\ny = 6") == DK_OK);
    CHECK(displays == 1 && marked == 1);
    CHECK(strstr(shown, "Skipped") && !strstr(shown, "huggingface-cli"));
    CHECK(strchr(shown, '\n') == shown + strlen(shown) - 1);
    CHECK_STR(plain("y"), "5");

    /* Inside a function, a loop and an assignment, it ends the whole cell:
     * the assignment does not complete, the loop's next turn never runs. */
    CHECK(run("def f(v)\n  needs deepfloyd\n  return v\nend") == DK_OK);
    CHECK(run("z = f(3)\nz = 4") == DK_OK);
    CHECK(run("z") == DK_ERR_NAME);
    CHECK(run("n = 0\nfor i in 1..3\n  n = i\n  needs deepfloyd\nend\nn = 9") == DK_OK);
    CHECK_STR(plain("n"), "1");
    CHECK(run("print (needs deepfloyd) \"printed\"") == DK_OK);
    CHECK_STR(out_text, "");

    /* A folder without the weights (an empty Docker mount): skipped too,
     * saying what is wrong with the folder. */
    setenv("DIFFUSE_DEEPFLOYD", "tests/data/if", 1);
    CHECK(run("needs deepfloyd\nx = 3") == DK_OK);
    CHECK(marked == 1 && strstr(shown, "DIFFUSE_DEEPFLOYD=tests/data/if"));
    CHECK(strstr(shown, "no stage I model"));
    CHECK_STR(plain("x"), "1");
}

static void test_first_how_to_per_session(void)
{
    unsetenv("DIFFUSE_DEEPFLOYD");
    interp_free(in);
    in = interp_new();
    CHECK(run("needs \"deepfloyd\"") == DK_OK);
    CHECK(strstr(shown, "huggingface-cli") != NULL);
}

static void test_with_weights(void)
{
    setenv("DIFFUSE_DEEPFLOYD", "tests/data/if/tiny", 1);
    CHECK(run("needs deepfloyd\nx = 7\nprint \"ran on\"") == DK_OK);
    CHECK(displays == 0 && marked == 0);
    CHECK_STR(out_text, "ran on\n");
    CHECK_STR(plain("x"), "7");
    unsetenv("DIFFUSE_DEEPFLOYD");
}

static void test_bad_argument(void)
{
    CHECK(run("x = 1\nneeds deepflod\nx = 2") == DK_ERR_ARG);
    CHECK(err.msg && strstr(err.msg, "needs knows no 'deepflod'"));
    CHECK(err.hint && strstr(err.hint, "it knows: deepfloyd (DeepFloyd IF's weights)"));
    CHECK(err.span.line == 2);
    CHECK(displays == 0);
    CHECK_STR(plain("x"), "1");
    CHECK(run("needs") == DK_ERR_ARG);
    CHECK(run("needs 3") == DK_ERR_TYPE);
}

int main(void)
{
    in = interp_new();
    CHECK(in != NULL);
    test_without_weights();
    test_first_how_to_per_session();
    test_with_weights();
    test_bad_argument();
    json_decref(result);
    dk_err_clear(&err);
    interp_free(in);
    return check_report("test_needs");
}
