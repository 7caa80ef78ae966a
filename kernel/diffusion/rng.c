/*
 * rng.c: the process-wide seeded generator (see rng.h).
 */
#include "rng.h"

#include <stdio.h>
#include <time.h>

static ts_generator *gen;        /* owned; NULL until first use */
static const TsApi *gen_api;     /* the backend gen belongs to */
static uint64_t last_seed;
static int seeded;

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

static dk_status replace(const TsApi *api, uint64_t seed, DkErr *err)
{
    ts_generator *g = NULL;
    ts_status st = api->generator_new(&g, seed);
    if (st != TS_OK)
        return backend_error(api, st, err);
    if (gen)
        gen_api->generator_free(gen);
    gen = g;
    gen_api = api;
    return DK_OK;
}

dk_status rng_seed(const TsApi *api, uint64_t seed, DkErr *err)
{
    ts_status st = api->manual_seed(seed);
    if (st != TS_OK)
        return backend_error(api, st, err);
    dk_status rc = replace(api, seed, err);
    if (rc != DK_OK)
        return rc;
    last_seed = seed;
    seeded = 1;
    return DK_OK;
}

ts_generator *rng_generator(const TsApi *api, DkErr *err)
{
    if (!gen && replace(api, fresh_seed(), err) != DK_OK)
        return NULL;
    return gen;
}

int rng_last_seed(uint64_t *seed)
{
    if (seeded)
        *seed = last_seed;
    return seeded;
}
