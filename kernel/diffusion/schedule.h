/*
 * schedule.h: the noise schedule of DeepFloyd IF stage I, as a table.
 *
 * docs/part-a.md, "The schedule": diffusers' DDPMScheduler with
 * beta_schedule "squaredcos_cap_v2" and T = 1000 training steps.  The
 * course only ever reads alphas_cumprod[t] (written ᾱ_t), for t in 0..999:
 *   x_t = sqrt(ᾱ_t) x0 + sqrt(1 - ᾱ_t) eps.
 * Values are bit-for-bit what diffusers stores: betas computed in double
 * and stored as float32, alphas = 1 - beta in float32, and alphas_cumprod
 * = torch.cumprod(alphas), which on the CPU multiplies in double and
 * rounds each partial product to float32.
 *
 * A Schedule is a plain value: no pointers, nothing to free.
 */
#ifndef DK_SCHEDULE_H
#define DK_SCHEDULE_H

#define SCHEDULE_T 1000        /* training timesteps, t = 0..999 */
#define SCHEDULE_MAX_BETA 0.999 /* the cap on every beta */

typedef struct Schedule {
    int T;                               /* 1000 */
    float betas[SCHEDULE_T];             /* (T,) */
    float alphas[SCHEDULE_T];            /* (T,) 1 - beta */
    float alphas_cumprod[SCHEDULE_T];    /* (T,) ᾱ_t */
} Schedule;

/* ᾱ(s) = cos²(((s + 0.008) / 1.008) π/2), the continuous cosine curve
 * (Nichol & Dhariwal 2021) the betas are read from. */
double schedule_cosine_alpha_bar(double s);

/* Fill s with the squaredcos_cap_v2 schedule of T = 1000 steps. */
void schedule_cosine(Schedule *s);

/* The stage-I schedule, computed once (borrowed, static). */
const Schedule *schedule_if(void);

#endif
