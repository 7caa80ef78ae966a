/*
 * cmd_help.c: the `help` command and the help texts generated from the
 * registry (see cmd_help.h).  Groups are listed alphabetically and
 * commands by name inside a group, so the output is stable.
 */
#include "cmd_help.h"

#include <stdlib.h>
#include <string.h>

#include "../util/array.h"
#include "eval.h"
#include "suggest.h"

#define MAX_GROUPS 64

/* The distinct group names, sorted, in groups[]; returns their count. */
static size_t list_groups(const char **groups)
{
    size_t n, ng = 0;
    const Command *const *all = registry_all(&n);
    for (size_t i = 0; i < n; i++) {
        size_t g = 0;
        while (g < ng && strcmp(groups[g], all[i]->group) != 0)
            g++;
        if (g == ng && ng < MAX_GROUPS)
            groups[ng++] = all[i]->group;
    }
    for (size_t i = 1; i < ng; i++)
        for (size_t j = i; j > 0 && strcmp(groups[j - 1], groups[j]) > 0; j--) {
            const char *t = groups[j];
            groups[j] = groups[j - 1];
            groups[j - 1] = t;
        }
    return ng;
}

void cmd_help_reference(StrBuf *out)
{
    const char *groups[MAX_GROUPS];
    size_t ng = list_groups(groups), n;
    const Command *const *all = registry_all(&n);
    strbuf_puts(out, "## Commands\n");
    for (size_t g = 0; g < ng; g++) {
        strbuf_printf(out, "\n### %s\n", groups[g]);
        for (size_t i = 0; i < n; i++) {
            if (strcmp(all[i]->group, groups[g]) != 0)
                continue;
            strbuf_addc(out, '\n');
            registry_help_markdown(all[i], 4, 1, out);
        }
    }
}

json_t *cmd_help_text_bundle(StrBuf *md, StrBuf *text)
{
    json_t *data = json_object();
    if (data && !md->oom && !text->oom) {
        json_object_set_new(data, "text/markdown",
                            value_json_text(strbuf_cstr(md)));
        json_object_set_new(data, "text/plain",
                            value_json_text(strbuf_cstr(text)));
    } else {
        json_decref(data);
        data = NULL;
    }
    strbuf_free(md);
    strbuf_free(text);
    return data;
}

json_t *cmd_help_bundle(const Command *cmd, int with_example)
{
    StrBuf md, text;
    strbuf_init(&md);
    strbuf_init(&text);
    registry_help_markdown(cmd, 3, with_example, &md);
    registry_help_text(cmd, with_example, &text);
    return cmd_help_text_bundle(&md, &text);
}

json_t *cmd_help_variable_bundle(const char *name, const Value *v)
{
    StrBuf md, text;
    strbuf_init(&md);
    strbuf_init(&text);
    char *summary = value_summary(v);
    strbuf_printf(&md, "`%s` is a variable of type **%s**:\n\n```\n%s\n```\n",
                  name, value_type_name(v), summary ? summary : "");
    strbuf_printf(&text, "%s: %s\n%s", name, value_type_name(v),
                  summary ? summary : "");
    free(summary);
    return cmd_help_text_bundle(&md, &text);
}

/* The line of a command's example that uses the command (the example may
 * set things up first), copied into out without a trailing newline. */
static void example_line(const Command *cmd, StrBuf *out)
{
    const char *ex = cmd->example ? cmd->example : "";
    const char *best = ex;
    size_t n = strlen(cmd->name);
    for (const char *line = ex; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *hit = strstr(line, cmd->name);
        if (hit && hit < line + len &&
            (hit == line || hit[-1] == ' ' || hit[-1] == '(') &&
            (hit[n] == ' ' || hit[n] == '\n' || hit[n] == 0 || hit[n] == ')')) {
            best = line;
            break;
        }
        line = end ? end + 1 : line + len;
    }
    const char *end = strchr(best, '\n');
    strbuf_add(out, best, end ? (size_t)(end - best) : strlen(best));
}

/* `help` alone: every command, grouped, one line each with an example. */
static json_t *overview(void)
{
    const char *groups[MAX_GROUPS];
    size_t ng = list_groups(groups), n;
    const Command *const *all = registry_all(&n);
    StrBuf md, text, usage, ex;
    strbuf_init(&md);
    strbuf_init(&text);
    strbuf_init(&usage);
    strbuf_init(&ex);
    strbuf_puts(&md, "## Commands\n");
    strbuf_puts(&text, "Commands\n");
    for (size_t g = 0; g < ng; g++) {
        strbuf_printf(&md, "\n### %s\n\n| command | what it does | example |\n"
                      "|---|---|---|\n", groups[g]);
        strbuf_printf(&text, "\n%s:\n", groups[g]);
        for (size_t i = 0; i < n; i++) {
            if (strcmp(all[i]->group, groups[g]) != 0)
                continue;
            usage.len = 0;
            registry_usage(all[i], &usage);
            ex.len = 0;
            example_line(all[i], &ex);
            strbuf_printf(&md, "| `%s` | %s | `%s` |\n", strbuf_cstr(&usage),
                          all[i]->summary, strbuf_cstr(&ex));
            strbuf_printf(&text, "  %-28s %s\n  %-28s e.g. %s\n",
                          strbuf_cstr(&usage), all[i]->summary, "",
                          strbuf_cstr(&ex));
        }
    }
    static const char tail[] =
        "Arguments in [brackets] are optional and show their default; "
        "give them by position or by name (`clear wait=true`).\n\n"
        "Type `help NAME` for one command's details and an example, "
        "e.g. `help print`.\n\nExample:\n\n```\n"
        "steps = 990..0 by -30\nprint \"first\" steps[0] \"last\" steps[-1]\n"
        "help range\n```\n";
    strbuf_printf(&md, "\n%s", tail);
    strbuf_printf(&text, "\n%s", tail);
    strbuf_free(&usage);
    strbuf_free(&ex);
    return cmd_help_text_bundle(&md, &text);
}

