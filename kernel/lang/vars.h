/*
 * vars.h: the variables of an interpreter, a hash table from name to Value.
 *
 * Variables persist across cells: the Interp keeps one VarTable for its
 * whole life.  Names are copied in; values are held by reference.
 *
 * Ownership: vars_set takes over the caller's reference to v on success
 * and on failure alike (so the caller never unrefs after the call).
 * vars_get returns a BORROWED reference, valid until the variable is
 * reassigned or deleted.  vars_names returns a malloc'd array of borrowed
 * names (valid until the table changes) that the caller frees.
 */
#ifndef DK_VARS_H
#define DK_VARS_H

#include <stddef.h>

#include "../util/err.h"
#include "value.h"

typedef struct VarTable VarTable;

/* NULL only when out of memory. */
VarTable *vars_new(void);
void vars_free(VarTable *t);

/* The value of name, or NULL when unset.  Borrowed. */
Value *vars_get(const VarTable *t, const char *name);

/* Bind name to v (reference taken).  DK_OK, or DK_ERR_OOM. */
dk_status vars_set(VarTable *t, const char *name, Value *v);

/* Remove name.  Returns 1 when it existed, 0 otherwise. */
int vars_del(VarTable *t, const char *name);

size_t vars_count(const VarTable *t);

/* All names, sorted, in a malloc'd array of *n borrowed strings; NULL with
 * *n == 0 when there are none (or out of memory). */
const char **vars_names(const VarTable *t, size_t *n);

#endif
