"""Real front-ends against the installed diffuse kernelspec: nbconvert
(through nbclient) and jupyter console (through a pseudo-terminal)."""
from __future__ import annotations

import subprocess
import sys

import nbformat
import pexpect
import psutil
import pytest

from conftest import KERNEL_NAME, jupyter_bin


def make_notebook(path, cells: list[str]) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "diffuse",
                                 "language": "diffuse"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)


def nbconvert(src, outdir, *extra) -> subprocess.CompletedProcess:
    return subprocess.run(
        [jupyter_bin(), "nbconvert", "--to", "notebook", "--execute", str(src),
         "--output-dir", str(outdir), "--output", "out.ipynb",
         "--ExecutePreprocessor.timeout=60", *extra],
        capture_output=True, text=True, timeout=120)


def test_nbconvert_execute(kernel_spec, tmp_path):
    src = tmp_path / "in.ipynb"
    make_notebook(src, ['print "hello from nbconvert"', "z = 20 + 22", "z",
                        'markdown "# Title"'])
    r = nbconvert(src, tmp_path)
    assert r.returncode == 0, r.stderr
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    outs = [c.outputs for c in nb.cells]
    assert outs[0][0].output_type == "stream"
    assert "hello from nbconvert" in outs[0][0].text
    assert outs[1] == []
    assert outs[2][0].output_type == "execute_result"
    assert outs[2][0].data["text/plain"] == "42"
    assert outs[2][0].execution_count == nb.cells[2].execution_count
    assert outs[3][0].output_type == "display_data"
    assert "text/markdown" in outs[3][0].data
    li = nb.metadata["language_info"]
    assert li["name"] == "diffuse" and li["file_extension"] == ".diffuse"


def test_nbconvert_error_cell(kernel_spec, tmp_path):
    src = tmp_path / "err.ipynb"
    make_notebook(src, ['print "before"', "no_such_variable", 'print "after"'])
    # without --allow-errors the run fails and says why
    r = nbconvert(src, tmp_path)
    assert r.returncode != 0
    assert "NameError" in r.stderr
    # with it, the error is recorded in the notebook and later cells run
    r = nbconvert(src, tmp_path, "--allow-errors")
    assert r.returncode == 0, r.stderr
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    err = nb.cells[1].outputs
    assert len(err) == 1 and err[0].output_type == "error"
    assert err[0].ename == "NameError"
    assert "no_such_variable" in err[0].evalue + "".join(err[0].traceback)
    assert "after" in nb.cells[2].outputs[0].text


def test_jupyter_console(kernel_spec, tmp_path):
    child = pexpect.spawn(
        jupyter_bin(),
        ["console", "--kernel", KERNEL_NAME, "--simple-prompt", "--no-confirm-exit",
         "--ZMQTerminalInteractiveShell.image_handler=stream"],
        encoding="utf-8", timeout=30, dimensions=(40, 200))
    child.logfile_read = sys.stdout  # visible with pytest -s / on failure
    try:
        child.expect(r"In \[1\]: ")
        child.sendline('print "hello"')
        # the output on a line of its own (the echoed input also says hello)
        child.expect(r"\nhello\r?\n")
        child.expect(r"In \[2\]: ")
        child.sendline("cv = 1 + 2")
        child.expect(r"In \[3\]: ")
        child.sendline("cv")
        child.expect(r"Out\[3\]: 3")
        child.expect(r"In \[4\]: ")
        kernel_pids = [p.pid for p in psutil.Process(child.pid).children(recursive=True)]
        child.sendeof()
        child.expect(pexpect.EOF, timeout=20)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, (child.exitstatus, child.signalstatus)
    for pid in kernel_pids:
        try:
            psutil.Process(pid).wait(timeout=5)
        except psutil.NoSuchProcess:
            pass
        except psutil.TimeoutExpired:
            pytest.fail(f"kernel process {pid} still running after the console exited")
