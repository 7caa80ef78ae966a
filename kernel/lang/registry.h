/*
 * registry.h: the commands of the language, as data.
 *
 * A command (`print`, `sleep`, later `noise`, `sample`, ...) is a Command
 * struct: its name, its group in `help`, a one-line summary, a paragraph of
 * help, an example cell, the specs of its arguments and a handler.  Each
 * command file (cmd_core.c, cmd_output.c, cmd_help.c, later cmd_image.c
 * ...) exports one CommandTable; registry.c lists the tables in one place.
 * The same data drives the parser (is this name a command?), the evaluator
 * (binding and checking arguments), `help`, completion, inspection,
 * interp_reference_markdown() and interp_commands_json().
 *
 * Adding a command file:
 *   1. In kernel/lang/cmd_foo.c write the handlers and
 *        static const ArgSpec noise_args[] = {
 *            {"image", VT_OBJECT, NULL, "the clean image", "image"},
 *            {"t", VT_NUMBER, "500", "timestep, 0..999", NULL},
 *        };
 *        static const Command commands[] = {
 *            {"noise", "Forward process", "Add noise ...", "help ...",
 *             "x = noise img t=250", noise_args, 2, 0, cmd_noise, 0},
 *        };
 *        const CommandTable cmd_foo_table = {commands, 1};
 *   2. Declare `extern const CommandTable cmd_foo_table;` below and add
 *      &cmd_foo_table to the list in registry.c.
 *   3. Run scripts/update-reference.sh (the reference test checks it).
 *
 * Calling convention.  A user writes `noise img t=250`: positional
 * arguments fill the specs in order, keyword arguments fill them by name,
 * missing ones take their default (source text in this language, e.g.
 * "500", "false", "[1, 2]", "none", evaluated once and cached), and a spec
 * with no default is required.  The evaluator reports arity, type and
 * unknown-keyword errors itself, with the command's usage line as hint, so
 * a handler receives exactly `nargs` values of accepted types in spec
 * order.  With `variadic` set, the LAST spec collects every remaining
 * positional argument into one list (possibly empty); `types` then applies
 * to each item.  Positional arguments then fill only the leading required
 * specs: optional specs before the variadic one are given by keyword
 * (`show a b title="t"`).
 *
 * Handler contract: dk_status fn(CallCtx *cx, Value **args, Value **out).
 *   - args[i] are BORROWED; never NULL; args[i] is none only when none was
 *     given or is the default.
 *   - On success set *out to a NEW reference, or leave it NULL for "no
 *     value" (shown as nothing; the statement's value is none).
 *   - On failure return the status from cx_error (or dk_err_set on
 *     cx->err) and leave *out NULL.  The evaluator adds the call's span
 *     when the handler gave none.
 *   - Output only through the cx_ helpers (never stdout): they go to the
 *     notebook through the Outlet.
 *   - Long loops poll dk_interrupted() (util/interrupt.h) and return
 *     DK_ERR_INTERRUPTED "interrupted by the user".
 */
#ifndef DK_REGISTRY_H
#define DK_REGISTRY_H

#include <jansson.h>
#include <stddef.h>

#include "../util/err.h"
#include "interp.h"
#include "strbuf.h"
#include "value.h"

/* An extra bit in ArgSpec.types: a bare word in this position is taken as
 * its text instead of being evaluated (`help print`, `del x`).  The
 * handler receives a string. */
#define VT_WORD 0x100u

typedef struct ArgSpec {
    const char *name;        /* keyword name, also used in messages */
    unsigned types;          /* VT_ mask of accepted kinds (+ VT_WORD) */
    const char *default_src; /* source text of the default; NULL: required */
    const char *doc;         /* one sentence for help and inspect */
    const char *objtype;     /* for VT_OBJECT: required ObjType name, or
                                NULL for any object */
} ArgSpec;

typedef struct CallCtx CallCtx;
typedef dk_status (*CommandFn)(CallCtx *cx, Value **args, Value **out);

