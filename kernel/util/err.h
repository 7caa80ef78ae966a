/*
 * err.h: the one error type every layer of the kernel returns.
 *
 * A failing function returns a dk_status other than DK_OK and fills the
 * caller's DkErr with a message, an optional hint on how to fix it, and an
 * optional source span inside the cell.  The protocol layer turns a DkErr
 * into a Jupyter `error` output (ename from dk_status_name, the message, and
 * a traceback with a caret under the span).  Nothing is printed to stderr:
 * an error goes to the notebook.
 *
 * Ownership: a DkErr owns its msg and hint (malloc'd).  dk_err_clear frees
 * them and resets the struct; it is safe on a zeroed or cleared DkErr.
 */
#ifndef DK_ERR_H
#define DK_ERR_H

#include <stddef.h>

typedef enum {
    DK_OK = 0,
    DK_ERR_SYNTAX,      /* the cell does not parse */
    DK_ERR_NAME,        /* unknown variable, command or keyword */
    DK_ERR_TYPE,        /* a value of the wrong kind */
    DK_ERR_ARG,         /* missing, extra or out-of-range argument */
    DK_ERR_VALUE,       /* right kind, unusable value (e.g. division by zero) */
    DK_ERR_IO,          /* a file could not be read or written */
    DK_ERR_FORMAT,      /* a file's content is not what it claims to be */
    DK_ERR_SHAPE,       /* tensor shapes do not fit */
    DK_ERR_OOM,         /* out of (GPU) memory */
    DK_ERR_INTERRUPTED, /* the user interrupted the kernel */
    DK_ERR_TORCH,       /* libtorch raised an error we did not foresee */
    DK_ERR_ASSERT,      /* an `assert` in the cell failed */
    DK_ERR_STDIN,       /* input was asked for where the frontend gives none */
    DK_ERR_INTERNAL,    /* a bug in the kernel itself */
    /* Not an error: a `needs` guard ended the cell early (its requirement
     * is missing).  It unwinds like an error, so nothing after the guard
     * runs and no assignment around it completes; the language's evaluator
     * turns it into DK_OK, so it never leaves kernel/lang.  msg is unset. */
    DK_END
} dk_status;

/* A region of the cell: 1-based line and column (columns count code
 * points), and its length in code points (0 = a point). line == 0 means
 * "no location". */
typedef struct Span {
    int line;
    int col;
    int len;
} Span;

typedef struct DkErr {
    dk_status code;
    char *msg;   /* owned; one line, no trailing newline */
    char *hint;  /* owned or NULL; "did you mean ...", "run ./test.sh first" */
    Span span;   /* where in the cell, or line == 0 */
} DkErr;

/* Record an error and return its code, so `return dk_err_set(...)` reads
 * naturally.  Replaces any earlier message in e. */
dk_status dk_err_set(DkErr *e, dk_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The one out-of-memory error: DK_ERR_OOM "out of memory" (no allocation
 * needed to report it beyond the message itself).  Returns DK_ERR_OOM. */
dk_status dk_err_oom(DkErr *e);

/* Attach or replace the hint of an error already set. */
void dk_err_hint(DkErr *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefix the message with context ("step 12/33: ..."); keeps code and hint. */
void dk_err_prefix(DkErr *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Set the span only if none is set yet (the innermost location wins). */
void dk_err_at(DkErr *e, Span span);

/* Free msg and hint and zero the struct. */
void dk_err_clear(DkErr *e);

/* The Jupyter ename for a status: "SyntaxError", "NameError", ... */
const char *dk_status_name(dk_status code);

#endif
