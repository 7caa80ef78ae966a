/*
 * cmd_data.h: the `dataset` value type (cmd_data.c), for command files
 * that take a data set as an argument (training: `train_fm model train`).
 *
 * A dataset value wraps a diffusion-layer Dataset (diffusion/mnist.h): 8-bit
 * images with labels.  It shows as a grid of its first 40 images captioned
 * with their labels, with the text/plain "MNIST train: 60000 images 28x28,
 * 10 classes"; fields: count, classes, width, height, name, mean,
 * class_counts.
 *
 * Ownership: dataset_value takes over one reference to ds (dropped on OOM
 * too) and returns a new Value reference; dataset_of borrows from the
 * Value, valid while it lives (dataset_ref it to keep it longer).  In a
 * command's ArgSpec, ask for {..., VT_OBJECT, ..., "dataset"}.
 */
#ifndef DK_CMD_DATA_H
#define DK_CMD_DATA_H

#include "../diffusion/mnist.h"
#include "value.h"

extern const ObjType dataset_objtype;

/* A new dataset value owning one reference to ds; NULL when out of memory. */
Value *dataset_value(Dataset *ds);
/* The Dataset inside a dataset value, or NULL for any other value. */
Dataset *dataset_of(const Value *v);

#endif
