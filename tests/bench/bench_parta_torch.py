#!/usr/bin/python3
"""bench_parta_torch.py: section 1.4's loop written in PyTorch, the peer of
the kernel's `sample model n=10 cond=0..9 seeds=[S]` (bench_parta.py runs
both back to back).

The same weights: the shipped class-conditioned flow-matching model
(models/mnist-class-cpu.safetensors, read here with the safetensors format's
own rules: an 8-byte header length, a JSON header, raw little-endian data).
The module tree is the one kernel/shim/unet.cpp documents, so the keys are
the checkpoint's.  The same arithmetic: the flow model as an ε-predictor
(docs/part-a.md, "The CPU model"), DeepFloyd's cosine schedule, the
strided DDPM step from 990 to 0 by 30 (33 updates, 34 timesteps) with the
fixed posterior variance, float32.  The same noise: a torch.Generator
seeded S draws x_990 and then one draw per step, in the kernel's order, so
the two sides' images agree to float rounding.

Prints one JSON line: seconds per loop (median of --repeat), the images as
a list of 10 x 28 x 28 floats in [0, 1] (with --images), torch version and
threads.  Run with Debian's /usr/bin/python3 (python3-torch).
"""
import argparse
import json
import math
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MODEL = os.path.join(ROOT, "models", "mnist-class-cpu.safetensors")
DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "BF16": None}


def read_safetensors(path):
    """{name: torch tensor (float32 for floating types)}."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        dt = DTYPES[info["dtype"]]
        arr = np.frombuffer(data[a:b], dtype=dt).reshape(info["shape"])
        t = torch.from_numpy(arr.copy())
        out[name] = t.float() if t.is_floating_point() else t
    return out


# ---- the UNet with unet.cpp's module tree (its keys) ----------------------

def conv(cin, cout, k=3, s=1, p=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, p), nn.BatchNorm2d(cout), nn.GELU())


def up_conv(cin, cout, k=4, s=2, p=1):
    return nn.Sequential(nn.ConvTranspose2d(cin, cout, k, s, p), nn.BatchNorm2d(cout),
                         nn.GELU())


def conv_block(cin, cout):
    return nn.Sequential(conv(cin, cout), conv(cout, cout))


def fc_block(fin, fout):
    return nn.Sequential(nn.Linear(fin, fout), nn.GELU(), nn.Linear(fout, fout))


class ClassUNet(nn.Module):
    def __init__(self, d=64, classes=10):
        super().__init__()
        self.conv_in = conv_block(1, d)
        self.down1 = nn.Sequential(conv(d, d, 3, 2, 1), conv_block(d, d))
        self.down2 = nn.Sequential(conv(d, 2 * d, 3, 2, 1), conv_block(2 * d, 2 * d))
        self.flatten = nn.Sequential(nn.AvgPool2d(7), nn.GELU())
        self.unflatten = up_conv(2 * d, 2 * d, 7, 7, 0)
        self.up1 = nn.Sequential(up_conv(4 * d, d), conv_block(d, d))
        self.up2 = nn.Sequential(up_conv(2 * d, d), conv_block(d, d))
        self.conv_out = conv_block(2 * d, d)
        self.out = nn.Conv2d(d, 1, 3, 1, 1)
        self.fc1_t, self.fc2_t = fc_block(1, 2 * d), fc_block(1, d)
        self.fc1_c, self.fc2_c = fc_block(classes, 2 * d), fc_block(classes, d)
        self.classes = classes

    def forward(self, x, t, c, mask):
        onehot = nn.functional.one_hot(c, self.classes).float() * mask[:, None]
        t = t[:, None]
        e0 = self.conv_in(x)
        e1 = self.down1(e0)
        e2 = self.down2(e1)
        u0 = self.unflatten(self.flatten(e2))
        u0 = self.fc1_c(onehot)[:, :, None, None] * u0 + self.fc1_t(t)[:, :, None, None]
        u1 = self.up1(torch.cat([e2, u0], 1))
        u1 = self.fc2_c(onehot)[:, :, None, None] * u1 + self.fc2_t(t)[:, :, None, None]
        u2 = self.up2(torch.cat([e1, u1], 1))
        return self.out(self.conv_out(torch.cat([e0, u2], 1)))


def load_model():
    m = ClassUNet()
    sd = read_safetensors(MODEL)
    own = m.state_dict()
    missing = [k for k in own if k not in sd]
    if missing:
        raise SystemExit(f"{MODEL}: no tensor for {missing[0]} (and {len(missing) - 1} more)")
    m.load_state_dict({k: sd[k].to(own[k].dtype) for k in own})
    return m.eval()


# ---- DeepFloyd's schedule and the strided loop -----------------------------

def alphas_cumprod():
    """squaredcos_cap_v2 over 1000 steps, as diffusers stores it."""
    def ab(s):
        return math.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2
    betas = torch.tensor([min(1 - ab((i + 1) / 1000) / ab(i / 1000), 0.999)
                          for i in range(1000)], dtype=torch.float32)
    return torch.cumprod(1.0 - betas, dim=0)


@torch.no_grad()
def iterative(model, ac, classes, gen):
    """x_990 ~ N(0, I), then 33 strided DDPM steps to t = 0."""
    n = len(classes)
    c = torch.tensor(classes, dtype=torch.int64)
    keep = torch.ones(n)
    x = torch.randn(n, 1, 28, 28, generator=gen)
    ts = list(range(990, -1, -30))
    for t, tp in zip(ts[:-1], ts[1:]):
        ab, abp = float(ac[t]), float(ac[tp])
        # the flow model as an ε-predictor: x' = x_t/s at time τ = √ᾱ/s
        s = math.sqrt(ab) + math.sqrt(1 - ab)
        tau = math.sqrt(ab) / s
        xs = x / s
        u = model(xs, torch.full((n,), tau), c, keep)
        eps = xs - tau * u
        x0 = (x - math.sqrt(1 - ab) * eps) / math.sqrt(ab)
        alpha = ab / abp
        beta = 1 - alpha
        mean = (math.sqrt(abp) * beta / (1 - ab)) * x0 + \
            (math.sqrt(alpha) * (1 - abp) / (1 - ab)) * x
        var = max((1 - abp) / (1 - ab) * beta, 1e-20)
        x = mean + math.sqrt(var) * torch.randn(mean.shape, generator=gen)
    return x.clamp(0, 1)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--images", action="store_true", help="print the images too")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    model, ac = load_model(), alphas_cumprod()
    classes = list(range(10))
    iterative(model, ac, classes, torch.Generator().manual_seed(a.seed))  # warm-up
    times, x = [], None
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        x = iterative(model, ac, classes, torch.Generator().manual_seed(a.seed))
        times.append(time.perf_counter() - t0)
    out = {"seconds": statistics.median(times), "all_seconds": times,
           "torch": torch.__version__, "threads": torch.get_num_threads()}
    if a.images:
        out["images"] = x[:, 0].tolist()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
