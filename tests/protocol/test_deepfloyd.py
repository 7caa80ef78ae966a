"""DeepFloyd IF through Jupyter, on the tiny random checkpoint of
tests/data/if (the real folder layout: IF-I-.../unet, IF-II-.../unet,
prompt_embeds_dict.pth): loading it, the Part A commands and Part 0's
pipelines taking prompts, and one clear error each for missing weights (the
hint says how to get them), an unknown prompt (the hint lists the close
ones), a class where a prompt belongs and a Part B command given IF.  After
every error the kernel is alive with its variables.
"""
from __future__ import annotations

import pytest

from conftest import ROOT, error, ok, value

TINY = ROOT / "tests" / "data" / "if" / "tiny"


@pytest.fixture(scope="module")
def df(kernel):
    kernel.flush()
    outs = ok(kernel.kc, f'model = deepfloyd "{TINY}"\nkeep = 42')
    text = "".join(m["content"].get("text", "") for m in outs if m["msg_type"] == "stream")
    assert "IF-I-tiny-v1.0" in text and "IF-II-tiny-v1.0" in text, text
    return kernel


def intact(kc):
    assert value(kc, "[keep, model.size]") == "[42, 64]"


def test_the_model_knows_its_prompts(df):
    prompts = value(df.kc, "model.prompts")
    assert '"a high quality photo"' in prompts and '""' in prompts


def test_part_a_commands_take_prompts(df):
    ok(df.kc, 'seed 1\nx = sample model n=1 cond="a high quality photo" guidance=7\n'
              'assert x.width == 64\n'
              'y = sdedit model x i_start=30 cond="a rocket ship"\n'
              'e = noise_estimate model x 500 cond="a photo of a dog"\n'
              'assert e.height == 64')


def test_part0_pipelines(df):
    ok(df.kc, 'seed 100\nlow = stage1 model ["a rocket ship", "a photo of a dog"] steps=3\n'
              'assert low.width == 64\n'
              'high = upsample model low ["a rocket ship", "a photo of a dog"] steps=2\n'
              'assert high.width == 256\nassert high.count == 2')


CASES = [
    # (cell, ename, words the message or its hint must hold)
    ('deepfloyd "/no/such/IF"', "FileError", ["/no/such/IF", "DeepFloyd/IF-I-XL-v1.0", "licence",
                                            "IF-II-L-v1.0", "prompt_embeds_dict.pth"]),
    (f'deepfloyd "{TINY.parent}"', "FileError", ["no stage I model", "huggingface-cli"]),
    ('sample model n=1 cond="a photo of a dgo" guidance=7', "ArgumentError",
     ['"a photo of a dgo" is not in', '"a photo of a dog"']),
    ("sample model n=1 cond=3 guidance=7", "ArgumentError", ["takes a text prompt"]),
    ('stage1 model "a rocket shp" steps=2', "ArgumentError", ['"a rocket ship"']),
    ("generate model", "TypeError", ["DeepFloyd IF", "Part B UNet"]),
    ('save_model model "/tmp/if.safetensors"', "TypeError", ["DeepFloyd IF"]),
    ('upsample model (load "notebooks/data/rocket.jpg" size=64) "a rocket ship" noise_level=1000',
     "ArgumentError", ["noise_level"]),
]


@pytest.mark.parametrize("cell,ename,words", CASES, ids=[c[0][:40] for c in CASES])
def test_bad_input_is_one_clear_error(df, cell, ename, words):
    name, msg, tb = error(df.kc, cell)
    assert name == ename, (name, msg)
    for w in words:
        assert w in msg or w in tb, (w, msg, tb)
    intact(df.kc)
