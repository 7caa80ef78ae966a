/*
 * test_prompts.c: the prompt-embedding reader (diffusion/prompts.h) on the
 * fixtures of tests/data/if/make_prompts.py: a torch.save dict and its
 * safetensors twin give the same tensors, in place (the generator's
 * formula), the real [1, 77, 4096] float16 shape loads (a file the build
 * makes with make_prompts.py --real: 1.3 MB is too much to commit), an unknown prompt
 * names the close ones, and a wrong, truncated or missing file is refused
 * with the reason.
 */
#include "torch_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diffusion/prompts.h"

#define DIR "tests/data/if/"

static const char *const PROMPTS[] = {
    "", "a high quality photo", "an oil painting of a snowy mountain village",
    "a rocket ship", "a photo of a dog", "a lithograph of waterfalls",
    "a lithograph of a skull", "an oil painting of an old man",
    "an oil painting of people around a campfire"};
#define NPROMPTS 9

static const TsApi *A;

/* The generator's value of prompt p at token l, channel d (before the
 * float16 rounding, which the tolerance covers). */
static double formula(int p, int l, int d)
{
    return 0.01 * (p + 1) + 0.001 * (l % 13) - 0.0001 * (d % 29);
}

/* Prompt p of e as floats, checked against the formula; padding from
 * pad_from on (0: none) repeats token pad_from - 1. */
static void check_prompt(TextEncoder *e, int p, int pad_from)
{
    DkErr err = {0};
    ts_tensor *emb = NULL;
    CHECK(text_encode(e, PROMPTS[p], &emb, &err) == DK_OK);
    if (!emb)
        return;
    const int64_t n = e->length * e->width;
    float *v = malloc((size_t)n * sizeof *v);
    int64_t sh[TS_MAX_DIMS];
    int nd = 0;
    CHECK(A->tensor_shape(emb, sh, TS_MAX_DIMS, &nd) == TS_OK);
    CHECK(nd == 3 && sh[0] == 1 && sh[1] == e->length && sh[2] == e->width);
    CHECK(A->tensor_to_data(emb, v, n, TS_F32) == TS_OK);
    double worst = 0;
    for (int l = 0; l < e->length; l++)
        for (int d = 0; d < e->width; d++) {
            const int ll = pad_from && l >= pad_from ? pad_from - 1 : l;
            worst = fmax(worst, fabs(v[l * e->width + d] - formula(p, ll, d)));
        }
    if (worst > 1e-4)
        fprintf(stderr, "  prompt %d: off by %g\n", p, worst);
    CHECK(worst <= 1e-4);   /* float16 near 0.08 is exact to 3e-5 */
    free(v);
    A->tensor_free(emb);
}

static void check_tiny(const char *path)
{
    DkErr err = {0};
    TextEncoder *e = NULL;
    CHECK(prompts_load(A, path, &e, &err) == DK_OK);
    if (!e) {
        fprintf(stderr, "  %s: %s\n", path, err.msg ? err.msg : "?");
        dk_err_clear(&err);
        return;
    }
    CHECK(prompts_count(e) == NPROMPTS);
    CHECK(e->length == 77 && e->width == 64 && e->dtype == TS_F16);
    for (int p = 0; p < NPROMPTS; p++) {
        CHECK(prompts_has(e, PROMPTS[p]) == 1);
        check_prompt(e, p, 0);
    }
    CHECK(strstr(e->source, "9 prompts") != NULL);

    /* An unknown prompt: DK_ERR_ARG naming the close ones. */
    ts_tensor *emb = NULL;
    CHECK(text_encode(e, "a photo of a dgo", &emb, &err) == DK_ERR_ARG);
    CHECK(emb == NULL);
    CHECK(err.msg && strstr(err.msg, "\"a photo of a dgo\" is not in"));
    CHECK(err.hint && strstr(err.hint, "\"a photo of a dog\""));
    if (err.hint && strstr(err.hint, "\"a rocket ship\"") < strstr(err.hint, "\"a photo of a dog\"")
        && strstr(err.hint, "\"a rocket ship\""))
        CHECK(!"the closest match comes first");
    dk_err_clear(&err);
    /* Far from everything: the hint lists what the file has. */
    CHECK(text_encode(e, "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", &emb, &err) == DK_ERR_ARG);
    CHECK(err.hint && strstr(err.hint, "it has: ") && strstr(err.hint, "\"a high quality photo\""));
    dk_err_clear(&err);
    text_encoder_free(e);
}

