/*
 * reply.h: the content of every reply, by status.
 *
 * The protocol gives each reply a "status" and, per status, fields that
 * must be there:
 *   ok       {"status": "ok", ...the reply's own fields}
 *   error    {"status": "error", "ename", "evalue", "traceback"}
 *   aborted  {"status": "aborted"} and nothing else
 * A frontend that finds one missing may drop the reply or fail, and one
 * that finds a field too many may misread it (JupyterLab shows an aborted
 * reply's execution_count as the cell's prompt number, as if it had run),
 * so these are built here and nowhere else (the way xeus keeps its reply
 * helpers together); handlers only say which fields are their own.
 *
 * reply_ok and reply_error take the reply's own fields as an object
 * (STOLEN; NULL for none).  Each returns a new reference.
 */
#ifndef DK_REPLY_H
#define DK_REPLY_H

#include <jansson.h>

json_t *reply_ok(json_t *fields);

/* traceback: an array of lines (STOLEN; NULL for an empty one). */
json_t *reply_error(const char *ename, const char *evalue, json_t *traceback,
                    json_t *fields);

json_t *reply_aborted(void);

#endif
