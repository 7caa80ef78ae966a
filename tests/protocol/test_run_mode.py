"""`diffuse --run FILE`: the language without Jupyter, as the course's
long trainings use it (scripts/train-course-models.sh logs its output).

A bar's updates are printed at most every 10 s; what a log must still show
is where each bar stopped: "100%" after a finished run, "interrupted"
after Ctrl-C, before the cell's value or its error.  An error's traceback
goes to stderr as plain text when stderr is not a terminal (a log file).
"""
from __future__ import annotations

import signal
import subprocess
import time

from conftest import ROOT

DIFFUSE = str(ROOT / ".venv" / "bin" / "diffuse")

TRAIN = """seed 1
train_set = mnist "train"
model = unet "time" hidden=8
train model train_set batch=16 steps={steps} subset={subset}
model.loss
"""


def test_log_ends_with_the_finished_bar_and_curve(tmp_path):
    script = tmp_path / "train.diffuse"
    script.write_text(TRAIN.format(steps=30, subset=480))
    run = subprocess.run([DIFFUSE, "--run", str(script)], capture_output=True,
                         text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    bars = [line for line in lines if line.startswith("train time")]
    assert bars and "100%" in bars[-1] and "30/30" in bars[-1], run.stdout
    curves = [line for line in lines if line.strip().startswith("loss:")]
    assert curves and "30 points" in curves[-1], run.stdout
    # The cell's value comes after every display it made.
    assert float(lines[-1]) > 0, run.stdout


def test_interrupt_shows_where_the_bar_stopped(tmp_path):
    script = tmp_path / "train.diffuse"
    script.write_text(TRAIN.format(steps=2000, subset=0))  # minutes unless stopped
    proc = subprocess.Popen([DIFFUSE, "--run", str(script)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        first = proc.stdout.readline()
        while first and not first.startswith("train time"):
            first = proc.stdout.readline()
        assert first.startswith("train time"), "no progress bar was printed"
        time.sleep(1.5)  # well inside the 10 s between printed updates
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, (out, err)
    bars = [line for line in out.splitlines() if line.startswith("train time")]
    assert bars and "interrupted" in bars[-1], out
    assert "KeyboardInterrupt: interrupted by the user" in err, err
    assert "\x1b[" not in err, "a traceback sent to a pipe keeps its ANSI colours"
