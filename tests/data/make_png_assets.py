#!/usr/bin/env python3
"""Writes the small PNG files test_png.c decodes: one per colour type and
depth that png_decode must normalize to 8 bits.  Pure standard library
(zlib + struct) so the bytes do not depend on an imaging library; run it
from this folder to regenerate.  The expected pixels are in test_png.c."""
import struct
import zlib


def chunk(kind, data):
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png(w, h, depth, ctype, rows, extra=b""):
    raw = b"".join(b"\x00" + r for r in rows)  # filter type 0 per row
    ihdr = struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def write(name, data):
    with open(name, "wb") as f:
        f.write(data)


# 16-bit gray, 4x1: 0x0000 0x8080 0x1234 0xFFFF -> 0 128 18 255
write("gray16.png", png(4, 1, 16, 0,
                        [struct.pack(">4H", 0, 0x8080, 0x1234, 0xFFFF)]))
# 16-bit RGBA, 2x1: (0xFFFF,0,0x8080,0xFFFF) (0,0x0101,0xFEFF,0x7F7F)
write("rgba16.png", png(2, 1, 16, 6, [struct.pack(
    ">8H", 0xFFFF, 0, 0x8080, 0xFFFF, 0, 0x0101, 0xFEFF, 0x7F7F)]))
# 8-bit gray + alpha, 2x2: (10,255) (20,0) / (30,128) (40,64)
write("gray_alpha.png", png(2, 2, 8, 4, [bytes([10, 255, 20, 0]),
                                         bytes([30, 128, 40, 64])]))
# 2-bit palette with tRNS, 3x1: indices 0 1 2 -> red, green(alpha 7), blue
plte = chunk(b"PLTE", bytes([255, 0, 0, 0, 255, 0, 0, 0, 255]))
trns = chunk(b"tRNS", bytes([255, 7]))
write("palette_trns.png", png(3, 1, 2, 3, [bytes([0b00011000])],
                              plte + trns))
# 8-bit palette without tRNS, 2x1: indices 1 0 -> (1,2,3) (250,251,252)
plte2 = chunk(b"PLTE", bytes([250, 251, 252, 1, 2, 3]))
write("palette.png", png(2, 1, 8, 3, [bytes([1, 0])], plte2))
# 1-bit gray, 8x1: 10110001 -> 255 0 255 255 0 0 0 255
write("gray1.png", png(8, 1, 1, 0, [bytes([0b10110001])]))
