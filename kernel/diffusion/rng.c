/*
 * rng.c: a seeded random stream (see rng.h).
 */
#include "rng.h"

#include <stdio.h>
#include <time.h>

/* A seed nobody chose: /dev/urandom, or the clock when it is missing. */
static uint64_t fresh_seed(void)
{
    uint64_t s = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f) {
        size_t got = fread(&s, sizeof s, 1, f);
        fclose(f);
        if (got == 1)
            return s;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000007u + (uint64_t)ts.tv_nsec;
}

static dk_status replace(Rng *r, const TsApi *api, uint64_t seed, DkErr *err)
{
    ts_generator *g = NULL;
    ts_status st = api->generator_new(&g, seed);
    if (st != TS_OK)
        return backend_error(api, st, err);
    if (r->g)
        r->api->generator_free(r->g);
    r->g = g;
    r->api = api;
    return DK_OK;
}

dk_status rng_seed(Rng *r, const TsApi *api, uint64_t seed, DkErr *err)
{
    ts_status st = api->manual_seed(seed);
    if (st != TS_OK)
        return backend_error(api, st, err);
    dk_status rc = replace(r, api, seed, err);
    if (rc != DK_OK)
        return rc;
    r->last_seed = seed;
    r->seeded = 1;
    return DK_OK;
}

ts_generator *rng_generator(Rng *r, const TsApi *api, DkErr *err)
{
    if (!r->g && replace(r, api, fresh_seed(), err) != DK_OK)
        return NULL;
    return r->g;
}

int rng_last_seed(const Rng *r, uint64_t *seed)
{
    if (r->seeded)
        *seed = r->last_seed;
    return r->seeded;
}

void rng_free(Rng *r)
{
    if (r->g)
        r->api->generator_free(r->g);
    *r = (Rng){0};
}
