/*
 * test_if_pipeline.c: DeepFloyd IF end to end on the tiny random
 * checkpoint of tests/data/if (make_reference.py), against diffusers
 * 0.27.2 run on the same weights and the same seeded noise:
 *   - loading: the Hugging Face folder layout, both stages, the prompts,
 *     and the parameter counts diffusers reports;
 *   - stage I as IFPipeline samples (10 steps, CFG 7, dynamic
 *     thresholding), a whole strided loop;
 *   - stage II as IFSuperResolutionPipeline upscales that result (5 steps,
 *     guidance 4, noise level 250);
 *   - the course's own loop (Part A 1.6: strided 990..0, CFG 7, learned
 *     variance) through the denoiser interface every Part A command uses;
 *   - conditions the denoiser refuses: a class, an unknown prompt.
 */
#include "if_reference.h"

#include <string.h>

#include "diffusion/a1_4_iterative.h"
#include "diffusion/deepfloyd.h"
#include "diffusion/denoiser_if.h"
#include "diffusion/if_pipeline.h"

static const TsApi *A;

static void report(const char *what, double d, double tol)
{
    printf("  %s: max |diffuse - diffusers| = %.3g (tolerance %g)\n", what, d, tol);
    CHECK(d <= tol);
}

/* Tolerances: float32 throughout; the loops run 5 to 13 UNet calls whose
 * rounding differs from PyTorch's (batched CFG halves, summation order),
 * amplified by 1/√ᾱ near t = 1000. */
#define TOL_LOOP 1e-4

static void check_stage1(DeepFloyd *m, json_t *c)
{
    Denoiser *d = NULL;
    DkErr err = {0};
    CHECK(denoiser_if_new(m, 1, &d, &err) == DK_OK);
    Cond cond = {.kind = COND_PROMPT, .prompt = json_string_value(json_object_get(c, "prompt"))};
    IfRun run = {.steps = (int)json_integer_value(json_object_get(c, "steps")),
                 .guidance = json_number_value(json_object_get(c, "guidance")),
                 .conds = &cond, .n = 1,
                 .size = (int)json_integer_value(json_object_get(c, "size")),
                 .g = ref_generator(A, c)};
    ts_tensor *x = NULL;
    CHECK(if_generate(d, &run, &x, &err) == DK_OK);
    if (err.msg)
        fprintf(stderr, "  stage I: %s\n", err.msg);
    report("stage I, IFPipeline 10 steps CFG 7", ref_max_diff(A, x, json_object_get(c, "out")), TOL_LOOP);
    A->tensor_free(x);
    A->generator_free(run.g);
    denoiser_free(d);
    dk_err_clear(&err);
}

static void check_stage2(DeepFloyd *m, json_t *c)
{
    Denoiser *d = NULL;
    DkErr err = {0};
    CHECK(denoiser_if_new(m, 2, &d, &err) == DK_OK);
    Cond cond = {.kind = COND_PROMPT, .prompt = json_string_value(json_object_get(c, "prompt"))};
    const int64_t side = (int64_t)sqrt((double)json_array_size(json_object_get(c, "image")) / 3);
    const int64_t shape[4] = {1, 3, side, side};
    ts_tensor *low = ref_tensor(A, json_object_get(c, "image"), shape, 4);
    IfRun run = {.steps = (int)json_integer_value(json_object_get(c, "steps")),
                 .guidance = json_number_value(json_object_get(c, "guidance")),
                 .conds = &cond, .n = 1,
                 .size = (int)json_integer_value(json_object_get(c, "size")),
                 .noise_level = (int)json_integer_value(json_object_get(c, "noise_level")),
                 .g = ref_generator(A, c)};
    ts_tensor *x = NULL;
    CHECK(if_upsample(d, low, &run, &x, &err) == DK_OK);
    if (err.msg)
        fprintf(stderr, "  stage II: %s\n", err.msg);
    report("stage II, IFSuperResolutionPipeline 5 steps", ref_max_diff(A, x, json_object_get(c, "out")),
           TOL_LOOP);
    A->tensor_free(x);
    A->tensor_free(low);
    A->generator_free(run.g);
    denoiser_free(d);
    dk_err_clear(&err);
}

