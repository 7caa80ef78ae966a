"""Training and sampling Part B models through Jupyter: a short training
cell shows a progress bar and a loss plot that both gain points in place
(update_display_data with the same display_id); an interrupt_request in
the middle of training gives a KeyboardInterrupt-style error and the model
still samples in the next cell; checkpoints round-trip and bad ones give
one clear error.

Uses a tiny class-conditioned UNet (hidden=8) and a subset of MNIST so
each cell takes seconds on two CPU cores.
"""
from __future__ import annotations

import re
import time

import pytest

from conftest import ROOT, collect_iopub, execute, ok, shell_reply, value

LONG = 120


@pytest.fixture(scope="module")
def mk(kernel):
    kernel.flush()
    ok(kernel.kc, 'seed 180\ntrain_set = mnist "train"\nmodel = unet "class" hidden=8')
    return kernel


def test_training_cell_updates_bar_and_plot(mk):
    outs = ok(mk.kc, "train model train_set batch=32 steps=40 subset=2000")
    by_id: dict[str, list[dict]] = {}
    for m in outs:
        if m["msg_type"] in ("display_data", "update_display_data"):
            did = m["content"].get("transient", {}).get("display_id")
            assert did, m
            by_id.setdefault(did, []).append(m)
    bars = [v for v in by_id.values() if "progress" in v[0]["content"]["data"].get(
        "text/html", "") or "it/s" in v[0]["content"]["data"].get("text/plain", "")]
    plots = [v for v in by_id.values()
             if "application/vnd.diffuse.losscurve+json" in v[0]["content"]["data"]]
    assert len(plots) == 1, by_id.keys()
    plot = plots[0]
    assert plot[0]["msg_type"] == "display_data"
    assert all(m["msg_type"] == "update_display_data" for m in plot[1:])
    assert len(plot) >= 2
    first = plot[0]["content"]["data"]["application/vnd.diffuse.losscurve+json"]
    last = plot[-1]["content"]["data"]["application/vnd.diffuse.losscurve+json"]
    assert len(last["series"][0]["y"]) == 40
    assert len(first["series"][0]["y"]) <= len(last["series"][0]["y"])
    assert "image/png" in plot[-1]["content"]["data"]
    assert bars, by_id.keys()
    bar = bars[0]
    assert bar[0]["msg_type"] == "display_data"
    assert any(m["msg_type"] == "update_display_data" for m in bar)
    assert "40/40" in bar[-1]["content"]["data"]["text/plain"]
    assert "loss=" in bar[-1]["content"]["data"]["text/plain"]
    # the model knows its losses
    outs = ok(mk.kc, "len model.losses")
    res = [m for m in outs if m["msg_type"] == "execute_result"][0]
    assert res["content"]["data"]["text/plain"] == "40"


def test_interrupt_mid_training_keeps_a_usable_model(mk):
    kc = mk.kc
    mk.flush()
    msg_id = kc.execute("train model train_set batch=32 epochs=50", stop_on_error=False)
    time.sleep(4.0)
    mk.km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, timeout=LONG)
    msgs = collect_iopub(kc, msg_id, timeout=LONG)
    assert reply["content"]["status"] == "error"
    errs = [m["content"] for m in msgs if m["msg_type"] == "error"]
    assert errs and errs[0]["ename"] in ("KeyboardInterrupt", "Interrupted"), errs
    # the next cell samples with the interrupted model
    outs = ok(kc, "generate model per_digit=1 steps=4")
    res = [m for m in outs if m["msg_type"] == "execute_result"][0]
    assert "image/png" in res["content"]["data"] or "text/html" in res["content"]["data"]
    # the model says where in its epoch it stopped, and training again
    # continues there: the rest of that epoch is the first of epochs=
    text = value(kc, "model")
    m = re.search(r"(\d+) of 1875 batches trained", text)
    assert m, text
    outs = ok(kc, "train model train_set batch=32 steps=2")
    bar = [o for o in outs if o["msg_type"] in ("display_data", "update_display_data")
           and "it/s" in o["content"]["data"].get("text/plain", "")]
    assert bar and "2/2" in bar[-1]["content"]["data"]["text/plain"], bar
    assert f"{int(m.group(1)) + 2} of 1875 batches" in value(kc, "model")


