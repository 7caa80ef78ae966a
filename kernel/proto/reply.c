/*
 * reply.c: reply contents by status (see reply.h).
 */
#include "reply.h"

/* A JSON string of s, or of fallback when s is NULL or not UTF-8, so a
 * required field is never left out. */
static json_t *string_or(const char *s, const char *fallback)
{
    json_t *j = s ? json_string(s) : NULL;
    return j ? j : json_string(fallback);
}

/* fields with "status" set, or a fresh object when fields is NULL (a
 * json_pack that failed for want of memory still gives a reply the
 * frontend can match to its request). */
static json_t *with_status(json_t *fields, const char *status)
{
    json_t *c = fields ? fields : json_object();
    json_object_set_new(c, "status", json_string(status));
    return c;
}

json_t *reply_ok(json_t *fields)
{
    return with_status(fields, "ok");
}

json_t *reply_error(const char *ename, const char *evalue, json_t *traceback,
                    json_t *fields)
{
    json_t *c = with_status(fields, "error");
    json_object_set_new(c, "ename", string_or(ename, "Error"));
    json_object_set_new(c, "evalue", string_or(evalue, ""));
    json_object_set_new(c, "traceback", traceback ? traceback : json_array());
    return c;
}

json_t *reply_aborted(void)
{
    return with_status(NULL, "aborted");
}
