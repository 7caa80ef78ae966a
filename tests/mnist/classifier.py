#!/usr/bin/python3
"""classifier.py: the independent judge of the kernel's generated digits.

A small CNN trained with Debian's PyTorch (/usr/bin/python3) on the MNIST
IDX files, read with numpy (mnist_idx.py), not through the kernel, so a bug
in the kernel's data path cannot flatter its own samples.  It reaches
99.18% test accuracy.  Its weights are committed, in
tests/data/mnist-classifier.pt (1.7 MB), because training takes about 12
minutes on 2 CPU cores, the longest step of the test suite when every
clean clone paid it; `classifier.py train --force` retrains and rewrites
them, bit for bit the same with Debian's PyTorch 1.13 (seeded, and
checked: two runs gave equal tensors).

Inputs follow ToTensor semantics: [0, 1] floats with white digits on black
(what the kernel's samples are after clamping); uint8 arrays are divided
by 255.  The network normalises internally.

Library use:
    from classifier import classify
    labels = classify(images)          # [N,28,28] / [N,1,28,28] or PNG paths

Command line:
    classifier.py train [--force]      load (or, with --force, retrain and
                                       save) and print test accuracy
    classifier.py judge SAMPLES [--min 0.97]
        SAMPLES is an .npz with arrays `images` ([N,28,28] or [N,1,28,28],
        uint8 or float in [0,1]) and `labels` ([N] intended digits), or a
        folder of PNGs whose intended digit is the file name's first
        character ("7_012.png") or the name of its sub-folder ("7/012.png").
        Prints the fraction read as intended, overall and per digit, as
        text and as one JSON line; exit status 1 when below --min.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mnist_idx  # noqa: E402

WEIGHTS = os.path.join(mnist_idx.REPO, "tests", "data", "mnist-classifier.pt")
MEAN, STD = 0.1307, 0.3081
SEED = 180
EPOCHS = 3
BATCH = 128
THREADS = 2


class Net(nn.Module):
    """conv-bn-relu-pool x2, then 128 hidden units: 0.2M parameters."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(64)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)
        self.drop = nn.Dropout(0.3)

    def forward(self, x):
        x = (x - MEAN) / STD
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = self.drop(F.relu(self.fc1(x.flatten(1))))
        return self.fc2(x)


def _as_float(images):
    """[N,1,28,28] float32 in [0,1] from uint8 or float, 3-D or 4-D."""
    a = np.asarray(images)
    if a.ndim == 3:
        a = a[:, None]
    if a.ndim != 4 or a.shape[1:] != (1, 28, 28):
        raise ValueError(f"images must be [N,28,28] or [N,1,28,28], got {a.shape}")
    a = a.astype(np.float32) / 255.0 if a.dtype == np.uint8 else a.astype(np.float32)
    return torch.from_numpy(np.clip(a, 0.0, 1.0))


def _shift(x, gen):
    """Random shifts of up to 2 pixels (digits have a 4-pixel empty border,
    so rolling never wraps ink around): robustness to off-centre samples."""
    dx, dy = torch.randint(-2, 3, (2,), generator=gen).tolist()
    return torch.roll(x, shifts=(dy, dx), dims=(2, 3))


def evaluate(model, images, labels):
    """Fraction of images classified as their label."""
    pred = predict(model, images)
    return float((pred == np.asarray(labels)).mean())


def predict(model, images):
    x = _as_float(images)
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            out.append(model(x[i:i + 1000]).argmax(1))
    return torch.cat(out).numpy() if out else np.zeros(0, np.int64)


