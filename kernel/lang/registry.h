/*
 * registry.h: the commands of the language, as data.
 *
 * A command (`print`, `sleep`, `forward`, `sample_digits`, ...) is a
 * Command struct: its name, its group in `help`, a one-line summary, a
 * paragraph of help, an example cell, the specs of its arguments and a
 * handler.  Each command file (cmd_core.c, cmd_output.c, cmd_image.c, ...)
 * exports one CommandTable; registry.c lists the tables in one place.
 * The same data drives the parser (is this name a command?), the evaluator
 * (binding and checking arguments), `help`, completion, inspection,
 * interp_reference_markdown() and interp_commands_json().
 *
 * Adding a command file:
 *   1. In kernel/lang/cmd_foo.c write, for each command (here a made-up
 *      `blend`), an enum naming its arguments' indices, their specs
 *      designated by those names, and the handler, which indexes args by
 *      name (args[BLEND_T], never args[2]):
 *        enum { BLEND_A, BLEND_B, BLEND_T };
 *        static const ArgSpec blend_args[] = {
 *            [BLEND_A] = {.name = "a", .types = VT_OBJECT,
 *                         .doc = "the first image", .objtype = "image"},
 *            [BLEND_B] = {.name = "b", .types = VT_OBJECT,
 *                         .doc = "the second image", .objtype = "image"},
 *            [BLEND_T] = {.name = "t", .types = VT_NUMBER,
 *                         .default_src = "0.5", .doc = "b's share, 0..1"},
 *        };
 *        static dk_status cmd_blend(CallCtx *cx, Value **args, Value **out)
 *        {
 *            double t = args[BLEND_T]->as.number;
 *            if (!(t >= 0 && t <= 1))
 *                return cx_error(cx, BLEND_T, DK_ERR_ARG, "t=%g is not in "
 *                                "0..1", t);
 *            ...
 *        }
 *      and at the end of the file the table, counts taken from the arrays
 *      (util/array.h) so they cannot drift from what is typed into them:
 *        static const Command commands[] = {
 *            {.name = "blend", .group = "Images",
 *             .summary = "Mix two images.", .help = "...",
 *             .example = "blend a b t=0.25", .args = blend_args,
 *             .nargs = ARRAY_LEN(blend_args), .fn = cmd_blend},
 *        };
 *        const CommandTable cmd_foo_table = {commands, ARRAY_LEN(commands)};
 *      Fields left out are zero: no default (a required argument), any
 *      object type, not variadic, no flags.
 *   2. Declare `extern const CommandTable cmd_foo_table;` below and add
 *      &cmd_foo_table to the list in registry.c.
 *   3. Run scripts/update-reference.sh (the reference test checks it).
 *
 * Calling convention.  A user writes `blend a b t=0.25`: positional
 * arguments fill the specs in order, keyword arguments fill them by name,
 * missing ones take their default (source text in this language, e.g.
 * "0.5", "false", "[1, 2]", "none", evaluated once and cached), and a spec
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
 *     given or is the default.  Index them by the command's enum.
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
#include <stdint.h>

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
/* The libtorch API (backend/backend.h) and an image tensor
 * (diffusion/image.h), for the helpers below; command files that use
 * them include those headers. */
typedef struct TsApi TsApi;
typedef struct DImage DImage;
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
extern const CommandTable cmd_denoise_table;
extern const CommandTable cmd_tensor_table;
extern const CommandTable cmd_estimate_table;
extern const CommandTable cmd_deepfloyd_table;
extern const CommandTable cmd_needs_table;

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

/* The session's seeded tensor stream (diffusion/rng.h), owned by the
 * interpreter: its generator (borrowed until the next `seed`), created on
 * first use; NULL with cx->err set when the backend refuses.  And the
 * last `seed` value: 1 and *seed set when `seed` was called. */
typedef struct ts_generator ts_generator;
ts_generator *cx_generator(CallCtx *cx, const TsApi *api);
int cx_last_seed(const CallCtx *cx, uint64_t *seed);
/* Seed the stream (and libtorch's global generators): `seed N`. */
dk_status cx_seed(CallCtx *cx, const TsApi *api, uint64_t seed);

/* Report running out of memory (DK_ERR_OOM "out of memory", dk_err_oom)
 * at the whole call; returns DK_ERR_OOM.  For `return *out ? DK_OK :
 * cx_oom(cx);` after a constructor that failed. */
dk_status cx_oom(CallCtx *cx);

/* Load the libtorch backend (first use: a second or two) into *api
 * (borrowed, valid for the life of the process).  A failure (the backend
 * is not installed or does not load: DK_ERR_TORCH with a hint) is
 * reported as an error of the whole call; *api is then NULL. */
dk_status cmd_api(CallCtx *cx, const TsApi **api);

/* Argument `arg` (spec index) as an integer in lo..hi into *out.  A value
 * that is not a whole number, or is out of range, is DK_ERR_ARG naming
 * the argument, at its span; *out is then unchanged.  v is usually
 * args[arg], or an item of it. */
dk_status int_arg(CallCtx *cx, int arg, const Value *v, long lo, long hi,
                  long *out);

/* Argument `arg` (spec index) as a list of images: one image, or a list
 * of images (a list nested one level deeper is flattened, so `show noisy
 * blurred` works).  On success *out is a malloc'd array the caller frees,
 * its n >= 1 items borrowed from v (valid while v lives).  Otherwise
 * DK_ERR_TYPE naming the argument and the bad item, DK_ERR_ARG when it
 * holds no image, or DK_ERR_OOM; *out is then NULL and *n 0.  Defined in
 * cmd_image.c, beside the image type. */
dk_status images_arg(CallCtx *cx, int arg, const Value *v,
                     const DImage ***out, size_t *n);

#endif
