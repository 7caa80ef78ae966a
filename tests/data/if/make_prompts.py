#!/usr/bin/python3
"""Prompt-embedding fixtures for tests/unit/test_prompts.c, written the way
the course ships its embeddings: a dict {prompt: [1, 77, width] float16}
saved by torch.save, and the same dict as a safetensors file (keys = the
prompts).  Run with Debian's python3-torch, from the repository root:

    /usr/bin/python3 tests/data/if/make_prompts.py

The real shape's file, prompts-real.pth ([1, 77, 4096] float16, 1.3 MB), is
not committed: the build makes it for test_prompts (CMakeLists.txt) with

    /usr/bin/python3 tests/data/if/make_prompts.py --real OUTDIR

Values follow a formula the C test recomputes, so it can check that every
prompt lands on its own tensor and every element in its place:
    emb[p][0, l, d] = float16(0.01 * (p + 1) + 0.001 * (l % 13) - 0.0001 * (d % 29))
for the p-th prompt of PROMPTS, token l and channel d.  The real file's
padding repeats one vector after the last token; "real.pth" copies that
(tokens 8.. equal token 7).
"""
import json
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))

# The course's null prompt first, then prompts of its Part A (the last two
# are section 1.8's anagram pair; new prompts go at the end, so every
# prompt keeps its index p in the formula above).
PROMPTS = ["", "a high quality photo", "an oil painting of a snowy mountain village",
           "a rocket ship", "a photo of a dog", "a lithograph of waterfalls",
           "a lithograph of a skull", "an oil painting of an old man",
           "an oil painting of people around a campfire"]


def embedding(p, width, tokens=77, pad_from=None):
    l = torch.arange(tokens).remainder(13).float().view(tokens, 1)
    d = torch.arange(width).remainder(29).float().view(1, width)
    e = 0.01 * (p + 1) + 0.001 * l - 0.0001 * d
    if pad_from is not None:
        e[pad_from:] = e[pad_from - 1]
    return e.half().view(1, tokens, width)


def save_safetensors(path, tensors):
    """The safetensors format by hand (Debian has no python3-safetensors):
    8 bytes little-endian header size, the JSON header, the raw data."""
    header, blobs, offset = {}, [], 0
    for key, t in tensors.items():
        raw = t.contiguous().numpy().tobytes()
        header[key] = {"dtype": "F16", "shape": list(t.shape),
                       "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))


def save_real(folder):
    """The course file's shape: [1, 77, 4096] float16, two prompts."""
    real = {p: embedding(i, 4096, pad_from=8) for i, p in enumerate(PROMPTS[:2])}
    # written aside, then moved: a stopped build leaves no half file (and
    # torch.save names the archive after the file, so the name stays)
    tmp = os.path.join(folder, ".prompts-real.tmp")
    os.makedirs(tmp, exist_ok=True)
    torch.save(real, os.path.join(tmp, "prompts-real.pth"))
    os.replace(os.path.join(tmp, "prompts-real.pth"), os.path.join(folder, "prompts-real.pth"))
    os.rmdir(tmp)


def main(argv):
    if argv[:1] == ["--real"] and len(argv) == 2:
        save_real(argv[1])
        return 0
    if argv:
        sys.exit("usage: make_prompts.py [--real OUTDIR]")
    tiny = {p: embedding(i, 64) for i, p in enumerate(PROMPTS)}
    torch.save(tiny, os.path.join(HERE, "prompts-tiny.pth"))
    save_safetensors(os.path.join(HERE, "prompts-tiny.safetensors"), tiny)
    torch.save({"": embedding(0, 64)}, os.path.join(HERE, "one-prompt.pth"))
    torch.save(embedding(0, 64), os.path.join(HERE, "not-a-dict.pth"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
