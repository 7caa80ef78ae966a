/*
 * interp.h: the language as the protocol layer sees it.
 *
 * The protocol layer (kernel/proto) knows nothing of the language's syntax:
 * it hands cells, cursor positions and expressions to these functions and
 * gets back reply *content* (JSON) or a DkErr.  Side effects of a running
 * cell (printed text, images, progress bars, clear_output, questions to the
 * user) leave through an Outlet that the protocol layer fills in; the
 * language never touches a socket.
 *
 * Positions: every cursor or offset crossing this header is a BYTE offset
 * into the UTF-8 code.  The protocol layer converts Jupyter's code-point
 * cursor_pos to bytes before the call and back after it.
 *
 * Threading: an Interp is used from one thread (the shell thread).  Only the
 * interrupt flag (util/interrupt.h) is touched from elsewhere.
 */
#ifndef DK_INTERP_H
#define DK_INTERP_H

#include <jansson.h>
#include <stddef.h>

#include "../util/err.h"

typedef struct Interp Interp;

/* Where a running cell's side effects go.  Every pointer argument is
 * borrowed for the duration of the call: the outlet copies what it keeps.
 * ctx is the protocol layer's own state, passed back unchanged. */
typedef struct Outlet {
    void *ctx;
    /* Text for the stdout ("stdout") or stderr ("stderr") stream. */
    void (*stream)(void *ctx, const char *name, const char *text, size_t len);
    /* A MIME bundle: data = {"text/plain": ..., "image/png": base64, ...},
     * metadata = {} or per-MIME metadata, may be NULL.  display_id may be
     * NULL; with update != 0 it must be set and the earlier output carrying
     * that id is replaced (update_display_data). */
    void (*display)(void *ctx, json_t *data, json_t *metadata,
                    const char *display_id, int update);
    /* clear_output; wait != 0 clears when the next output arrives. */
    void (*clear)(void *ctx, int wait);
    /* Ask the user for one line of text.  Returns a malloc'd string the
     * caller frees, or NULL with err set (DK_ERR_STDIN when the frontend
     * does not allow input, DK_ERR_INTERRUPTED when interrupted). */
    char *(*input)(void *ctx, const char *prompt, int password, DkErr *err);
} Outlet;

/* A new interpreter with no variables.  NULL only when out of memory.
 * Free with interp_free (NULL is a no-op). */
Interp *interp_new(void);
void interp_free(Interp *in);

/* Run a cell.  Variables assigned before a failing statement stay assigned.
 * A `needs` guard whose requirement is missing ends the cell early with
 * DK_OK (and no result), after showing why.  On DK_OK, *result is the MIME bundle (data object) of the value of the
 * cell's last statement when that is a bare expression with a value, else
 * NULL; the caller owns it.  On failure *result is NULL and err is filled
 * (its span points into `code`); the caller clears err. */
dk_status interp_execute(Interp *in, const char *code, const Outlet *out,
                         json_t **result, DkErr *err);

/* The error as traceback lines for an `error` message: a headline, the
 * offending line with a caret under the span, and the hint.  Lines may
 * carry ANSI colour.  Returns a new JSON array; never NULL. */
json_t *interp_traceback(const char *code, const DkErr *err);

/* Evaluate one expression with no side effects on the notebook (for
 * user_expressions).  On DK_OK *bundle is a new MIME data object. */
dk_status interp_eval_expression(Interp *in, const char *expr,
                                 json_t **bundle, DkErr *err);

/* "complete", "incomplete" or "invalid" (static strings).  For
 * "incomplete", *indent is set to a static indentation string. */
const char *interp_is_complete(Interp *in, const char *code,
                               const char **indent);

/* Completion at byte offset `cursor`.  Returns a new object
 * {"matches": [str], "cursor_start": bytes, "cursor_end": bytes,
 *  "types": [{"text", "type", "signature"}]} (types parallel to matches). */
json_t *interp_complete(Interp *in, const char *code, size_t cursor);

/* Help for what stands at byte offset `cursor` (a command, keyword
 * argument, variable or value).  Returns a new MIME data object
 * ({"text/plain", "text/markdown"}) or NULL when nothing is found there.
 * detail_level 1 may give more. */
json_t *interp_inspect(Interp *in, const char *code, size_t cursor,
                       int detail_level);

/* Sandbox mode (for fuzzing and tests): with on != 0, commands that wait
 * (sleep with a positive time, ask) fail at once instead of blocking, and
 * lists and strings are capped at 100,000 items / 1 MB so no cell can
 * exhaust memory.  Off by default. */
void interp_set_sandbox(Interp *in, int on);

/* The language's version string, e.g. "0.1.0". */
const char *interp_language_version(void);

/* The language reference (markdown) generated from the command registry.
 * Returns a malloc'd string the caller frees. */
char *interp_reference_markdown(void);

/* Every command as JSON for tools (the extension's highlighter):
 * [{"name", "group", "summary", "args": [{"name", "default"}]}].
 * Returns a new reference. */
json_t *interp_commands_json(void);

#endif
