/*
 * schedule.c: the cosine ("squaredcos_cap_v2") noise schedule (see
 * schedule.h and docs/part-a.md, "The schedule").
 *
 * diffusers, betas_for_alpha_bar(1000, alpha_transform_type="cosine"):
 *   for i in range(T):
 *       t1, t2 = i / T, (i + 1) / T
 *       betas.append(min(1 - alpha_bar(t2) / alpha_bar(t1), max_beta))
 *   torch.tensor(betas, dtype=torch.float32)
 * then alphas = 1.0 - betas (float32 arithmetic) and
 * alphas_cumprod = torch.cumprod(alphas, dim=0).
 */
#include "schedule.h"

#include <math.h>

#define PI 3.14159265358979323846 /* Python's math.pi */

double schedule_cosine_alpha_bar(double s)
{
    double c = cos((s + 0.008) / 1.008 * PI / 2.0);
    return c * c;
}

void schedule_cosine(Schedule *s)
{
    s->T = SCHEDULE_T;
    /* PyTorch's CPU cumprod accumulates float32 in double (acc_type). */
    double acc = 1.0;
    for (int i = 0; i < SCHEDULE_T; i++) {
        double t1 = (double)i / SCHEDULE_T, t2 = (double)(i + 1) / SCHEDULE_T;
        double beta = 1.0 - schedule_cosine_alpha_bar(t2) /
                                 schedule_cosine_alpha_bar(t1);
        s->betas[i] = (float)fmin(beta, SCHEDULE_MAX_BETA);
        s->alphas[i] = 1.0f - s->betas[i];
        acc *= (double)s->alphas[i];
        s->alphas_cumprod[i] = (float)acc;
    }
}

const Schedule *schedule_if(void)
{
    static Schedule s;
    static int ready;
    if (!ready) {
        schedule_cosine(&s);
        ready = 1;
    }
    return &s;
}