/* The first `keep` bytes of src as a temporary file; its path in buf. */
static void truncated_copy(const char *src, long keep, char *buf, size_t cap)
{
    snprintf(buf, cap, "/tmp/dk_test_prompts_%d_%ld", (int)getpid(), keep);
    FILE *in = fopen(src, "rb"), *out = fopen(buf, "wb");
    CHECK(in && out);
    for (long i = 0; in && out && i < keep; i++) {
        int c = fgetc(in);
        if (c == EOF)
            break;
        fputc(c, out);
    }
    if (in)
        fclose(in);
    if (out)
        fclose(out);
}

static dk_status load_err(const char *path, DkErr *err)
{
    TextEncoder *e = NULL;
    dk_status rc = prompts_load(A, path, &e, err);
    CHECK((rc == DK_OK) == (e != NULL));
    text_encoder_free(e);
    return rc;
}

int main(void)
{
    A = torch_test_api();
    if (!A)
        return check_report("test_prompts");

    check_tiny(DIR "prompts-tiny.pth");
    check_tiny(DIR "prompts-tiny.safetensors");

    /* The real shape: [1, 77, 4096] float16, the padding repeated (made by
     * the build: make_prompts.py --real). */
    DkErr err = {0};
    TextEncoder *e = NULL;
#ifdef DK_PROMPTS_REAL
    CHECK(prompts_load(A, DK_PROMPTS_REAL, &e, &err) == DK_OK);
#else
    CHECK(!"the build made no prompts-real.pth: no python3 with torch (python3-torch)");
#endif
    if (e) {
        CHECK(e->length == 77 && e->width == 4096 && e->dtype == TS_F16);
        CHECK(prompts_count(e) == 2);
        CHECK_STR(prompts_key(e, 0), "");
        check_prompt(e, 0, 8);
        check_prompt(e, 1, 8);
        text_encoder_free(e);
    }
    dk_err_clear(&err);

    /* A dict of one entry is pickled with SETITEM, which libtorch 1.13's
     * unpickler lacks: it loads, or the message gives the way out. */
    dk_status one = prompts_load(A, DIR "one-prompt.pth", &e, &err);
    CHECK(one == DK_OK || (err.msg && strstr(err.msg, "dict of one entry") &&
                           strstr(err.msg, "add a second prompt")));
    if (e) {
        CHECK(prompts_count(e) == 1 && e->width == 64);
        check_prompt(e, 0, 0);
        text_encoder_free(e);
    }
    dk_err_clear(&err);

    /* Missing, wrong and damaged files. */
    CHECK(load_err(DIR "no-such-file.pth", &err) == DK_ERR_IO);
    CHECK(err.msg && strstr(err.msg, "cannot open"));
    dk_err_clear(&err);
    CHECK(load_err("tests/data/gray1.png", &err) == DK_ERR_FORMAT);
    CHECK(err.msg && strstr(err.msg, "neither a torch.save file nor a safetensors file"));
    dk_err_clear(&err);
    CHECK(load_err(DIR "not-a-dict.pth", &err) == DK_ERR_FORMAT);
    CHECK(err.msg && strstr(err.msg, "not a dict"));
    if (err.msg && !strstr(err.msg, "not a dict"))
        fprintf(stderr, "  not-a-dict: %s\n", err.msg);
    dk_err_clear(&err);

    char tmp[256];
    truncated_copy(DIR "prompts-tiny.pth", 30000, tmp, sizeof tmp);
    CHECK(load_err(tmp, &err) == DK_ERR_FORMAT);
    CHECK(err.msg && strstr(err.msg, "damaged or truncated"));
    if (err.msg && !strstr(err.msg, "damaged or truncated"))
        fprintf(stderr, "  truncated .pth: %s\n", err.msg);
    dk_err_clear(&err);
    remove(tmp);
    truncated_copy(DIR "prompts-tiny.safetensors", 40000, tmp, sizeof tmp);
    CHECK(load_err(tmp, &err) == DK_ERR_FORMAT);
    CHECK(err.msg && strstr(err.msg, "truncated"));
    dk_err_clear(&err);
    remove(tmp);
    truncated_copy(DIR "prompts-tiny.safetensors", 5, tmp, sizeof tmp);
    CHECK(load_err(tmp, &err) == DK_ERR_FORMAT);
    dk_err_clear(&err);
    remove(tmp);

    return check_report("test_prompts");
}
