/*
 * cmd_model.h: the `model` value type (cmd_model.c), shared by the Part B
 * command files (cmd_model.c, cmd_train.c, cmd_sample.c).
 *
 * A model value wraps a diffusion-layer Model (diffusion/model.h): a UNet
 * with its training record.  Unlike other values it is mutable: `train`
 * changes the model in place (every variable naming it sees the trained
 * weights), as a PyTorch module does.  It shows as one line, "class-
 * conditioned UNet, D=64, 2,019,201 parameters, 10 epochs trained", plus
 * its loss curve once trained; fields: kind, hidden, params, epochs,
 * steps, losses, loss, lr, seed.
 *
 * Ownership: model_value takes the Model (freed on OOM too); model_of
 * borrows from the Value, valid while it lives.
 */
#ifndef DK_CMD_MODEL_H
#define DK_CMD_MODEL_H

#include "../diffusion/model.h"
#include "registry.h"

extern const ObjType model_objtype;

Value *model_value(Model *m);
/* The Model inside a model value, or NULL for any other value (also for
 * DeepFloyd IF, whose value is a "model" too: cmd_deepfloyd.h). */
Model *model_of(const Value *v);

/* The Part B UNet of argument `arg`: DK_ERR_TYPE at the argument when v
 * is DeepFloyd IF, which the Part B commands do not take. */
dk_status partb_model_arg(CallCtx *cx, int arg, const Value *v, Model **m);

/* The loss curve of m as a plot bundle (NULL when it has no losses). */
json_t *model_loss_plot(const Model *m, const char *title, json_t **meta);

#endif
