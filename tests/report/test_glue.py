"""The Python glue that scripts/setup.sh installs (python/diffuse_jupyter):
the Pygments lexer and the papermill translator, found the way Pygments,
nbconvert and papermill find them (entry points), and the kernel naming
the lexer in its language_info."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbconvert import HTMLExporter
from pygments.lexers import get_lexer_by_name
from pygments.token import Comment, Keyword, Name, Number, Operator, String

from conftest import KERNEL_NAME, ROOT, VENV, jupyter_bin

KERNEL_BIN = VENV / "bin" / "diffuse"


def tokens(code):
    lexer = get_lexer_by_name("diffuse")
    return [(t, v) for t, v in lexer.get_tokens(code) if v.strip()]


def test_lexer_is_found_by_name_and_knows_every_command_and_keyword():
    registry = json.loads(subprocess.check_output([str(KERNEL_BIN), "--commands-json"]))
    keywords = json.loads(subprocess.check_output([str(KERNEL_BIN), "--keywords-json"]))
    src = "\n".join(c["name"] for c in registry)
    got = {v: t for t, v in tokens(src)}
    assert all(got[c["name"]] in Name.Builtin for c in registry), \
        [c["name"] for c in registry if got.get(c["name"]) not in Name.Builtin]
    for k in keywords:
        (t, v), = tokens(k)
        assert t in Keyword or t in Operator.Word, (k, t)


def test_lexer_tokens_follow_the_language():
    code = ('noisy = forward img t=[250, 0.5e-3] # noise it\nshow noisy title="a \\"b\\"" if true\n'
            'for i in 1..3\n  inner = i\nend\n')
    toks = tokens(code)
    kinds = {}
    for t, v in toks:
        kinds.setdefault(v, t)  # a word's first occurrence
    assert kinds["noisy"] in Name.Variable
    assert kinds["forward"] in Name.Builtin
    assert kinds["t"] in Name.Attribute
    assert kinds["250"] in Number.Integer and kinds["0.5e-3"] in Number.Float
    assert kinds["# noise it"] in Comment
    assert any(t in String.Escape for t, v in toks)
    assert kinds["if"] in Keyword and kinds["true"] in Keyword.Constant
    assert kinds["inner"] in Name.Variable  # a definition, indented in a block


def test_kernel_names_the_lexer(kernel):
    msg_id = kernel.kc.kernel_info()
    reply = kernel.kc.get_shell_msg(timeout=15)
    assert reply["parent_header"]["msg_id"] == msg_id
    info = reply["content"]["language_info"]
    assert info["pygments_lexer"] == "diffuse"
    assert get_lexer_by_name(info["pygments_lexer"]).name == "diffuse"


def test_nbconvert_html_of_a_diffuse_cell_has_token_classes(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "language": "diffuse", "display_name": "diffuse"}
    nb.cells = [nbformat.v4.new_code_cell('x = alpha_bar 250 # keep\nprint "x" x')]
    path = tmp_path / "cell.ipynb"
    nbformat.write(nb, path)
    # Executed through the kernel first, so language_info is the kernel's
    # own (nbconvert picks the lexer before it executes: `--execute --to
    # html` in one go highlights as Python), then converted, as run.sh does.
    subprocess.run([jupyter_bin(), "nbconvert", "--to", "notebook", "--execute",
                    f"--ExecutePreprocessor.kernel_name={KERNEL_NAME}", "--output", "ran",
                    str(path)], check=True, capture_output=True, timeout=180)
    subprocess.run([jupyter_bin(), "nbconvert", "--to", "html", str(tmp_path / "ran.ipynb")],
                   check=True, capture_output=True, timeout=180)
    html = (tmp_path / "ran.html").read_text()
    assert 'class="highlight hl-diffuse"' in html
    assert '<span class="nb">alpha_bar</span>' in html  # Name.Builtin
    assert '<span class="mi">250</span>' in html        # Number.Integer
    assert '<span class="c1"># keep</span>' in html     # Comment.Single
    assert '<span class="nv">x</span>' in html          # Name.Variable


def test_classic_notebook_mode_is_installed_with_the_kernelspec(kernel_spec):
    js = Path(kernel_spec.resource_dir) / "kernel.js"
    text = js.read_text()
    assert "CodeMirror.defineMode('diffuse'" in text
    registry = json.loads(subprocess.check_output([str(KERNEL_BIN), "--commands-json"]))
    assert all(f'"{c["name"]}"' in text for c in registry)
