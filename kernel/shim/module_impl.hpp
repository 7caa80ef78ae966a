/*
 * module_impl.hpp: the ts_module handle, shared by the shim's model files
 * (private to kernel/shim).
 *
 * A ts_module is one network of any kind: `net` is the torch::nn::Module
 * the generic ts_module_* functions (unet.cpp) work on, and exactly one of
 * the typed pointers says which model it is, for the functions that need
 * its forward: `partb` for the Part B UNets (unet.cpp), `ifunet` for
 * DeepFloyd IF's UNet (if_unet.cpp).
 */
#ifndef DK_MODULE_IMPL_HPP
#define DK_MODULE_IMPL_HPP

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

struct UNetImpl;    /* unet.cpp */
struct IfUNetImpl;  /* if_unet.cpp */

struct ts_module {
    std::shared_ptr<torch::nn::Module> net;
    std::shared_ptr<UNetImpl> partb;
    std::shared_ptr<IfUNetImpl> ifunet;
    /* The state_dict in order: names owned here for ts_module_state_get. */
    std::vector<std::pair<std::string, at::Tensor>> state;
};

/* Rebuild m->state from m->net (after creation or a move). */
void ts_module_refresh_state(ts_module *m);

#endif
