/*
 * iopub.h: the broadcast channel, shared by the shell and control threads.
 *
 * A ZeroMQ socket must not be used by two threads at once, so every send
 * takes the publisher's lock.  Each message carries the request it belongs
 * to as its parent_header, which is how frontends route outputs to cells.
 */
#ifndef DK_IOPUB_H
#define DK_IOPUB_H

#include <jansson.h>
#include <pthread.h>

#include "hmac.h"
#include "msg.h"

typedef struct Iopub {
    void *sock;           /* PUB, bound; owned by the kernel */
    pthread_mutex_t lock;
} Iopub;

/* Publish msg_type with content (STOLEN: the reference is consumed) on
 * behalf of the request `parent` (borrowed; NULL for none: its header
 * becomes the parent_header).  Failures are logged, not returned: a lost
 * broadcast must never stop a request. */
void iopub_publish(Iopub *io, Signer *signer, const char *msg_type,
                   json_t *content, const Msg *parent);

/* Publish status {execution_state: state}. */
void iopub_status(Iopub *io, Signer *signer, const char *state,
                  const Msg *parent);

#endif
