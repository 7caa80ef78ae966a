"""papermill and the diffuse kernel: parameters become a diffuse cell
(each JSON type as the language's literal), through the translator the
glue package registers, and a real `papermill -p ...` run executes it."""
from __future__ import annotations

import re
import datetime
import subprocess

import nbformat
import pytest
from papermill.translators import papermill_translators, translate_parameters

from conftest import KERNEL_NAME, VENV, execute


def translated(value):
    return papermill_translators.find_translator(KERNEL_NAME, "diffuse").translate(value)


@pytest.mark.parametrize("value, text", [
    (64, "64"),
    (-3, "-3"),
    (0.5, "0.5"),
    (1e-05, "1e-05"),
    (True, "true"),
    (False, "false"),
    (None, "none"),
    ("mnist", '"mnist"'),
    ('say "hi"\\\n\tnow', '"say \\"hi\\"\\\\\\n\\tnow"'),
    ("σ = ½", '"σ = ½"'),
    ([1, "a", None, [True, 2.5]], '[1, "a", none, [true, 2.5]]'),
    ([], "[]"),
    (datetime.date(2026, 1, 2), '"2026-01-02"'),  # other types: their text
])
def test_each_type_becomes_its_literal(value, text):
    assert translated(value) == text


@pytest.mark.parametrize("value, why", [
    ({"a": 1}, "no dictionaries"),
    (float("inf"), "finite"),
    (float("nan"), "finite"),
    ("bell\a", "no escape"),
])
def test_values_the_language_cannot_hold_are_refused(value, why):
    with pytest.raises(ValueError, match=why):
        translated(value)


def test_injected_cell_runs_in_the_kernel_with_the_values(kernel):
    params = {"hidden": 64, "rate": 0.001, "name": 'a "b"\nc', "on": True,
              "nothing": None, "sizes": [1, 2.5, "x"]}
    cell = translate_parameters(KERNEL_NAME, "diffuse", params, "Parameters")
    reply, outputs = execute(kernel.kc, cell)
    assert reply["content"]["status"] == "ok", outputs
    reply, outputs = execute(kernel.kc, 'print hidden rate name on nothing sizes')
    text = "".join(o["content"].get("text", "") for o in outputs)
    assert text == '64 0.001 a "b"\nc true none [1, 2.5, "x"]\n'


def test_papermill_command_injects_and_runs(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "language": "diffuse", "display_name": "diffuse"}
    params = nbformat.v4.new_code_cell("hidden = 16\nsubset = 640\nlabel = \"quick\"")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("budget"), params,
                nbformat.v4.new_code_cell('print "hidden" hidden "subset" subset label')]
    src, out = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(nb, src)
    run = subprocess.run([str(VENV / "bin" / "papermill"), "-p", "hidden", "64", "-p", "subset", "0",
                          "-p", "label", "full run", str(src), str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    done = nbformat.read(out, as_version=4)
    injected = done.cells[2]
    assert "injected-parameters" in injected.metadata.get("tags", [])
    assert injected.source.splitlines()[1:] == ["hidden = 64", "subset = 0", 'label = "full run"']
    printed = "".join(o.get("text", "") for o in done.cells[3].outputs)
    assert printed.strip() == "hidden 64 subset 0 full run"


@pytest.mark.parametrize("notebook, names", [
    ("B1-single-step-denoiser.ipynb", ["hidden", "subset"]),
    ("B2-flow-matching.ipynb", ["hidden", "subset", "time_steps", "class_steps"]),
])
def test_budget_cells_are_tagged_and_their_parameters_known(notebook, names):
    path = VENV.parent / "notebooks" / notebook
    run = subprocess.run([str(VENV / "bin" / "papermill"), "--help-notebook", str(path)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    listed = dict(re.findall(r"^\s+(\w+): (\w+) \(default", run.stdout, re.M))
    assert list(listed) == names and set(listed.values()) == {"int"}, run.stdout
