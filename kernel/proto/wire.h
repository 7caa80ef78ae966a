/*
 * wire.h: Jupyter's multipart wire format.
 *
 *   [identities...] "<IDS|MSG>" signature header parent metadata content
 *   [buffers...]
 *
 * Decoding checks the signature over the RAW bytes before any JSON is
 * parsed, so an unsigned message never reaches a parser.  The functions
 * over plain frames (wire_decode, wire_encode) know nothing of sockets,
 * which keeps them testable and fuzzable; wire_recv and wire_send move
 * frames over a ZeroMQ socket.
 */
#ifndef DK_WIRE_H
#define DK_WIRE_H

#include "../util/err.h"
#include "hmac.h"
#include "msg.h"

/* Decode frames (borrowed) into a new Msg.  On DK_OK *out is the caller's.
 * Errors: DK_ERR_PROTO-like cases are reported as DK_ERR_FORMAT (no
 * delimiter, too few frames, invalid JSON, a part that is not an object)
 * and DK_ERR_ARG for a bad or missing signature; *out stays NULL. */
dk_status wire_decode(const Blob *frames, int nframes, Signer *signer,
                      Msg **out, DkErr *err);

/* Encode m into frames, signed.  On DK_OK *frames (and each frame's data)
 * are malloc'd and the caller frees them with wire_frames_free.
 * parent/metadata/content may be NULL in m: they are sent as {}. */
dk_status wire_encode(const Msg *m, Signer *signer, Blob **frames,
                      int *nframes, DkErr *err);

void wire_frames_free(Blob *frames, int n);

/* Receive one multipart message from a zmq socket (blocking) and decode
 * it.  Returns DK_OK with *out set; DK_ERR_INTERRUPTED if the call was
 * interrupted by a signal or the context was terminated (nothing
 * consumed); other errors mean a message was consumed and dropped. */
dk_status wire_recv(void *sock, Signer *signer, Msg **out, DkErr *err);

/* Send m on sock; topic (may be NULL) is sent as the identity frame on a
 * PUB socket in place of m's ids.  Returns DK_OK or DK_ERR_IO. */
dk_status wire_send(void *sock, const Msg *m, Signer *signer,
                    const char *topic, DkErr *err);

#endif
