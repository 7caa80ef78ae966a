/*
 * kernel.c: binding the channels, the dispatch table and the shell loop.
 *
 * Start-up is kept to what a frontend needs before its first request: read
 * the connection file, bind five sockets, start two threads.  The language
 * is created here too, but nothing heavy (the libtorch backend) loads until
 * a cell asks for it.
 */
#include "kernel.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "../util/array.h"
#include "../util/interrupt.h"
#include "../util/log.h"
#include "wire.h"

/* msg_type -> handler, and on which channels it is served.  Shutdown is
 * accepted on shell too, for clients older than protocol 5.4. */
static const struct {
    const char *type;
    Handler fn;
    unsigned char shell, control;
} handlers[] = {
    {"execute_request", handle_execute, 1, 0},
    {"kernel_info_request", handle_kernel_info, 1, 1},
    {"is_complete_request", handle_is_complete, 1, 0},
    {"complete_request", handle_complete, 1, 0},
    {"inspect_request", handle_inspect, 1, 0},
    {"history_request", handle_history, 1, 0},
    {"comm_info_request", handle_comm_info, 1, 0},
    {"comm_open", handle_comm_open, 1, 0},
    {"comm_msg", handle_comm_ignore, 1, 0},
    {"comm_close", handle_comm_ignore, 1, 0},
    {"connect_request", handle_connect, 1, 0},
    {"shutdown_request", handle_shutdown, 1, 1},
    {"interrupt_request", handle_interrupt, 0, 1},
};

Handler kernel_handler(const char *type, int control)
{
    for (size_t i = 0; i < ARRAY_LEN(handlers); i++)
        if (strcmp(handlers[i].type, type) == 0)
            return (control ? handlers[i].control : handlers[i].shell)
                       ? handlers[i].fn
                       : NULL;
    return NULL;
}

void kernel_reply(Chan *ch, const Msg *req, const char *type, json_t *content)
{
    Msg m = {0};
    m.ids = req->ids;
    m.nids = req->nids;
    m.type = type;
    m.parent_raw = &req->header_raw;
    m.content = content;
    DkErr err = {0};
    if (wire_send(ch->sock, &m, ch->signer, NULL, &err))
        log_warn("could not send %s on %s: %s", type, ch->name, err.msg);
    dk_err_clear(&err);
    json_decref(content);
}

void kernel_dispatch(Chan *ch, const Msg *req)
{
    Kernel *k = ch->k;
    const char *type = msg_type(req);
    iopub_status(&k->iopub, ch->signer, "busy", req);
    Handler fn = kernel_handler(type, ch == &k->control);
    if (fn == handle_execute && execute_aborting(k))
        fn = handle_execute_aborted;
    if (fn)
        fn(ch, req);
    else
        log_warn("ignored unknown message type '%s' on %s", type, ch->name);
    /* Whatever was queued behind a failed cell is aborted now, before
     * idle, however long serving the queue takes and even with a window
     * of 0; the window covers what is still on its way. */
    if (k->abort_pending && ch == &k->shell) {
        k->abort_pending = 0;
        execute_abort_queue(ch);
    }
    iopub_status(&k->iopub, ch->signer, "idle", req);
}

/* --- set-up and tear-down -------------------------------------------- */

