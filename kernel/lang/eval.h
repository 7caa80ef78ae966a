/*
 * eval.h: the interpreter's insides and the tree walker.
 *
 * struct Interp is shared by the files of kernel/lang (commands read and
 * change variables through it); the protocol layer only sees the opaque
 * handle of interp.h.  Evaluation walks the tree of ast.h, looks names up
 * in the VarTable, and calls commands through the registry after binding
 * and checking their arguments once, generically.
 *
 * Ownership: eval_* return NEW references in *out; on failure *out is NULL
 * and err is set with a span inside the cell.
 */
#ifndef DK_EVAL_H
#define DK_EVAL_H

#include <stdint.h>

#include "../diffusion/rng.h"
#include "ast.h"
#include "interp.h"
#include "lexer.h"
#include "parser.h"
#include "vars.h"

/* Size limits keep one cell from eating the machine (or the fuzzer). */
#define EVAL_MAX_ITEMS 10000000u     /* items in one list */
#define EVAL_MAX_BYTES (256u << 20)  /* bytes in one string */

/* The stream an unseeded `sample_digits` draws its permutations from
 * (cmd_data.c): a base seed, taken from the last `seed` (diffusion/rng.h)
 * or picked once, and the number of draws taken since. */
typedef struct DrawStream {
    uint64_t base;     /* the stream's seed */
    uint64_t calls;    /* draws taken from it */
    uint64_t seen;     /* the `seed` value base was taken from */
    int have;          /* base is set */
    int had_seed;      /* base came from `seed` (else it was picked) */
} DrawStream;

/* Random state: the interpreter is its one owner.  `seed` seeds rng, the
 * tensor stream that forward, generate, sample, randn ... draw from
 * (commands hand its generator down to the diffusion layer), and the
 * permutation stream of sample_digits (digits) takes its base from it.
 * The protocol keeps its own generator for message ids (proto/msg.h). */
struct Interp {
    VarTable *vars;
    Arena arena;       /* the tree of the cell being run; reset per cell */
    TokenVec toks;     /* its tokens; buffer reused */
    int sandbox;       /* interp_set_sandbox: no blocking, small limits */
    size_t max_items;
    size_t max_bytes;
    DrawStream digits; /* sample_digits without seed= */
    Rng rng;           /* the session's seeded tensor stream */
    const char *cell_src; /* the cell being run (borrowed; def copies it) */
    size_t max_steps;  /* statements and loop turns per cell; 0: no limit */
    size_t steps;      /* taken by the cell being run */
    unsigned needs_told; /* `needs` requirements whose how-to was shown (a
                            bit each): the full text once per session */
};

/* Lex and parse src into in's arena (after resetting it).  `expression`
 * parses exactly one expression.  Diagnostics end up in prog. */
void eval_parse(Interp *in, const char *src, int expression, Program *prog);

/* Run the statements of prog.  *last gets the value of the last statement
 * when it is a bare expression (a new reference; none when it gave no
 * value), else NULL.  Stops at the first error.  A command that returns
 * DK_END (`needs`) ends the program early with DK_OK and *last NULL,
 * wherever it ran (inside a function, a loop or an expression). */
dk_status eval_program(Interp *in, const Program *prog, const Outlet *out,
                       Value **last, DkErr *err);

/* Evaluate a constant expression (a command's default) with no variables
 * and no output.  *out is a new reference. */
dk_status eval_constant(const char *src, Value **out, DkErr *err);

/* The inclusive range from..to (by step, or +1/-1 toward `to` when by is
 * NULL) as a new list in *out.  ValueError for a zero step, a step that
 * never reaches `to`, or more numbers than the interpreter allows. */
dk_status eval_range(const Interp *in, double from, double to,
                     const double *by, Value **out, DkErr *err);

/* An Outlet that drops all output and refuses input. */
extern const Outlet eval_null_outlet;

/* Unknown name: sets a NameError with "did you mean" over the variables,
 * the commands and the keywords. */
dk_status eval_unknown_name(Interp *in, const char *name, Span span,
                            DkErr *err);

#endif
