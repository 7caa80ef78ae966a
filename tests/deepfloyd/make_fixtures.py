#!/usr/bin/env python3
"""Fixtures for the native DeepFloyd IF UNet (kernel/shim/if_unet.cpp).

Builds tiny random UNet2DConditionModels with the block types of IF's real
stage I (IF-I-XL: ResnetDownsampleBlock2D then SimpleCrossAttnDownBlock2D x3,
scale-shift resnets, pooled-text embedding, text_proj) and stage II (IF-II-L:
6 input channels, the noise level as a "timestep" class embedding, a list
layers_per_block, output scale factors 1.414..., resnet_skip_time_act, GELU
on the time embedding), saves each in the Hugging Face folder layout, and
saves inputs with diffusers' outputs for tests/unit/test_if_unet.c.

Writes tests/data/deepfloyd/:
  stage1/unet/config.json
  stage1/unet/diffusion_pytorch_model.fp16.safetensors   the fp16 variant
                               only, as the course downloads it (the test
                               writes the float32 file from it: the same
                               numbers, twice the bytes to commit)
  stage1/io.safetensors        x, t, text, null; out_text, out_null (the
                               fp16 weights run in float32)
  stage2/unet/config.json
  stage2/unet/diffusion_pytorch_model.safetensors.index.json + 3 shards
  stage2/io.safetensors        the same plus noise_level
  variants/                    a third tiny UNet with the config options
                               IF's checkpoints leave at one value (plain
                               time addition, SiLU, ...), one shard
  full/IF-I-XL.json, full/IF-II-L.json   the real configs
  full/param_counts.json       diffusers' parameter counts of those two,
                               built on the meta device (no memory)

Run (Debian 12; diffusers from PyPI on Debian's torch 1.13):
  /usr/bin/python3 -m venv --system-site-packages /tmp/ifvenv
  /tmp/ifvenv/bin/pip install -r tests/deepfloyd/requirements.txt
  /tmp/ifvenv/bin/python tests/deepfloyd/make_fixtures.py
"""
import json
import os
import shutil
import sys

import torch
from diffusers import UNet2DConditionModel
from safetensors.torch import save_file

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "deepfloyd")

# The real stage I config, IF-I-XL-v1.0's unet/config.json (diffusers keys).
IF_I_XL = {
    "_class_name": "UNet2DConditionModel",
    "act_fn": "gelu",
    "addition_embed_type": "text",
    "addition_embed_type_num_heads": 64,
    "attention_head_dim": 64,
    "block_out_channels": [704, 1408, 2112, 2816],
    "center_input_sample": False,
    "class_embed_type": None,
    "class_embeddings_concat": False,
    "conv_in_kernel": 3,
    "conv_out_kernel": 3,
    "cross_attention_dim": 2816,
    "cross_attention_norm": "group_norm",
    "down_block_types": ["ResnetDownsampleBlock2D", "SimpleCrossAttnDownBlock2D",
                         "SimpleCrossAttnDownBlock2D", "SimpleCrossAttnDownBlock2D"],
    "downsample_padding": 1,
    "dual_cross_attention": False,
    "encoder_hid_dim": 4096,
    "encoder_hid_dim_type": "text_proj",
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "in_channels": 3,
    "layers_per_block": 3,
    "mid_block_only_cross_attention": None,
    "mid_block_scale_factor": 1,
    "mid_block_type": "UNetMidBlock2DSimpleCrossAttn",
    "norm_eps": 1e-05,
    "norm_num_groups": 32,
    "num_class_embeds": None,
    "only_cross_attention": False,
    "out_channels": 6,
    "projection_class_embeddings_input_dim": None,
    "resnet_out_scale_factor": 1.0,
    "resnet_skip_time_act": False,
    "resnet_time_scale_shift": "scale_shift",
    "sample_size": 64,
    "time_cond_proj_dim": None,
    "time_embedding_act_fn": None,
    "time_embedding_dim": None,
    "time_embedding_type": "positional",
    "timestep_post_act": None,
    "up_block_types": ["SimpleCrossAttnUpBlock2D", "SimpleCrossAttnUpBlock2D",
                       "SimpleCrossAttnUpBlock2D", "ResnetUpsampleBlock2D"],
    "upcast_attention": False,
    "use_linear_projection": False,
}

