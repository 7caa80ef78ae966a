"""DeepFloyd IF references from diffusers, for tests/unit/test_if_pipeline.c.

Writes, next to this file:
  tiny/IF-I-tiny-v1.0/unet/{config.json, diffusion_pytorch_model.fp16.safetensors}
  tiny/IF-II-tiny-v1.0/unet/{config.json, diffusion_pytorch_model.fp16.safetensors}
      random UNets with the block types of IF-I-XL and IF-II-L (their
      config keys, channel widths cut down), in the Hugging Face folder
      layout and the fp16 variant the course downloads, so the kernel
      loads them as it loads the real ones (the references run in float32
      on the same float16-rounded weights).  Each has one level more
      than it needs, plain ResNet levels on top and its two attention
      levels at the bottom, so that the notebooks' 64 and 256 px runs
      attend over 16x16 and 8x8 tokens, not 32x32: attention over 1024
      tokens was most of a CPU run's time;
  tiny/prompt_embeds_dict.pth
      the prompt fixture of make_prompts.py (width 64 = encoder_hid_dim),
      when there is none yet;
  reference.json
      diffusers' DDPMScheduler (IF's configuration) set_timesteps and step
      outputs, and the stock IFPipeline and IFSuperResolutionPipeline run
      on the tiny UNets with fixed seeds (stage I at 16 px, stage II at 64
      px, overriding the configs' 64 and 256 to keep the file small; at
      64 px stage II still attends over 4x4 and 2x2 tokens), and
      the course's own strided loop (Part A 1.6: CFG with γ = 7 over 990,
      960, ..., 0, add_variance through set_timesteps(timesteps=...)) at
      64 px from i_start = 20, with its noise drawn from one generator
      (the start's first 48 numbers, and the result).

Run from the repository root with a venv made from Debian's python3 (its
torch 1.13) with --system-site-packages and the pins below:
    /usr/bin/python3 -m venv --system-site-packages .venv-ref
    .venv-ref/bin/pip install "diffusers==0.27.2" "huggingface_hub<0.26" \
        safetensors "transformers==4.38.2"
    .venv-ref/bin/python tests/data/if/make_reference.py
"""
import json
import os
import shutil

import safetensors.torch  # noqa: F401 (diffusers 0.27 saves through it)
import torch
from diffusers import (DDPMScheduler, IFPipeline, IFSuperResolutionPipeline,
                       UNet2DConditionModel)

HERE = os.path.dirname(os.path.abspath(__file__))
TINY = os.path.join(HERE, "tiny")

# IF's scheduler_config.json (stage I); stage II differs in sample_max_value.
SCHED = dict(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2",
             prediction_type="epsilon", variance_type="learned_range",
             thresholding=True, dynamic_thresholding_ratio=0.95,
             sample_max_value=1.5, clip_sample=True, clip_sample_range=1.0)