/* The words of the language that are not commands. */
static const struct { const char *word, *doc; } keyword_docs[] = {
    {"and", "`a and b` is true when both a and b are true. b is not "
            "evaluated when a is false."},
    {"by", "Gives the step of a range: `990..0 by -30` counts down from "
           "990 to 0 in steps of 30."},
    {"def", "`def name(a, b)` ... `end` defines a function; call it as "
            "`name(1, 2)`. Its variables are its own; it reads the "
            "notebook's. At most 200 calls may run at once."},
    {"else", "Starts the branch of an `if` taken when the condition is "
             "false; `else if c` chains another test under the same `end`."},
    {"end", "Closes the innermost open `if`, `for` or `def` block, on a "
            "line of its own."},
    {"false", "One of the two bool values; comparisons such as `1 > 2` "
              "give it."},
    {"for", "`for t in 990..0 by -30` ... `end` runs the lines between for "
            "each item of a list, the name holding the item."},
    {"if", "`if x > 0` ... `else` ... `end` runs the first lines when the "
           "condition is true, else the lines after `else`."},
    {"in", "Separates a for loop's name from its list: `for i in 1..10`."},
    {"none", "The value meaning \"nothing\". Commands that only act (like "
             "`print`) give none, and an unset optional argument is none."},
    {"not", "`not a` is true when a is false (false, 0, \"\", [] and none "
            "count as false)."},
    {"or", "`a or b` is true when a or b is true. b is not evaluated when a "
           "is true."},
    {"return", "`return x` ends a function and gives x as its value "
               "(none without x)."},
    {"true", "One of the two bool values; comparisons such as `1 < 2` give "
             "it."},
};

static json_t *keyword_bundle(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(keyword_docs); i++) {
        if (strcmp(keyword_docs[i].word, name) != 0)
            continue;
        StrBuf md, text;
        strbuf_init(&md);
        strbuf_init(&text);
        strbuf_printf(&md, "`%s` is a word of the language.\n\n%s\n", name,
                      keyword_docs[i].doc);
        strbuf_printf(&text, "%s: %s", name, keyword_docs[i].doc);
        return cmd_help_text_bundle(&md, &text);
    }
    return NULL;
}

enum { HELP_NAME };
static const ArgSpec help_args[] = {
    [HELP_NAME] = {
        .name = "name",
        .types = VT_WORD | VT_STRING | VT_NONE,
        .default_src = "none",
        .doc = "a command or variable to explain; without it, every command "
               "is listed",
    },
};

static dk_status cmd_help(CallCtx *cx, Value **args, Value **out)
{
    json_t *data;
    if (args[HELP_NAME]->kind == VAL_NONE) {
        data = overview();
    } else {
        const char *name = args[HELP_NAME]->as.str.bytes;
        const Command *cmd = registry_find(name, args[HELP_NAME]->as.str.len);
        const Value *v = cmd ? NULL : vars_get(cx->in->vars, name);
        json_t *kw = cmd || v ? NULL : keyword_bundle(name);
        if (kw) {
            cx_display(cx, kw, NULL);
            return DK_OK;
        }
        if (!cmd && !v) {
            dk_status st = eval_unknown_name(cx->in, name,
                                             cx->arg_spans[HELP_NAME],
                                             cx->err);
            if (!cx->err->hint || strncmp(cx->err->hint, "did you", 7) != 0)
                dk_err_hint(cx->err, "type help to list every command");
            return st;
        }
        data = cmd ? cmd_help_bundle(cmd, 1)
                   : cmd_help_variable_bundle(name, v);
    }
    if (!data)
        return cx_oom(cx);
    cx_display(cx, data, NULL);
    return DK_OK;
}

static const Command commands[] = {
    {
        .name = "help",
        .group = "Help",
        .summary = "Explain the commands, one command, or a variable.",
        .help = "`help` alone lists every command by group with its usage "
                "line. `help NAME` shows one command's arguments, their "
                "defaults and an example, or the type and value of a "
                "variable. In a notebook, Shift+Tab on a name shows the same "
                "help.",
        .example = "help\n"
                   "help print",
        .args = help_args,
        .nargs = ARRAY_LEN(help_args),
        .fn = cmd_help,
    },
};

const CommandTable cmd_help_table = {commands, ARRAY_LEN(commands)};
