/*
 * if_reference.h: shared start of the DeepFloyd IF unit tests that compare
 * with diffusers' numbers in tests/data/if/reference.json (written by
 * tests/data/if/make_reference.py): loading the file, its lists as
 * tensors, the largest difference from a list, a case's seeded generator.
 *
 * Ownership: ref_load's JSON (json_decref), ref_tensor's tensor
 * (tensor_free) and ref_generator's generator (generator_free) are the
 * caller's.
 */
#ifndef DK_IF_REFERENCE_H
#define DK_IF_REFERENCE_H

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "torch_test.h"

#define IF_REFERENCE "tests/data/if/reference.json"

/* The reference, or NULL (a failed check, the reason on stderr). */
static inline json_t *ref_load(void)
{
    json_error_t jerr;
    json_t *ref = json_load_file(IF_REFERENCE, 0, &jerr);
    CHECK(ref != NULL);
    if (!ref)
        fprintf(stderr, "  %s: %s\n", IF_REFERENCE, jerr.text);
    return ref;
}

/* A list of numbers as a float32 tensor of the given shape. */
static inline ts_tensor *ref_tensor(const TsApi *api, json_t *list, const int64_t *shape,
                                    int nd)
{
    const size_t n = json_array_size(list);
    float *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; v && i < n; i++)
        v[i] = (float)json_number_value(json_array_get(list, i));
    ts_tensor *t = NULL;
    CHECK(v && api->tensor_from_data(&t, v, shape, nd, TS_F32) == TS_OK);
    free(v);
    return t;
}

/* The largest |got - want| over the list; INFINITY when got is missing or
 * has another number of elements (more are allowed with head: then its
 * first elements are compared). */
static inline double ref_diff(const TsApi *api, const ts_tensor *got, json_t *want, int head)
{
    const size_t n = json_array_size(want);
    int64_t shape[TS_MAX_DIMS], total = 1;
    int nd = 0;
    double worst = INFINITY;
    if (!got || api->tensor_shape(got, shape, TS_MAX_DIMS, &nd) != TS_OK)
        return worst;
    for (int d = 0; d < nd; d++)
        total *= shape[d];
    if (total == (int64_t)n || (head && total > (int64_t)n)) {
        float *v = malloc((size_t)(total ? total : 1) * sizeof *v);
        if (v && api->tensor_to_data(got, v, total, TS_F32) == TS_OK) {
            worst = 0;
            for (size_t i = 0; i < n; i++)
                worst = fmax(worst, fabs(v[i] - json_number_value(json_array_get(want, i))));
        }
        free(v);
    }
    return worst;
}

static inline double ref_max_diff(const TsApi *api, const ts_tensor *got, json_t *want)
{
    return ref_diff(api, got, want, 0);
}

/* A generator seeded with the case's "seed". */
static inline ts_generator *ref_generator(const TsApi *api, json_t *c)
{
    ts_generator *g = NULL;
    CHECK(api->generator_new(&g, (uint64_t)json_integer_value(json_object_get(c, "seed")))
          == TS_OK);
    return g;
}

#endif
