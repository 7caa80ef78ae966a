/*
 * test_wire.c: signing, the wire format, history and UTF-8 offsets of the
 * protocol layer, without sockets.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "proto/history.h"
#include "proto/hmac.h"
#include "proto/msg.h"
#include "proto/wire.h"
#include "util/utf8.h"

static void test_hmac_vector(void)
{
    /* RFC-style known answer, split across parts: the MAC covers the
     * concatenation, whatever the split. */
    DkErr err = {0};
    Signer *s = signer_new("hmac-sha256", "key", &err);
    CHECK(s != NULL);
    const char *parts[] = {"The quick brown ", "fox jumps over ", "the lazy ",
                           "dog"};
    size_t lens[4];
    for (int i = 0; i < 4; i++)
        lens[i] = strlen(parts[i]);
    char hex[129];
    CHECK(signer_sign(s, parts, lens, 4, hex) == 64);
    CHECK_STR(hex, "f7bc83f430538424b13298e6aa6fb143"
                   "ef4d59a14946175997479dbc2d1a3cd8");
    CHECK(signer_verify(s, parts, lens, 4, hex, 64));
    hex[10] ^= 1;
    CHECK(!signer_verify(s, parts, lens, 4, hex, 64));
    CHECK(!signer_verify(s, parts, lens, 4, "", 0));
    signer_free(s);

    Signer *off = signer_new("hmac-sha256", "", &err);
    CHECK(!signer_enabled(off));
    CHECK(signer_sign(off, parts, lens, 4, hex) == 0 && hex[0] == 0);
    CHECK(signer_verify(off, parts, lens, 4, "anything", 8));
    signer_free(off);

    /* RFC 4231 case 6: a key longer than the block is hashed first. */
    char longkey[132];
    memset(longkey, 0xaa, 131);
    longkey[131] = 0;
    s = signer_new("hmac-sha256", longkey, &err);
    const char *msg6[] = {"Test Using Larger Than Block-Size Key - Hash Key First"};
    size_t len6[] = {strlen(msg6[0])};
    CHECK(signer_sign(s, msg6, len6, 1, hex) == 64);
    CHECK_STR(hex, "60e431591ee0b67f0d8a26aacbf5b77f"
                   "8e0bc6213728c5140546040f0ee37f54");
    signer_free(s);

    CHECK(signer_new("hmac-md5", "k", &err) == NULL);
    CHECK(err.code == DK_ERR_FORMAT && strstr(err.msg, "hmac-md5"));
    dk_err_clear(&err);
}

static Msg *sample(void)
{
    Msg *m = calloc(1, sizeof *m);
    m->nids = 2;
    m->ids = calloc(2, sizeof(Blob));
    m->ids[0].data = strdup("client-A");
    m->ids[0].len = 8;
    m->ids[1].data = malloc(3);
    memcpy(m->ids[1].data, "\0\1\2", 3); /* identities are binary */
    m->ids[1].len = 3;
    m->header = msg_header("execute_request");
    m->parent = json_object();
    m->metadata = json_pack("{s:i}", "x", 1);
    m->content = json_pack("{s:s}", "code", "print \"héllo\"");
    m->nbuffers = 1;
    m->buffers = calloc(1, sizeof(Blob));
    m->buffers[0].data = strdup("raw");
    m->buffers[0].len = 3;
    return m;
}

static void test_round_trip(void)
{
    DkErr err = {0};
    Signer *s = signer_new("hmac-sha256", "secret", &err);
    Msg *m = sample();
    Blob *f;
    int n;
    CHECK(wire_encode(m, s, &f, &n, &err) == DK_OK);
    CHECK(n == 2 + 6 + 1);
    CHECK(f[2].len == 9 && memcmp(f[2].data, "<IDS|MSG>", 9) == 0);
    CHECK(f[3].len == 64);

    Msg *back = NULL;
    CHECK(wire_decode(f, n, s, &back, &err) == DK_OK);
    CHECK(back && back->nids == 2 && back->ids[1].len == 3 &&
          memcmp(back->ids[1].data, "\0\1\2", 3) == 0);
    CHECK_STR(msg_type(back), "execute_request");
    CHECK(json_equal(back->content, m->content));
    CHECK(back->nbuffers == 1 && memcmp(back->buffers[0].data, "raw", 3) == 0);
    msg_free(back);

    /* A tampered content frame is dropped before any JSON is parsed. */
    f[7].data[2] ^= 1;
    back = NULL;
    CHECK(wire_decode(f, n, s, &back, &err) == DK_ERR_ARG && back == NULL);
    CHECK(strstr(err.msg, "signature") != NULL);
    f[7].data[2] ^= 1;

    /* Too few frames after the delimiter. */
    CHECK(wire_decode(f, 6, s, &back, &err) == DK_ERR_FORMAT);
    CHECK(strstr(err.msg, "truncated") != NULL);
    /* No delimiter at all. */
    CHECK(wire_decode(f, 2, s, &back, &err) == DK_ERR_FORMAT);
    CHECK(strstr(err.msg, "delimiter") != NULL);
    wire_frames_free(f, n);
    msg_free(m);
    signer_free(s);
    dk_err_clear(&err);
}

