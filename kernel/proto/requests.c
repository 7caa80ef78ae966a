/*
 * requests.c: the small requests: kernel_info, is_complete, complete,
 * inspect, history, comms, connect, shutdown and interrupt.
 *
 * Each handler turns request content into reply content by asking the
 * language (lang/interp.h) and converting between Jupyter's code-point
 * cursors and the language's byte offsets.  busy/idle framing is done once,
 * in kernel_dispatch.
 */
#include <string.h>
#include <zmq.h>

#include "../util/interrupt.h"
#include "../util/log.h"
#include "../util/utf8.h"
#include "kernel.h"
#include "reply.h"

#ifndef DK_VERSION
#define DK_VERSION "0.1.0"
#endif

static const char *content_str(const Msg *req, const char *key)
{
    const char *s = json_string_value(json_object_get(req->content, key));
    return s ? s : "";
}

/* cursor_pos in code points, or the end of the code when absent. */
static size_t content_cursor(const Msg *req, const char *code)
{
    json_t *c = json_object_get(req->content, "cursor_pos");
    if (!json_is_integer(c) || json_integer_value(c) < 0)
        return strlen(code);
    return utf8_byte_offset(code, (size_t)json_integer_value(c));
}

void handle_kernel_info(Chan *ch, const Msg *req)
{
    json_t *lang = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", "diffuse", "version",
        interp_language_version(), "mimetype", "text/x-diffuse",
        "file_extension", ".diffuse", "pygments_lexer", "diffuse",
        "codemirror_mode", "diffuse", "nbconvert_exporter", "script");
    json_t *links = json_pack(
        "[{s:s, s:s}]", "text", "diffuse language reference", "url",
        "/kernelspecs/diffuse/REFERENCE.md");
    const char *banner =
        "diffuse " DK_VERSION " - a Jupyter kernel that teaches diffusion "
        "models.\nType `help` for the commands, `help NAME` for one.";
    json_t *info = json_pack("{s:s, s:s, s:s, s:o, s:s, s:o, s:b}",
                             "protocol_version", "5.3",
                             "implementation", "diffuse",
                             "implementation_version", DK_VERSION,
                             "language_info", lang, "banner", banner,
                             "help_links", links, "debugger", 0);
    kernel_reply(ch, req, "kernel_info_reply", reply_ok(info));
}

/* Not a reply_ok: here "status" is the verdict itself ("complete",
 * "incomplete", "invalid", "unknown"), as the protocol has it. */
void handle_is_complete(Chan *ch, const Msg *req)
{
    const char *indent = "";
    const char *status =
        interp_is_complete(ch->k->interp, content_str(req, "code"), &indent);
    json_t *reply = json_pack("{s:s}", "status", status);
    if (strcmp(status, "incomplete") == 0)
        json_object_set_new(reply, "indent", json_string(indent ? indent : ""));
    kernel_reply(ch, req, "is_complete_reply", reply);
}

/* The language's byte offsets back to code points, and the per-match types
 * moved to JupyterLab's _jupyter_types_experimental metadata. */
void handle_complete(Chan *ch, const Msg *req)
{
    const char *code = content_str(req, "code");
    size_t cursor = content_cursor(req, code);
    json_t *c = interp_complete(ch->k->interp, code, cursor);
    size_t start = (size_t)json_integer_value(json_object_get(c, "cursor_start"));
    size_t end = (size_t)json_integer_value(json_object_get(c, "cursor_end"));
    json_int_t cp_start = (json_int_t)utf8_codepoints(code, start);
    json_int_t cp_end = (json_int_t)utf8_codepoints(code, end);
    json_t *types = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(c, "types"), i, t) {
        json_t *e = json_deep_copy(t);
        json_object_set_new(e, "start", json_integer(cp_start));
        json_object_set_new(e, "end", json_integer(cp_end));
        json_array_append_new(types, e);
    }
    json_t *matches = json_object_get(c, "matches");
    matches = matches ? json_incref(matches) : json_array();
    json_t *fields = json_pack("{s:o, s:I, s:I, s:{s:o}}", "matches", matches,
                               "cursor_start", cp_start, "cursor_end", cp_end,
                               "metadata", "_jupyter_types_experimental",
                               types);
    kernel_reply(ch, req, "complete_reply", reply_ok(fields));
    json_decref(c);
}

void handle_inspect(Chan *ch, const Msg *req)
{
    const char *code = content_str(req, "code");
    size_t cursor = content_cursor(req, code);
    int detail = (int)json_integer_value(json_object_get(req->content,
                                                         "detail_level"));
    json_t *data = interp_inspect(ch->k->interp, code, cursor, detail);
    json_t *fields = json_pack("{s:b, s:o, s:{}}", "found", data != NULL,
                               "data", data ? data : json_object(),
                               "metadata");
    kernel_reply(ch, req, "inspect_reply", reply_ok(fields));
}

void handle_history(Chan *ch, const Msg *req)
{
    json_t *fields = json_pack("{s:o}", "history",
                               history_query(ch->k->history, req->content));
    kernel_reply(ch, req, "history_reply", reply_ok(fields));
}

/* The kernel offers no comm targets yet: none are open. */
void handle_comm_info(Chan *ch, const Msg *req)
{
    kernel_reply(ch, req, "comm_info_reply",
                 reply_ok(json_pack("{s:{}}", "comms")));
}

/* An unknown target is closed at once, so the frontend does not wait on a
 * comm that will never answer. */
void handle_comm_open(Chan *ch, const Msg *req)
{
    const char *id = content_str(req, "comm_id");
    log_info("comm_open for unknown target '%s' closed",
             content_str(req, "target_name"));
    iopub_publish(&ch->k->iopub, ch->signer, "comm_close",
                  json_pack("{s:s, s:{}}", "comm_id", id, "data"), req);
}

void handle_comm_ignore(Chan *ch, const Msg *req)
{
    log_debug("%s for unknown comm '%s' ignored", msg_type(req),
              content_str(req, "comm_id"));
}

void handle_connect(Chan *ch, const Msg *req)
{
    const ConnInfo *ci = &ch->k->conn;
    json_t *ports = json_pack("{s:i, s:i, s:i, s:i, s:i}",
                              "shell_port", ci->port[CHAN_SHELL],
                              "iopub_port", ci->port[CHAN_IOPUB],
                              "stdin_port", ci->port[CHAN_STDIN],
                              "control_port", ci->port[CHAN_CONTROL],
                              "hb_port", ci->port[CHAN_HB]);
    kernel_reply(ch, req, "connect_reply", reply_ok(ports));
}

/* Reply first, then stop: the frontend waits for the reply before it
 * expects the process to go.  A cell still running is interrupted. */
void handle_shutdown(Chan *ch, const Msg *req)
{
    int restart = json_is_true(json_object_get(req->content, "restart"));
    kernel_reply(ch, req, "shutdown_reply",
                 reply_ok(json_pack("{s:b}", "restart", restart)));
    atomic_store(&ch->k->stopping, 1);
    dk_interrupt_raise();
}

void handle_interrupt(Chan *ch, const Msg *req)
{
    dk_interrupt_raise();
    kernel_reply(ch, req, "interrupt_reply", reply_ok(NULL));
}
