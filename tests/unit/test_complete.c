/*
 * test_complete.c: Tab completion (matches, replaced range, types) and
 * Shift+Tab inspection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "lang/interp.h"

static Interp *in;

/* The matches joined with spaces, or "(null)". */
static char joined[4096];
static json_t *reply;

static const char *complete(const char *code, size_t cursor)
{
    json_decref(reply);
    reply = interp_complete(in, code, cursor);
    joined[0] = '\0';
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(reply, "matches"), i, m) {
        if (i)
            strcat(joined, " ");
        strncat(joined, json_string_value(m), 200);
    }
    return joined;
}

static long field(const char *name)
{
    return (long)json_integer_value(json_object_get(reply, name));
}

/* types[i].type and .signature of the match called text. */
static const char *type_of(const char *text, const char *key)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(reply, "types"), i, t)
        if (strcmp(json_string_value(json_object_get(t, "text")), text) == 0)
            return json_string_value(json_object_get(t, key));
    return "(missing)";
}

static const char *inspect_text(const char *code, size_t cursor, int detail,
                                const char *mime)
{
    static char buf[8192];
    json_t *r = interp_inspect(in, code, cursor, detail);
    if (!r)
        return "(null)";
    snprintf(buf, sizeof buf, "%s",
             json_string_value(json_object_get(r, mime)));
    json_decref(r);
    return buf;
}

int main(void)
{
    in = interp_new();
    json_t *res = NULL;
    DkErr err = {0};
    interp_execute(in, "noisy = 1\nnote = \"x\"", NULL, &res, &err);

    /* At a statement's start: commands, variables, literals. */
    CHECK_STR(complete("pri", 3), "print");
    CHECK(field("cursor_start") == 0 && field("cursor_end") == 3);
    CHECK_STR(type_of("print", "type"), "command");
    CHECK_STR(type_of("print", "signature"), "print [values...]");
    CHECK_STR(complete("no", 2), "noise_estimate noisy none note");
    CHECK_STR(type_of("noisy", "type"), "variable");
    CHECK_STR(type_of("none", "type"), "literal");
    CHECK(json_array_size(json_object_get(reply, "types")) == 4);
    /* ... and the block words. */
    CHECK_STR(complete("fo", 2), "for forward");
    CHECK_STR(type_of("for", "type"), "keyword");

    /* After a command: its keywords too, as name=. */
    CHECK_STR(complete("clear w", 7), "wait= warn");
    CHECK(field("cursor_start") == 6 && field("cursor_end") == 7);
    CHECK_STR(type_of("wait=", "type"), "keyword");
    CHECK_STR(type_of("wait=", "signature"), "clear [wait=false]");
    /* ... but not one already given. */
    CHECK_STR(complete("ask \"q\" password=true p", 23), "plot print progression");
    CHECK_STR(complete("ask \"q\" p", 9), "password= plot print progression");
    /* A value after `name=`: no keywords. */
    CHECK_STR(complete("clear wait=t", 12), "train true turn type");
    /* On the second line, in the middle of a cell. */
    CHECK_STR(complete("x = 1\nprint no\ny = 2", 14), "noise_estimate noisy none note");
    CHECK(field("cursor_start") == 12 && field("cursor_end") == 14);
    /* Inside parentheses the inner command counts. */
    CHECK_STR(complete("print (ask \"q\" pa", 17), "password=");

    /* help NAME: commands only. */
    CHECK_STR(complete("help n", 6), "needs noise_estimate");
    CHECK_STR(complete("help pr", 7), "print progression");
    CHECK_STR(complete("help ", 5), complete("help ", 5)); /* stable */
    CHECK(strstr(joined, "noisy") == NULL && strstr(joined, "sleep"));

    /* A cursor inside a word replaces the whole word. */
    CHECK_STR(complete("prixx", 3), "print");
    CHECK(field("cursor_start") == 0 && field("cursor_end") == 5);

    /* Numbers complete to nothing. */
    CHECK_STR(complete("x = 12", 6), "");

    /* Inside a string: paths relative to the working directory. */
    char dir[] = "/tmp/dk_complete_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/a.png", dir);
    FILE *f = fopen(path, "w");
    if (f)
        fclose(f);
    snprintf(path, sizeof path, "%s/sub", dir);
    CHECK(mkdir(path, 0700) == 0);
    snprintf(path, sizeof path, "%s/.hidden", dir);
    f = fopen(path, "w");
    if (f)
        fclose(f);
    char cell[256], want[512];
    snprintf(cell, sizeof cell, "img = \"%s/", dir);
    complete(cell, strlen(cell));
    snprintf(want, sizeof want, "%s/a.png %s/sub/", dir, dir);
    CHECK_STR(joined, want);
    CHECK(field("cursor_start") == 7 && field("cursor_end") == (long)strlen(cell));
    snprintf(want, sizeof want, "%s/a.png", dir);
    CHECK_STR(type_of(want, "type"), "path");
    /* A closed string with the cursor inside it. */
    snprintf(cell, sizeof cell, "img = \"%s/s\" ", dir);
    complete(cell, strlen(cell) - 2);
    snprintf(want, sizeof want, "%s/sub/", dir);
    CHECK_STR(joined, want);
    snprintf(path, sizeof path, "rm -rf %s", dir);
    CHECK(system(path) == 0);

    /* Inspection. */
    const char *md = inspect_text("clear", 5, 0, "text/markdown");
    CHECK(strstr(md, "`clear [wait=false]`") && !strstr(md, "Example"));
    md = inspect_text("clear", 2, 1, "text/markdown");
    CHECK(strstr(md, "**Example**"));
    md = inspect_text("clear wait=true", 8, 0, "text/markdown");
    CHECK(strstr(md, "argument of `clear`") && strstr(md, "Usage: `clear [wait=false]`"));
    md = inspect_text("print noisy", 9, 0, "text/plain");
    CHECK_STR(md, "noisy: number\n1");
    md = inspect_text("print 1 2 ", 10, 0, "text/plain");
    CHECK(strncmp(md, "print [values...]", 17) == 0);
    CHECK_STR(inspect_text("1 + 2", 1, 0, "text/plain"), "(null)");
    CHECK_STR(inspect_text("unknown_thing", 3, 0, "text/plain"), "(null)");
    CHECK_STR(inspect_text("", 0, 0, "text/plain"), "(null)");

    json_decref(reply);
    json_decref(res);
    interp_free(in);
    return check_report("test_complete");
}
