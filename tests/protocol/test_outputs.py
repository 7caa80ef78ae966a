"""What users see: rich outputs of the image, diffusion and plot commands,
progress bars that update in place, clear errors for bad input, and
reproducible images from a seed.

Every bundle must carry its fallbacks (text/plain always; image/png beside
HTML or SVG) so classic notebooks, nbconvert and GitHub show something.
The photos come from notebooks/data (scikit-image's sample images).
"""
from __future__ import annotations

import base64
import time
from queue import Empty

import pytest

from conftest import ROOT, RunningKernel, collect_iopub, execute, shell_reply, text_of

ROCKET = ROOT / "notebooks" / "data" / "rocket.jpg"
CHELSEA = ROOT / "notebooks" / "data" / "chelsea.png"
PNG_SIG = b"\x89PNG\r\n\x1a\n"
LONG_TIMEOUT = 60


def ok(kc, code: str, timeout: float = LONG_TIMEOUT) -> list[dict]:
    reply, outputs = execute(kc, code, timeout=timeout)
    errors = [m["content"] for m in outputs if m["msg_type"] == "error"]
    assert reply["content"]["status"] == "ok", (code, errors)
    return outputs


def bundles(outputs: list[dict], kind: str = "display_data") -> list[dict]:
    return [m["content"] for m in outputs if m["msg_type"] == kind]


def png_bytes(b64: str) -> bytes:
    raw = base64.b64decode(b64)
    assert raw.startswith(PNG_SIG)
    return raw


@pytest.fixture(scope="module")
def loaded(kernel):
    """The module kernel with `img` (64x64 rocket) and `noisy` (3 images)."""
    kernel.flush()
    ok(kernel.kc, f'seed 180\nimg = load "{ROCKET}" size=64\n'
                  f'noisy = forward img t=[250, 500, 750]')
    return kernel


# --------------------------------------------------------------------------
# rich outputs


def test_image_result_bundle(loaded):
    outs = ok(loaded.kc, "img")
    (res,) = bundles(outs, "execute_result")
    data = res["data"]
    assert data["text/plain"] == "image 64x64 RGB"
    raw = png_bytes(data["image/png"])
    assert raw[16:24] == (64).to_bytes(4, "big") * 2  # IHDR width, height
    assert "<img" in data["text/html"] and "pixelated" in data["text/html"]


def test_image_fields(loaded):
    outs = ok(loaded.kc, 'print img.width img.height img.channels img.count '
                         'img.mode img.device (type img) (len noisy)')
    assert text_of(outs).split() == ["64", "64", "3", "1", "RGB", "cpu",
                                     "image", "3"]


def test_grid_bundle(loaded):
    outs = ok(loaded.kc, 'show img noisy title="forward process" '
                         'captions=["x0", "t=250", "t=500", "t=750"]')
    (d,) = bundles(outs)
    data, meta = d["data"], d["metadata"]
    assert {"text/html", "image/png", "text/plain"} <= set(data)
    assert data["text/plain"].startswith("forward process: 4 images")
    assert "t=750" in data["text/html"] and "forward process" in data["text/html"]
    png_bytes(data["image/png"])
    assert meta["image/png"]["width"] > 4 * 64


def test_loss_plot_bundle(loaded):
    outs = ok(loaded.kc, 'plot [0.9, 0.5, 0.3, 0.2] [1.0, 0.6, 0.45, 0.4] '
                         'names=["train", "test"] log=true title="loss"')
    (d,) = bundles(outs)
    data = d["data"]
    assert {"image/svg+xml", "image/png", "text/plain",
            "application/vnd.diffuse.losscurve+json"} <= set(data)
    assert data["image/svg+xml"].lstrip().startswith(("<svg", "<?xml"))
    png_bytes(data["image/png"])
    spec = data["application/vnd.diffuse.losscurve+json"]
    assert [s["name"] for s in spec["series"]] == ["train", "test"]
    assert spec["series"][0]["y"] == [0.9, 0.5, 0.3, 0.2]
    assert spec["log_y"] is True and spec["title"] == "loss"
    assert "train" in data["text/plain"] and "test" in data["text/plain"]


def test_loss_plot_marks_epochs_of_a_shipped_model(loaded):
    # a checkpoint keeps its whole training: the per-step losses and where
    # each epoch ended, so its curve can be drawn as `train` drew it
    outs = ok(loaded.kc, f'm = load_model "{ROOT / "models" / "mnist-class-e5.safetensors"}"\n'
                         'plot m.losses epochs=m.epoch_ends log=true title="2.5"')
    (d,) = bundles(outs)
    spec = d["data"]["application/vnd.diffuse.losscurve+json"]
    assert [e["x"] for e in spec["epochs"]] == [938, 1876, 2814, 3752, 4690]
    assert [e["label"] for e in spec["epochs"]] == [f"epoch {k}" for k in range(1, 6)]
    assert len(spec["series"]) == 1 and spec["series"][0]["name"] == ""
    outs = ok(loaded.kc, 'plot [3, 2, 1] epochs=[1]')
    (d,) = bundles(outs)
    assert d["data"]["application/vnd.diffuse.losscurve+json"]["epochs"] == [
        {"x": 1, "label": "epoch 1"}]
    reply, outputs = execute(loaded.kc, 'plot [3, 2, 1] epochs=["one"]')
    assert reply["content"]["status"] == "error"
    assert "item 0 of epochs is a string, not a number" in reply["content"]["evalue"]


