/*
 * execute.c: running a cell (execute_request), protocol §7.
 *
 * The bookkeeping every cell shares lives here: the execution count,
 * execute_input, the Outlet that turns the language's side effects into
 * iopub messages, the result, user_expressions, the error output, history,
 * and aborting the cells sent after a failed one (stop_on_error: kernel.h
 * says when).  What a cell means is the language's business
 * (lang/interp.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "../util/interrupt.h"
#include "../util/log.h"
#include "kernel.h"
#include "pager.h"
#include "reply.h"
#include "wire.h"

/* The state of one running cell, handed to the Outlet callbacks. */
typedef struct Exec {
    Chan *ch;
    const Msg *req;
    int silent;
    int allow_stdin;
} Exec;

static void publish(Exec *x, const char *type, json_t *content)
{
    if (x->silent) {
        json_decref(content);
        return;
    }
    iopub_publish(&x->ch->k->iopub, x->ch->signer, type, content, x->req);
}

static void out_stream(void *ctx, const char *name, const char *text,
                       size_t len)
{
    publish(ctx, "stream",
            json_pack("{s:s, s:s%}", "name", name, "text", text, len));
}

static void out_display(void *ctx, json_t *data, json_t *metadata,
                        const char *display_id, int update)
{
    json_t *content = metadata ? json_pack("{s:O, s:O}", "data", data,
                                           "metadata", metadata)
                               : json_pack("{s:O, s:{}}", "data", data,
                                           "metadata");
    if (display_id)
        json_object_set_new(content, "transient",
                            json_pack("{s:s}", "display_id", display_id));
    publish(ctx, update ? "update_display_data" : "display_data", content);
}

static void out_clear(void *ctx, int wait)
{
    publish(ctx, "clear_output", json_pack("{s:b}", "wait", wait));
}

/* Wait for the input_reply on stdin, polling so an interrupt or shutdown
 * ends the wait. */
static char *await_input_reply(Exec *x, DkErr *err)
{
    Kernel *k = x->ch->k;
    zmq_pollitem_t item = {k->sock[CHAN_STDIN], 0, ZMQ_POLLIN, 0};
    for (;;) {
        if (dk_interrupted() || atomic_load(&k->stopping)) {
            dk_err_set(err, DK_ERR_INTERRUPTED, "interrupted while waiting "
                       "for input");
            return NULL;
        }
        int rc = zmq_poll(&item, 1, 100);
        if (rc < 0 && errno != EINTR) {
            dk_err_set(err, DK_ERR_STDIN, "stdin channel failed: %s",
                       zmq_strerror(errno));
            return NULL;
        }
        if (rc <= 0)
            continue;
        Msg *reply = NULL;
        DkErr werr = {0};
        if (wire_recv(k->sock[CHAN_STDIN], x->ch->signer, &reply, &werr)) {
            log_warn("dropped a message on stdin: %s", werr.msg);
            dk_err_clear(&werr);
            continue;
        }
        const char *value = json_string_value(
            json_object_get(reply->content, "value"));
        char *s = strcmp(msg_type(reply), "input_reply") == 0 && value
                      ? strdup(value)
                      : NULL;
        msg_free(reply);
        if (s)
            return s;
    }
}

static char *out_input(void *ctx, const char *prompt, int password,
                       DkErr *err)
{
    Exec *x = ctx;
    if (!x->allow_stdin) {
        dk_err_set(err, DK_ERR_STDIN, "this frontend does not accept input");
        dk_err_hint(err, "run the cell in JupyterLab or Notebook, which "
                         "allow input; nbconvert and papermill do not");
        return NULL;
    }
    Msg m = {0};
    m.ids = x->req->ids;
    m.nids = x->req->nids;
    m.type = "input_request";
    m.parent_raw = &x->req->header_raw;
    m.content = json_pack("{s:s, s:b}", "prompt", prompt, "password",
                          password);
    dk_status st = wire_send(x->ch->k->sock[CHAN_STDIN], &m, x->ch->signer,
                             NULL, err);
    json_decref(m.content);
    return st ? NULL : await_input_reply(x, err);
}

/* The `error` output: the same ename, evalue and traceback as the reply
 * (error_reply), without a status. */
static json_t *error_content(const char *code, const DkErr *err)
{
    return json_pack("{s:s, s:s, s:o}", "ename", dk_status_name(err->code),
                     "evalue", err->msg ? err->msg : "",
                     "traceback", interp_traceback(code, err));
}

static json_t *error_reply(const char *code, const DkErr *err, json_t *fields)
{
    return reply_error(dk_status_name(err->code), err->msg,
                       interp_traceback(code, err), fields);
}

static json_t *user_expressions(Kernel *k, json_t *exprs)
{
    json_t *out = json_object();
    const char *name;
    json_t *e;
    json_object_foreach(exprs, name, e) {
        const char *src = json_string_value(e);
        json_t *bundle = NULL;
        DkErr err = {0};
        if (!src)
            dk_err_set(&err, DK_ERR_TYPE, "user expression is not a string");
        else if (!interp_eval_expression(k->interp, src, &bundle, &err))
            json_object_set_new(out, name,
                                reply_ok(json_pack("{s:o, s:{}}", "data",
                                                   bundle, "metadata")));
        if (err.code)
            json_object_set_new(out, name,
                                error_reply(src ? src : "", &err, NULL));
        dk_err_clear(&err);
    }
    return out;
}

