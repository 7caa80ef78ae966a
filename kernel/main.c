/*
 * main.c: the `diffuse` program.
 *
 *   diffuse -f CONNECTION_FILE   run as a Jupyter kernel (what kernel.json
 *                                asks for)
 *   diffuse --reference          print the command reference (markdown),
 *                                generated from the command registry
 *   diffuse --commands-json      the commands as JSON, for the JupyterLab
 *                                extension's highlighter
 *   diffuse --keywords-json      the language's keywords as JSON, for the
 *                                highlighters outside JupyterLab (Pygments,
 *                                classic Notebook)
 *   diffuse --run FILE           run a file of cells without Jupyter (long
 *                                trainings, scripts); text goes to stdout
 *   diffuse --version
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lang/interp.h"
#include "lang/lexer.h"
#include "proto/kernel.h"
#include "util/interrupt.h"
#include "util/log.h"

#ifndef DK_VERSION
#define DK_VERSION "0.1.0"
#endif

static int usage(FILE *to)
{
    fprintf(to,
            "usage: diffuse -f CONNECTION_FILE   run as a Jupyter kernel\n"
            "       diffuse --reference          print the language reference\n"
            "       diffuse --commands-json      print the commands as JSON\n"
            "       diffuse --keywords-json      print the keywords as JSON\n"
            "       diffuse --run FILE           run a file of cells, text to stdout\n"
            "       diffuse --version\n");
    return to == stdout ? 0 : 2;
}

static int print_reference(void)
{
    char *md = interp_reference_markdown();
    if (!md)
        return 1;
    fputs(md, stdout);
    free(md);
    return 0;
}

static int print_commands(void)
{
    json_t *cmds = interp_commands_json();
    int rc = json_dumpf(cmds, stdout, JSON_INDENT(2)) != 0;
    putchar('\n');
    json_decref(cmds);
    return rc;
}

/* The lexer's keyword table, in its order (true false none and or not by
 * if else ...), so highlighters never keep a list of their own. */
static int print_keywords(void)
{
    json_t *words = json_array();
    for (int i = 0; lexer_keywords[i]; i++)
        json_array_append_new(words, json_string(lexer_keywords[i]));
    int rc = json_dumpf(words, stdout, 0) != 0;
    putchar('\n');
    json_decref(words);
    return rc;
}

/* --- diffuse --run: the language without Jupyter ------------------------
 * Outputs are shown as their text/plain form.  Updates of a display (a
 * progress bar, a loss curve) are printed at most every 10 s, so a log of an
 * hour-long training stays readable.  The newest update held back of each
 * display is printed before any other output and at the end, so a log
 * always shows where each bar stopped ("100%", or "interrupted"). */

enum { HELD_MAX = 4 };
static struct { char *id, *text; } held[HELD_MAX];

static void clear_held(int i)
{
    free(held[i].id);
    free(held[i].text);
    held[i].id = held[i].text = NULL;
}

static void print_held(void)
{
    for (int i = 0; i < HELD_MAX; i++) {
        if (held[i].text)
            printf("%s\n", held[i].text);
        clear_held(i);
    }
    fflush(stdout);
}

/* Forget display_id's held update: a newer one is being printed. */
static void drop_held(const char *display_id)
{
    for (int i = 0; i < HELD_MAX; i++)
        if (held[i].id && strcmp(held[i].id, display_id) == 0)
            clear_held(i);
}

static void hold(const char *display_id, const char *text)
{
    int slot = -1;
    for (int i = 0; i < HELD_MAX && slot < 0; i++)
        if (held[i].id && strcmp(held[i].id, display_id) == 0)
            slot = i;
    for (int i = 0; i < HELD_MAX && slot < 0; i++)
        if (!held[i].id)
            slot = i;
    if (slot < 0) {  /* more live displays than slots: show them all now */
        print_held();
        slot = 0;
    }
    clear_held(slot);
    held[slot].id = strdup(display_id);
    held[slot].text = strdup(text);
    if (!held[slot].id || !held[slot].text)  /* out of memory: skip this update */
        clear_held(slot);
}

static void run_stream(void *ctx, const char *name, const char *text,
                       size_t len)
{
    (void)ctx;
    print_held();
    fwrite(text, 1, len, strcmp(name, "stderr") == 0 ? stderr : stdout);
    fflush(stdout);
}

