/*
 * main.c: the `diffuse` program.
 *
 *   diffuse -f CONNECTION_FILE   run as a Jupyter kernel (what kernel.json
 *                                asks for)
 *   diffuse --reference          print the command reference (markdown),
 *                                generated from the command registry
 *   diffuse --commands-json      the commands as JSON, for the JupyterLab
 *                                extension's highlighter
 *   diffuse --version
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/interp.h"
#include "proto/kernel.h"
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
