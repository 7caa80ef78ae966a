/*
 * a1_5_sampling.c: sampling from pure noise (see a1_5_sampling.h).
 */
#include "a1_5_sampling.h"

dk_status sample_from_noise(Denoiser *d, int n, const DenoiseRun *run,
                            ts_tensor **out, ts_tensor ***frames,
                            int **frame_t, int *nframes, DkErr *err)
{
    *out = NULL;
    const int64_t shape[4] = {n, d->channels, d->height, d->width};
    ts_tensor *z = NULL;
    ts_status st = d->api->tensor_randn(&z, shape, 4, TS_F32,
                                        TS_DEVICE_DEFAULT, run->g);
    if (st != TS_OK)
        return backend_error(d->api, st, err);
    DenoiseRun from_noise = *run;
    from_noise.i_start = 0;
    dk_status rc = iterative_denoise(d, z, &from_noise, out, frames, frame_t,
                                     nframes, err);
    d->api->tensor_free(z);
    return rc;
}
