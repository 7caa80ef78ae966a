"""Part B quality, judged independently of the kernel.

classifier.py's small CNN, trained with Debian's PyTorch on the MNIST files
(its weights are committed in tests/data/), must read at least 99% of the
MNIST test set correctly.  Then every shipped class-conditioned model
draws one sample of each digit (300 Euler steps, γ = 5) through the
kernel, and the count the classifier reads as asked must be plausible
under the figure models/README.md records for that file.  The full figure
(100 per digit) is `tests/mnist/quality.py models/<file>.safetensors`.
"""
from __future__ import annotations

import json
import math
import re
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


MODELS = ROOT / "models"
# A row of models/README.md's quality table: | `NAME.safetensors` | **K of 1,000** ...
RECORDED = re.compile(r"^\| `(mnist-class-[\w-]+)\.safetensors` \| \*\*([\d,]+) of 1,000\*\*", re.M)


def recorded_figures() -> dict[str, float]:
    """Checkpoint name -> the rate models/README.md records as read as
    intended, K of 1,000 taken as (K + 0.5) / 1,001: a recorded 1,000 of
    1,000 does not make one misread digit impossible."""
    text = (MODELS / "README.md").read_text()
    return {name: (int(k.replace(",", "")) + 0.5) / 1001 for name, k in RECORDED.findall(text)}


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p)."""
    return sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(k + 1))


SHIPPED = sorted(p.stem for p in MODELS.glob("mnist-class-*.safetensors"))


def test_every_shipped_class_model_has_a_recorded_figure():
    missing = set(SHIPPED) - set(recorded_figures())
    assert not missing, f"models/README.md records no classifier figure for {sorted(missing)}"


@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_model_draws_the_digits_asked_for_as_recorded(name):
    recorded = recorded_figures().get(name)
    if recorded is None:
        pytest.fail(f"models/README.md records no classifier figure for {name}")
    run = subprocess.run([PY, str(HERE / "quality.py"), str(MODELS / f"{name}.safetensors"),
                          "--per-digit", "1", "--chunk", "1", "--seed", "11",
                          "--diffuse", str(ROOT / ".venv" / "bin" / "diffuse")],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    r = json.loads(run.stdout.strip().splitlines()[-1])
    assert r["n"] == 10
    read = round(r["recognized"] * 10)
    # The recorded rate must make this draw plausible: at 99% recorded,
    # 7 of 10 or fewer has odds of about 1 in 9,000.
    assert binomial_cdf(read, 10, recorded) >= 1e-3, (name, read, recorded, r)