/* Flags of a Command. */
#define CMD_BLOCKS 0x1u /* may wait (sleep, ask): fails fast in a sandbox */

typedef struct Command {
    const char *name;     /* lower-case word: [a-z_][a-z0-9_]* */
    const char *group;    /* heading in help: "Basics", "Output", ... */
    const char *summary;  /* one line, starts with a verb, ends with '.' */
    const char *help;     /* a paragraph of markdown */
    const char *example;  /* a cell that runs */
    const ArgSpec *args;  /* nargs specs, in positional order */
    int nargs;
    int variadic;         /* the last spec collects remaining positionals */
    CommandFn fn;
    unsigned flags;       /* CMD_ */
} Command;

typedef struct CommandTable {
    const Command *commands;
    size_t count;
} CommandTable;

/* The tables registry.c knows (one per command file). */
extern const CommandTable cmd_core_table;
extern const CommandTable cmd_output_table;
extern const CommandTable cmd_help_table;
extern const CommandTable cmd_image_table;
extern const CommandTable cmd_backend_table;
extern const CommandTable cmd_diffusion_table;
extern const CommandTable cmd_plot_table;
extern const CommandTable cmd_model_table;
extern const CommandTable cmd_train_table;
extern const CommandTable cmd_sample_table;
extern const CommandTable cmd_data_table;

/* What a handler is given. All pointers are borrowed for the call. */
struct CallCtx {
    Interp *in;            /* the interpreter (variables: see eval.h) */
    const Outlet *out;     /* side effects; use the cx_ helpers */
    DkErr *err;            /* where to report failure */
    const Command *cmd;    /* the command being run */
    Span span;             /* the whole call in the cell */
    const Span *arg_spans; /* per spec; line 0 when the default was used */
};

/* --- lookup -------------------------------------------------------------- */

/* The command named name[0..len), or NULL.  O(log n). */
const Command *registry_find(const char *name, size_t len);
/* All commands sorted by name (borrowed, static), count in *n. */
const Command *const *registry_all(size_t *n);
/* The index of the spec called name in cmd, or -1. */
int registry_arg_index(const Command *cmd, const char *name, size_t len);

/* The default of spec `i` of cmd as a new reference (evaluated once, then
 * cached).  NULL with err set when the default does not evaluate (a bug
 * in the table; test_reference checks every default). */
Value *registry_default(const Command *cmd, int i, DkErr *err);

/* --- documentation ------------------------------------------------------ */

/* "clear [wait=false]", "print [values...]", "sleep seconds". */
void registry_usage(const Command *cmd, StrBuf *out);
/* One command's help as markdown: a heading of level `level` (2 = "##"),
 * usage, summary, help, an argument table and, when with_example, the
 * example in a fenced block. */
void registry_help_markdown(const Command *cmd, int level, int with_example,
                            StrBuf *out);
/* The same as plain text for text/plain. */
void registry_help_text(const Command *cmd, int with_example, StrBuf *out);

/* --- helpers for handlers ------------------------------------------------ */

/* Report an error about argument `arg` (spec index; -1: the whole call):
 * sets cx->err with the message, the argument's span (or the call's) and,
 * for DK_ERR_ARG/DK_ERR_TYPE, the usage line as hint.  Returns code. */
dk_status cx_error(CallCtx *cx, int arg, dk_status code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Text to "stdout" or "stderr". */
void cx_stream(CallCtx *cx, const char *name, const char *text, size_t len);
/* display_data; takes the reference to data (and metadata, may be NULL). */
void cx_display(CallCtx *cx, json_t *data, json_t *metadata);
void cx_clear(CallCtx *cx, int wait);
/* One line from the user; malloc'd, or NULL with cx->err set. */
char *cx_input(CallCtx *cx, const char *prompt, int password);
/* Non-zero when the interpreter may not block (fuzzing, tests). */
int cx_sandboxed(const CallCtx *cx);

#endif
