"""scripts/train-course-models.sh across machines: a model's state parked in
models/training/ is where a fresh clone resumes, and the run that finishes
the model removes it.

The kernel is stood in for by a small program that does to a checkpoint's
metadata what `train ... steps=N` does (N more batches of the epoch), so
these tests take a second; tests/unit/test_train.c checks that `train`
itself resumes exactly.
"""
from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "train-course-models.sh"

# Reads the chunk file the script writes, advances the checkpoint it loads
# (or a new one) by `steps=N` batches of 235, saves where it is told.
FAKE_KERNEL = r'''
import json, re, struct, sys
src = open(sys.argv[2]).read()

def read(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n))["__metadata__"]

def write(path, meta):
    head = json.dumps({"__metadata__": meta}).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head)

load = re.search(r'load_model "([^"]+)"', src)
meta = read(load.group(1)) if load else {"epochs_done": "0", "epoch_batch": "0"}
steps = re.search(r"steps=(\d+)", src)
if steps:
    at = int(meta["epochs_done"]) * 235 + int(meta["epoch_batch"]) + int(steps.group(1))
    meta = {"epochs_done": str(at // 235), "epoch_batch": str(at % 235)}
for path in re.findall(r'save_model model "([^"]+)"', src):
    write(path, meta)
print("saved", meta)
'''


def progress(path: Path) -> tuple[int, int]:
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        meta = json.loads(f.read(n))["__metadata__"]
    return int(meta["epochs_done"]), int(meta["epoch_batch"])


def state(path: Path, epochs: int, batch: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    head = json.dumps({"__metadata__": {"epochs_done": str(epochs),
                                        "epoch_batch": str(batch)}}).encode()
    path.write_bytes(struct.pack("<Q", len(head)) + head)


@pytest.fixture
def clone(tmp_path: Path):
    """A checkout with the script, empty models/ and a stand-in kernel."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(SCRIPT, tmp_path / "scripts")
    (tmp_path / "models").mkdir()
    kernel = tmp_path / "fake-diffuse"
    kernel.write_text(f"#!{sys.executable}\n{FAKE_KERNEL}")
    kernel.chmod(0o755)
    return tmp_path


def run(clone: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DIFFUSE=str(clone / "fake-diffuse"))
    return subprocess.run(["bash", str(clone / "scripts" / SCRIPT.name), *args],
                          env=env, capture_output=True, text=True, timeout=120)


def test_park_then_resume_on_a_fresh_clone_and_finish(clone: Path):
    cache = clone / ".cache" / "train" / "mnist-denoiser-full.safetensors"
    parked = clone / "models" / "training" / "mnist-denoiser-full.safetensors"
    state(cache, 2, 94)

    r = run(clone, "--park", "denoiser")
    assert r.returncode == 0, r.stderr
    assert progress(parked) == (2, 94)
    assert "after 2 epochs and 94 batches" in r.stdout

    shutil.rmtree(clone / ".cache")          # the next machine has no cache
    r = run(clone, "denoiser")
    assert r.returncode == 0, r.stderr
    assert "denoiser resumes from models/training/" in r.stdout
    assert "epoch 3 of 5, from batch 95" in r.stdout   # not from the start
    assert progress(cache) == (5, 0)
    # Epoch 5 was reached here, so its file ships; epoch 1 was before the park.
    assert (clone / "models" / "mnist-denoiser-e5.safetensors").exists()
    assert not (clone / "models" / "mnist-denoiser-e1.safetensors").exists()
    assert not parked.exists(), "the finished model's parked state is left behind"
    assert "commit its removal" in r.stdout


def test_local_state_further_on_than_the_parked_one_wins(clone: Path):
    cache = clone / ".cache" / "train" / "mnist-denoiser-pure-full.safetensors"
    state(clone / "models" / "training" / "mnist-denoiser-pure-full.safetensors", 1, 47)
    state(cache, 3, 0)
    r = run(clone, "denoiser-pure")
    assert r.returncode == 0, r.stderr
    assert "resumes from" not in r.stdout
    assert "epoch 4 of 5, from batch 1" in r.stdout


def test_park_refuses_without_a_name_or_a_state(clone: Path):
    r = run(clone, "--park")
    assert r.returncode != 0 and "needs a model name" in r.stderr
    r = run(clone, "--park", "time")
    assert r.returncode != 0 and "time has no state" in r.stderr
    r = run(clone, "--park", "tiem")
    assert r.returncode != 0 and "unknown model 'tiem'" in r.stderr
    assert not (clone / "models" / "training").exists()
