#!/usr/bin/python3
"""bench_mnist_torch.py: the PyTorch side of the Part B speed benchmark.

Runs with Debian's /usr/bin/python3 and python3-torch (libtorch 1.13, the
same build the kernel's backend links), so a driver can divide the
kernel's figures by these.  The three Part B models are built exactly as
docs/part-b.md ("The UNets") defines them:

  denoiser  unconditional UNet, D = 128: the single-step denoiser
            (z = x + 0.5 eps, MSE to x), batch 256, Adam 1e-4
  time      time-conditioned UNet, D = 64, FCBlocks on t: flow matching
            (x_t = (1-t) x0 + t x1, target x1 - x0), batch 64, Adam 1e-2
  class     class-conditioned UNet, D = 64, one-hot c dropped to zero with
            p = 0.1: flow matching, batch 64, Adam 1e-2

For each it times `--steps` training steps after `--warmup` untimed ones
(images/s = steps * batch / seconds; one step = forward, MSE, backward,
Adam update, with the batch drawn from the real MNIST training set and
fresh noise), then times Euler sampling at batch 40 for `--sample-steps`
steps (image-steps/s = 40 * steps / seconds): the time model with one pass
per step; the class model with classifier-free guidance (gamma = 5) both
as two passes per step (conditional, unconditional) and as one combined
pass over 80 images.

It prints the BLAS libtorch loaded (from /proc/self/maps and libblas.so.3's
target), torch.__config__.show(), and the parameter counts, which must
equal the spec's table (7,891,073 / 1,996,417 / 2,019,201; the exit status
is 1 otherwise).  Progress goes to stderr; stdout's last line is one JSON
object (also written to --out).

Wall-clock rates suffer when other work shares the cores, so every rate
is also given per CPU-second of this process (both threads summed), and
the 1-minute load average is recorded before and after: compare the kernel
and PyTorch in the same conditions, ideally back to back on an idle
machine.

Usage: tests/bench/bench_mnist_torch.py [--models denoiser,time,class]
       [--threads 2] [--steps N] [--warmup N] [--sample-steps N] [--out F]
"""
import argparse
import json
import os
import platform
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "mnist"))
import mnist_idx  # noqa: E402
from blas_probe import blas_report  # noqa: E402  (this folder is on sys.path)

SPEC_PARAMS = {"denoiser": 7891073, "time": 1996417, "class": 2019201}
SEED = 180
CFG = 5.0
P_UNCOND = 0.1
SAMPLE_BATCH = 40


# ---- the operations of the spec's Figure "Standard UNet Operations" -----

def conv(cin, cout):          # 1: Conv2d(3, 1, 1) -> BN -> GELU
    return nn.Sequential(nn.Conv2d(cin, cout, 3, 1, 1), nn.BatchNorm2d(cout),
                         nn.GELU())


def down_conv(cin, cout):     # 2: Conv2d(3, 2, 1) -> BN -> GELU
    return nn.Sequential(nn.Conv2d(cin, cout, 3, 2, 1), nn.BatchNorm2d(cout),
                         nn.GELU())


def up_conv(cin, cout):       # 3: ConvTranspose2d(4, 2, 1) -> BN -> GELU
    return nn.Sequential(nn.ConvTranspose2d(cin, cout, 4, 2, 1),
                         nn.BatchNorm2d(cout), nn.GELU())


def flatten():                # 4: AvgPool2d(7) -> GELU
    return nn.Sequential(nn.AvgPool2d(7), nn.GELU())


def unflatten(c):             # 5: ConvTranspose2d(7, 7, 0) -> BN -> GELU
    return nn.Sequential(nn.ConvTranspose2d(c, c, 7, 7, 0), nn.BatchNorm2d(c),
                         nn.GELU())


def conv_block(cin, cout):    # 7
    return nn.Sequential(conv(cin, cout), conv(cout, cout))


def down_block(cin, cout):    # 8
    return nn.Sequential(down_conv(cin, cout), conv_block(cout, cout))


def up_block(cin, cout):      # 9
    return nn.Sequential(up_conv(cin, cout), conv_block(cout, cout))


