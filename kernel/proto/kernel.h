/*
 * kernel.h: the protocol core: sockets, threads and request dispatch.
 *
 * Three threads, as in xeus and ipykernel:
 *   - the shell thread (the caller of kernel_run) serves shell requests and
 *     runs cells; it also asks for input on stdin;
 *   - the control thread serves shutdown and interrupt requests, so they are
 *     answered while a cell runs;
 *   - the heartbeat thread echoes pings, so a busy kernel is never declared
 *     dead.
 * iopub is shared through a lock (iopub.h).  Every request, on shell or
 * control, is framed by status busy/idle with the request as parent.
 *
 * stop_on_error: when a cell fails and its request asked for
 * stop_on_error (the default), the cells the frontend sent after it must
 * not run: "Run All" sends every cell at once.  Those already queued on
 * shell are answered "aborted" at once; so is every execute_request that
 * arrives within a short window after the failure, because the rest of a
 * "Run All" may still be on its way (through jupyter_server, over a loaded
 * machine).  Other requests (kernel_info, complete, ...) are served as
 * usual meanwhile.  The window is DIFFUSE_STOP_ON_ERROR_TIMEOUT seconds
 * from the environment (kernel.json's "env" can set it), default 0.1:
 * long enough for a burst of requests to arrive, far shorter than a
 * person takes to read an error and run the next cell.  0 aborts only
 * what is already queued.  A program that sends its next execute the
 * moment an error reply arrives should pass stop_on_error=False (nbclient
 * does when errors are allowed) or wait out the window.
 *
 * The struct below is internal to kernel/proto: other layers only call
 * kernel_run.
 */
#ifndef DK_KERNEL_H
#define DK_KERNEL_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdint.h>

#include "../lang/interp.h"
#include "../util/err.h"
#include "connection.h"
#include "history.h"
#include "hmac.h"
#include "iopub.h"
#include "msg.h"

typedef struct Kernel Kernel;

/* One thread's view of a request channel: the socket it answers on and
 * its own signer (OpenSSL contexts are not shared between threads). */
typedef struct Chan {
    Kernel *k;
    void *sock;
    Signer *signer;
    const char *name; /* "shell" or "control", for logs */
} Chan;

struct Kernel {
    ConnInfo conn;
    void *zmq;                  /* the ZeroMQ context */
    void *sock[CHAN_COUNT];     /* bound sockets, indexed by CHAN_* */
    void *wake_shell[2];        /* inproc pair (rx, tx): control wakes shell */
    void *wake_control[2];      /* inproc pair (rx, tx): shell wakes control */
    Iopub iopub;
    Chan shell, control;
    Interp *interp;
    History *history;
    int execution_count;
    atomic_int stopping;        /* a shutdown was requested */
    atomic_int shell_done;      /* the shell loop has returned */
    /* stop_on_error (see above); shell thread only. */
    int64_t abort_window_ns;    /* DIFFUSE_STOP_ON_ERROR_TIMEOUT */
    int64_t abort_until_ns;     /* CLOCK_MONOTONIC end of the window, or 0 */
    int abort_pending;          /* a cell failed: drain shell before idle */
    int draining;               /* serving what was queued at the failure */
};

/* Bind the channels of the connection file and serve until a shutdown
 * request.  Returns DK_OK after a clean shutdown, or an error (a port in
 * use, a bad connection file) with err filled before anything was served. */
dk_status kernel_run(const char *connection_file, DkErr *err);

/* --- shared by the proto files (not for other layers) ------------------- */

typedef void (*Handler)(Chan *ch, const Msg *req);

/* The handler for a msg_type on shell (control = 0) or control (1), or
 * NULL when the type is unknown there. */
Handler kernel_handler(const char *msg_type, int control);

/* Serve one decoded request: busy, handler, idle. */
void kernel_dispatch(Chan *ch, const Msg *req);

/* Send a reply on ch with the request's identities and header as parent.
 * content is STOLEN. */
void kernel_reply(Chan *ch, const Msg *req, const char *msg_type,
                  json_t *content);

/* Handlers (requests.c, execute.c). */
void handle_execute(Chan *ch, const Msg *req);
void handle_kernel_info(Chan *ch, const Msg *req);
void handle_is_complete(Chan *ch, const Msg *req);
void handle_complete(Chan *ch, const Msg *req);
void handle_inspect(Chan *ch, const Msg *req);
void handle_history(Chan *ch, const Msg *req);
void handle_comm_info(Chan *ch, const Msg *req);
void handle_comm_open(Chan *ch, const Msg *req);
void handle_comm_ignore(Chan *ch, const Msg *req);
void handle_connect(Chan *ch, const Msg *req);
void handle_shutdown(Chan *ch, const Msg *req);
void handle_interrupt(Chan *ch, const Msg *req);

/* The stop_on_error window from DIFFUSE_STOP_ON_ERROR_TIMEOUT, in ns (a
 * bad value is logged and the default used). */
int64_t execute_abort_window(void);

/* Whether an execute_request dispatched now is to be aborted: shell is
 * being drained after a failure, or the window is still open. */
int execute_aborting(Kernel *k);

/* The handler kernel_dispatch uses in place of handle_execute while
 * execute_aborting: an execute_reply with status "aborted". */
void handle_execute_aborted(Chan *ch, const Msg *req);

/* After a failed cell with stop_on_error: serve every request already
 * queued on shell (executes are aborted, others served normally). */
void execute_abort_queue(Chan *ch);

/* Wake the other thread's poll (after a shutdown request). */
void kernel_wake(void *tx_socket);

/* Threads (control.c, heartbeat.c); each returns when the context ends. */
void *control_main(void *kernel);
void *heartbeat_main(void *kernel);

#endif
