/*
 * heartbeat.c: the heartbeat thread echoes every ping unchanged.
 *
 * It owns the REP socket and nothing else, so a cell that runs for an hour
 * never makes the frontend think the kernel died.  It ends when the
 * context is shut down (the blocking receive then fails with ETERM).
 */
#include <errno.h>
#include <zmq.h>

#include "kernel.h"

void *heartbeat_main(void *arg)
{
    Kernel *k = arg;
    void *sock = k->sock[CHAN_HB];
    for (;;) {
        zmq_msg_t ping;
        zmq_msg_init(&ping);
        if (zmq_msg_recv(&ping, sock, 0) < 0) {
            zmq_msg_close(&ping);
            if (errno == EINTR)
                continue;
            break;
        }
        /* A REP socket needs one reply per request, echoed frame by frame. */
        int more = zmq_msg_more(&ping);
        if (zmq_msg_send(&ping, sock, more ? ZMQ_SNDMORE : 0) < 0)
            zmq_msg_close(&ping);
    }
    zmq_close(sock);
    k->sock[CHAN_HB] = NULL;
    return NULL;
}
