"""Execute every notebooks/*.ipynb with the diffuse kernel (nbclient).

Each notebook must run without an error output, and every cell that has
outputs in the saved notebook must still produce outputs of the same MIME
types (output_type plus, for rich outputs, the data keys).

Cells that start with `needs deepfloyd` run on DeepFloyd IF.  The saved
notebooks show them as a machine without the weights does (the guard's
how-to, never noise from a random checkpoint), so their outputs are not
compared: here, with DIFFUSE_DEEPFLOYD set (the tiny random checkpoint
unless it names real weights), the guard must let them run, without an
error, and a cell that shows images must show one.
"""
from __future__ import annotations

import copy
import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import KERNEL_NAME, ROOT, budget_index

NOTEBOOK_DIR = ROOT / "notebooks"
# The IF cells (A0, and the "On DeepFloyd IF" section of A1.3-A1.9) load
# DeepFloyd IF from $DIFFUSE_DEEPFLOYD: without real weights they run on the
# tiny random checkpoint in the real folder layout (the kernel the client
# starts inherits this environment).
os.environ.setdefault("DIFFUSE_DEEPFLOYD", str(ROOT / "tests" / "data" / "if" / "tiny"))
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 600  # a training cell of the quick profile may take minutes

# Values the suite appends to a notebook's budget cell (tagged parameters),
# as papermill's -p would, to keep the suite's time in bounds. B2's class-
# conditioned figures take the course's 300 Euler steps each, about 100 s
# apiece on 2 cores; 30 run the same cells and show the same outputs.
# ./run.sh --headless runs the notebooks with their own values.
SUITE_VALUES = {"B2-flow-matching.ipynb": "class_steps = 30"}


def with_suite_values(nb, name):
    """nb with SUITE_VALUES[name] appended to its budget cell."""
    if name not in SUITE_VALUES:
        return nb
    nb.cells[budget_index(nb)].source += "\n" + SUITE_VALUES[name]
    return nb


def test_notebooks_folder_exists():
    assert NOTEBOOK_DIR.is_dir(), f"{NOTEBOOK_DIR} is missing"


BAR_TEXT = re.compile(r"\d+%\s*\|.*\|\s*\d+/\d+")


def is_progress_bar(o) -> bool:
    """A progress bar: marked so in its metadata, or (in notebooks saved
    before bars carried the mark) a text/html + text/plain display whose
    text is a tqdm-style line."""
    if o.get("metadata", {}).get("diffuse", {}).get("progress"):
        return True
    data = o.get("data", {})
    return (o["output_type"] == "display_data" and sorted(data) == ["text/html", "text/plain"]
            and bool(BAR_TEXT.search("".join(data["text/plain"]))))


def needs_deepfloyd(cell) -> bool:
    """The cell's first statement is the guard `needs deepfloyd`."""
    for line in cell.source.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            return line.split() == ["needs", "deepfloyd"]
    return False


def is_guard(o) -> bool:
    """The output `needs` shows when it skips a cell."""
    return "needs" in o.get("metadata", {}).get("diffuse", {})


SHOWS = re.compile(r"^\s*show\b|\biterative_denoise\b", re.M)


def check_if_cell(head: str, cell) -> list[str]:
    """What is wrong with an IF cell's outputs from a run with the weights."""
    if any(is_guard(o) for o in cell.outputs):
        return [f"{head}: skipped by `needs deepfloyd` although DIFFUSE_DEEPFLOYD="
                f"{os.environ['DIFFUSE_DEEPFLOYD']}"]
    if not cell.outputs:
        return [f"{head}: no output"]
    images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
    if SHOWS.search(cell.source) and not images:
        return [f"{head}: shows no image"]
    return []


def output_signature(outputs) -> list[tuple]:
    """What a cell's outputs look like, independent of their values:
    (output_type, stream name or sorted MIME keys), in order, with
    consecutive streams of one name merged (their split is timing) and
    progress bars left out (whether one shows is timing too)."""
    sig: list[tuple] = []
    for o in outputs:
        t = o["output_type"]
        if is_progress_bar(o):
            continue  # a progress bar shows only when the work outlasts 0.5 s
        if t == "stream":
            key = (t, o["name"])
        elif t in ("display_data", "execute_result", "update_display_data"):
            key = (t, tuple(sorted(o.get("data", {}))))
        else:
            key = (t,)
        if t == "stream" and sig and sig[-1] == key:
            continue
        sig.append(key)
    return sig


@pytest.mark.timeout(1800)  # above test.sh's per-test default of 300 s
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(kernel_spec, path: Path):
    saved = nbformat.read(path, as_version=4)
    nb = with_suite_values(copy.deepcopy(saved), path.name)
    client = NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=CELL_TIMEOUT,
                            allow_errors=True, resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    problems = []
    for i, (old, new) in enumerate(zip(saved.cells, nb.cells)):
        if new.cell_type != "code":
            continue
        head = f"cell {i} ({new.source.splitlines()[0] if new.source else ''!r})"
        for o in new.outputs:
            if o.output_type == "error":
                problems.append(f"{head}: {o.ename}: {o.evalue}")
        if needs_deepfloyd(new):
            problems += check_if_cell(head, new)
        elif old.get("outputs"):
            want, got = output_signature(old.outputs), output_signature(new.outputs)
            if want != got:
                problems.append(f"{head}: outputs changed: saved {want}, now {got}")
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_saved_if_cells_show_the_guard(path: Path):
    """A saved IF cell holds what a machine without the weights shows: the
    guard's how-to or note, and nothing else (no noise images)."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and needs_deepfloyd(cell):
            kinds = [(o.output_type, is_guard(o)) for o in cell.outputs]
            assert kinds == [("display_data", True)], f"{path.name} cell {i}: {kinds}"