static void run_display(void *ctx, json_t *data, json_t *metadata,
                        const char *display_id, int update)
{
    static time_t last_update;
    (void)ctx, (void)metadata;
    const char *text = json_string_value(json_object_get(data, "text/plain"));
    if (!text)
        return;
    if (update && display_id && time(NULL) - last_update < 10) {
        hold(display_id, text);
        return;
    }
    if (update && display_id)
        drop_held(display_id);
    else
        print_held();
    last_update = time(NULL);
    printf("%s\n", text);
    fflush(stdout);
}

static void run_clear(void *ctx, int wait) { (void)ctx, (void)wait; }

static char *run_input(void *ctx, const char *prompt, int password, DkErr *err)
{
    (void)ctx, (void)prompt, (void)password;
    dk_err_set(err, DK_ERR_STDIN, "`diffuse --run` takes no input");
    return NULL;
}

static void on_sigint(int sig)
{
    (void)sig;
    dk_interrupt_raise();
}

/* A traceback line carries the notebook's ANSI colours; a log file or a
 * pipe gets them stripped. */
static void print_traceback_line(const char *line, int colour)
{
    if (colour) {
        fprintf(stderr, "%s\n", line);
        return;
    }
    for (const char *s = line; *s;) {
        if (s[0] == '\033' && s[1] == '[') {  /* CSI ... final byte */
            for (s += 2; *s && !(*s >= '@' && *s <= '~'); s++)
                ;
            s += *s != 0;
            continue;
        }
        fputc(*s++, stderr);
    }
    fputc('\n', stderr);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[65536];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = 2 * (len + n + 1);
            char *grown = realloc(buf, cap);
            if (!grown)
                break;
            buf = grown;
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (buf)
        buf[len] = 0;
    return buf ? buf : calloc(1, 1);
}

/* The whole file is one cell: statements run in order and the first error
 * stops it, shown as the notebook would show it.  Ctrl-C interrupts. */
static int run_file(const char *path)
{
    char *code = read_file(path);
    if (!code) {
        fprintf(stderr, "diffuse: cannot read %s\n", path);
        return 2;
    }
    signal(SIGINT, on_sigint);
    Interp *in = interp_new();
    Outlet out = {NULL, run_stream, run_display, run_clear, run_input};
    json_t *result = NULL;
    DkErr err = {0};
    int rc = 0;
    dk_status executed = interp_execute(in, code, &out, &result, &err);
    print_held();
    if (executed != DK_OK) {
        json_t *tb = interp_traceback(code, &err);
        size_t i;
        json_t *line;
        int colour = isatty(fileno(stderr));
        json_array_foreach(tb, i, line)
            print_traceback_line(json_string_value(line), colour);
        json_decref(tb);
        rc = 1;
    } else if (result) {
        run_display(NULL, result, NULL, NULL, 0);
    }
    json_decref(result);
    dk_err_clear(&err);
    interp_free(in);
    free(code);
    return rc;
}

static int run_kernel(const char *path)
{
    DkErr err = {0};
    if (kernel_run(path, &err) == DK_OK)
        return 0;
    log_error("%s", err.msg ? err.msg : "the kernel failed to start");
    if (err.hint)
        log_error("hint: %s", err.hint);
    dk_err_clear(&err);
    return 1;
}

int main(int argc, char **argv)
{
    log_init();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((strcmp(a, "-f") == 0 || strcmp(a, "--connection-file") == 0) &&
            i + 1 < argc)
            return run_kernel(argv[i + 1]);
        if (strncmp(a, "--connection-file=", 18) == 0)
            return run_kernel(a + 18);
        if (strcmp(a, "--reference") == 0)
            return print_reference();
        if (strcmp(a, "--commands-json") == 0)
            return print_commands();
        if (strcmp(a, "--keywords-json") == 0)
            return print_keywords();
        if (strcmp(a, "--run") == 0 && i + 1 < argc)
            return run_file(argv[i + 1]);
        if (strcmp(a, "--version") == 0) {
            printf("diffuse %s (language %s)\n", DK_VERSION,
                   interp_language_version());
            return 0;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return usage(stdout);
    }
    return usage(stderr);
}
