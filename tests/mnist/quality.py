#!/usr/bin/python3
"""quality.py: how often a class-conditioned model's samples are read as the
digit they were asked for, by the independent classifier of classifier.py.

The kernel draws PER_DIGIT samples of each digit 0-9 (Algorithm 4, Euler
steps, classifier-free guidance) with `diffuse --run`, saving each as a PNG
named "<digit>_<index>.png"; the classifier, trained on MNIST by Debian's
PyTorch without the kernel, then reads every PNG.  The figure is the
fraction read as intended, overall and per digit.

Run with Debian's /usr/bin/python3 (python3-torch, python3-pil):

    tests/mnist/quality.py models/mnist-class-cpu.safetensors
        [--per-digit 100] [--steps 300] [--guidance 5] [--seed 7]
        [--chunk 20] [--out DIR] [--min 0.97] [--diffuse build/diffuse]

Samples are drawn `chunk` per digit at a time (a batch of 10*chunk images,
twice that through the UNet with guidance) to bound memory; the seed is set
once, so the whole draw is one seeded stream.  Prints the per-digit
fractions, the time the kernel took, and one JSON line; exit status 1 when
the fraction is below --min.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import classifier  # noqa: E402
import mnist_idx  # noqa: E402


def program(model, out, per_digit, chunk, steps, guidance, seed):
    """The diffuse program that draws and saves the samples."""
    lines = [f'model = load_model "{model}"', f"seed {seed}"]
    index = 0
    for start in range(0, per_digit, chunk):
        n = min(chunk, per_digit - start)
        lines.append(f"s = generate model digits=0..9 per_digit={n} "
                     f"steps={steps} guidance={guidance}")
        # generate lays out per_digit rows of the ten digits: image k is k % 10
        for k in range(10 * n):
            lines.append(f'save s[{k}] "{out}/{k % 10}_{index:04d}.png"')
            index += 1
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="a class-conditioned checkpoint (.safetensors)")
    ap.add_argument("--per-digit", type=int, default=100)
    ap.add_argument("--steps", type=int, default=300, help="Euler steps T")
    ap.add_argument("--guidance", type=float, default=5.0, help="CFG scale γ")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--chunk", type=int, default=20, help="samples per digit per batch")
    ap.add_argument("--out", help="where the PNGs go (default: a temporary folder, removed)")
    ap.add_argument("--min", type=float, default=None, help="exit 1 below this fraction")
    ap.add_argument("--diffuse", default=os.path.join(mnist_idx.REPO, "build", "diffuse"),
                    help="the kernel binary (default: build/diffuse)")
    a = ap.parse_args(argv)

    model = os.path.abspath(a.model)
    out = os.path.abspath(a.out) if a.out else tempfile.mkdtemp(prefix="diffuse-quality-")
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        if f.endswith(".png"):
            os.remove(os.path.join(out, f))
    with tempfile.NamedTemporaryFile("w", suffix=".diffuse", delete=False) as f:
        f.write(program(model, out, a.per_digit, a.chunk, a.steps, a.guidance, a.seed))
        script = f.name
    t0 = time.time()
    run = subprocess.run([a.diffuse, "--run", script], capture_output=True, text=True)
    seconds = time.time() - t0
    os.remove(script)
    if run.returncode != 0:
        sys.stderr.write(run.stdout[-4000:] + run.stderr[-4000:])
        print(f"quality.py: the kernel failed (exit {run.returncode})", file=sys.stderr)
        return 2

    images, labels = classifier.load_samples(out)
    r = classifier.judge(images, labels)
    _, info = classifier.load_model()
    r.update({"model": a.model, "per_digit_samples": a.per_digit, "steps": a.steps,
              "guidance": a.guidance, "seed": a.seed, "kernel_seconds": round(seconds, 1),
              "classifier_test_accuracy": info.get("test_accuracy")})
    for d, frac in sorted(r["per_digit"].items()):
        print(f"digit {d}: {frac:.3f}")
    print(f"recognized: {r['recognized']:.4f} of {r['n']} "
          f"({a.per_digit} per digit, {a.steps} steps, γ = {a.guidance:g}; "
          f"sampling took {seconds:.0f} s)")
    print(json.dumps(r))
    if not a.out:
        shutil.rmtree(out, ignore_errors=True)
    return 1 if a.min is not None and r["recognized"] < a.min else 0


if __name__ == "__main__":
    sys.exit(main())
