"""Part B quality, judged independently of the kernel.

classifier.py's small CNN, trained with Debian's PyTorch on the MNIST files
(its weights are committed in tests/data/), must read at least 99% of the
MNIST test set correctly.  Then the shipped class-conditioned model
draws two samples of each digit (300 Euler steps, γ = 5) through the
kernel, and the classifier must read at least 18 of the 20 as the digit
they were asked for.  The full figure (100 per digit) is
`tests/mnist/quality.py models/mnist-class-cpu.safetensors`, reported in
models/README.md.
"""
from __future__ import annotations

import json
import subprocess

import pytest

from conftest import ROOT

PY = "/usr/bin/python3"  # Debian's python3-torch: the judge never runs in the kernel
HERE = ROOT / "tests" / "mnist"


def test_classifier_reaches_99_percent():
    run = subprocess.run([PY, str(HERE / "classifier.py"), "train"],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    info = json.loads(run.stdout.strip().splitlines()[-1])
    assert info["test_accuracy_now"] >= 0.99, info


@pytest.mark.timeout(900)
def test_shipped_model_draws_the_digits_asked_for():
    run = subprocess.run([PY, str(HERE / "quality.py"),
                          str(ROOT / "models" / "mnist-class-cpu.safetensors"),
                          "--per-digit", "2", "--chunk", "2", "--seed", "11",
                          "--diffuse", str(ROOT / ".venv" / "bin" / "diffuse")],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    r = json.loads(run.stdout.strip().splitlines()[-1])
    assert r["n"] == 20
    assert r["recognized"] >= 0.9, r
