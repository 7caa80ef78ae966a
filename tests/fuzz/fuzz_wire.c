/*
 * fuzz_wire.c: libFuzzer target for the wire decoder.
 *
 * The input is cut into frames at each "\xff\xfe" pair; the first byte
 * picks whether signing is on (then only the verify path is reachable,
 * which is the point: nothing unsigned reaches the JSON parser) or off
 * (then every frame reaches the parser).  Decoded messages are re-encoded
 * and decoded again, which must succeed and agree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/hmac.h"
#include "proto/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int split(const uint8_t *data, size_t size, Blob *frames, int max)
{
    int n = 0;
    size_t start = 0;
    for (size_t i = 0; i + 1 < size && n < max - 1; i++) {
        if (data[i] == 0xff && data[i + 1] == 0xfe) {
            frames[n++] = (Blob){(char *)data + start, i - start};
            start = i + 2;
            i++;
        }
    }
    frames[n++] = (Blob){(char *)data + start, size - start};
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static Signer *keyed, *open;
    DkErr err = {0};
    if (!keyed) {
        keyed = signer_new("hmac-sha256", "fuzz", &err);
        open = signer_new("hmac-sha256", "", &err);
    }
    if (size < 1)
        return 0;
    Signer *s = (data[0] & 1) ? keyed : open;
    Blob frames[64];
    int n = split(data + 1, size - 1, frames, 64);
    Msg *m = NULL;
    if (wire_decode(frames, n, s, &m, &err) == DK_OK) {
        Blob *out;
        int nout;
        if (wire_encode(m, s, &out, &nout, &err) == DK_OK) {
            Msg *again = NULL;
            if (wire_decode(out, nout, s, &again, &err) != DK_OK)
                abort(); /* what we encode we must be able to decode */
            if (!json_equal(again->content, m->content))
                abort();
            msg_free(again);
            wire_frames_free(out, nout);
        }
        msg_free(m);
    }
    dk_err_clear(&err);
    return 0;
}