def fc_block(fin, fout):      # 10: Linear -> GELU -> Linear
    return nn.Sequential(nn.Linear(fin, fout), nn.GELU(), nn.Linear(fout, fout))


class UNet(nn.Module):
    """Figure 1, with the optional conditioning of §4: time multiplies the
    unflatten and up1 outputs; a class (one-hot, zero when dropped) scales
    them first: unflatten <- c1 * unflatten + t1, up1 <- c2 * up1 + t2."""

    def __init__(self, d, time_cond=False, classes=0):
        super().__init__()
        self.e0 = conv_block(1, d)
        self.e1 = down_block(d, d)
        self.e2 = down_block(d, 2 * d)
        self.flat = flatten()
        self.unflat = unflatten(2 * d)
        self.u1 = up_block(4 * d, d)
        self.u2 = up_block(2 * d, d)
        self.f = conv_block(2 * d, d)
        self.out = nn.Conv2d(d, 1, 3, 1, 1)
        self.time_cond, self.classes = time_cond, classes
        if time_cond:
            self.fc1_t, self.fc2_t = fc_block(1, 2 * d), fc_block(1, d)
        if classes:
            self.fc1_c = fc_block(classes, 2 * d)
            self.fc2_c = fc_block(classes, d)

    def forward(self, x, t=None, c=None):
        e0 = self.e0(x)
        e1 = self.e1(e0)
        e2 = self.e2(e1)
        u0 = self.unflat(self.flat(e2))
        if self.time_cond:
            t1 = self.fc1_t(t)[:, :, None, None]
            t2 = self.fc2_t(t)[:, :, None, None]
            u0 = (self.fc1_c(c)[:, :, None, None] * u0 + t1 if self.classes
                  else u0 * t1)
        u1 = self.u1(torch.cat([e2, u0], 1))
        if self.time_cond:
            u1 = (self.fc2_c(c)[:, :, None, None] * u1 + t2 if self.classes
                  else u1 * t2)
        u2 = self.u2(torch.cat([e1, u1], 1))
        return self.out(self.f(torch.cat([e0, u2], 1)))


def build(name):
    if name == "denoiser":
        return UNet(128), 256, 1e-4
    if name == "time":
        return UNet(64, time_cond=True), 64, 1e-2
    return UNet(64, time_cond=True, classes=10), 64, 1e-2


# ---- one training step per objective -------------------------------------

def loss_of(name, model, x1, y, gen):
    n = x1.shape[0]
    if name == "denoiser":
        z = x1 + 0.5 * torch.randn(x1.shape, generator=gen)
        return nn.functional.mse_loss(model(z), x1)
    x0 = torch.randn(x1.shape, generator=gen)
    t = torch.rand(n, 1, generator=gen)
    xt = (1 - t)[:, :, None, None] * x0 + t[:, :, None, None] * x1
    c = None
    if name == "class":
        keep = (torch.rand(n, generator=gen) >= P_UNCOND).float()[:, None]
        c = nn.functional.one_hot(y, 10).float() * keep
    return nn.functional.mse_loss(model(xt, t, c), x1 - x0)