def test_progression_bundle(loaded):
    outs = ok(loaded.kc, 'progression noisy [250, 500, 750] title="noise"')
    (d,) = bundles(outs)
    data = d["data"]
    custom = data["application/vnd.diffuse.progression+json"]
    assert custom["timesteps"] == [250, 500, 750] and len(custom["frames"]) == 3
    assert {"image/png", "text/html", "text/plain"} <= set(data)


def test_blur_and_alpha_bar(loaded):
    outs = ok(loaded.kc, 'b = blur noisy kernel=5 sigma=2\nprint (len b) '
                         '(type b[0]) b[0].width\nalpha_bar [0, 500, 990]')
    assert text_of(outs, "none").split() == ["3", "image", "64"]
    (res,) = bundles(outs, "execute_result")
    vals = [float(v) for v in res["data"]["text/plain"].strip("[]").split(",")]
    assert abs(vals[0] - 0.999959) < 1e-4 and abs(vals[1] - 0.49229) < 1e-4
    assert abs(vals[2] - 1.97e-4) < 1e-5


def test_device_report(loaded):
    outs = ok(loaded.kc, "device")
    (d,) = bundles(outs)
    text = d["data"]["text/plain"]
    for word in ("device", "libtorch", "threads", "BLAS"):
        assert word in text
    assert "|" in d["data"]["text/markdown"]


# --------------------------------------------------------------------------
# progress bars


def test_progress_bar_updates_in_place(loaded):
    # A bar appears only after half a second of work, so the workload is
    # calibrated to this machine: double the number of images blurred with a
    # wide kernel until the command runs for at least 1.5 s.
    kc = loaded.kc
    ok(kc, f'big = load "{ROCKET}" size=256')
    n = 8
    while True:
        ok(kc, f"ys = forward big t=0..{n - 1}")
        t0 = time.monotonic()
        outs = ok(kc, "zs = blur ys kernel=61 sigma=12")
        elapsed = time.monotonic() - t0
        if elapsed >= 1.5 or n >= 1024:
            break
        n *= 2
    firsts = [m for m in outs if m["msg_type"] == "display_data"]
    updates = [m for m in outs if m["msg_type"] == "update_display_data"]
    assert len(firsts) == 1, f"one bar, shown once ({n} images, {elapsed:.1f}s)"
    bar_id = firsts[0]["content"]["transient"]["display_id"]
    assert bar_id
    assert updates, f"no updates in {elapsed:.1f}s"
    assert all(m["content"]["transient"]["display_id"] == bar_id for m in updates)
    # throttled: at most ~4-5 per second, plus the final state
    assert len(updates) <= 5 * elapsed + 2, (len(updates), elapsed)
    for m in firsts + updates:
        data = m["content"]["data"]
        assert "text/plain" in data and "text/html" in data
    final = updates[-1]["content"]["data"]["text/plain"]
    assert f"{n}/{n}" in final and "100%" in final
    # the result is intact
    outs = ok(kc, "print (len zs) zs[0].width")
    assert text_of(outs).split() == [str(n), "256"]
    ok(kc, "del ys zs")


def test_quick_command_shows_no_bar(loaded):
    outs = ok(loaded.kc, "xs = forward img t=0..99")
    assert not [m for m in outs if m["msg_type"] in
                ("display_data", "update_display_data")]


def test_interrupt_stops_a_long_loop(loaded):
    kc = loaded.kc
    loaded.flush()
    ok(kc, f'big = load "{ROCKET}" size=256\nkeep = 5')
    # stop_on_error=False: this test is about the interrupt, not about the
    # queue abort that follows an error (kernel/proto/execute.c)
    msg_id = kc.execute("zs = blur (forward big t=0..999) kernel=33 sigma=2",
                        stop_on_error=False)
    time.sleep(2.0)
    t0 = time.monotonic()
    loaded.km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, timeout=LONG_TIMEOUT)
    elapsed = time.monotonic() - t0
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    assert elapsed < 1.5, f"interrupt took {elapsed:.2f}s"
    msgs = collect_iopub(kc, msg_id, timeout=LONG_TIMEOUT)
    # Each bar shown ends finished (the forward step may complete before the
    # interrupt on a fast machine) or marked as interrupted, never mid-way.
    last = {}
    for m in msgs:
        bar_id = m["content"].get("transient", {}).get("display_id")
        if m["msg_type"] in ("display_data", "update_display_data") and bar_id:
            last[bar_id] = m
    for m in last.values():
        text = m["content"]["data"]["text/plain"].lower()
        assert "interrupt" in text or "100%" in text, text
    outs = ok(kc, "print keep")
    assert text_of(outs).strip() == "5"


