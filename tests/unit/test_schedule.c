/*
 * test_schedule.c: the cosine noise schedule against the sanity table of
 * docs/part-a.md ("The schedule"; values computed in double
 * precision), the beta cap, and the float32 storage rules.
 */
#include "check.h"

#include <math.h>
#include <string.h>

#include "diffusion/schedule.h"

int main(void)
{
    const Schedule *s = schedule_if();
    CHECK(s->T == 1000);

    /* The spec's table, within 1e-4. */
    static const struct { int t; double ab; } table[] = {
        {0, 0.999959}, {90, 0.97654}, {250, 0.84589}, {390, 0.66082},
        {500, 0.49229}, {690, 0.21452}, {750, 0.14318}, {990, 1.97e-4},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        double got = s->alphas_cumprod[table[i].t];
        if (fabs(got - table[i].ab) > 1e-4)
            fprintf(stderr, "  t=%d: %.6f, want %.6f\n", table[i].t, got,
                    table[i].ab);
        CHECK(fabs(got - table[i].ab) <= 1e-4);
    }
    /* t=990 is tiny: check it relatively too. */
    CHECK(fabs(s->alphas_cumprod[990] / 1.97e-4 - 1.0) < 0.01);

    /* β at t = 999 is capped at 0.999 (as float32); nothing exceeds it. */
    CHECK(s->betas[999] == (float)0.999);
    int capped_early = 0, monotone = 1, in_range = 1;
    for (int t = 0; t < 1000; t++) {
        if (t < 999 && s->betas[t] >= (float)0.999)
            capped_early = 1;
        if (t > 0 && !(s->alphas_cumprod[t] < s->alphas_cumprod[t - 1]))
            monotone = 0;
        if (!(s->betas[t] > 0 && s->betas[t] <= (float)0.999))
            in_range = 0;
        /* alphas are 1 - beta in float32 arithmetic */
        if (s->alphas[t] != 1.0f - s->betas[t])
            in_range = 0;
    }
    CHECK(!capped_early);
    CHECK(monotone);
    CHECK(in_range);

    /* β_i = 1 - ᾱ((i+1)/T) / ᾱ(i/T) from the continuous curve. */
    double b0 = 1.0 - schedule_cosine_alpha_bar(0.001) /
                          schedule_cosine_alpha_bar(0.0);
    CHECK(s->betas[0] == (float)b0);
    CHECK(fabs(schedule_cosine_alpha_bar(0.0) - 1.0) < 1e-12 ||
          schedule_cosine_alpha_bar(0.0) < 1.0);

    /* alphas_cumprod is the running product (double accumulation). */
    double acc = 1.0;
    int exact = 1;
    for (int t = 0; t < 1000; t++) {
        acc *= s->alphas[t];
        if (s->alphas_cumprod[t] != (float)acc)
            exact = 0;
    }
    CHECK(exact);
    /* Two builds agree (the table is a pure function). */
    Schedule again;
    schedule_cosine(&again);
    CHECK(memcmp(&again, s, sizeof again) == 0);
    return check_report("test_schedule");
}
