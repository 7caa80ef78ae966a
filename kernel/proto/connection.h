/*
 * connection.h: the connection file Jupyter hands a kernel (`-f file`).
 *
 * A JSON object naming the transport ("tcp" or "ipc"), the address ("ip"),
 * the five ports (shell_port, iopub_port, stdin_port, control_port,
 * hb_port), the signing key ("key"; empty means unsigned messages) and
 * the signature_scheme.  The kernel binds, the frontend connects.
 */
#ifndef DK_CONNECTION_H
#define DK_CONNECTION_H

#include "../util/err.h"

enum { CHAN_SHELL, CHAN_IOPUB, CHAN_STDIN, CHAN_CONTROL, CHAN_HB, CHAN_COUNT };

typedef struct ConnInfo {
    char transport[16];          /* "tcp" or "ipc" */
    char ip[256];
    int port[CHAN_COUNT];        /* indexed by CHAN_* */
    char *key;                   /* owned; "" disables signing */
    char scheme[32];             /* "hmac-sha256" */
} ConnInfo;

/* Read and check a connection file.  On DK_OK *ci is filled and owns its
 * key (free with connection_free).  On error *ci is left zeroed and err
 * names the file and the missing or malformed field. */
dk_status connection_load(const char *path, ConnInfo *ci, DkErr *err);

/* The zmq endpoint of one channel, e.g. "tcp://127.0.0.1:5555", written
 * into buf (size n).  ipc uses "ipc://<ip>-<port>" like jupyter_client. */
void connection_endpoint(const ConnInfo *ci, int chan, char *buf, size_t n);

/* Free the key; the struct may be reused. */
void connection_free(ConnInfo *ci);

#endif
