/*
 * test_lang_loop.c: the report's iterative denoising (§1.4) written in
 * the language agrees with the built-in iterative_denoise: the same
 * model, the same MNIST test digit, i_start = 10, the same seed, every
 * pixel within 1e-5.  It holds because noise_estimate works in the
 * model's own range, as the built-in does between its to_model and
 * to_image, and randn draws from the same seeded stream in the same order
 * (one draw per step, after the update).
 *
 * Needs the libtorch backend and the MNIST test split ($DIFFUSE_MNIST);
 * without either it says so and checks nothing more.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lang/eval.h"
#include "lang/interp.h"

static const char *const setup =
    "model = load_model \"models/mnist-class-cpu.safetensors\"\n"
    "seed 180\n"
    "digit = digits (mnist \"test\")\n"
    "noisy = forward digit t=690\n";

static const char *const builtin =
    "seed 7\n"
    "ref = iterative_denoise model noisy i_start=10 cond=7 every=0\n";

/* docs/part-a.md §1.4, line by line. */
static const char *const loop =
    "seed 7\n"
    "x = (noisy + 1) / 2\n"
    "ts = strided_timesteps\n"
    "for i in 10..32\n"
    "  t = ts[i]\n"
    "  tp = ts[i + 1]\n"
    "  ab = alpha_bar t\n"
    "  abp = alpha_bar tp\n"
    "  a = ab / abp\n"
    "  b = 1 - a\n"
    "  eps = noise_estimate model x t cond=7\n"
    "  x0 = (x - sqrt(1 - ab) * eps) / sqrt(ab)\n"
    "  x = sqrt(abp) * b / (1 - ab) * x0 + sqrt(a) * (1 - abp) / (1 - ab) * x\n"
    "  x = x + sqrt((1 - abp) / (1 - ab) * b) * randn like x\n"
    "end\n"
    "mine = clamp(x, 0, 1) * 2 - 1\n";

static dk_status run(Interp *in, const char *code, json_t **res, DkErr *err)
{
    json_decref(*res);
    *res = NULL;
    dk_err_clear(err);
    dk_status st = interp_execute(in, code, &eval_null_outlet, res, err);
    if (st)
        fprintf(stderr, "  %s\n", err->msg ? err->msg : "?");
    return st;
}

static const char *plain(const json_t *res)
{
    const char *s = json_string_value(json_object_get(res, "text/plain"));
    return s ? s : "";
}

int main(void)
{
    Interp *in = interp_new();
    json_t *res = NULL;
    DkErr err = {0};
    dk_status st = run(in, setup, &res, &err);
    if (st == DK_ERR_TORCH || st == DK_ERR_IO || st == DK_ERR_FORMAT) {
        printf("test_lang_loop: skipped (%s)\n", err.msg ? err.msg : "?");
        dk_err_clear(&err);
        interp_free(in);
        return check_report("test_lang_loop");
    }
    CHECK(st == DK_OK);
    CHECK(run(in, builtin, &res, &err) == DK_OK);
    CHECK(run(in, loop, &res, &err) == DK_OK);
    /* every pixel within 1e-5: nothing is left above it */
    CHECK(run(in, "mean (clamp(abs(mine - ref) - 1e-5, lo=0))", &res,
              &err) == DK_OK);
    CHECK_STR(plain(res), "0");
    CHECK(run(in, "mean (abs(mine - ref))", &res, &err) == DK_OK);
    printf("test_lang_loop: mean |language - built-in| = %s\n", plain(res));
    /* and the run did something: the result is far from the input */
    CHECK(run(in, "(mean (abs (ref - noisy))) > 0.1", &res, &err) == DK_OK);
    CHECK_STR(plain(res), "true");
    json_decref(res);
    dk_err_clear(&err);
    interp_free(in);
    return check_report("test_lang_loop");
}
