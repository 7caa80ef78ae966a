/*
 * cmd_help.h: help texts built from the command registry, shared by the
 * `help` command, interp_inspect and interp_reference_markdown.
 *
 * Ownership: every function appends to the caller's StrBuf or returns a
 * new JSON reference the caller owns.
 */
#ifndef DK_CMD_HELP_H
#define DK_CMD_HELP_H

#include <jansson.h>

#include "registry.h"
#include "strbuf.h"

/* The generated command reference (the part of REFERENCE.md below the
 * marker): every group, every command with its arguments and example. */
void cmd_help_reference(StrBuf *out);

/* {"text/markdown", "text/plain"} for one command; with_example adds it. */
json_t *cmd_help_bundle(const Command *cmd, int with_example);

/* {"text/markdown", "text/plain"} for a variable: its type and summary. */
json_t *cmd_help_variable_bundle(const char *name, const Value *v);

/* {"text/markdown": md, "text/plain": text} as a new object; frees both
 * buffers either way.  NULL when out of memory. */
json_t *cmd_help_text_bundle(StrBuf *md, StrBuf *text);

#endif
