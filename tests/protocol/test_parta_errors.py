"""Part A's bad input and interrupts through Jupyter, on the CPU model
(the shipped MNIST class model behind the denoiser interface): bad input
gives one clear error each, an interrupt stops every loop promptly (one
step of a small batch: well under a second on a quiet machine, under two
on a busy one), and after either the kernel is alive with its variables
intact.
"""
from __future__ import annotations

import time

import pytest

from conftest import ROOT, collect_iopub, error, ok, shell_reply, value

LONG = 120
MODEL = ROOT / "models" / "mnist-class-cpu.safetensors"


@pytest.fixture(scope="module")
def pa(kernel):
    kernel.flush()
    ok(kernel.kc, f'model = load_model "{MODEL}"\ntest_set = mnist "test"\nseed 3\n'
                  'd = digits test_set\nx = forward d t=690\nkeep = 42')
    return kernel


def intact(kc):
    assert value(kc, "[keep, d.width, x.height]") == "[42, 28, 28]"


CASES = [
    # (cell, ename, words the message must hold)
    ("iterative_denoise model x i_start=40", "ArgumentError", ["i_start=40", "0..32"]),
    ("sdedit model d i_start=[1, 3, 99]", "ArgumentError", ["i_start=99", "0..32"]),
    ('inpaint model d (mask (load "notebooks/data/rocket.jpg" size=64) shape="rect" x=0 y=0 w=9 h=9)',
     "ShapeError", ["mask", "64", "28"]),
    ('sdedit model (load "notebooks/data/rocket.jpg" size=28) i_start=5', "ShapeError",
     ["3x28x28", "1x28x28"]),
    ("sample model n=2 cond=12 guidance=7", "ArgumentError", ["class 12", "0..9"]),
    ('anagram model "an oil painting of an old man" 9', "ArgumentError", ["prompt"]),
    ('unconditional = unet "time" hidden=8\nsample unconditional n=1 guidance=7',
     "ArgumentError", ["no condition to guide"]),
    ('never_dropped = unet "class" hidden=8 p_uncond=0\nsample never_dropped n=1 cond=3 guidance=7',
     "ArgumentError", ["no unconditional input"]),
    ('hybrid model 0 1 kernel=4', "ArgumentError", ["odd"]),
    ('anagram model 6 9 view="sideways"', "ArgumentError", ["sideways", "rot180"]),
]


@pytest.mark.parametrize("cell,ename,words", CASES, ids=[c[0][:40] for c in CASES])
def test_bad_input_is_one_clear_error(pa, cell, ename, words):
    name, msg, tb = error(pa.kc, cell)
    assert name == ename, (name, msg)
    for w in words:  # in the message, or in its hint (the traceback's end)
        assert w in msg or w in tb, (w, msg, tb)
    intact(pa.kc)


LOOPS = [
    "iterative_denoise model (forward (digits test_set n=32) t=990) i_start=0 every=0",
    "sample model n=4 seeds=100",
    "sdedit model (digits test_set n=8) i_start=[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]",
    "inpaint model d (mask d shape=\"rect\" x=0 y=0 w=28 h=14) seeds=100",
    "anagram model 6 9 view=\"rot180\" n=4 seeds=100",
    "hybrid model 0 1 n=4 seeds=100",
]


@pytest.mark.parametrize("cell", LOOPS, ids=[c.split()[0] for c in LOOPS])
def test_interrupt_stops_every_loop_within_a_second(pa, cell):
    kc = pa.kc
    pa.flush()
    msg_id = kc.execute(f"result = {cell}", stop_on_error=False)
    time.sleep(0.6)
    t0 = time.monotonic()
    pa.km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, timeout=LONG)
    waited = time.monotonic() - t0
    msgs = collect_iopub(kc, msg_id, timeout=LONG)
    assert reply["content"]["status"] == "error", "the loop finished before the interrupt"
    errs = [m["content"] for m in msgs if m["msg_type"] == "error"]
    assert errs and errs[0]["ename"] in ("KeyboardInterrupt", "Interrupted"), errs
    assert waited < 2.0, waited  # one step of a small batch, even on a busy machine
    intact(kc)
    _, msg, _ = error(kc, "result")
    assert "result" in msg  # the interrupted cell assigned nothing
