/*
 * b1_denoiser.c: the single-step denoiser (see b1_denoiser.h; spec:
 * docs/part-b.md, "The single-step denoiser").  The course's training loop:
 *
 *     for x, _ in loader:                 # x: [B, 1, 28, 28] in [0, 1]
 *         z = x + sigma * torch.randn_like(x)
 *         loss = F.mse_loss(unet(z), x)
 *         opt.zero_grad(); loss.backward(); opt.step()
 *
 * (train.c runs the loop; this file makes the (input, target) pairs.)
 */
#include "b1_denoiser.h"

const double denoiser_sigmas[DENOISER_NSIGMAS] = {0.0, 0.2, 0.4, 0.5,
                                                  0.6, 0.8, 1.0};

dk_status denoiser_noise(const TsApi *api, const ts_tensor *x, double sigma,
                         ts_generator *g, ts_tensor **z, DkErr *err)
{
    ts_tensor *eps = NULL;
    ts_status st = api->tensor_randn_like(&eps, x, g);      /* [B, 1, H, W] */
    if (st == TS_OK)
        st = api->tensor_axpby(z, 1.0, x, sigma, eps);       /* x + sigma*eps */
    api->tensor_free(eps);
    return backend_error(api, st, err);
}

dk_status denoiser_input(const Model *m, const ts_tensor *x, double sigma,
                         ts_generator *g, ts_tensor **z, DkErr *err)
{
    *z = NULL;
    if (m->pure_noise)                                       /* z = eps */
        return backend_error(m->api, m->api->tensor_randn_like(z, x, g), err);
    return denoiser_noise(m->api, x, sigma, g, z, err);
}

dk_status denoiser_objective(const Model *m, const ts_tensor *x,
                             ts_generator *g, ts_tensor **input,
                             ts_tensor **target, DkErr *err)
{
    const TsApi *api = m->api;
    *input = *target = NULL;
    dk_status rc = denoiser_input(m, x, m->sigma, g, input, err);
    if (rc != DK_OK)
        return rc;
    /* The target is x itself: a new handle on the same tensor. */
    int64_t shape[4];
    int nd = 0;
    ts_status st = api->tensor_shape(x, shape, 4, &nd);
    if (st == TS_OK)
        st = api->tensor_reshape(target, x, shape, nd);
    if (st != TS_OK) {
        api->tensor_free(*input);
        *input = NULL;
    }
    return backend_error(api, st, err);
}

dk_status denoiser_apply(Model *m, const ts_tensor *z, ts_tensor **out,
                         DkErr *err)
{
    *out = NULL;
    if (m->cfg.kind != TS_UNET_PLAIN)
        return dk_err_set(err, DK_ERR_ARG, "this is a %s UNet; denoising "
                          "needs the single-step denoiser (unet \"denoiser\")",
                          model_kind_name(m->cfg.kind));
    ts_status st = m->api->unet_forward(out, m->net, z, NULL, NULL, NULL);
    return backend_error(m->api, st, err);                   /* [B, 1, H, W] */
}