def train(log=print):
    """Train from scratch; returns (model, test accuracy, seconds)."""
    torch.set_num_threads(THREADS)
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    xtr, ytr = mnist_idx.load("train")
    xte, yte = mnist_idx.load("test")
    x = _as_float(xtr)
    y = torch.from_numpy(ytr)
    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    steps = EPOCHS * ((len(x) + BATCH - 1) // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=4e-3, total_steps=steps)
    start = time.time()
    for epoch in range(EPOCHS):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), BATCH):
            idx = perm[i:i + BATCH]
            loss = F.cross_entropy(model(_shift(x[idx], gen)), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        acc = evaluate(model, xte, yte)
        log(f"epoch {epoch + 1}/{EPOCHS}: test accuracy {acc:.4f} "
            f"({time.time() - start:.0f} s)")
    return model, acc, time.time() - start


def load_model(force=False, log=print):
    """The committed classifier; trained (and saved) first when forced or
    when the file is missing.  Returns (model, info dict with
    test_accuracy and train_seconds)."""
    torch.set_num_threads(THREADS)
    if not force and os.path.isfile(WEIGHTS):
        saved = torch.load(WEIGHTS, map_location="cpu")
        model = Net()
        model.load_state_dict(saved["state_dict"])
        model.eval()
        return model, saved["info"]
    model, acc, secs = train(log)
    info = {"test_accuracy": acc, "train_seconds": round(secs, 1),
            "epochs": EPOCHS, "batch": BATCH, "seed": SEED,
            "torch": torch.__version__}
    tmp = WEIGHTS + ".tmp"
    torch.save({"state_dict": model.state_dict(), "info": info}, tmp)
    os.replace(tmp, WEIGHTS)
    model.eval()
    return model, info


_model = None


def _read_png(path):
    from PIL import Image  # Debian's python3-pil; only needed for PNGs
    with Image.open(path) as im:
        im = im.convert("L")
        if im.size != (28, 28):
            raise ValueError(f"{path}: {im.size[0]}x{im.size[1]}, expected 28x28")
        return np.asarray(im, np.uint8)


def classify(images):
    """Predicted digits (int64 [N]) for an array batch or a list of PNG
    paths; see the module docstring for the accepted shapes."""
    global _model
    if _model is None:
        _model = load_model()[0]
    if isinstance(images, (list, tuple)) and images and isinstance(images[0], str):
        images = np.stack([_read_png(p) for p in images])
    return predict(_model, images)


def _intended(path):
    """Intended digit of a PNG: its sub-folder's name or its first char."""
    folder = os.path.basename(os.path.dirname(path))
    if len(folder) == 1 and folder.isdigit():
        return int(folder)
    first = os.path.basename(path)[0]
    if not first.isdigit():
        raise ValueError(f"{path}: name the file '<digit>_....png' or put it "
                         "in a folder named by the digit")
    return int(first)


def load_samples(path):
    """(images, intended labels) from an .npz or a folder of PNGs."""
    if path.endswith(".npz"):
        with np.load(path) as z:
            return z["images"], np.asarray(z["labels"], np.int64)
    pngs = sorted(os.path.join(d, f) for d, _, fs in os.walk(path)
                  for f in fs if f.lower().endswith(".png"))
    if not pngs:
        raise ValueError(f"{path}: no .png files")
    return np.stack([_read_png(p) for p in pngs]), np.array(
        [_intended(p) for p in pngs], np.int64)


def judge(images, labels):
    """{"recognized": fraction, "n": N, "per_digit": {d: fraction}}."""
    pred = classify(images)
    labels = np.asarray(labels)
    if len(pred) != len(labels):
        raise ValueError(f"{len(pred)} images but {len(labels)} labels")
    per = {int(d): float((pred[labels == d] == d).mean())
           for d in np.unique(labels)}
    return {"recognized": float((pred == labels).mean()), "n": int(len(labels)),
            "per_digit": per}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="load (or retrain) and report test accuracy")
    t.add_argument("--force", action="store_true",
                   help="retrain and overwrite tests/data/mnist-classifier.pt")
    j = sub.add_parser("judge", help="fraction of samples read as intended")
    j.add_argument("samples", help=".npz (images, labels) or a folder of PNGs")
    j.add_argument("--min", type=float, default=None,
                   help="exit 1 when the fraction is below this (e.g. 0.97)")
    a = ap.parse_args(argv)
    if a.cmd == "train":
        model, info = load_model(force=a.force)
        xte, yte = mnist_idx.load("test")
        acc = evaluate(model, xte, yte)
        print(json.dumps({**info, "test_accuracy_now": acc, "weights": WEIGHTS}))
        return 0 if acc >= 0.99 else 1
    images, labels = load_samples(a.samples)
    r = judge(images, labels)
    for d, f in sorted(r["per_digit"].items()):
        print(f"digit {d}: {f:.3f}")
    print(f"recognized: {r['recognized']:.4f} of {r['n']}")
    print(json.dumps(r))
    return 1 if a.min is not None and r["recognized"] < a.min else 0


if __name__ == "__main__":
    sys.exit(main())
