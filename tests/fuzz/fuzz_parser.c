/*
 * fuzz_parser.c: libFuzzer target for the whole language front end.
 *
 * Each input (any bytes, cut at the first NUL like a C string) goes
 * through interp_is_complete, interp_complete and interp_inspect at a few
 * cursors, interp_execute (and the traceback of its error) and
 * interp_eval_expression, on a sandboxed Interp that is reused for a
 * while so that state from earlier inputs (variables) is exercised too.
 * The sandbox makes sleep and ask fail at once and caps list and string
 * sizes, so no input can block or exhaust memory.
 *
 * Build: cmake -S . -B build-fuzz -DDK_FUZZ=ON -DCMAKE_C_COMPILER=clang
 *        cmake --build build-fuzz --target fuzz_parser
 * Run:   ./build-fuzz/fuzz_parser -max_total_time=60 -max_len=512
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lang/interp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RUNS_PER_INTERP 200

static void drop_stream(void *ctx, const char *name, const char *text,
                        size_t len)
{
    /* Touch every byte so ASan checks the range handed out. */
    volatile char sink = 0;
    for (size_t i = 0; i < len; i++)
        sink ^= text[i];
    (void)sink;
}

static void drop_display(void *ctx, json_t *data, json_t *metadata,
                         const char *display_id, int update)
{
    char *s = json_dumps(data, 0);
    free(s);
}

static void drop_clear(void *ctx, int wait) {}

static char *no_input(void *ctx, const char *prompt, int password, DkErr *err)
{
    dk_err_set(err, DK_ERR_STDIN, "no input while fuzzing");
    return NULL;
}

static const Outlet outlet = {NULL, drop_stream, drop_display, drop_clear,
                              no_input};

static void poke(Interp *in, const char *code, size_t cursor)
{
    json_t *r = interp_complete(in, code, cursor);
    json_decref(r);
    r = interp_inspect(in, code, cursor, (int)(cursor & 1));
    json_decref(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static Interp *in;
    static unsigned runs;
    if (!in || ++runs % RUNS_PER_INTERP == 0) {
        interp_free(in);
        in = interp_new();
        if (!in)
            return 0;
        interp_set_sandbox(in, 1);
    }
    char *code = malloc(size + 1);
    if (!code)
        return 0;
    memcpy(code, data, size);
    code[size] = '\0';
    size_t len = strlen(code);

    const char *indent = NULL;
    interp_is_complete(in, code, &indent);
    poke(in, code, 0);
    poke(in, code, len / 2);
    poke(in, code, len);
    poke(in, code, len + 5); /* past the end is clamped */

    json_t *result = NULL;
    DkErr err = {0};
    if (interp_execute(in, code, &outlet, &result, &err) != DK_OK) {
        json_t *tb = interp_traceback(code, &err);
        json_decref(tb);
    }
    json_decref(result);
    dk_err_clear(&err);

    json_t *bundle = NULL;
    interp_eval_expression(in, code, &bundle, &err);
    json_decref(bundle);
    dk_err_clear(&err);

    free(code);
    return 0;
}
