"""The two profiles of the Part B notebooks, B1 and B2.

Quick, the default, trains live at a small budget and draws the figures
with the course's models shipped in models/; full (DIFFUSE_PROFILE=full)
trains the course's recipe live and draws with that.  Here, cheaply: the
budget cell and the profile cell after it, run in kernels started with
each setting, and every shipped model a notebook names, loaded through
the notebook's own `course_model` and checked against the recipe (kind,
width, epochs).  Running the whole notebooks in the quick profile is
test_notebooks.py's job.
"""
from __future__ import annotations

import json
import re
import struct

import nbformat
import pytest

from conftest import ROOT, RunningKernel, budget_index, error, ok, value

# notebook: the course's width
PART_B = {
    "B1-single-step-denoiser": 128,
    "B2-flow-matching": 64,
}
SHIPPED = re.compile(r'course_model\(\w+, "([\w-]+)"\)')


def budget_cells(name):
    """The budget cell (tagged parameters) and the profile cell after it."""
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    i = budget_index(nb)
    return nb.cells[i].source, nb.cells[i + 1].source


def shipped_names(name):
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    return sorted({m for c in nb.cells if c.cell_type == "code" for m in SHIPPED.findall(c.source)})


@pytest.fixture
def start(tmp_path, kernel_spec, monkeypatch):
    kernels = []

    def started(profile):
        if profile is None:
            monkeypatch.delenv("DIFFUSE_PROFILE", raising=False)
            k = RunningKernel(tmp_path)
        else:
            k = RunningKernel(tmp_path, env={"DIFFUSE_PROFILE": profile})
        kernels.append(k)
        return k

    yield started
    for k in kernels:
        k.stop()


@pytest.mark.parametrize("name", sorted(PART_B))
def test_quick_is_the_default_and_draws_with_the_shipped_models(start, name):
    k = start(None)
    params, profile = budget_cells(name)
    ok(k.kc, params)
    text = "".join(o["content"].get("text", "") for o in ok(k.kc, profile))
    assert text.startswith("Profile quick:"), text
    assert value(k.kc, "profile") == '"quick"'
    assert value(k.kc, "course") == "false"
    assert value(k.kc, "hidden") == "16"


@pytest.mark.parametrize("name", sorted(PART_B))
def test_full_trains_the_course_recipe_live(start, name):
    k = start("full")
    params, profile = budget_cells(name)
    ok(k.kc, params)
    text = "".join(o["content"].get("text", "") for o in ok(k.kc, profile))
    assert text.startswith("Profile full:"), text
    assert value(k.kc, "course") == "true"
    assert value(k.kc, "hidden") == str(PART_B[name])
    assert value(k.kc, "subset") == "0"
    # the figures are drawn by the live model itself
    ok(k.kc, 'live = unet "denoiser" hidden=8')
    assert value(k.kc, 'course_model(live, "mnist-anything-e1").hidden') == "8"


def test_an_unknown_profile_is_named_in_the_error(start):
    k = start("fast")
    params, profile = budget_cells("B2-flow-matching")
    ok(k.kc, params)
    ename, evalue, _ = error(k.kc, profile)
    assert ename == "AssertionError"
    assert "DIFFUSE_PROFILE is quick (the default) or full, not fast" in evalue


def recipe_of(path):
    """The training record a checkpoint's safetensors metadata holds."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n))["__metadata__"]


@pytest.mark.parametrize("name", sorted(PART_B))
def test_every_shipped_model_a_notebook_names_follows_the_recipe(kernel, name):
    names = shipped_names(name)
    assert names, f"{name}: no course_model(..., \"NAME\") calls"
    for shipped in names:
        kind, pure, epochs = re.fullmatch(r"mnist-(time|class|denoiser)(-pure)?-e(\d+)", shipped).groups()
        path = ROOT / "models" / f"{shipped}.safetensors"
        assert path.is_file(), f"{name} names {path.name}, which models/ lacks"
        meta = recipe_of(path)
        flow = kind != "denoiser"
        want = {"kind": kind, "hidden": str(PART_B[name]), "epochs_done": epochs,
                "pure_noise": "1" if pure else "0", "batch": "64" if flow else "256",
                "schedule": "exp" if flow else "none",
                # the course's whole run, not a subset: 60,000 digits an epoch
                "steps": str(int(epochs) * -(-60000 // (64 if flow else 256)))}
        got = {key: meta.get(key) for key in want}
        assert got == want, shipped
        ok(kernel.kc, f'm = load_model "{path}"')
        assert value(kernel.kc, "m.epochs") == epochs, shipped
