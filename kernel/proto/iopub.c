/*
 * iopub.c: locked publishing on the iopub socket (see iopub.h).
 */
#include "iopub.h"

#include <stdio.h>

#include "../util/log.h"
#include "msg.h"
#include "wire.h"

void iopub_publish(Iopub *io, Signer *signer, const char *msg_type,
                   json_t *content, const Msg *parent)
{
    Msg m = {0};
    m.type = msg_type;
    m.parent_raw = parent ? &parent->header_raw : NULL;
    m.content = content;
    char topic[80];
    snprintf(topic, sizeof topic, "kernel.%.36s.%.32s", msg_session(),
             msg_type);
    DkErr err = {0};
    pthread_mutex_lock(&io->lock);
    dk_status st = wire_send(io->sock, &m, signer, topic, &err);
    pthread_mutex_unlock(&io->lock);
    if (st)
        log_warn("could not publish %s: %s", msg_type, err.msg);
    dk_err_clear(&err);
    json_decref(content);
}

void iopub_status(Iopub *io, Signer *signer, const char *state,
                  const Msg *parent)
{
    iopub_publish(io, signer, "status",
                  json_pack("{s:s}", "execution_state", state), parent);
}
