"""Hostile and odd inputs shared by the fuzz tests, and a counter of the requests they send."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

# Refused everywhere (control characters, lone surrogate): 4xx and nothing stored.
HOSTILE = {
    "nul": "垃圾\x00堆放",
    "nul_only": "\x00",
    "bell": "a\x07b",
    "escape": "红\x1b[31m色",
    "vertical_tab": "a\x0bb",
    "unit_separator": "a\x1fb",
}
SURROGATE = {"lone_surrogate": "a\ud800b"}  # only JSON can carry one
# Accepted or refused by the ordinary rules, but never a server error.
ODD = {
    "long_100k": "长" * 100_000,
    "emoji": "垃圾🚮💩👨‍👩‍👧‍👦",
    "rtl_marks": "\u202etxt.exe\u200f\u200e",
    "zero_width": "\u200b\ufeff垃圾",
    "formula_eq": '=HYPERLINK("http://x","y")',
    "formula_plus": "+1+cmd|' /C calc'!A0",
    "formula_minus": "-2+3",
    "formula_at": "@SUM(1,2)",
    "tab_start": "\t=1+1",
    "cr_start": "\r=1+1",
    "sql": "' OR 1=1 --",
    "html": "<script>alert(1)</script>",
    "xml_entity": "<!DOCTYPE x [<!ENTITY a 'b'>]>&a;",
}
# A few for sweeps over many parameters (keeps the suite fast).
SWEEP = {
    "nul": HOSTILE["nul"],
    "escape": HOSTILE["escape"],
    "long_10k": "长" * 10_000,
    "emoji": ODD["emoji"],
    "formula": ODD["formula_eq"],
}
COORDINATES = {
    "nan": ("NaN", "NaN"),
    "inf": ("Infinity", "Infinity"),
    "minus_inf": ("-Infinity", "28.2"),
    "beijing": ("116.397", "39.909"),
    "null_island": ("0", "0"),
    "out_of_range": ("500", "-200"),
    "huge": ("1e308", "1e308"),
    "text": ("abc", "def"),
}


def tiny_png_declaring(width: int, height: int) -> bytes:
    """A valid PNG header declaring ``width`` × ``height`` with one tiny compressed row: a bomb for
    anything that decodes it, a few dozen bytes on the wire."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def real_png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, format="PNG")
    return out.getvalue()


def many_frames_gif(frames: int = 60) -> bytes:
    out = io.BytesIO()
    images = [Image.new("RGB", (4, 4), (i * 4 % 256, 255 - i * 4 % 256, 0)) for i in range(frames)]
    images[0].save(out, format="GIF", save_all=True, append_images=images[1:], duration=10, optimize=False)
    return out.getvalue()


IMAGES = {
    "bomb_20000": tiny_png_declaring(20_000, 20_000),
    "bomb_108mp": tiny_png_declaring(12_000, 9_000),
    "wide": tiny_png_declaring(100_000, 10),
    "many_frames": many_frames_gif(),
    "not_an_image": b"MZ\x90\x00this is not a picture",
    "truncated_png": real_png()[:60],
    "empty": b"",
}


class Counter:
    requests = 0
    server_errors: list[str] = []


@pytest.fixture
def sent():
    return Counter


def pytest_terminal_summary(terminalreporter):
    if Counter.requests:
        terminalreporter.write_line(
            f"fuzz: {Counter.requests} requests, {len(Counter.server_errors)} answered 5xx"
        )
