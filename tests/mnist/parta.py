#!/usr/bin/python3
"""parta.py: measured properties of the Part A algorithms on the CPU model.

Each measurement writes a diffuse program, runs it with `diffuse --run`
(the shipped MNIST class-conditioned model behind the denoiser interface),
saves every image it makes as a PNG, and reads the PNGs back here: pixel
distances with numpy, digits with the independent classifier of
classifier.py (Debian's PyTorch, never the kernel).  Pixel values are the
8-bit PNG values over 255, so [0, 1] as the digits are shown.

    tests/mnist/parta.py NAME [--diffuse build/diffuse] [--seed 7]

NAME is one of: denoise, inpaint, cfg, anagram, hybrid, sdedit, all.
Prints one JSON line per measurement ({"name": ..., figures...}).
test_parta.py asserts on them; models/README.md reports them.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import classifier  # noqa: E402
import mnist_idx  # noqa: E402

MODEL = os.path.join(mnist_idx.REPO, "models", "mnist-class-cpu.safetensors")


class Run:
    """A diffuse program and the folder its PNGs land in."""

    def __init__(self, diffuse, seed):
        self.diffuse = diffuse
        self.dir = tempfile.mkdtemp(prefix="diffuse-parta-")
        self.lines = [f'model = load_model "{MODEL}"', 'test_set = mnist "test"',
                      f"seed {seed}"]

    def add(self, *lines):
        self.lines.extend(lines)

    def save(self, var, name, count):
        """Save each of the `count` items of batch `var` as NAME_k.png."""
        for k in range(count):
            self.lines.append(f'save {var}[{k}] "{self.dir}/{name}_{k:03d}.png"')

    def go(self):
        script = os.path.join(self.dir, "program.diffuse")
        with open(script, "w") as f:
            f.write("\n".join(self.lines) + "\n")
        r = subprocess.run([self.diffuse, "--run", script], capture_output=True,
                           text=True, cwd=mnist_idx.REPO)
        if r.returncode != 0:
            raise RuntimeError("the kernel failed:\n" + r.stdout[-3000:] + r.stderr[-3000:])

    def images(self, name, count):
        """[count, 28, 28] floats in [0, 1]."""
        return np.stack([classifier._read_png(os.path.join(self.dir, f"{name}_{k:03d}.png"))
                         for k in range(count)]).astype(np.float64) / 255.0

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def mse(a, b):
    """Mean squared error per image, averaged: a float."""
    return float(((a - b) ** 2).mean())


def denoise(diffuse, seed, n=64):
    """1.3/1.4: MSE to the clean digit of one-step, blur and iterative."""
    r = Run(diffuse, seed)
    r.add(f"clean = digits test_set n={n}")
    r.save("clean", "clean", n)
    for t in (250, 500, 750):
        r.add(f"noisy = forward clean t={t}",
              f"one = one_step model noisy t={t}",
              "blurred = blur noisy kernel=5 sigma=2")
        r.save("one", f"one{t}", n)
        r.save("blurred", f"blur{t}", n)
    r.add("x690 = forward clean t=690",
          "one = one_step model x690 t=690",
          "it = iterative_denoise model x690 i_start=10 every=0")
    r.save("one", "one690", n)
    r.save("it", "it690", n)
    try:
        r.go()
        clean = r.images("clean", n)
        out = {"name": "denoise", "n": n, "seed": seed}
        for t in (250, 500, 750):
            out[f"one_step_{t}"] = mse(r.images(f"one{t}", n), clean)
            out[f"blur_{t}"] = mse(r.images(f"blur{t}", n), clean)
        one, it = r.images("one690", n), r.images("it690", n)
        out["one_step_690"] = mse(one, clean)
        out["iterative_690"] = mse(it, clean)
        # What the eye sees: real digits are nearly black-or-white strokes;
        # a posterior mean (one step) is a grey blur.  Greyness is the mean
        # distance of a pixel from the nearer of 0 and 1.
        for name, x in (("clean", clean), ("one_step_690", one), ("iterative_690", it)):
            out[f"greyness_{name}"] = float(np.minimum(x, 1 - x).mean())
        _, labels = mnist_idx.load("test")
        for name, x in (("one_step_690", one), ("iterative_690", it)):
            pred = classifier.classify((x * 255).round().astype(np.uint8))
            out[f"reads_as_clean_{name}"] = float((pred == labels[:n]).mean())
        return out
    finally:
        r.close()


def inpaint(diffuse, seed, seeds=10):
    """1.7.2: kept pixels equal the input; the filled digit reads as asked."""
    _, labels = mnist_idx.load("test")
    r = Run(diffuse, seed)
    picks = list(range(10))  # the first ten test digits
    for i in picks:
        r.add(f"d = digits test_set start={i}",
              'hole = mask d shape="rect" x=0 y=0 w=28 h=14',
              f"f = inpaint model d hole cond={labels[i]} seeds={seeds}")
        r.save("d", f"orig{i}", 1)
        r.save("f", f"fill{i}", seeds)
    try:
        r.go()
        kept_max, read = 0.0, []
        for i in picks:
            orig = r.images(f"orig{i}", 1)[0]
            fills = r.images(f"fill{i}", seeds)
            kept_max = max(kept_max, float(np.abs(fills[:, 14:, :] - orig[14:, :]).max()))
            read += list(classifier.classify((fills * 255).round().astype(np.uint8)) == labels[i])
        return {"name": "inpaint", "digits": len(picks), "seeds": seeds,
                "kept_max_abs_diff": kept_max, "read_as_intended": float(np.mean(read))}
    finally:
        r.close()


def cfg(diffuse, seed, seeds=5):
    """1.6: classifier agreement with the asked class, γ = 7 against γ = 1."""
    r = Run(diffuse, seed)
    for g in (1, 7):
        r.add(f"s = sample model n=10 cond=0..9 guidance={g} seeds={seeds}")
        r.save("s", f"g{g}", 10 * seeds)
    try:
        r.go()
        asked = np.tile(np.arange(10), seeds)
        out = {"name": "cfg", "images": 10 * seeds}
        for g in (1, 7):
            pred = classifier.classify((r.images(f"g{g}", 10 * seeds) * 255).round().astype(np.uint8))
            out[f"agreement_gamma_{g}"] = float((pred == asked).mean())
        return out
    finally:
        r.close()


def anagram(diffuse, seed, seeds=20, a=6, b=9, view="rot180"):
    """1.8: upright reads a, turned reads b."""
    r = Run(diffuse, seed)
    r.add(f'x = anagram model {a} {b} view="{view}" seeds={seeds}',
          f'y = turn x view="{view}"')
    r.save("x", "up", seeds)
    r.save("y", "turned", seeds)
    try:
        r.go()
        up = classifier.classify((r.images("up", seeds) * 255).round().astype(np.uint8))
        turned = classifier.classify((r.images("turned", seeds) * 255).round().astype(np.uint8))
        both = (up == a) & (turned == b)
        return {"name": "anagram", "a": a, "b": b, "view": view, "seeds": seeds,
                "upright_reads_a": float((up == a).mean()),
                "turned_reads_b": float((turned == b).mean()),
                "both": float(both.mean())}
    finally:
        r.close()


def hybrid(diffuse, seed, seeds=20, low=0, high=1, kernel=None, sigma=None):
    """1.9: the low-passed image reads as `low`, the image itself (seen up
    close) as `high`.  kernel/sigma: the low-pass (None: the command's
    default for 28 px, 15 and 0.875)."""
    k = kernel or 15
    sg = sigma or 0.875
    opts = (f" kernel={kernel}" if kernel else "") + (f" sigma={sigma}" if sigma else "")
    r = Run(diffuse, seed)
    r.add(f"x = hybrid model {low} {high} seeds={seeds}{opts}",
          f"lo = blur x kernel={k} sigma={sg}")
    r.save("x", "hyb", seeds)
    r.save("lo", "low", seeds)
    try:
        r.go()
        x = r.images("hyb", seeds)
        lo = r.images("low", seeds)
        # the high-pass, shifted to grey: what the eye sees up close
        hi = np.clip(x - lo + 0.5, 0, 1)
        lo_pred = classifier.classify((lo * 255).round().astype(np.uint8))
        x_pred = classifier.classify((x * 255).round().astype(np.uint8))
        hi_pred = classifier.classify((hi * 255).round().astype(np.uint8))
        return {"name": "hybrid", "low": low, "high": high, "seeds": seeds,
                "kernel": k, "sigma": sg,
                "lowpass_reads_low": float((lo_pred == low).mean()),
                "image_reads_high": float((x_pred == high).mean()),
                "highpass_reads_high": float((hi_pred == high).mean())}
    finally:
        r.close()


def sdedit(diffuse, seed, n=16, seeds=3):
    """1.7: the distance to the input at each i_start, averaged."""
    levels = [1, 3, 5, 7, 10, 20]
    r = Run(diffuse, seed)
    r.add(f"clean = digits test_set n={n}")
    r.save("clean", "clean", n)
    for s in range(seeds):
        r.add(f"seed {seed + s}",
              f"e = sdedit model clean i_start=[{', '.join(map(str, levels))}]")
        for j, lv in enumerate(levels):
            r.add(f"e{j} = e[{j}]")
            r.save(f"e{j}", f"s{s}_i{lv}", n)
    try:
        r.go()
        clean = r.images("clean", n)
        dist = [float(np.mean([mse(r.images(f"s{s}_i{lv}", n), clean) for s in range(seeds)]))
                for lv in levels]
        return {"name": "sdedit", "i_start": levels, "mse_to_input": dist,
                "n": n, "seeds": seeds}
    finally:
        r.close()


MEASURES = {"denoise": denoise, "inpaint": inpaint, "cfg": cfg,
            "anagram": anagram, "hybrid": hybrid, "sdedit": sdedit}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("name", choices=sorted(MEASURES) + ["all"])
    ap.add_argument("--diffuse", default=os.path.join(mnist_idx.REPO, "build", "diffuse"))
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args(argv)
    names = sorted(MEASURES) if a.name == "all" else [a.name]
    for n in names:
        print(json.dumps(MEASURES[n](a.diffuse, a.seed)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
