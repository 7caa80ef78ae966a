/*
 * suggest.h: "did you mean ...?" by Damerau-Levenshtein distance (optimal
 * string alignment: insert, delete, substitute, swap two neighbours).
 *
 * Offer candidates one by one; the closest one within a threshold that
 * grows with the word's length wins (ties: the alphabetically first).
 * Nothing is allocated: the result points at a candidate string.
 */
#ifndef DK_SUGGEST_H
#define DK_SUGGEST_H

#include <stddef.h>

typedef struct Suggest {
    const char *word;
    size_t len;
    const char *best;  /* borrowed candidate, or NULL */
    int best_dist;
} Suggest;

void suggest_init(Suggest *s, const char *word, size_t len);
/* Consider cand (borrowed; must outlive the Suggest's use). */
void suggest_offer(Suggest *s, const char *cand);
/* The best close candidate, or NULL when none is close enough. */
const char *suggest_result(const Suggest *s);

/* Edit distance of a[0..na) and b[0..nb), capped: returns cap + 1 when it
 * is larger than cap (words longer than 63 bytes count as far). */
int suggest_distance(const char *a, size_t na, const char *b, size_t nb,
                     int cap);

/* For a path that does not exist: the entry of its folder whose name is
 * nearest its last part, as "folder/name" into buf (`load
 * "data/rockett.jpg"` -> "data/rocket.jpg").  1 when one is close enough,
 * else 0 (buf untouched). */
int suggest_file(const char *path, char *buf, size_t cap);

#endif