# The real stage II config, IF-II-L-v1.0.  time_embedding_dim (1280),
# time_embedding_act_fn ("gelu") and sample_size (256) were not seen in a
# copy of the checkpoint's file: they are the values diffusers' conversion
# script (scripts/convert_if.py) writes for this model.
IF_II_L = dict(IF_I_XL)
IF_II_L.update({
    "block_out_channels": [160, 320, 640, 960, 1280],
    "class_embed_type": "timestep",
    "cross_attention_dim": 1280,
    "down_block_types": ["ResnetDownsampleBlock2D"] * 3 + ["SimpleCrossAttnDownBlock2D"] * 2,
    "in_channels": 6,
    "layers_per_block": [2, 2, 3, 5, 5],
    "mid_block_scale_factor": 1.4142271248762552,
    "resnet_out_scale_factor": 1.4142271248762552,
    "resnet_skip_time_act": True,
    "sample_size": 256,
    "time_embedding_act_fn": "gelu",
    "time_embedding_dim": 1280,
    "up_block_types": ["SimpleCrossAttnUpBlock2D"] * 2 + ["ResnetUpsampleBlock2D"] * 3,
})

# Tiny versions: the same keys and block types, narrow.  Widths are
# multiples of norm_num_groups; cross_attention_dim is a multiple of 32,
# the group count of the attention's norm_cross; the text is 64 wide.
TINY_I = dict(IF_I_XL)
TINY_I.update({
    "block_out_channels": [8, 16, 24, 32],
    "layers_per_block": 1,
    "attention_head_dim": 8,
    "cross_attention_dim": 32,
    "encoder_hid_dim": 64,
    "addition_embed_type_num_heads": 4,
    "norm_num_groups": 8,
    "sample_size": 16,
})
TINY_II = dict(IF_II_L)
TINY_II.update({
    "block_out_channels": [8, 8, 16, 16, 24],
    "layers_per_block": [1, 1, 1, 2, 1],
    "attention_head_dim": 8,
    "cross_attention_dim": 32,
    "encoder_hid_dim": 64,
    "addition_embed_type_num_heads": 4,
    "norm_num_groups": 8,
    "time_embedding_dim": 24,
    "sample_size": 32,
})

# Not IF, but the same family: the options IF's configs leave at one value
# and the native UNet still reads (plain time addition, SiLU, no norm on the
# prompt tokens, centring the input, per-block lists, three levels).
VARIANTS = dict(TINY_I)
VARIANTS.update({
    "act_fn": "silu",
    "resnet_time_scale_shift": "default",
    "cross_attention_norm": None,
    "center_input_sample": True,
    "block_out_channels": [8, 16, 24],
    "layers_per_block": [1, 2, 1],
    "attention_head_dim": [8, 8, 12],
    "cross_attention_dim": 24,
    "encoder_hid_dim": 32,
    "addition_embed_type_num_heads": 2,
    "time_embedding_act_fn": "silu",
    "time_embedding_dim": 40,
    "down_block_types": ["ResnetDownsampleBlock2D", "SimpleCrossAttnDownBlock2D",
                         "SimpleCrossAttnDownBlock2D"],
    "up_block_types": ["SimpleCrossAttnUpBlock2D", "ResnetUpsampleBlock2D",
                       "ResnetUpsampleBlock2D"],
})

SIZE = {"stage1": 16, "stage2": 32, "variants": 8}
TOKENS = 8
TIMESTEPS = [999, 690, 250, 0]   # several, one per image of the batch
NOISE_LEVELS = [250, 0, 500, 999]


def build(cfg, seed):
    torch.manual_seed(seed)
    m = UNet2DConditionModel.from_config({k: v for k, v in cfg.items() if not k.startswith("_")})
    # diffusers zero-inits nothing here, but make every weight random and
    # O(1)-scaled so no branch of the network hides behind a zero.
    with torch.no_grad():
        for name, p in m.named_parameters():
            if name.endswith("weight") and "norm" in name:
                p.copy_(1 + 0.2 * torch.randn_like(p))
            else:
                p.copy_(torch.randn_like(p) * (1.0 / max(1.0, p[0].numel()) ** 0.5 if p.dim() > 1 else 0.2))
    return m.eval()


