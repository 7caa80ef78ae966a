/*
 * test_if_scheduler.c: DeepFloyd IF's DDPM scheduler (diffusion/
 * if_scheduler.h) against diffusers' DDPMScheduler in IF's configuration,
 * as tests/data/if/make_reference.py recorded it: set_timesteps for
 * several step counts, whole steps (posterior mean, dynamic thresholding
 * at 1.5 and the stage II clip at 1.0, learned-range noise from the same
 * seeded generator, no noise at t = 0), and the image-noising scheduler.
 */
#include "if_reference.h"

#include "diffusion/if_scheduler.h"

static const TsApi *A;

static void check_timesteps(json_t *all)
{
    const char *key;
    json_t *want;
    json_object_foreach(all, key, want) {
        const int n = atoi(key);
        int ts[IF_MAX_STEPS];
        if_timesteps(n, ts);
        CHECK((int)json_array_size(want) == n);
        int same = 1;
        for (int i = 0; i < n; i++)
            same &= ts[i] == json_integer_value(json_array_get(want, (size_t)i));
        if (!same)
            fprintf(stderr, "  set_timesteps(%d) differs from diffusers\n", n);
        CHECK(same);
        /* previous_timestep: the next in the list, then below 0. */
        for (int i = 0; i + 1 < n; i++)
            CHECK(if_prev_timestep(ts[i], n) == ts[i + 1]);
        CHECK(if_prev_timestep(ts[n - 1], n) < 0);
    }
}

static void check_steps(json_t *steps)
{
    const Schedule *sch = schedule_if();
    const int64_t shape[4] = {2, 3, 4, 4};
    size_t i;
    json_t *c;
    json_array_foreach(steps, i, c) {
        const int n = (int)json_integer_value(json_object_get(c, "n"));
        const int t = (int)json_integer_value(json_object_get(c, "t"));
        ts_tensor *x = ref_tensor(A, json_object_get(c, "x"), shape, 4),
                  *eps = ref_tensor(A, json_object_get(c, "eps"), shape, 4),
                  *v = ref_tensor(A, json_object_get(c, "v"), shape, 4);
        ts_generator *g = ref_generator(A, c);
        DkErr err = {0};
        Expr s;
        expr_begin(&s, A, &err);
        ts_tensor *y = expr_keep(&s, if_step(&s, sch, x, eps, v, t,
                                             if_prev_timestep(t, n),
                                             json_number_value(json_object_get(c, "max_value")), g));
        CHECK(expr_end(&s) == DK_OK);
        const double d = ref_max_diff(A, y, json_object_get(c, "out"));
        if (d > 2e-5)
            fprintf(stderr, "  step t=%d (max %g): off by %g\n", t,
                    json_number_value(json_object_get(c, "max_value")), d);
        CHECK(d <= 2e-5);
        A->tensor_free(y);
        A->tensor_free(x);
        A->tensor_free(eps);
        A->tensor_free(v);
        A->generator_free(g);
        dk_err_clear(&err);
    }
}

static void check_noise_image(json_t *c)
{
    const int64_t shape[4] = {1, 3, 4, 4};
    ts_tensor *x = ref_tensor(A, json_object_get(c, "x"), shape, 4),
              *z = ref_tensor(A, json_object_get(c, "noise"), shape, 4);
    DkErr err = {0};
    Expr s;
    expr_begin(&s, A, &err);
    ts_tensor *y = expr_keep(&s, if_noise_image(&s, schedule_if(), x, z,
                                                (int)json_integer_value(json_object_get(c, "level"))));
    CHECK(expr_end(&s) == DK_OK);
    CHECK(ref_max_diff(A, y, json_object_get(c, "out")) <= 1e-6);
    A->tensor_free(x);
    A->tensor_free(z);
    A->tensor_free(y);
}

/* Thresholding on its own: a sample inside [-1, 1] is untouched; one
 * whose 95th percentile of |x| is 3 is clamped to 1.5 and divided by it. */
static void check_threshold(void)
{
    float v[100];
    for (int i = 0; i < 100; i++)
        v[i] = i < 50 ? 0.5f : 3.0f;
    const int64_t shape[2] = {1, 100};
    ts_tensor *x = NULL, *y = NULL;
    CHECK(A->tensor_from_data(&x, v, shape, 2, TS_F32) == TS_OK);
    DkErr err = {0};
    Expr s;
    expr_begin(&s, A, &err);
    y = expr_keep(&s, if_threshold(&s, x, 0.95, 1.5));
    CHECK(expr_end(&s) == DK_OK);
    float out[100];
    CHECK(y && A->tensor_to_data(y, out, 100, TS_F32) == TS_OK);
    CHECK(fabsf(out[0] - 0.5f / 1.5f) < 1e-6 && fabsf(out[99] - 1.0f) < 1e-6);
    A->tensor_free(x);
    A->tensor_free(y);
}

int main(void)
{
    A = torch_test_api();
    if (!A)
        return check_report("test_if_scheduler");
    json_t *ref = ref_load();
    if (!ref)
        return check_report("test_if_scheduler");
    json_t *sch = json_object_get(ref, "scheduler");
    check_timesteps(json_object_get(sch, "timesteps"));
    check_steps(json_object_get(sch, "steps"));
    check_noise_image(json_object_get(sch, "noise_image"));
    check_threshold();
    json_decref(ref);
    return check_report("test_if_scheduler");
}