static void check_course_loop(DeepFloyd *m, json_t *c)
{
    Denoiser *d = NULL;
    DkErr err = {0};
    CHECK(denoiser_if_new(m, 1, &d, &err) == DK_OK);
    const int64_t shape[4] = {1, 3, 64, 64};
    ts_generator *g = ref_generator(A, c);
    /* The start is the generator's first draw: the same numbers as torch. */
    ts_tensor *x = NULL;
    CHECK(A->tensor_randn(&x, shape, 4, TS_F32, TS_CPU, g) == TS_OK);
    report("the generator's noise (first numbers)", ref_diff(A, x, json_object_get(c, "x_head"), 1),
           1e-6);
    Cond cond = {.kind = COND_PROMPT, .prompt = json_string_value(json_object_get(c, "prompt"))};
    DenoiseRun run = {.i_start = (int)json_integer_value(json_object_get(c, "i_start")),
                      .guide = {.rule = NOISE_COND, .a = &cond,
                                .guidance = json_number_value(json_object_get(c, "guidance"))},
                      .g = g};
    ts_tensor *out = NULL;
    CHECK(iterative_denoise(d, x, &run, &out, NULL, NULL, NULL, &err) == DK_OK);
    if (err.msg)
        fprintf(stderr, "  course loop: %s\n", err.msg);
    report("the course's loop, CFG 7 from i_start 20", ref_max_diff(A, out, json_object_get(c, "out")),
           TOL_LOOP);
    A->tensor_free(out);
    A->tensor_free(x);
    A->generator_free(g);
    denoiser_free(d);
    dk_err_clear(&err);
}

static void check_conditions(DeepFloyd *m)
{
    Denoiser *d = NULL;
    DkErr err = {0};
    CHECK(denoiser_if_new(m, 1, &d, &err) == DK_OK);
    CHECK(d->conditional && d->has_null && d->learned_variance);
    CHECK(d->channels == 3 && d->height == 64 && d->width == 64);
    Cond c = {.kind = COND_CLASS, .cls = 3};
    CHECK(denoiser_check(d, &c, 1, &err) == DK_ERR_ARG);
    CHECK(err.msg && strstr(err.msg, "takes a text prompt"));
    dk_err_clear(&err);
    c = (Cond){.kind = COND_PROMPT, .prompt = "a high qualty photo"};
    CHECK(denoiser_check(d, &c, 1, &err) == DK_ERR_ARG);
    CHECK(err.msg && strstr(err.msg, "is not in prompt_embeds_dict.pth"));
    CHECK(err.hint && strstr(err.hint, "\"a high quality photo\""));
    dk_err_clear(&err);
    c = COND_NULL;
    CHECK(denoiser_check(d, &c, 1, &err) == DK_OK);
    denoiser_free(d);
}

int main(void)
{
    A = torch_test_api();
    if (!A)
        return check_report("test_if_pipeline");
    json_t *ref = ref_load();
    DeepFloydPaths paths;
    DkErr err = {0};
    CHECK(deepfloyd_find("tests/data/if/tiny", &paths, &err) == DK_OK);
    CHECK(strstr(paths.stage1, "IF-I-tiny-v1.0") && strstr(paths.stage2, "IF-II-tiny-v1.0"));
    CHECK(strstr(paths.prompts, "prompt_embeds_dict.pth") != NULL);
    DeepFloyd *m = NULL;
    CHECK(deepfloyd_load(A, &paths, TS_F32, &m, &err) == DK_OK);
    if (!m || !ref) {
        fprintf(stderr, "  load: %s\n", err.msg ? err.msg : "no reference");
        dk_err_clear(&err);
        json_decref(ref);
        return check_report("test_if_pipeline");
    }
    json_t *params = json_object_get(ref, "params");
    CHECK(m->stage1.params == json_integer_value(json_object_get(params, "stage1")));
    CHECK(m->stage2.params == json_integer_value(json_object_get(params, "stage2")));
    CHECK(m->stage1.sample_size == 64 && m->stage2.sample_size == 256);
    CHECK(!m->stage1.noise_level_input && m->stage2.noise_level_input);

    check_conditions(m);
    json_t *pipes = json_object_get(ref, "pipelines");
    check_stage1(m, json_object_get(pipes, "stage1"));
    check_stage2(m, json_object_get(pipes, "stage2"));
    check_course_loop(m, json_object_get(ref, "course_loop"));

    /* No weights: the error says how to get them. */
    CHECK(deepfloyd_find("tests/data/if/no-such-folder", &paths, &err) == DK_ERR_IO);
    CHECK(err.hint && strstr(err.hint, "DeepFloyd/IF-I-XL-v1.0") &&
          strstr(err.hint, "licence"));
    dk_err_clear(&err);
    CHECK(deepfloyd_find("tests/data/if", &paths, &err) == DK_ERR_IO);
    CHECK(err.msg && strstr(err.msg, "no stage I model"));
    dk_err_clear(&err);

    deepfloyd_free(m);
    json_decref(ref);
    return check_report("test_if_pipeline");
}