static void on_sigint(int sig)
{
    (void)sig;
    dk_interrupt_raise();
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint; /* no SA_RESTART: a blocking poll wakes */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Per channel, indexed by CHAN_*: the socket type Jupyter expects there
 * and the name used in error messages. */
static const int socket_types[CHAN_COUNT] = {
    [CHAN_SHELL] = ZMQ_ROUTER,
    [CHAN_IOPUB] = ZMQ_PUB,
    [CHAN_STDIN] = ZMQ_ROUTER,
    [CHAN_CONTROL] = ZMQ_ROUTER,
    [CHAN_HB] = ZMQ_REP,
};
static const char *const chan_names[CHAN_COUNT] = {
    [CHAN_SHELL] = "shell",
    [CHAN_IOPUB] = "iopub",
    [CHAN_STDIN] = "stdin",
    [CHAN_CONTROL] = "control",
    [CHAN_HB] = "heartbeat",
};

static int make_pair(Kernel *k, void *pair[2], const char *endpoint)
{
    pair[0] = zmq_socket(k->zmq, ZMQ_PAIR);
    pair[1] = zmq_socket(k->zmq, ZMQ_PAIR);
    if (!pair[0] || !pair[1])
        return -1;
    if (zmq_bind(pair[0], endpoint) != 0 || zmq_connect(pair[1], endpoint))
        return -1;
    return 0;
}

void kernel_wake(void *tx)
{
    if (tx)
        zmq_send(tx, "", 0, ZMQ_DONTWAIT);
}

/* zmq_setsockopt for an int option, with a failure named in err.  A
 * socket left with the wrong option would misbehave much later and far
 * from here (a shutdown that hangs on unsent messages), so it is an error
 * now. */
static dk_status set_int_option(void *sock, int chan, int option,
                                const char *option_name, int value,
                                DkErr *err)
{
    if (zmq_setsockopt(sock, option, &value, sizeof value) == 0)
        return DK_OK;
    return dk_err_set(err, DK_ERR_IO, "cannot set %s=%d on the %s socket: %s",
                      option_name, value, chan_names[chan],
                      zmq_strerror(errno));
}

static dk_status bind_all(Kernel *k, DkErr *err)
{
    for (int c = 0; c < CHAN_COUNT; c++) {
        char ep[320];
        connection_endpoint(&k->conn, c, ep, sizeof ep);
        k->sock[c] = zmq_socket(k->zmq, socket_types[c]);
        if (!k->sock[c])
            return dk_err_set(err, DK_ERR_IO, "cannot create the %s socket: "
                              "%s", chan_names[c], zmq_strerror(errno));
        /* At shutdown, wait up to 1 s for the last replies to leave. */
        dk_status st = set_int_option(k->sock[c], c, ZMQ_LINGER, "ZMQ_LINGER",
                                      1000, err);
        if (st)
            return st;
        if (zmq_bind(k->sock[c], ep) != 0) {
            dk_err_set(err, DK_ERR_IO, "cannot bind the %s channel to %s: %s",
                       chan_names[c], ep, zmq_strerror(errno));
            dk_err_hint(err, "another process may hold the port; let Jupyter "
                             "write a fresh connection file");
            return err->code;
        }
    }
    if (make_pair(k, k->wake_shell, "inproc://diffuse-wake-shell") ||
        make_pair(k, k->wake_control, "inproc://diffuse-wake-control"))
        return dk_err_set(err, DK_ERR_IO, "cannot create the wake-up pipes: "
                          "%s", zmq_strerror(errno));
    return DK_OK;
}

static void close_socket(void **s)
{
    if (*s)
        zmq_close(*s);
    *s = NULL;
}

static dk_status kernel_open(Kernel *k, const char *path, DkErr *err)
{
    dk_status st = connection_load(path, &k->conn, err);
    if (st)
        return st;
    k->zmq = zmq_ctx_new();
    if (!k->zmq)
        return dk_err_set(err, DK_ERR_IO, "cannot start ZeroMQ");
    if ((st = bind_all(k, err)))
        return st;
    k->iopub.sock = k->sock[CHAN_IOPUB];
    k->shell = (Chan){k, k->sock[CHAN_SHELL], NULL, "shell"};
    k->control = (Chan){k, k->sock[CHAN_CONTROL], NULL, "control"};
    k->shell.signer = signer_new(k->conn.scheme, k->conn.key, err);
    if (!k->shell.signer)
        return err->code;
    k->control.signer = signer_new(k->conn.scheme, k->conn.key, err);
    if (!k->control.signer)
        return err->code;
    k->abort_window_ns = execute_abort_window();
    k->interp = interp_new();
    k->history = history_new();
    if (!k->interp || !k->history)
        return dk_err_oom(err);
    return DK_OK;
}

/* Close what the shell thread owns; the control and heartbeat threads
 * close their own sockets.  Closing does not drop queued iopub messages:
 * zmq_ctx_term waits (up to the linger time) until they are sent. */
static void close_shell_sockets(Kernel *k)
{
    close_socket(&k->sock[CHAN_SHELL]);
    close_socket(&k->sock[CHAN_STDIN]);
    close_socket(&k->sock[CHAN_IOPUB]);
    close_socket(&k->wake_shell[0]);
    close_socket(&k->wake_control[1]);
}

static void kernel_close(Kernel *k)
{
    close_shell_sockets(k);
    /* Sockets of threads that never started. */
    close_socket(&k->sock[CHAN_CONTROL]);
    close_socket(&k->sock[CHAN_HB]);
    close_socket(&k->wake_control[0]);
    close_socket(&k->wake_shell[1]);
    if (k->zmq)
        zmq_ctx_term(k->zmq);
    interp_free(k->interp);
    history_free(k->history);
    signer_free(k->shell.signer);
    signer_free(k->control.signer);
    connection_free(&k->conn);
    pthread_mutex_destroy(&k->iopub.lock);
}

/* --- the shell loop ---------------------------------------------------- */

static void serve_shell(Kernel *k)
{
    zmq_pollitem_t items[2] = {{k->sock[CHAN_SHELL], 0, ZMQ_POLLIN, 0},
                               {k->wake_shell[0], 0, ZMQ_POLLIN, 0}};
    while (!atomic_load(&k->stopping)) {
        if (zmq_poll(items, 2, -1) < 0) {
            if (errno == EINTR)
                continue; /* SIGINT while idle: nothing to interrupt */
            log_error("poll failed: %s", zmq_strerror(errno));
            return;
        }
        if (!(items[0].revents & ZMQ_POLLIN))
            continue;
        Msg *req = NULL;
        DkErr err = {0};
        dk_status st = wire_recv(k->sock[CHAN_SHELL], k->shell.signer, &req,
                                 &err);
        if (st == DK_OK) {
            kernel_dispatch(&k->shell, req);
        } else if (st != DK_ERR_INTERRUPTED) {
            log_warn("dropped a message on shell: %s", err.msg);
        }
        msg_free(req);
        dk_err_clear(&err);
    }
}

dk_status kernel_run(const char *connection_file, DkErr *err)
{
    Kernel *k = calloc(1, sizeof *k);
    if (!k)
        return dk_err_oom(err);
    pthread_mutex_init(&k->iopub.lock, NULL);
    install_signals();
    dk_status st = kernel_open(k, connection_file, err);
    pthread_t control, heartbeat;
    int started = 0;
    if (!st && pthread_create(&heartbeat, NULL, heartbeat_main, k) == 0)
        started++;
    if (started == 1 && pthread_create(&control, NULL, control_main, k) == 0)
        started++;
    if (!st && started < 2)
        st = dk_err_set(err, DK_ERR_INTERNAL, "cannot start kernel threads");
    if (!st) {
        iopub_status(&k->iopub, k->shell.signer, "starting", NULL);
        serve_shell(k);
    }
    atomic_store(&k->stopping, 1);
    atomic_store(&k->shell_done, 1);
    if (started == 2) {
        kernel_wake(k->wake_control[1]);
        pthread_join(control, NULL);
    }
    close_shell_sockets(k);
    if (started >= 1) {
        zmq_ctx_shutdown(k->zmq); /* ends the heartbeat's blocking recv */
        pthread_join(heartbeat, NULL);
    }
    kernel_close(k);
    free(k);
    return st;
}