static int flag(const Msg *req, const char *key, int fallback)
{
    json_t *v = json_object_get(req->content, key);
    return json_is_boolean(v) ? json_is_true(v) : fallback;
}

/* --- stop_on_error ------------------------------------------------------ */

#define ABORT_WINDOW_ENV "DIFFUSE_STOP_ON_ERROR_TIMEOUT"
#define ABORT_WINDOW_DEFAULT 0.1 /* seconds; kernel.h says why */
#define ABORT_WINDOW_MAX 60.0    /* beyond this it is surely a typo */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t execute_abort_window(void)
{
    double seconds = ABORT_WINDOW_DEFAULT;
    const char *env = getenv(ABORT_WINDOW_ENV);
    if (env && *env) {
        char *end;
        errno = 0;
        double v = strtod(env, &end);
        if (errno || *end || !isfinite(v) || v < 0 || v > ABORT_WINDOW_MAX)
            log_warn(ABORT_WINDOW_ENV "='%s' is not a number of seconds "
                     "from 0 to %g; using %g", env, ABORT_WINDOW_MAX,
                     ABORT_WINDOW_DEFAULT);
        else
            seconds = v;
    }
    return (int64_t)(seconds * 1e9);
}

static void start_aborting(Kernel *k)
{
    k->abort_pending = 1;
    k->abort_until_ns = k->abort_window_ns ? now_ns() + k->abort_window_ns
                                           : 0;
}

int execute_aborting(Kernel *k)
{
    if (k->draining)
        return 1;
    if (k->abort_until_ns && now_ns() < k->abort_until_ns)
        return 1;
    k->abort_until_ns = 0; /* the window is over: no clock read next time */
    return 0;
}

/* Nothing runs and the count does not move.  The reply has no
 * execution_count (reply.h), so the cell shows no prompt number. */
void handle_execute_aborted(Chan *ch, const Msg *req)
{
    log_info("aborted an execute_request sent after a failed cell");
    kernel_reply(ch, req, "execute_reply", reply_aborted());
}

void execute_abort_queue(Chan *ch)
{
    Kernel *k = ch->k;
    zmq_pollitem_t item = {ch->sock, 0, ZMQ_POLLIN, 0};
    k->draining = 1;
    while (zmq_poll(&item, 1, 0) > 0) {
        Msg *req = NULL;
        DkErr err = {0};
        if (wire_recv(ch->sock, ch->signer, &req, &err)) {
            log_warn("dropped a message on shell: %s", err.msg);
            dk_err_clear(&err);
            continue;
        }
        kernel_dispatch(ch, req); /* busy, aborted or served, idle */
        msg_free(req);
    }
    k->draining = 0;
}

/* --- the request ------------------------------------------------------- */

void handle_execute(Chan *ch, const Msg *req)
{
    Kernel *k = ch->k;
    const char *code = json_string_value(json_object_get(req->content, "code"));
    code = code ? code : "";
    Exec x = {ch, req, flag(req, "silent", 0), flag(req, "allow_stdin", 0)};
    int store = !x.silent && flag(req, "store_history", 1);
    if (store)
        k->execution_count++;
    int count = k->execution_count;
    publish(&x, "execute_input",
            json_pack("{s:s, s:i}", "code", code, "execution_count", count));

    Outlet out = {&x, out_stream, out_display, out_clear, out_input};
    json_t *result = NULL, *payload = NULL;
    DkErr err = {0};
    dk_interrupt_clear();
    char name[128];
    int detail;
    dk_status st = DK_OK;
    if (pager_query(code, name, sizeof name, &detail)) {
        payload = pager_payload(k->interp, name, detail);
        if (!payload) {
            char msg[256];
            snprintf(msg, sizeof msg, "nothing is called `%s`: not a command "
                     "or a variable (`help` lists the commands)\n", name);
            out_stream(&x, "stdout", msg, strlen(msg));
        }
    } else {
        st = interp_execute(k->interp, code, &out, &result, &err);
    }

    const char *text = NULL;
    json_t *reply;
    if (st == DK_OK) {
        if (result) {
            text = json_string_value(json_object_get(result, "text/plain"));
            publish(&x, "execute_result",
                    json_pack("{s:i, s:O, s:{}}", "execution_count", count,
                              "data", result, "metadata"));
        }
        json_t *exprs = json_object_get(req->content, "user_expressions");
        reply = reply_ok(json_pack("{s:i, s:o, s:o}", "execution_count",
                                   count, "payload",
                                   payload ? payload : json_array(),
                                   "user_expressions",
                                   user_expressions(k, exprs)));
    } else {
        publish(&x, "error", error_content(code, &err));
        reply = error_reply(code, &err,
                            json_pack("{s:i}", "execution_count", count));
    }
    if (store)
        history_add(k->history, count, code, text);
    kernel_reply(ch, req, "execute_reply", reply);
    json_decref(result);
    dk_err_clear(&err);
    if (st != DK_OK && flag(req, "stop_on_error", 1))
        start_aborting(k);
}
