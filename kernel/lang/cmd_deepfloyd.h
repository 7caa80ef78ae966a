/*
 * cmd_deepfloyd.h: the DeepFloyd IF model value (cmd_deepfloyd.c), which
 * the Part A commands take beside the Part B UNets.
 *
 * Ownership: deepfloyd_of borrows from the Value, valid while it lives.
 */
#ifndef DK_CMD_DEEPFLOYD_H
#define DK_CMD_DEEPFLOYD_H

#include "../diffusion/deepfloyd.h"
#include "registry.h"

/* The DeepFloyd inside a model value, or NULL for any other value. */
DeepFloyd *deepfloyd_of(const Value *v);

#endif
