/*
 * msg.h: one Jupyter message, decoded.
 *
 * A message is its routing identities (ZeroMQ frames before "<IDS|MSG>"),
 * four JSON dicts (header, parent_header, metadata, content) and optional
 * raw buffers.  A Msg owns everything it points to: identities and buffers
 * are malloc'd copies, the JSON parts are references it holds.  The four
 * dicts are always present on the wire, if only as "{}"; header and
 * parent_header are what a frontend uses to match replies and outputs to
 * its requests (wire.h has the frame layout).
 */
#ifndef DK_MSG_H
#define DK_MSG_H

#include <jansson.h>
#include <stddef.h>

typedef struct Blob {
    char *data;
    size_t len;
} Blob;

typedef struct Msg {
    Blob *ids;        /* routing identities, nids of them */
    int nids;
    json_t *header;   /* always an object once decoded or built */
    json_t *parent;
    json_t *metadata;
    json_t *content;
    Blob *buffers;    /* raw buffers after content (comm messages) */
    int nbuffers;
    /* Received messages: the exact header bytes (owned), reused verbatim
     * as the parent_header of every reply and output, which saves
     * re-serialising it for each of them. */
    Blob header_raw;
    /* Outgoing messages may leave header NULL and name their type: the
     * header is then written straight to text by wire_encode.  parent_raw,
     * when set, is sent verbatim instead of parent (borrowed). */
    const char *type;
    const Blob *parent_raw;
} Msg;

/* Free a message and all it owns. NULL-safe. */
void msg_free(Msg *m);

/* The header's msg_type, or "" when missing. Borrowed from m. */
const char *msg_type(const Msg *m);

/* A new header for a message this kernel sends: fresh msg_id, the kernel's
 * session id, username, ISO 8601 UTC date, msg_type, version "5.3".
 * Returns a new reference. */
json_t *msg_header(const char *msg_type);

/* Write a fresh header for msg_type as compact JSON text into buf (at least
 * 256 bytes); returns its length.  msg_type must need no JSON escaping
 * (Jupyter's types are [a-z_]). */
size_t msg_header_text(const char *msg_type, char *buf, size_t n);

/* The kernel's session id for this process (a uuid, fixed at first call). */
const char *msg_session(void);

/* Write a random uuid4 string (37 bytes with NUL) into out.  The bits come
 * from the protocol's own generator (msg.c), never from the language's
 * seeded stream, so `seed` in a cell does not touch ids and ids do not
 * consume the cell's random numbers. */
void msg_uuid(char out[37]);

/* Current time as "2024-01-01T00:00:00.000000Z" into out (32 bytes). */
void msg_now(char out[32]);

#endif