# --------------------------------------------------------------------------
# bad input: one clear error, the kernel alive, variables intact


def one_error(kc, code: str) -> dict:
    # stop_on_error=False: the next check cell must not race the abort of
    # queued cells that follows an error (kernel/proto/execute.c)
    reply, outputs = execute(kc, code, timeout=LONG_TIMEOUT, stop_on_error=False)
    assert reply["content"]["status"] == "error", code
    errors = [m["content"] for m in outputs if m["msg_type"] == "error"]
    assert len(errors) == 1, (code, outputs)
    return errors[0]


def still_fine(kc) -> None:
    outs = ok(kc, "print img.width (len noisy)")
    assert text_of(outs).split() == ["64", "3"]


@pytest.fixture
def bad_files(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("this is not a picture\n")
    cut = tmp_path / "half.png"
    cut.write_bytes(CHELSEA.read_bytes()[: CHELSEA.stat().st_size // 3])
    cutj = tmp_path / "half.jpg"
    cutj.write_bytes(ROCKET.read_bytes()[: ROCKET.stat().st_size // 3])
    return {"text": text, "cut": cut, "cutj": cutj, "missing": tmp_path / "nope.jpg"}


@pytest.mark.parametrize("which, needle, ename", [
    ("missing", "nope.jpg", "FileError"), ("text", "notes.png", "FormatError"),
    ("cut", "half.png", "FormatError"), ("cutj", "half.jpg", "FormatError"),
])
def test_bad_files(loaded, bad_files, which, needle, ename):
    err = one_error(loaded.kc, f'img2 = load "{bad_files[which]}"')
    assert needle in err["evalue"]
    assert err["ename"] == ename
    # the traceback points at the file argument and says how to fix it
    assert any("^" in line for line in err["traceback"])
    still_fine(loaded.kc)
    # nothing was assigned
    assert "img2" in one_error(loaded.kc, "img2")["evalue"]


@pytest.mark.parametrize("code, needle", [
    (f'load "{ROCKET}" size=0', "size"),
    (f'load "{ROCKET}" size=5000', "size"),
    (f'load "{ROCKET}" size=12.5', "size"),
    ("resize img [1, 2, 3]", "size"),
    ("blur noisy kernel=4", "kernel"),
    ("blur noisy kernel=5 sigma=0", "sigma"),
    ("blur img kernel=129", "kernel"),
    ("forward img t=[250, 1000]", "t"),
    ("forward img t=\"late\"", "t"),
    ('show img noisy captions=["only one"]', "caption"),
    ('show 3', "image"),
    ('mask img shape="star"', "shape"),
    ('mask img shape="rect" x=1', "y"),
    ("crop img x=60 y=0 w=10 h=10", "box"),
    ('device "tpu"', "tpu"),
    ("seed -1", "seed"),
    ('plot [1, "a"]', "number"),
])
def test_bad_arguments(loaded, code, needle):
    err = one_error(loaded.kc, code)
    assert needle in err["evalue"], (code, err["evalue"])
    still_fine(loaded.kc)


def test_save_is_atomic_and_reports_bad_folders(loaded, tmp_path):
    out = tmp_path / "out.png"
    ok(loaded.kc, f'save img "{out}"')
    raw = out.read_bytes()
    assert raw.startswith(PNG_SIG)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]
    err = one_error(loaded.kc, f'save img "{tmp_path}/no/such/out.png"')
    assert "out.png" in err["evalue"]
    still_fine(loaded.kc)


# --------------------------------------------------------------------------
# reproducibility across processes


CELL = (f'seed 100\nimg = load "{ROCKET}" size=64\n'
        'x = forward img t=[500, 900]\nshow x\nforward img t=250')


def _pngs(tmp_path) -> list[str]:
    k = RunningKernel(tmp_path)
    try:
        outs = ok(k.kc, CELL)
        return ([d["data"]["image/png"] for d in bundles(outs)] +
                [d["data"]["image/png"] for d in bundles(outs, "execute_result")])
    finally:
        k.stop()


def test_same_seed_same_pngs_across_processes(kernel_spec, tmp_path):
    a = _pngs(tmp_path)
    b = _pngs(tmp_path)
    assert len(a) == 2
    assert a == b
    k = RunningKernel(tmp_path)
    try:
        outs = ok(k.kc, CELL.replace("seed 100", "seed 101"))
        c = [d["data"]["image/png"] for d in bundles(outs, "execute_result")]
    finally:
        k.stop()
    assert c[0] != a[1]
