/*
 * test_reference.c: the command registry is complete and consistent, and
 * kernel/lang/REFERENCE.md carries its current generated reference.
 * Runs with the repository root as working directory (ctest sets it).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "check.h"
#include "lang/eval.h"
#include "lang/registry.h"

#define MARKER "<!-- Everything below is generated from the command " \
               "registry by `diffuse --reference`. Do not edit by hand. -->\n"

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    StrBuf b;
    strbuf_init(&b);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        strbuf_add(&b, chunk, n);
    fclose(f);
    return strbuf_take(&b);
}

static void trim_newlines(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '\n')
        s[--n] = '\0';
}

static void quiet_stream(void *c, const char *n, const char *t, size_t l) {}
static void quiet_display(void *c, json_t *d, json_t *m, const char *id, int u) {}
static void quiet_clear(void *c, int w) {}
static char *answer(void *c, const char *p, int pw, DkErr *e)
{
    return strdup("Ada");
}

int main(void)
{
    /* Every command is documented and its defaults and example work. */
    size_t n;
    const Command *const *all = registry_all(&n);
    CHECK(n >= 15);
    const Outlet quiet = {NULL, quiet_stream, quiet_display, quiet_clear, answer};
    const TsApi *api = NULL;
    DkErr load_err = {0};
    int have_torch = backend_get(&api, &load_err) == DK_OK;
    dk_err_clear(&load_err);
    for (size_t i = 0; i < n; i++) {
        const Command *c = all[i];
        CHECK(i == 0 || strcmp(all[i - 1]->name, c->name) < 0); /* unique */
        CHECK(registry_find(c->name, strlen(c->name)) == c);
        CHECK(c->summary && isupper((unsigned char)c->summary[0]) &&
              c->summary[strlen(c->summary) - 1] == '.');
        CHECK(c->help && c->help[0] && c->example && c->example[0] && c->group);
        CHECK(c->nargs <= 16 && (!c->variadic || c->nargs > 0));
        for (int k = 0; k < c->nargs; k++) {
            const ArgSpec *s = &c->args[k];
            CHECK(s->name && s->doc && s->doc[0]);
            if (!s->default_src)
                continue;
            DkErr err = {0};
            Value *v = registry_default(c, k, &err);
            if (!v)
                fprintf(stderr, "default of %s %s: %s\n", c->name, s->name,
                        err.msg);
            CHECK(v != NULL);
            value_unref(v);
            dk_err_clear(&err);
        }
        Interp *in = interp_new();
        json_t *res = NULL;
        DkErr err = {0};
        dk_status st = interp_execute(in, c->example, &quiet, &res, &err);
        /* Tensor commands' examples need the libtorch backend; a build
         * without it may only fail them with the loader's error. */
        if (st == DK_ERR_TORCH && !have_torch)
            st = DK_OK;
        if (st)
            fprintf(stderr, "example of %s fails: %s\n", c->name, err.msg);
        CHECK(st == DK_OK);
        json_decref(res);
        dk_err_clear(&err);
        interp_free(in);
    }
    json_t *cmds = interp_commands_json();
    CHECK(json_array_size(cmds) == n);
    json_decref(cmds);

    /* REFERENCE.md ends with the generated reference. */
    char *file = read_file("kernel/lang/REFERENCE.md");
    CHECK(file != NULL);
    char *generated = interp_reference_markdown();
    CHECK(generated != NULL);
    const char *marker = file ? strstr(file, MARKER) : NULL;
    CHECK(marker != NULL);
    if (marker && generated) {
        char *tail = strdup(marker + strlen(MARKER));
        trim_newlines(tail);
        trim_newlines(generated);
        int same = strcmp(tail, generated) == 0;
        CHECK(same);
        if (!same)
            fprintf(stderr,
                    "kernel/lang/REFERENCE.md is out of date with the command "
                    "registry.\nRegenerate it with:\n"
                    "  cmake --build build && scripts/update-reference.sh "
                    "build/diffuse\n(or by hand: ./build/diffuse --reference > "
                    "/tmp/r and paste /tmp/r below the marker line)\n");
        free(tail);
    }
    free(generated);
    free(file);
    return check_report("test_reference");
}