static void test_bad_json(void)
{
    DkErr err = {0};
    Signer *off = signer_new("hmac-sha256", "", &err);
    Blob f[6] = {{"<IDS|MSG>", 9}, {"", 0}, {"{\"msg_type\":", 12},
                 {"{}", 2},        {"{}", 2}, {"{}", 2}};
    Msg *m = NULL;
    CHECK(wire_decode(f, 6, off, &m, &err) == DK_ERR_FORMAT && !m);
    CHECK(strstr(err.msg, "header") != NULL);
    f[2] = (Blob){"[1,2]", 5};
    CHECK(wire_decode(f, 6, off, &m, &err) == DK_ERR_FORMAT && !m);
    CHECK(strstr(err.msg, "not a JSON object") != NULL);
    f[2] = (Blob){"{}", 2};
    CHECK(wire_decode(f, 6, off, &m, &err) == DK_OK && m);
    CHECK(m->nids == 0 && m->nbuffers == 0);
    msg_free(m);
    signer_free(off);
    dk_err_clear(&err);
}

static void test_header(void)
{
    json_t *h = msg_header("status");
    const char *keys[] = {"msg_id", "session", "username", "date",
                          "msg_type", "version"};
    for (int i = 0; i < 6; i++)
        CHECK(json_is_string(json_object_get(h, keys[i])));
    const char *date = json_string_value(json_object_get(h, "date"));
    CHECK(strlen(date) == 27 && date[26] == 'Z' && date[10] == 'T');
    CHECK(strlen(json_string_value(json_object_get(h, "msg_id"))) == 36);
    CHECK_STR(json_string_value(json_object_get(h, "version")), "5.3");
    json_t *h2 = msg_header("status");
    CHECK(!json_equal(json_object_get(h, "msg_id"),
                      json_object_get(h2, "msg_id")));
    CHECK(json_equal(json_object_get(h, "session"),
                     json_object_get(h2, "session")));
    json_decref(h);
    json_decref(h2);
}

static void test_history(void)
{
    History *h = history_new();
    history_add(h, 1, "x = 1", NULL);
    history_add(h, 2, "print x", NULL);
    history_add(h, 3, "x = 12", "12");
    history_add(h, 4, "x = 1", NULL);
    json_t *req = json_pack("{s:s, s:i}", "hist_access_type", "tail", "n", 2);
    json_t *r = history_query(h, req);
    CHECK(json_array_size(r) == 2);
    CHECK_STR(json_string_value(json_array_get(json_array_get(r, 0), 2)),
              "x = 12");
    json_decref(r);
    json_decref(req);

    req = json_pack("{s:s, s:s, s:b}", "hist_access_type", "search",
                    "pattern", "x = 1*", "output", 1);
    r = history_query(h, req);
    CHECK(json_array_size(r) == 3);
    json_t *io = json_array_get(json_array_get(r, 1), 2);
    CHECK_STR(json_string_value(json_array_get(io, 1)), "12");
    json_decref(r);
    json_object_set_new(req, "unique", json_true());
    r = history_query(h, req);
    CHECK(json_array_size(r) == 2); /* "x = 1" once, "x = 12" */
    json_decref(r);
    json_decref(req);

    req = json_pack("{s:s, s:i, s:i, s:i}", "hist_access_type", "range",
                    "session", 0, "start", 2, "stop", 3);
    r = history_query(h, req);
    CHECK(json_array_size(r) == 1);
    CHECK(json_integer_value(json_array_get(json_array_get(r, 0), 1)) == 2);
    json_decref(r);
    json_decref(req);
    history_free(h);
}

static void test_utf8(void)
{
    const char *s = "s = \"h\xc3\xa9llo\"\npri"; /* é is 2 bytes */
    CHECK(utf8_byte_offset(s, 6) == 6);          /* before é */
    CHECK(utf8_byte_offset(s, 7) == 8);          /* after é */
    CHECK(utf8_codepoints(s, strlen(s)) == strlen(s) - 1);
    CHECK(utf8_byte_offset(s, 1000) == strlen(s));
}

int main(void)
{
    test_hmac_vector();
    test_round_trip();
    test_bad_json();
    test_header();
    test_history();
    test_utf8();
    return check_report("test_wire");
}
