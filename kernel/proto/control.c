/*
 * control.c: the control thread.
 *
 * It serves shutdown, interrupt and kernel_info requests while the shell
 * thread may be deep in a cell.  After a shutdown it wakes the shell loop
 * and waits for it; a cell stuck in code that never looks at the interrupt
 * flag must not keep a dead kernel alive, so after a grace period the
 * process exits anyway.
 */
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "../util/log.h"
#include "kernel.h"
#include "wire.h"

#define GRACE_MS 5000

static void wait_for_shell(Kernel *k)
{
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (int waited = 0; waited < GRACE_MS; waited += 10) {
        if (atomic_load(&k->shell_done))
            return;
        nanosleep(&tick, NULL);
    }
    log_error("the running cell did not stop within %d s of shutdown; "
              "exiting", GRACE_MS / 1000);
    _exit(0);
}

void *control_main(void *arg)
{
    Kernel *k = arg;
    zmq_pollitem_t items[2] = {{k->sock[CHAN_CONTROL], 0, ZMQ_POLLIN, 0},
                               {k->wake_control[0], 0, ZMQ_POLLIN, 0}};
    while (!atomic_load(&k->stopping)) {
        if (zmq_poll(items, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (!(items[0].revents & ZMQ_POLLIN))
            continue;
        Msg *req = NULL;
        DkErr err = {0};
        dk_status st = wire_recv(k->sock[CHAN_CONTROL], k->control.signer,
                                 &req, &err);
        if (st == DK_OK)
            kernel_dispatch(&k->control, req);
        else if (st != DK_ERR_INTERRUPTED)
            log_warn("dropped a message on control: %s", err.msg);
        msg_free(req);
        dk_err_clear(&err);
    }
    zmq_close(k->sock[CHAN_CONTROL]);
    zmq_close(k->wake_control[0]);
    k->sock[CHAN_CONTROL] = k->wake_control[0] = NULL;
    kernel_wake(k->wake_shell[1]);
    zmq_close(k->wake_shell[1]);
    k->wake_shell[1] = NULL;
    wait_for_shell(k);
    return NULL;
}