NOISING = dict(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2")

COMMON = dict(out_channels=6, layers_per_block=1, attention_head_dim=8,
              cross_attention_norm="group_norm", encoder_hid_dim=64,
              encoder_hid_dim_type="text_proj", addition_embed_type="text",
              addition_embed_type_num_heads=4, resnet_time_scale_shift="scale_shift",
              act_fn="gelu", norm_num_groups=8, mid_block_type="UNetMidBlock2DSimpleCrossAttn")
STAGE1 = dict(COMMON, sample_size=64, in_channels=3, block_out_channels=(8, 16, 16, 16),
              down_block_types=("ResnetDownsampleBlock2D",) * 2 +
                               ("SimpleCrossAttnDownBlock2D",) * 2,
              up_block_types=("SimpleCrossAttnUpBlock2D",) * 2 +
                             ("ResnetUpsampleBlock2D",) * 2,
              cross_attention_dim=32)
STAGE2 = dict(COMMON, sample_size=256, in_channels=6,
              block_out_channels=(8, 8, 8, 16, 16, 16), layers_per_block=[1, 1, 1, 1, 2, 1],
              down_block_types=("ResnetDownsampleBlock2D",) * 4 +
                               ("SimpleCrossAttnDownBlock2D",) * 2,
              up_block_types=("SimpleCrossAttnUpBlock2D",) * 2 +
                             ("ResnetUpsampleBlock2D",) * 4,
              cross_attention_dim=32, class_embed_type="timestep",
              mid_block_scale_factor=1.4142271248762552,
              resnet_out_scale_factor=1.4142271248762552, resnet_skip_time_act=True,
              time_embedding_dim=32, time_embedding_act_fn="gelu")

PROMPT = "a high quality photo"


def flat(t):
    return [round(float(v), 8) for v in t.detach().float().flatten().tolist()]


def make_unet(cfg, seed, folder):
    torch.manual_seed(seed)
    unet = UNet2DConditionModel(**cfg).eval()
    # Random weights everywhere (diffusers zero-inits conv_out and some
    # projections), so every path shows in the output.
    with torch.no_grad():
        for p in unet.parameters():
            p.copy_((torch.randn_like(p) * 0.2).half().float())
    unet.half().save_pretrained(os.path.join(TINY, folder, "unet"), variant="fp16",
                                safe_serialization=True)
    return unet.float()


def scheduler_cases():
    out = {"timesteps": {}, "steps": []}
    for n in (10, 20, 30, 40, 50, 7):
        s = DDPMScheduler(**SCHED)
        s.set_timesteps(n)
        out["timesteps"][str(n)] = [int(t) for t in s.timesteps]
    g = torch.Generator().manual_seed(5)
    for max_value, n, t in ((1.5, 20, 950), (1.5, 20, 500), (1.5, 20, 0),
                            (1.0, 30, 957), (1.0, 30, 33), (1.5, 40, 25)):
        s = DDPMScheduler(**dict(SCHED, sample_max_value=max_value))
        s.set_timesteps(n)
        x = torch.randn(2, 3, 4, 4, generator=g) * 1.5
        eps = torch.randn(2, 3, 4, 4, generator=g)
        v = torch.rand(2, 3, 4, 4, generator=g) * 2 - 1
        seed = 1000 + t
        y = s.step(torch.cat([eps, v], 1), t, x,
                   generator=torch.Generator().manual_seed(seed)).prev_sample
        out["steps"].append(dict(max_value=max_value, n=n, t=t, seed=seed,
                                 x=flat(x), eps=flat(eps), v=flat(v), out=flat(y)))
    noising = DDPMScheduler(**NOISING)
    x = torch.randn(1, 3, 4, 4, generator=g)
    z = torch.randn(1, 3, 4, 4, generator=g)
    out["noise_image"] = dict(level=250, x=flat(x), noise=flat(z),
                              out=flat(noising.add_noise(x, z, torch.tensor([250]))))
    return out


def pipelines(unet1, unet2, prompts):
    emb = prompts[PROMPT].float()
    null = prompts[""].float()
    stage1 = IFPipeline(tokenizer=None, text_encoder=None, unet=unet1,
                        scheduler=DDPMScheduler(**SCHED), safety_checker=None,
                        feature_extractor=None, watermarker=None,
                        requires_safety_checker=False)
    stage2 = IFSuperResolutionPipeline(
        tokenizer=None, text_encoder=None, unet=unet2,
        scheduler=DDPMScheduler(**dict(SCHED, sample_max_value=1.0)),
        image_noising_scheduler=DDPMScheduler(**NOISING), safety_checker=None,
        feature_extractor=None, watermarker=None, requires_safety_checker=False)
    stage1.set_progress_bar_config(disable=True)
    stage2.set_progress_bar_config(disable=True)
    out = {}
    with torch.no_grad():
        img = stage1(prompt_embeds=emb, negative_prompt_embeds=null, num_inference_steps=10,
                     guidance_scale=7.0, height=16, width=16, output_type="pt",
                     generator=torch.Generator().manual_seed(100)).images
        out["stage1"] = dict(prompt=PROMPT, steps=10, guidance=7.0, size=16, seed=100,
                             out=flat(img))
        up = stage2(image=img, prompt_embeds=emb, negative_prompt_embeds=null,
                    num_inference_steps=5, guidance_scale=4.0, noise_level=250,
                    height=64, width=64, output_type="pt",
                    generator=torch.Generator().manual_seed(7)).images
        out["stage2"] = dict(prompt=PROMPT, steps=5, guidance=4.0, noise_level=250,
                             size=64, seed=7, image=flat(img), out=flat(up))
    return out


def course_loop(unet1, prompts):
    """iterative_denoise_cfg as the course writes it (its noise from g)."""
    strided = list(range(990, -1, -30))
    sched = DDPMScheduler(**SCHED)
    sched.set_timesteps(timesteps=strided)
    ac = sched.alphas_cumprod
    emb, null = prompts[PROMPT].float(), prompts[""].float()
    g = torch.Generator().manual_seed(3)
    x0 = torch.randn(1, 3, 64, 64, generator=g)
    i_start = 20
    x = x0
    with torch.no_grad():
        for i in range(i_start, len(strided) - 1):
            t, tp = strided[i], strided[i + 1]
            ab, abp = ac[t], ac[tp]
            alpha = ab / abp
            beta = 1 - alpha
            out_c = unet1(x, t, encoder_hidden_states=emb).sample
            out_u = unet1(x, t, encoder_hidden_states=null).sample
            eps_c, v = out_c.split(3, dim=1)
            eps_u = out_u[:, :3]
            eps = eps_u + 7.0 * (eps_c - eps_u)
            x0_hat = (x - (1 - ab).sqrt() * eps) / ab.sqrt()
            x = abp.sqrt() * beta / (1 - ab) * x0_hat + alpha.sqrt() * (1 - abp) / (1 - ab) * x
            var = sched._get_variance(t, v)
            x = x + torch.exp(0.5 * var) * torch.randn(x.shape, generator=g)
    # x0's first numbers show that the generator draws torch's stream (the
    # whole of x0 is checked through out, which depends on every number)
    return dict(prompt=PROMPT, guidance=7.0, i_start=i_start, seed=3, x_head=flat(x0)[:48],
                out=flat(x))


def main():
    for folder in ("IF-I-tiny-v1.0", "IF-II-tiny-v1.0"):
        shutil.rmtree(os.path.join(TINY, folder), ignore_errors=True)
    unet1 = make_unet(STAGE1, 1, "IF-I-tiny-v1.0")
    unet2 = make_unet(STAGE2, 2, "IF-II-tiny-v1.0")
    # the tiny folder's prompts are make_prompts.py's: copied from
    # prompts-tiny.pth only when missing, so prompts added there stay
    embeds = os.path.join(TINY, "prompt_embeds_dict.pth")
    if not os.path.exists(embeds):
        shutil.copy(os.path.join(HERE, "prompts-tiny.pth"), embeds)
    prompts = torch.load(embeds)
    ref = {"scheduler": scheduler_cases(), "pipelines": pipelines(unet1, unet2, prompts),
           "course_loop": course_loop(unet1, prompts),
           "params": {"stage1": sum(p.numel() for p in unet1.parameters()),
                      "stage2": sum(p.numel() for p in unet2.parameters())}}
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump(ref, f)


if __name__ == "__main__":
    main()
