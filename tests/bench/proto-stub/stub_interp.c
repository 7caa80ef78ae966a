/*
 * stub_interp.c: a do-nothing implementation of kernel/lang/interp.h, linked
 * with kernel/main.c + kernel/proto + kernel/util into `diffuse-proto`
 * (build/bench/diffuse-proto).  Benchmarking it beside the real kernel
 * separates the cost of the protocol layer from the cost of the language:
 * execute of any code does nothing and returns no value.
 */
#include <stdlib.h>
#include <string.h>

#include "lang/interp.h"

struct Interp { int unused; };

Interp *interp_new(void) { return calloc(1, sizeof(Interp)); }
void interp_free(Interp *in) { free(in); }

dk_status interp_execute(Interp *in, const char *code, const Outlet *out,
                         json_t **result, DkErr *err)
{
    (void)in; (void)code; (void)out; (void)err;
    *result = NULL;
    return DK_OK;
}

json_t *interp_traceback(const char *code, const DkErr *err)
{
    (void)code;
    return json_pack("[s]", err && err->msg ? err->msg : "error");
}

dk_status interp_eval_expression(Interp *in, const char *expr,
                                 json_t **bundle, DkErr *err)
{
    (void)in; (void)err;
    *bundle = json_pack("{s:s}", "text/plain", expr);
    return DK_OK;
}

const char *interp_is_complete(Interp *in, const char *code, const char **indent)
{
    (void)in; (void)code; (void)indent;
    return "complete";
}

json_t *interp_complete(Interp *in, const char *code, size_t cursor)
{
    (void)in; (void)code;
    return json_pack("{s:[],s:I,s:I,s:[]}", "matches", "cursor_start",
                     (json_int_t)cursor, "cursor_end", (json_int_t)cursor, "types");
}

json_t *interp_inspect(Interp *in, const char *code, size_t cursor, int detail)
{
    (void)in; (void)code; (void)cursor; (void)detail;
    return NULL;
}

const char *interp_language_version(void) { return "0.0-stub"; }

char *interp_reference_markdown(void) { return strdup("# stub\n"); }

json_t *interp_commands_json(void) { return json_array(); }

void interp_set_sandbox(Interp *in, int on);
void interp_set_sandbox(Interp *in, int on) { (void)in; (void)on; }
