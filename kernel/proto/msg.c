/*
 * msg.c: message lifetime, headers, ids and timestamps (see msg.h).
 *
 * Ids come from a xorshift generator seeded once from the OS: a uuid per
 * message must not cost a system call on the execute hot path.
 *
 * That generator is the protocol's own and serves message and session ids
 * only.  It is deliberately not the language's random stream
 * (diffusion/rng.h): a cell's `seed 180` must give the same pictures
 * however many messages were sent before it, and ids drawn from a seeded
 * stream would repeat between two kernels that ran the same `seed`.
 */
#include "msg.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static void free_blobs(Blob *b, int n)
{
    for (int i = 0; i < n; i++)
        free(b[i].data);
    free(b);
}

void msg_free(Msg *m)
{
    if (!m)
        return;
    free_blobs(m->ids, m->nids);
    free_blobs(m->buffers, m->nbuffers);
    free(m->header_raw.data);
    json_decref(m->header);
    json_decref(m->parent);
    json_decref(m->metadata);
    json_decref(m->content);
    free(m);
}

const char *msg_type(const Msg *m)
{
    const char *t = json_string_value(json_object_get(m->header, "msg_type"));
    return t ? t : "";
}

/* The protocol's id generator: shared by the shell and control threads,
 * hence the lock; seeded on first use, never reseeded. */
static pthread_mutex_t id_rng_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t id_rng_state;

static uint64_t id_random(void)
{
    pthread_mutex_lock(&id_rng_lock);
    uint64_t x = id_rng_state;
    if (!x) {
        if (getrandom(&x, sizeof x, 0) != sizeof x)
            x = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&x;
        x |= 1;
    }
    /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    id_rng_state = x;
    pthread_mutex_unlock(&id_rng_lock);
    return x * 0x2545F4914F6CDD1DULL;
}

void msg_uuid(char out[37])
{
    static const char digits[] = "0123456789abcdef";
    uint8_t b[16];
    uint64_t hi = id_random(), lo = id_random();
    memcpy(b, &hi, 8);
    memcpy(b + 8, &lo, 8);
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = digits[b[i] >> 4];
        *o++ = digits[b[i] & 15];
    }
    *o = 0;
}

static char session_id[37];

static void make_session(void) { msg_uuid(session_id); }

const char *msg_session(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, make_session);
    return session_id;
}

void msg_now(char out[32])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    /* strftime for the fixed-width part keeps the compiler sure of sizes */
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%06dZ", (int)(ts.tv_nsec / 1000));
}

size_t msg_header_text(const char *type, char *buf, size_t n)
{
    char id[37], date[32];
    msg_uuid(id);
    msg_now(date);
    int len = snprintf(buf, n,
                       "{\"msg_id\":\"%s\",\"session\":\"%s\","
                       "\"username\":\"kernel\",\"date\":\"%s\","
                       "\"msg_type\":\"%s\",\"version\":\"5.3\"}",
                       id, msg_session(), date, type);
    return len < 0 ? 0 : ((size_t)len < n ? (size_t)len : n - 1);
}

json_t *msg_header(const char *type)
{
    char id[37], date[32];
    msg_uuid(id);
    msg_now(date);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "msg_id", id,
                     "session", msg_session(), "username", "kernel", "date",
                     date, "msg_type", type, "version", "5.3");
}
