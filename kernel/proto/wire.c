/*
 * wire.c: framing, signing and parsing of Jupyter messages (see wire.h).
 */
#include "wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static const char DELIM[] = "<IDS|MSG>";
#define DELIM_LEN (sizeof DELIM - 1)

static int is_delim(const Blob *b)
{
    return b->len == DELIM_LEN && memcmp(b->data, DELIM, DELIM_LEN) == 0;
}

static Blob *copy_blobs(const Blob *src, int n)
{
    if (n <= 0)
        return NULL;
    Blob *dst = calloc((size_t)n, sizeof *dst);
    for (int i = 0; dst && i < n; i++) {
        dst[i].data = malloc(src[i].len ? src[i].len : 1);
        if (!dst[i].data) {
            wire_frames_free(dst, i);
            return NULL;
        }
        memcpy(dst[i].data, src[i].data, src[i].len);
        dst[i].len = src[i].len;
    }
    return dst;
}

static json_t *parse_object(const Blob *b, const char *what, DkErr *err)
{
    json_error_t jerr;
    json_t *j = json_loadb(b->data, b->len, JSON_ALLOW_NUL, &jerr);
    if (!j) {
        dk_err_set(err, DK_ERR_FORMAT, "%s is not valid JSON: %s", what,
                   jerr.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        dk_err_set(err, DK_ERR_FORMAT, "%s is not a JSON object", what);
        return NULL;
    }
    return j;
}

dk_status wire_decode(const Blob *frames, int nframes, Signer *signer,
                      Msg **out, DkErr *err)
{
    *out = NULL;
    int d = 0;
    while (d < nframes && !is_delim(&frames[d]))
        d++;
    if (d == nframes)
        return dk_err_set(err, DK_ERR_FORMAT, "no <IDS|MSG> delimiter");
    if (nframes - d - 1 < 5)
        return dk_err_set(err, DK_ERR_FORMAT,
                          "truncated message: %d frames after the delimiter, "
                          "5 needed", nframes - d - 1);
    const Blob *sig = &frames[d + 1], *parts = &frames[d + 2];
    const char *p[4] = {parts[0].data, parts[1].data, parts[2].data,
                        parts[3].data};
    size_t lens[4] = {parts[0].len, parts[1].len, parts[2].len, parts[3].len};
    if (!signer_verify(signer, p, lens, 4, sig->data, sig->len))
        return dk_err_set(err, DK_ERR_ARG, "bad or missing signature");

    Msg *m = calloc(1, sizeof *m);
    if (!m)
        return dk_err_oom(err);
    static const char *names[4] = {"header", "parent_header", "metadata",
                                   "content"};
    json_t **slots[4] = {&m->header, &m->parent, &m->metadata, &m->content};
    for (int i = 0; i < 4; i++) {
        *slots[i] = parse_object(&parts[i], names[i], err);
        if (!*slots[i]) {
            msg_free(m);
            return err ? err->code : DK_ERR_FORMAT;
        }
    }
    Blob *raw = copy_blobs(&parts[0], 1);
    if (raw) {
        m->header_raw = *raw;
        free(raw);
    }
    m->nids = d;
    m->ids = copy_blobs(frames, d);
    m->nbuffers = nframes - d - 6;
    m->buffers = copy_blobs(frames + d + 6, m->nbuffers);
    if ((d && !m->ids) || (m->nbuffers && !m->buffers) ||
        !m->header_raw.data) {
        msg_free(m);
        return dk_err_oom(err);
    }
    *out = m;
    return DK_OK;
}

void wire_frames_free(Blob *frames, int n)
{
    if (!frames)
        return;
    for (int i = 0; i < n; i++)
        free(frames[i].data);
    free(frames);
}

static int set_frame(Blob *f, const void *data, size_t len)
{
    f->data = malloc(len ? len : 1);
    if (!f->data)
        return -1;
    memcpy(f->data, data, len);
    f->len = len;
    return 0;
}

static int dump_frame(Blob *f, json_t *j)
{
    if (!j)
        return set_frame(f, "{}", 2);
    f->data = json_dumps(j, JSON_COMPACT);
    f->len = f->data ? strlen(f->data) : 0;
    return f->data ? 0 : -1;
}

dk_status wire_encode(const Msg *m, Signer *signer, Blob **frames,
                      int *nframes, DkErr *err)
{
    int n = m->nids + 6 + m->nbuffers;
    Blob *f = calloc((size_t)n, sizeof *f);
    if (!f)
        return dk_err_oom(err);
    int i = 0, bad = 0;
    for (; i < m->nids; i++)
        bad |= set_frame(&f[i], m->ids[i].data, m->ids[i].len);
    bad |= set_frame(&f[i++], DELIM, DELIM_LEN);
    int sig = i++;
    if (m->header) {
        bad |= dump_frame(&f[i++], m->header);
    } else {
        char text[320];
        size_t len = msg_header_text(m->type ? m->type : "", text, sizeof text);
        bad |= set_frame(&f[i++], text, len);
    }
    if (m->parent_raw)
        bad |= set_frame(&f[i++], m->parent_raw->data, m->parent_raw->len);
    else
        bad |= dump_frame(&f[i++], m->parent);
    bad |= dump_frame(&f[i++], m->metadata);
    bad |= dump_frame(&f[i++], m->content);
    for (int b = 0; b < m->nbuffers; b++)
        bad |= set_frame(&f[i++], m->buffers[b].data, m->buffers[b].len);
    if (!bad) {
        char hex[2 * 64 + 1];
        const char *p[4] = {f[sig + 1].data, f[sig + 2].data,
                            f[sig + 3].data, f[sig + 4].data};
        size_t lens[4] = {f[sig + 1].len, f[sig + 2].len, f[sig + 3].len,
                          f[sig + 4].len};
        bad = signer_sign(signer, p, lens, 4, hex) < 0;
        if (!bad)
            bad = set_frame(&f[sig], hex, strlen(hex));
    }
    if (bad) {
        wire_frames_free(f, n);
        return dk_err_set(err, DK_ERR_OOM, "could not encode a %s message",
                          msg_type(m));
    }
    *frames = f;
    *nframes = n;
    return DK_OK;
}

/* Receive all parts of one message into a growing frame array. */
static dk_status recv_frames(void *sock, Blob **out, int *nout, DkErr *err)
{
    Blob *f = NULL;
    int n = 0, cap = 0, more = 1;
    while (more) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, sock, 0) < 0) {
            int e = errno;
            zmq_msg_close(&part);
            wire_frames_free(f, n);
            if (n == 0 && (e == EINTR || e == ETERM || e == EAGAIN))
                return DK_ERR_INTERRUPTED;
            return dk_err_set(err, DK_ERR_IO, "receive failed: %s",
                              zmq_strerror(e));
        }
        more = zmq_msg_more(&part);
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            Blob *g = realloc(f, (size_t)cap * sizeof *g);
            if (!g) {
                zmq_msg_close(&part);
                wire_frames_free(f, n);
                return dk_err_oom(err);
            }
            f = g;
        }
        int bad = set_frame(&f[n], zmq_msg_data(&part), zmq_msg_size(&part));
        zmq_msg_close(&part);
        if (bad) {
            wire_frames_free(f, n);
            return dk_err_oom(err);
        }
        n++;
    }
    *out = f;
    *nout = n;
    return DK_OK;
}

dk_status wire_recv(void *sock, Signer *signer, Msg **out, DkErr *err)
{
    Blob *frames = NULL;
    int n = 0;
    *out = NULL;
    dk_status st = recv_frames(sock, &frames, &n, err);
    if (st)
        return st;
    st = wire_decode(frames, n, signer, out, err);
    wire_frames_free(frames, n);
    return st;
}

dk_status wire_send(void *sock, const Msg *m, Signer *signer,
                    const char *topic, DkErr *err)
{
    Blob *frames;
    int n;
    dk_status st = wire_encode(m, signer, &frames, &n, err);
    if (st)
        return st;
    int first = 0;
    if (topic) {
        first = m->nids; /* PUB: the topic replaces routing identities */
        zmq_send(sock, topic, strlen(topic), ZMQ_SNDMORE);
    }
    for (int i = first; i < n; i++) {
        if (zmq_send(sock, frames[i].data, frames[i].len,
                     i + 1 < n ? ZMQ_SNDMORE : 0) < 0) {
            st = dk_err_set(err, DK_ERR_IO, "send failed: %s",
                            zmq_strerror(errno));
            break;
        }
    }
    wire_frames_free(frames, n);
    return st;
}
