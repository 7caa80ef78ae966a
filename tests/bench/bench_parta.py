"""bench_parta.py: section 1.4's strided loop, the diffuse kernel against
PyTorch, back to back on one machine.

The work: 33 strided DDPM steps (timesteps 990, 960, ..., 0) on a batch of
10 digits, one per class, with the shipped class-conditioned model as the
denoiser (docs/part-a.md).  The kernel runs the cell
`x = sample model n=10 cond=0..9 seeds=[S]` through jupyter_client;
PyTorch runs the same loop written out in bench_parta_torch.py (Debian's
/usr/bin/python3, the same libtorch 1.13 build) with the same weights and
the same seeded noise, so the two sides' images must agree (to 8-bit PNG
rounding here); the report gives the largest difference.

Each side: one untimed warm-up loop, then --repeat timed loops; the figure
is the median.  Prints a Markdown summary and, last, one JSON line.

Usage: .venv/bin/python tests/bench/bench_parta.py [--repeat 5] [--threads N]
       [--seed 11] [--diffuse-bin PATH]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

from bench_mnist import Kernel, loadavg, log  # this folder is on sys.path

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
TORCH_PYTHON = "/usr/bin/python3"
MODEL = os.path.join(ROOT, "models", "mnist-class-cpu.safetensors")
TARGET = 1.5


def read_png_gray(path):
    """A 28 x 28 PNG as floats in [0, 1], read by Debian's PIL."""
    code = ("import sys, json, numpy as np; from PIL import Image; "
            "print(json.dumps((np.asarray(Image.open(sys.argv[1]).convert('L'), "
            "np.float64) / 255).tolist()))")
    out = subprocess.run([TORCH_PYTHON, "-c", code, path], capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out)


def kernel_side(a, folder):
    cell = f"x = sample model n=10 cond=0..9 seeds=[{a.seed}]"
    with Kernel(a.diffuse_bin) as k:
        r = {"loadavg_start": loadavg()}
        k.run(f'device "cpu" threads={a.threads}\nmodel = load_model "{MODEL}"')
        k.run(cell)                                    # warm-up
        times = []
        for _ in range(a.repeat):
            secs, _, _ = k.run(cell)
            times.append(secs)
        k.run("\n".join(f'save x[{i}] "{folder}/{i}.png"' for i in range(10)))
        r.update(seconds=statistics.median(times), all_seconds=times,
                 loadavg_end=loadavg())
    r["images"] = [read_png_gray(os.path.join(folder, f"{i}.png")) for i in range(10)]
    return r


def torch_side(a):
    cmd = [TORCH_PYTHON, os.path.join(HERE, "bench_parta_torch.py"), "--seed",
           str(a.seed), "--repeat", str(a.repeat), "--threads", str(a.threads),
           "--images"]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if p.returncode != 0:
        log(p.stderr[-3000:])
        raise RuntimeError(f"bench_parta_torch.py exited {p.returncode}")
    t = json.loads(p.stdout.strip().splitlines()[-1])
    t["loadavg"] = loadavg()
    return t


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--diffuse-bin", default=None)
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-parta-") as folder:
        log("diffuse: 33 strided steps, batch 10")
        d = kernel_side(a, folder)
    log("PyTorch: the same loop, same weights and noise")
    t = torch_side(a)
    diff = max(abs(a - b) for im_d, im_t in zip(d["images"], t["images"])
               for row_d, row_t in zip(im_d, im_t) for a, b in zip(row_d, row_t))
    ratio = t["seconds"] / d["seconds"]
    print("| 1.4 loop (33 steps, batch 10) | diffuse | PyTorch | ratio |")
    print("|---|---|---|---|")
    print(f"| seconds per loop (median of {a.repeat}) | {d['seconds']:.3f} | "
          f"{t['seconds']:.3f} | **{ratio:.2f}x** "
          f"({'PASS' if ratio >= TARGET else 'MISS'} against {TARGET}x) |")
    print(f"\nlargest pixel difference between the two sides' images: {diff:.4f} "
          f"(8-bit PNG: 1/255 = 0.0039); threads {a.threads}; torch {t['torch']}; "
          f"load average {d['loadavg_start']} -> {t['loadavg']}")
    print(json.dumps({"diffuse_seconds": d["seconds"], "torch_seconds": t["seconds"],
                      "ratio": ratio, "max_pixel_diff": diff, "threads": a.threads,
                      "repeat": a.repeat, "seed": a.seed,
                      "diffuse_all": d["all_seconds"], "torch_all": t["all_seconds"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