def save_sharded(m, unet, n):
    """The Hugging Face sharded layout (what save_pretrained writes for a
    large model): n shard files and an index mapping each key to its file.
    diffusers 0.27 does not shard by itself, so it is written here."""
    os.makedirs(unet, exist_ok=True)
    m.save_config(unet)
    sd = {k: v.contiguous() for k, v in m.state_dict().items()}
    keys = list(sd)
    per = (len(keys) + n - 1) // n
    weight_map, total = {}, 0
    for i in range(n):
        fname = f"diffusion_pytorch_model-{i + 1:05d}-of-{n:05d}.safetensors"
        part = {k: sd[k] for k in keys[i * per:(i + 1) * per]}
        save_file(part, os.path.join(unet, fname), metadata={"format": "pt"})
        for k, v in part.items():
            weight_map[k] = fname
            total += v.numel() * v.element_size()
    with open(os.path.join(unet, "diffusion_pytorch_model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)


def run(m, x, t, text, level):
    with torch.no_grad():
        return m(x, t, encoder_hidden_states=text, class_labels=level, return_dict=False)[0]


def make(name, cfg, seed, shards=0, fp16=False):
    d = os.path.join(ROOT, name)
    shutil.rmtree(d, ignore_errors=True)
    unet = os.path.join(d, "unet")
    m = build(cfg, seed)
    if fp16:
        # only the .fp16. variant; the references run its weights in float32
        exact = m
        m = build(cfg, seed).half()
        m.save_pretrained(unet, safe_serialization=True, variant="fp16")
        m = m.float()
    elif shards:
        save_sharded(m, unet, shards)
    else:
        m.save_pretrained(unet, safe_serialization=True)
    # the config as diffusers wrote it, plus nothing else
    n = len(cfg["block_out_channels"])
    s = SIZE[name]
    assert s % 2 ** (n - 1) == 0
    g = torch.Generator().manual_seed(seed + 1)
    N = len(TIMESTEPS)
    x = torch.randn(N, cfg["in_channels"], s, s, generator=g)
    t = torch.tensor(TIMESTEPS, dtype=torch.int64)
    text = torch.randn(N, TOKENS, cfg["encoder_hid_dim"], generator=g)
    null = torch.zeros(N, TOKENS, cfg["encoder_hid_dim"])
    level = torch.tensor(NOISE_LEVELS, dtype=torch.int64) if cfg["class_embed_type"] else None
    io = {"x": x, "t": t, "text": text, "null": null,
          "out_text": run(m, x, t, text, level), "out_null": run(m, x, t, null, level)}
    if level is not None:
        io["noise_level"] = level
    # torch 1.13's baddbmm over diffusers' uninitialised attention buffer
    # now and then lets a NaN through: never save such a reference
    for k in ("out_text", "out_null"):
        assert torch.isfinite(io[k]).all(), f"{name}: diffusers' {k} is not finite; run again"
    if fp16:
        # how far rounding the weights to fp16 moves this UNet's output: the
        # scale test_if_unet.c's bfloat16 tolerance is argued from
        moved = run(exact, x, t, text, level) - io["out_text"]
        print(f"{name}: fp16 weights move the output by "
              f"{100 * moved.pow(2).mean().sqrt() / io['out_text'].pow(2).mean().sqrt():.2f}% rms")
    save_file({k: v.contiguous() for k, v in io.items()}, os.path.join(d, "io.safetensors"))
    print(f"{name}: {sum(p.numel() for p in m.parameters())} parameters, "
          f"out std {io['out_text'].std():.3f}")




def meta_count(cfg):
    """diffusers' parameter count without allocating the weights."""
    cfg = {k: v for k, v in cfg.items() if not k.startswith("_")}
    # torch 1.13 has no default-device context: every parameter is moved to
    # the meta device as it is made (the layers' torch.empty is never
    # touched, so it costs no memory)
    orig = torch.nn.Parameter.__new__

    def meta_param(cls, data=None, requires_grad=True):
        if data is not None:
            data = torch.empty(data.shape, dtype=data.dtype, device="meta")
        return orig(cls, data, requires_grad)
    torch.nn.Parameter.__new__ = meta_param
    try:
        m = UNet2DConditionModel.from_config(cfg)
    finally:
        torch.nn.Parameter.__new__ = orig
    assert all(p.is_meta for p in m.parameters())
    return sum(p.numel() for p in m.parameters())


def main():
    os.makedirs(ROOT, exist_ok=True)
    make("stage1", TINY_I, 11, fp16=True)
    make("stage2", TINY_II, 22, shards=3)
    make("variants", VARIANTS, 33)
    full = os.path.join(ROOT, "full")
    os.makedirs(full, exist_ok=True)
    counts = {}
    for name, cfg in (("IF-I-XL", IF_I_XL), ("IF-II-L", IF_II_L)):
        with open(os.path.join(full, name + ".json"), "w") as f:
            json.dump(cfg, f, indent=2, sort_keys=True)
            f.write("\n")
        counts[name] = meta_count(cfg)
        print(f"{name}: {counts[name]} parameters (diffusers)")
    with open(os.path.join(full, "param_counts.json"), "w") as f:
        json.dump(counts, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
