/*
 * history.h: the inputs (and text outputs) of this kernel's cells.
 *
 * Kept in memory for the life of the process, as session 1; line numbers
 * are execution counts.  Answers history_request's three kinds: tail, range
 * and glob search (with n and unique), see protocol-checklist.md §6.
 */
#ifndef DK_HISTORY_H
#define DK_HISTORY_H

#include <jansson.h>

typedef struct History History;

/* NULL only when out of memory; free with history_free (NULL-safe). */
History *history_new(void);
void history_free(History *h);

/* Record a cell; input and output (may be NULL) are copied. */
void history_add(History *h, int line, const char *input, const char *output);

/* Answer a history_request's content with a new JSON array of
 * [session, line, input] (or [session, line, [input, output]] when the
 * request asks for output).  Unknown access types give []. */
json_t *history_query(const History *h, json_t *request);

#endif
