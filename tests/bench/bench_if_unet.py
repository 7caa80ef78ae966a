#!/usr/bin/env python3
"""bench_if_unet.py: one stage I UNet forward of DeepFloyd IF, the diffuse
backend against diffusers, back to back on this machine, same weights.

The model: IF-I-XL's config (tests/deepfloyd/make_fixtures.py) with its
channel widths scaled down (model channels 192 instead of 704: 0.37 B
parameters, about IF-I-M's 0.4 B), random weights from diffusers, saved
once as a Hugging Face folder (float32 safetensors) that both sides load.
The work: one forward at batch 2 (a classifier-free-guidance pair), 64 x 64,
77 prompt tokens 4096 wide, in float32 and in bfloat16.

diffusers runs in this Python (diffusers 0.27.2 on Debian's torch 1.13:
make the venv as tests/deepfloyd/make_fixtures.py says); diffuse runs
if_unet_forward.c, built here with gcc against the build tree's libraries,
loading the same folder through kernel/diffusion/if_weights.c.  Each side:
one untimed forward, then --repeat timed ones; the figure is the median.
diffusers' float32 output is the reference both sides' outputs are
compared with.  (diffusers' own bfloat16 forward on torch 1.13's CPU
kernels can produce NaN: its attention's baddbmm over an uninitialised
tensor; the report says when it did.)

Run it when the machine is otherwise idle; it is not part of the suite.
Usage: /tmp/ifvenv/bin/python tests/bench/bench_if_unet.py [--repeat 3]
       [--channels 192] [--dtypes f32,bf16] [--workdir build/bench/if_unet]
"""
import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "deepfloyd"))


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def build_driver(out):
    b = os.path.join(ROOT, "build")
    libs = [os.path.join(b, f"libdk_{n}.a") for n in ("diffusion", "backend", "render", "util")]
    cmd = ["gcc", "-O2", "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-I", os.path.join(ROOT, "kernel"),
           os.path.join(HERE, "if_unet_forward.c"), *libs,
           "-ljansson", "-lpng", "-ljpeg", "-ldl", "-lm", "-o", out]
    subprocess.run(cmd, check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--channels", type=int, default=192)
    ap.add_argument("--dtypes", default="f32,bf16")
    ap.add_argument("--workdir", default=os.path.join(ROOT, "build", "bench", "if_unet"))
    a = ap.parse_args()

    import torch
    from diffusers import UNet2DConditionModel
    from safetensors.torch import save_file
    import make_fixtures as mf

    c0 = a.channels
    cfg = dict(mf.IF_I_XL)
    cfg["block_out_channels"] = [c0, 2 * c0, 3 * c0, 4 * c0]
    cfg["cross_attention_dim"] = 4 * c0
    folder = os.path.join(a.workdir, f"if-i-c{c0}")
    unet = os.path.join(folder, "unet")
    torch.manual_seed(0)
    model = UNet2DConditionModel.from_config({k: v for k, v in cfg.items() if not k.startswith("_")})
    model.eval()
    params = sum(p.numel() for p in model.parameters())
    if not os.path.exists(os.path.join(unet, "diffusion_pytorch_model.safetensors")):
        model.save_pretrained(unet, safe_serialization=True)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 3, 64, 64, generator=g)
    t = torch.tensor([500, 500])
    text = torch.randn(2, 77, 4096, generator=g)
    text[0] = 0  # the pair's unconditional half

    def forward(m, dt):
        with torch.no_grad():
            return m(x.to(dt), t, encoder_hidden_states=text.to(dt), return_dict=False)[0].float()

    dtypes = a.dtypes.split(",")
    dmap = {"f32": torch.float32, "bf16": torch.bfloat16}
    results = {}
    ref = None
    print(f"model: IF-I-XL config with model channels {c0}: {params / 1e9:.3f} B parameters; "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"load average {loadavg():.2f}", file=sys.stderr)
    for d in dtypes:
        m = model.to(dmap[d])
        y = forward(m, dmap[d])             # warm-up
        times = []
        for _ in range(a.repeat):
            s = time.perf_counter()
            y = forward(m, dmap[d])
            times.append((time.perf_counter() - s) * 1e3)
        if d == "f32":
            ref = y
        results[("diffusers", d)] = {"median_ms": statistics.median(times), "ms": times,
                                     "nan": bool(torch.isnan(y).any())}
        print(f"diffusers {d}: {results[('diffusers', d)]}", file=sys.stderr)
    if ref is None:
        ref = forward(model.float(), torch.float32)
    io = os.path.join(a.workdir, "io.safetensors")
    save_file({"x": x, "t": t, "text": text, "out": ref.contiguous()}, io)
    del model, m
    gc.collect()

    driver = os.path.join(a.workdir, "if_unet_forward")
    build_driver(driver)
    env = dict(os.environ, DIFFUSE_BACKEND=os.path.join(ROOT, "build", "libdiffuse_torch.so"))
    for d in dtypes:
        r = subprocess.run([driver, folder, io, d, str(a.repeat)], env=env, check=True,
                           capture_output=True, text=True)
        results[("diffuse", d)] = json.loads(r.stdout.strip().splitlines()[-1])
        print(f"diffuse {d}: {results[('diffuse', d)]}", file=sys.stderr)

    print(f"\n| dtype | diffusers ms | diffuse ms | speed-up | diffuse max abs diff from diffusers f32 |")
    print("|---|---|---|---|---|")
    for d in dtypes:
        p, o = results[("diffusers", d)], results[("diffuse", d)]
        nan = " (diffusers' output has NaN)" if p["nan"] else ""
        print(f"| {d} | {p['median_ms']:.0f}{nan} | {o['median_ms']:.0f} | "
              f"{p['median_ms'] / o['median_ms']:.2f}x | {o['max_abs_diff']:.3g} "
              f"(max abs out {o['max_abs_out']:.3g}) |")
    print(f"\nload average at the end: {loadavg():.2f}")
    print(json.dumps({f"{k[0]}_{k[1]}": v for k, v in results.items()}))


if __name__ == "__main__":
    main()
