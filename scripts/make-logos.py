#!/usr/bin/env python3
"""Draw the kernelspec logos: a disc that emerges from noise, left to right.

Pure Python (zlib + struct), so it runs anywhere; the output is committed in
kernelspec/ and this script only needs re-running when the design changes.
"""
import math
import random
import struct
import sys
import zlib
from pathlib import Path

BG = (43, 45, 110)        # deep indigo
FG = (255, 196, 92)       # warm amber


def draw(size):
    rng = random.Random(180)  # fixed: the logo must not change per build
    rows = []
    c, r = (size - 1) / 2, size * 0.34
    for y in range(size):
        row = bytearray()
        for x in range(size):
            # rounded-square mask with alpha
            m = size * 0.18
            dx = max(m - x, 0, x - (size - 1 - m))
            dy = max(m - y, 0, y - (size - 1 - m))
            inside = math.hypot(dx, dy) <= m
            if not inside:
                row += bytes((0, 0, 0, 0))
                continue
            t = x / (size - 1)                  # 0 = pure noise, 1 = clean
            d = math.hypot(x - c, y - c)
            clean = 1.0 if d <= r else 0.0
            noise = rng.random()
            v = (1 - t) * noise + t * clean
            px = tuple(int(b + (f - b) * v) for b, f in zip(BG, FG))
            row += bytes(px + (255,))
        rows.append(b"\x00" + bytes(row))
    raw = b"".join(rows)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def svg():
    rng = random.Random(180)
    cells = []
    n = 16
    for i in range(n):
        for j in range(n):
            t = i / (n - 1)
            if rng.random() < (1 - t) * 0.55:
                cells.append(f'<rect x="{8 + i * 3}" y="{8 + j * 3}" width="3" height="3" '
                             f'fill="#ffc45c" opacity="{(1 - t):.2f}"/>')
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">'
            '<defs><linearGradient id="g" x1="0" x2="1"><stop offset="0" stop-color="#ffc45c" stop-opacity="0.15"/>'
            '<stop offset="1" stop-color="#ffc45c"/></linearGradient></defs>'
            '<rect width="64" height="64" rx="12" fill="#2b2d6e"/>'
            '<circle cx="32" cy="32" r="21" fill="url(#g)"/>' + "".join(cells) + '</svg>\n')


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "kernelspec")
    for s in (32, 64):
        (out / f"logo-{s}x{s}.png").write_bytes(draw(s))
    (out / "logo-svg.svg").write_text(svg())