def bench_train(name, model, batch, lr, images, labels, warmup, steps, gen):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    perm = torch.randperm(len(images), generator=gen)
    times, cpu = [], 0.0
    for i in range(warmup + steps):
        idx = perm[(i * batch) % (len(images) - batch):][:batch]
        x1 = images[idx].float().div_(255.0)[:, None]  # ToTensor: [0, 1]
        start, cpu0 = time.perf_counter(), time.process_time()
        loss = loss_of(name, model, x1, labels[idx], gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if i >= warmup:
            times.append(time.perf_counter() - start)
            cpu += time.process_time() - cpu0
        log(f"  {name} step {i + 1}/{warmup + steps}: loss {loss.item():.4f}"
            f"{'' if i >= warmup else ' (warm-up)'}")
    secs = sum(times)
    return {"batch": batch, "steps": steps, "seconds": round(secs, 3),
            "images_per_s": round(steps * batch / secs, 2),
            "step_ms_median": round(1000 * float(np.median(times)), 1),
            "cpu_seconds": round(cpu, 3),
            "images_per_cpu_s": round(steps * batch / cpu, 2)}


# ---- sampling -------------------------------------------------------------------

@torch.no_grad()
def bench_sample(name, model, steps, mode, gen):
    """Euler from noise at t = 0 to data at t = 1, batch 40; returns
    image-steps/s.  mode: "plain", "cfg_two_pass" or "cfg_combined"."""
    model.eval()
    n = SAMPLE_BATCH
    x = torch.randn(n, 1, 28, 28, generator=gen)
    c = nn.functional.one_hot(torch.arange(n) % 10, 10).float()
    zero = torch.zeros_like(c)

    def step(x, i):
        t = torch.full((n, 1), i / steps)
        if mode == "plain":
            return x + model(x, t) / steps
        if mode == "cfg_two_pass":
            u_c, u_u = model(x, t, c), model(x, t, zero)
        else:
            both = model(torch.cat([x, x]), torch.cat([t, t]),
                         torch.cat([c, zero]))
            u_c, u_u = both[:n], both[n:]
        return x + (u_u + CFG * (u_c - u_u)) / steps

    x = step(x, 0)  # warm-up (first-call allocations, oneDNN primitives)
    start, cpu0 = time.perf_counter(), time.process_time()
    for i in range(steps):
        x = step(x, i)
    secs = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    return {"batch": n, "steps": steps, "seconds": round(secs, 3),
            "image_steps_per_s": round(n * steps / secs, 2),
            "cpu_seconds": round(cpu, 3),
            "image_steps_per_cpu_s": round(n * steps / cpu, 2)}


# ---- environment ------------------------------------------------------------------

def log(msg):
    print(msg, file=sys.stderr, flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="denoiser,time,class")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=None,
                    help="timed training steps (default 4 for the D=128 "
                    "denoiser, 20 for the D=64 models)")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--sample-steps", type=int, default=20)
    ap.add_argument("--out", help="also write the JSON here")
    a = ap.parse_args(argv)

    torch.set_num_threads(a.threads)
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    images, labels = mnist_idx.load("train")
    images, labels = torch.from_numpy(images.copy()), torch.from_numpy(labels)

    result = {"torch": torch.__version__, "threads": torch.get_num_threads(),
              "python": platform.python_version(), "machine": platform.machine(),
              "cpu": _cpu_name(), "loadavg_start": os.getloadavg()[0],
              "models": {}}
    ok = True
    for name in a.models.split(","):
        model, batch, lr = build(name)
        params = sum(p.numel() for p in model.parameters())
        ok &= params == SPEC_PARAMS[name]
        log(f"{name}: {params:,} parameters (spec {SPEC_PARAMS[name]:,}"
            f"{'' if params == SPEC_PARAMS[name] else ': MISMATCH'})")
        steps = a.steps or (4 if name == "denoiser" else 20)
        r = {"params": params, "params_spec": SPEC_PARAMS[name],
             "train": bench_train(name, model, batch, lr, images, labels,
                                  a.warmup, steps, gen)}
        log(f"{name}: train {r['train']['images_per_s']} images/s")
        if name == "time":
            r["sample"] = bench_sample(name, model, a.sample_steps, "plain", gen)
        elif name == "class":
            r["sample_cfg_two_pass"] = bench_sample(name, model, a.sample_steps,
                                                    "cfg_two_pass", gen)
            r["sample_cfg_combined"] = bench_sample(name, model, a.sample_steps,
                                                    "cfg_combined", gen)
        for k, v in r.items():
            if k.startswith("sample"):
                log(f"{name}: {k} {v['image_steps_per_s']} image-steps/s")
        result["models"][name] = r
    # after the models ran, so libtorch has loaded its BLAS
    result["blas"] = blas_report()
    result["params_ok"] = bool(ok)
    result["loadavg_end"] = os.getloadavg()[0]
    log(f"BLAS: {result['blas']['kind']} ({result['blas']['libblas.so.3']})")
    for path in result["blas"]["mapped"]:
        log(f"  mapped: {path}")
    log(torch.__config__.show())
    text = json.dumps(result)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")
    print(text)
    return 0 if ok else 1


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    sys.exit(main())
