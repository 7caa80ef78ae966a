/*
 * pager.h: `name?` and `?name` in an execute_request, the way ipykernel's
 * `?` works: the help goes back as the reply's pager payload
 * ([{"source": "page", "data": {...}, "start": 0}]), which JupyterLab and
 * classic Notebook show in their pager (or inline), and the console prints.
 * `help NAME` stays the language's command and answers with display_data.
 */
#ifndef DK_PAGER_H
#define DK_PAGER_H

#include <jansson.h>

#include "../lang/interp.h"

/* Whether code is a pager query: optional blanks, one or two `?`, a name,
 * blanks (or the `?`s after the name instead).  On yes, copies the name
 * into name[0..size) (truncated names are no match) and sets *detail to
 * 1 for `??` (the help then adds the command's example), else 0. */
int pager_query(const char *code, char *name, size_t size, int *detail);

/* The payload array for the query's name: a new reference, or NULL when
 * the name is neither a command nor a variable (the caller says so). */
json_t *pager_payload(Interp *in, const char *name, int detail);

#endif
