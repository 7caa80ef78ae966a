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

#include "cell.h"
#include "check.h"

/* The markdown of every display of the last cell, joined. */
static const char *markdown(void)
{
    static char all[16384];
    all[0] = '\0';
    for (size_t i = 0; i < json_array_size(displays); i++) {
        const char *md = shown(i, "text/markdown");
        if (md)
            strncat(all, md, sizeof all - strlen(all) - 1);
    }
    return all;
}

/* How many displays of the last cell are marked as the guard's:
 * metadata {"diffuse": {"needs": "deepfloyd"}}. */
static int marked(void)
{
    int n = 0;
    for (size_t i = 0; i < json_array_size(display_meta); i++) {
        json_t *d = json_object_get(json_array_get(display_meta, i), "diffuse");
        const char *what = json_string_value(json_object_get(d, "needs"));
        n += what && !strcmp(what, "deepfloyd");
    }
    return n;
}

static void test_without_weights(void)
{
    unsetenv("DIFFUSE_DEEPFLOYD");
    CHECK(run("x = 1") == DK_OK);
    /* The first skipped cell: the how-to, and nothing after the guard. */
    CHECK(run("needs deepfloyd\nx = 2\nprint \"ran on\"\nx") == DK_OK);
    CHECK(result == NULL);
    CHECK_STR(out_text, "");
    CHECK_STR(err_text, "");
    CHECK(json_array_size(displays) == 1 && marked() == 1);
    CHECK(strstr(markdown(), "Skipped: this cell needs DeepFloyd IF's weights"));
    CHECK(strstr(markdown(), "DIFFUSE_DEEPFLOYD is not set"));
    CHECK(strstr(markdown(), "accept the licence on the model card of "
                        "`DeepFloyd/IF-I-XL-v1.0`"));
    CHECK(strstr(markdown(), "unet/diffusion_pytorch_model.fp16.safetensors"));
    CHECK(strstr(markdown(), "prompt_embeds_dict.pth"));
    CHECK(strstr(markdown(), "IF-II-L-v1.0"));
    CHECK_STR(eval_plain("x"), "1");

    /* Later cells: one line, no how-to; statements before the guard ran. */
    CHECK(run("y = 5\nneeds deepfloyd\ny = 6") == DK_OK);
    CHECK(json_array_size(displays) == 1 && marked() == 1);
    const char *md = markdown();
    CHECK(strstr(md, "Skipped") && !strstr(md, "huggingface-cli"));
    CHECK(strchr(md, '\n') == md + strlen(md) - 1);
    CHECK_STR(eval_plain("y"), "5");

    /* Inside a function, a loop and an assignment, it ends the whole cell:
     * the assignment does not complete, the loop's next turn never runs. */
    CHECK(run("def f(v)\n  needs deepfloyd\n  return v\nend") == DK_OK);
    CHECK(run("z = f(3)\nz = 4") == DK_OK);
    CHECK(run("z") == DK_ERR_NAME);
    CHECK(run("n = 0\nfor i in 1..3\n  n = i\n  needs deepfloyd\nend\nn = 9") == DK_OK);
    CHECK_STR(eval_plain("n"), "1");
    CHECK(run("print (needs deepfloyd) \"printed\"") == DK_OK);
    CHECK_STR(out_text, "");
    CHECK_STR(err_text, "");

    /* A folder without the weights (an empty Docker mount): skipped too,
     * saying what is wrong with the folder. */
    setenv("DIFFUSE_DEEPFLOYD", "tests/data/if", 1);
    CHECK(run("needs deepfloyd\nx = 3") == DK_OK);
    CHECK(marked() == 1 && strstr(markdown(), "DIFFUSE_DEEPFLOYD=tests/data/if"));
    CHECK(strstr(markdown(), "no stage I model"));
    CHECK_STR(eval_plain("x"), "1");
}

static void test_first_how_to_per_session(void)
{
    unsetenv("DIFFUSE_DEEPFLOYD");
    interp_free(in);
    in = interp_new();
    CHECK(run("needs \"deepfloyd\"") == DK_OK);
    CHECK(strstr(markdown(), "huggingface-cli") != NULL);
}

static void test_with_weights(void)
{
    setenv("DIFFUSE_DEEPFLOYD", "tests/data/if/tiny", 1);
    CHECK(run("needs deepfloyd\nx = 7\nprint \"ran on\"") == DK_OK);
    CHECK(json_array_size(displays) == 0 && marked() == 0);
    CHECK_STR(out_text, "ran on\n");
    CHECK_STR(eval_plain("x"), "7");
    unsetenv("DIFFUSE_DEEPFLOYD");
}

static void test_bad_argument(void)
{
    CHECK(run("x = 1\nneeds deepflod\nx = 2") == DK_ERR_ARG);
    CHECK(err.msg && strstr(err.msg, "needs knows no 'deepflod'"));
    CHECK(err.hint && strstr(err.hint, "it knows: deepfloyd (DeepFloyd IF's weights)"));
    CHECK(err.span.line == 2);
    CHECK(json_array_size(displays) == 0);
    CHECK_STR(eval_plain("x"), "1");
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
    interp_free(in);
    cell_done();
    return check_report("test_needs");
}
