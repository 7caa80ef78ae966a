/*
 * cell.h: running cells in the C unit tests, as a notebook would.
 *
 * `in` is the test's interpreter (the test makes it with interp_new and
 * frees it).  run(code) executes one cell in it through a recording
 * Outlet and returns the cell's status; afterwards:
 *   out_text, err_text     what the cell printed on stdout and on stderr
 *                          (each write cut at 4000 bytes, the whole at the
 *                          buffer's size)
 *   displays, display_meta the data and the metadata of each display, in
 *                          order (JSON arrays, owned here)
 *   clears, last_wait      clear_output calls, the last one's wait flag
 *   inputs, last_password  input requests, each answered "Ada"
 *   result                 the execute_result's data, or NULL
 *   err                    the error when the status is not DK_OK
 * Every run starts from empty records (reset() empties them alone).
 * plain() is the result's text/plain ("" without one); eval_plain(code)
 * runs a cell and gives that.  cell_done() frees the records before the
 * test exits, so LeakSanitizer sees only the code under test.
 *
 * Header-only, like check.h: one test program includes it once.
 */
#ifndef DK_TEST_CELL_H
#define DK_TEST_CELL_H

#include <stdlib.h>
#include <string.h>

#include "lang/interp.h"

static char out_text[16384], err_text[8192];
static json_t *displays, *display_meta;
static int clears, last_wait, inputs, last_password;
static Interp *in;
static DkErr err;
static json_t *result;

static void cell_stream(void *ctx, const char *name, const char *text,
                        size_t len)
{
    char *buf = strcmp(name, "stdout") == 0 ? out_text : err_text;
    size_t cap = buf == out_text ? sizeof out_text : sizeof err_text;
    size_t room = cap - strlen(buf) - 1;
    size_t n = len < 4000 ? len : 4000;
    strncat(buf, text, n < room ? n : room);
}

static void cell_display(void *ctx, json_t *data, json_t *metadata,
                         const char *display_id, int update)
{
    json_array_append(displays, data);
    json_array_append_new(display_meta, metadata ? json_incref(metadata)
                                                 : json_object());
}

static void cell_clear(void *ctx, int wait)
{
    clears++;
    last_wait = wait;
}

static char *cell_input(void *ctx, const char *prompt, int password,
                        DkErr *e)
{
    inputs++;
    last_password = password;
    return strdup("Ada");
}

static const Outlet outlet = {NULL, cell_stream, cell_display, cell_clear,
                              cell_input};

static inline void reset(void)
{
    out_text[0] = err_text[0] = '\0';
    if (!displays) {
        displays = json_array();
        display_meta = json_array();
    }
    json_array_clear(displays);
    json_array_clear(display_meta);
    clears = inputs = 0;
    json_decref(result);
    result = NULL;
    dk_err_clear(&err);
}

static inline dk_status run(const char *code)
{
    reset();
    return interp_execute(in, code, &outlet, &result, &err);
}

static inline const char *plain(void)
{
    const char *s = json_string_value(json_object_get(result, "text/plain"));
    return s ? s : "";
}

static inline const char *eval_plain(const char *code)
{
    run(code);
    return plain();
}

/* The data of display i under mime, or NULL. */
static inline const char *shown(size_t i, const char *mime)
{
    return json_string_value(json_object_get(json_array_get(displays, i), mime));
}

static inline void cell_done(void)
{
    reset();
    json_decref(displays);
    json_decref(display_meta);
    displays = display_meta = NULL;
}

#endif
