"""`needs deepfloyd` through Jupyter on a kernel without DeepFloyd IF's
weights (DIFFUSE_DEEPFLOYD empty, as on a fresh machine): the cell ends at
the guard with status ok, the first time with the how-to (licence, files,
folder, the variable) and later in one line, both marked as the guard's;
nothing after the guard runs and the variables keep their values, so a
"Run All" carries on to the next cell.
"""
from __future__ import annotations

import pytest

from conftest import RunningKernel, execute


@pytest.fixture(scope="module")
def bare(kernel_spec, tmp_path_factory):
    k = RunningKernel(tmp_path_factory.mktemp("kernel"), env={"DIFFUSE_DEEPFLOYD": ""})
    yield k
    k.stop()


def run(kc, code):
    reply, outputs = execute(kc, code)
    assert reply["content"]["status"] == "ok", outputs
    assert not [m for m in outputs if m["msg_type"] == "error"], outputs
    return outputs


def guard_output(outputs) -> str:
    """The one output: the guard's markdown."""
    assert len(outputs) == 1, [m["msg_type"] for m in outputs]
    m = outputs[0]
    assert m["msg_type"] == "display_data"
    assert m["content"]["metadata"]["diffuse"]["needs"] == "deepfloyd"
    return m["content"]["data"]["text/markdown"]


def value(kc, expr) -> str:
    outs = run(kc, expr)
    return [m for m in outs if m["msg_type"] == "execute_result"][0]["content"]["data"]["text/plain"]


def test_needs_deepfloyd_skips_the_cell_without_weights(bare):
    kc = bare.kc
    run(kc, 'keep = 42\nphoto = "kept"')
    howto = guard_output(run(kc, 'needs deepfloyd\nkeep = 0\nmodel = deepfloyd\nprint "ran on"'))
    for words in ["Skipped: this cell needs DeepFloyd IF's weights", "DIFFUSE_DEEPFLOYD is not set",
                  "licence", "DeepFloyd/IF-I-XL-v1.0", "IF-II-L-v1.0", "huggingface-cli download",
                  "unet/config.json", "prompt_embeds_dict.pth", "docs/deepfloyd.md"]:
        assert words in howto, (words, howto)
    assert value(kc, "[keep, photo]") == '[42, "kept"]'
    assert value(kc, "type (env \"DIFFUSE_DEEPFLOYD\")") == '"none"'

    # Later guarded cells: a one-line note; the next plain cell runs.
    note = guard_output(run(kc, 'needs deepfloyd\nkeep = 1'))
    assert "Skipped" in note and "huggingface-cli" not in note and note.count("\n") <= 1, note
    assert value(kc, "keep + 1") == "43"