def test_checkpoint_round_trip_and_errors(mk, tmp_path):
    p = tmp_path / "m.safetensors"
    ok(mk.kc, f'seed 1\na = generate model per_digit=1 steps=3\n'
              f'save_model model "{p}"\nagain = load_model "{p}"\n'
              f'seed 1\nb = generate again per_digit=1 steps=3')
    outs = ok(mk.kc, "a.mean == b.mean and again.steps == model.steps")
    res = [m for m in outs if m["msg_type"] == "execute_result"][0]
    assert res["content"]["data"]["text/plain"] == "true"
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(p.read_bytes()[:5000])
    reply, outs = execute(mk.kc, f'load_model "{bad}"')
    assert reply["content"]["status"] == "error"
    assert "corrupt" in reply["content"]["evalue"] or "truncated" in reply["content"]["evalue"]
    reply, outs = execute(mk.kc, f'load_model "{ROOT / "notebooks" / "data" / "chelsea.png"}"')
    assert reply["content"]["status"] == "error"
    assert "not a checkpoint" in reply["content"]["evalue"]


def test_int8_checkpoint_is_smaller_and_samples_alike(mk, tmp_path):
    """int8=true: under 60% of the fp16 file at D = 16, samples within a
    thousandth of the model's on average; fp16 and int8 together are refused."""
    p16, p8 = tmp_path / "m16.safetensors", tmp_path / "m8.safetensors"
    ok(mk.kc, f'seed 7\nw = unet "class" hidden=16\n'
              f'save_model w "{p16}" fp16=true optimizer=false\n'
              f'save_model w "{p8}" int8=true optimizer=false\n'
              f'w8 = load_model "{p8}"\n'
              f'seed 1\na = generate w per_digit=1 steps=3\n'
              f'seed 1\nb = generate w8 per_digit=1 steps=3')
    assert p8.stat().st_size < 0.6 * p16.stat().st_size
    assert value(mk.kc, "(mean (abs (a - b))) < 0.001") == "true"
    reply, _ = execute(mk.kc, f'save_model w "{tmp_path / "both.safetensors"}" '
                              f'fp16=true int8=true')
    assert reply["content"]["status"] == "error"
    assert "choose one" in "\n".join(reply["content"]["traceback"])
    assert not (tmp_path / "both.safetensors").exists()


def test_section_1_2_figures(mk):
    """The noising figure has a row per digit and a column per sigma (sigma
    0 is the clean digit); mean_digit averages the set; a pure-noise
    denoiser is fed noise whatever sigma says, and stays one when trained
    on."""
    ok(mk.kc, 'test_set = mnist "test"\nr = add_noise test_set count=3\n'
              'clean = add_noise test_set sigma=0 count=3')
    assert value(mk.kc, "[r.count, r.width]") == "[21, 28]"
    assert value(mk.kc, "r[7].mean == clean[1].mean and r[0].mean == clean[0].mean") == "true"
    assert value(mk.kc, "r[6].std > r[1].std") == "true"
    avg = value(mk.kc, "(mean_digit train_set).mean - (train_set.mean * 2 - 1)")
    assert abs(float(avg)) < 1e-5, avg
    reply, _ = execute(mk.kc, "add_noise test_set sigma=[-1]")
    assert reply["content"]["status"] == "error"
    assert "noise levels" in reply["content"]["evalue"]
    ok(mk.kc, 'd = unet "denoiser" hidden=8\nq = unet_denoise d test_set sigma=0 count=2\n'
              'pn = unet "denoiser" hidden=8\ntrain pn train_set steps=1 subset=256 pure_noise=true\n'
              'p = unet_denoise pn test_set sigma=0 count=2')
    assert value(mk.kc, "q[1].mean == q[0].mean and p[1].mean != p[0].mean") == "true"
    # training on without the flag keeps the model's objective
    ok(mk.kc, 'train pn train_set steps=1 subset=256\np2 = unet_denoise pn test_set sigma=0 count=2')
    assert value(mk.kc, "p2[1].mean != p2[0].mean") == "true"
