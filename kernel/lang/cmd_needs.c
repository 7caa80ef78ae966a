/*
 * cmd_needs.c: `needs`, a cell's guard on something the machine may lack.
 *
 * `needs deepfloyd` as a cell's first statement: when DeepFloyd IF's
 * weights are found (the folder $DIFFUSE_DEEPFLOYD, looked up as
 * `deepfloyd` does) it does nothing; when not, it shows how to get them
 * (in full once per kernel session, then a one-line note) and ends the
 * cell there, without an error, so a notebook run top to bottom carries on
 * with the cells that do not need them.  The cell ends by returning
 * DK_END, which unwinds like an error (nothing after the guard runs, no
 * assignment around it completes) and which the evaluator turns into
 * success (eval.h).  See registry.h for the calling convention.
 */
#include <stdio.h>
#include <string.h>

#include "../diffusion/deepfloyd.h"
#include "../util/array.h"
#include "eval.h"
#include "registry.h"

/* What `needs` knows: a requirement, how to tell whether it is met, and
 * what to tell the user when it is not. */
typedef struct Need {
    const char *name;    /* the word after `needs` */
    const char *what;    /* what is missing, for the messages */
    /* 1 when the requirement is met; else 0 with why (one line) filled. */
    int (*met)(char *why, size_t cap);
    const char *howto;   /* markdown: how to meet it */
} Need;

static int deepfloyd_met(char *why, size_t cap)
{
    const char *root = deepfloyd_env_root();
    if (!root) {
        snprintf(why, cap, "%s is not set", DEEPFLOYD_ENV);
        return 0;
    }
    DeepFloydPaths paths;
    DkErr err = {0};
    const int ok = deepfloyd_find(root, &paths, &err) == DK_OK;
    if (!ok)
        snprintf(why, cap, "%s=%s, but %s", DEEPFLOYD_ENV, root,
                 err.msg ? err.msg : "the folder cannot be read");
    dk_err_clear(&err);
    return ok;
}

static const Need needs[] = {
    {"deepfloyd", "DeepFloyd IF's weights", deepfloyd_met, DEEPFLOYD_HOWTO_MD},
};

enum { NEEDS_WHAT };
static const ArgSpec needs_args[] = {
    [NEEDS_WHAT] = {
        .name = "what",
        .types = VT_WORD | VT_STRING,
        .doc = "what the cell needs: deepfloyd (DeepFloyd IF's weights)",
    },
};

static const Need *need_named(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(needs); i++)
        if (!strcmp(needs[i].name, name))
            return &needs[i];
    return NULL;
}

/* The how-to (first time this session) or the one-line note, as markdown
 * marked {"diffuse": {"needs": name}} so tools can tell it from the cell's
 * own output. */
static dk_status tell(CallCtx *cx, const Need *need, unsigned bit,
                      const char *why)
{
    StrBuf md;
    strbuf_init(&md);
    if (cx->in->needs_told & bit) {
        strbuf_printf(&md, "*Skipped: this cell needs %s (`needs %s`), and "
                      "%s. The first cell skipped in this session says how "
                      "to get them.*\n", need->what, need->name, why);
    } else {
        strbuf_printf(&md, "**Skipped: this cell needs %s** (`needs %s`), "
                      "and %s. The rest of the notebook runs on; every "
                      "cell that starts with `needs %s` is skipped the "
                      "same way.\n\nTo run these cells:\n\n%s\n", need->what,
                      need->name, why, need->name, need->howto);
    }
    json_t *data = md.oom ? NULL : json_pack("{s:s, s:s}", "text/markdown", md.s,
                                             "text/plain", md.s);
    json_t *meta = json_pack("{s:{s:s}}", "diffuse", "needs", need->name);
    strbuf_free(&md);
    if (!data || !meta) {
        json_decref(data);
        json_decref(meta);
        return cx_oom(cx);
    }
    cx_display(cx, data, meta);
    cx->in->needs_told |= bit;
    return DK_OK;
}

static dk_status cmd_needs(CallCtx *cx, Value **args, Value **out)
{
    const char *name = args[NEEDS_WHAT]->as.str.bytes;
    const Need *need = need_named(name);
    if (!need) {
        dk_status rc = cx_error(cx, NEEDS_WHAT, DK_ERR_ARG, "needs knows no "
                                "'%s'", name);
        StrBuf known;
        strbuf_init(&known);
        for (size_t i = 0; i < ARRAY_LEN(needs); i++)
            strbuf_printf(&known, "%s%s (%s)", i ? ", " : "", needs[i].name,
                          needs[i].what);
        dk_err_hint(cx->err, "it knows: %s", strbuf_cstr(&known));
        strbuf_free(&known);
        return rc;
    }
    char why[DEEPFLOYD_PATH + 256];
    if (need->met(why, sizeof why))
        return DK_OK;
    const unsigned bit = 1u << (need - needs);
    dk_status rc = tell(cx, need, bit, why);
    return rc == DK_OK ? DK_END : rc;
}

static const Command commands[] = {
    {
        .name = "needs",
        .group = "Basics",
        .summary = "Skip the rest of the cell unless something it needs is here.",
        .help = "Put it first in a cell that needs what the machine may lack. "
                "`needs deepfloyd`: when DeepFloyd IF's weights are found "
                "(the folder the environment variable DIFFUSE_DEEPFLOYD names, "
                "as `deepfloyd` reads it) it does nothing and the cell runs. "
                "When not, the rest of the cell is skipped, with no error, so "
                "the notebook carries on; the first such cell of a session "
                "says how to get the weights (a free licence on Hugging "
                "Face), later ones say in one line that they were skipped. "
                "Variables keep their values. The Part A notebooks' "
                "\"On DeepFloyd IF\" sections start every cell with it.",
        .example = "needs deepfloyd\n"
                   "print \"DeepFloyd IF's weights are in\" (env \"DIFFUSE_DEEPFLOYD\")",
        .args = needs_args,
        .nargs = ARRAY_LEN(needs_args),
        .fn = cmd_needs,
    },
};

const CommandTable cmd_needs_table = {commands, ARRAY_LEN(commands)};
