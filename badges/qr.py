"""QR codes for badge links, as PNG or SVG bytes.

The ``qrcode`` package computes the code (error correction M, a quiet zone of four
modules); the images are written here: a 1-bit PNG through zlib and an SVG of one path
on a white square, so a code stays readable on a dark page. Each code takes a few
milliseconds (choosing the mask dominates), so pages that show one per badge should call
``cached_qr`` (an LRU cache keyed by link and image type) rather than the plain functions.
"""

from __future__ import annotations

import struct
import zlib
from functools import lru_cache

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from .errors import FormatError, InputTooLargeError

MAX_URL_LENGTH = 1024
"""Longer links make dense codes that phone cameras read badly; badge links are short."""
BOX_SIZE = 8
"""Pixels per module in the PNG (and the SVG's nominal size)."""
BORDER = 4
"""The quiet zone QR readers need, in modules."""


def _check_url(url: str) -> str:
    if not isinstance(url, str):
        raise FormatError("a QR code needs a link as text")
    if len(url) > MAX_URL_LENGTH:
        raise InputTooLargeError(f"the link is longer than {MAX_URL_LENGTH} characters")
    if not url.startswith(("https://", "http://")) or any(
        c.isspace() or ord(c) < 0x20 for c in url
    ):
        raise FormatError("a QR code is made for an http(s) link without spaces")
    return url


def qr_matrix(url: str, *, border: int = BORDER) -> list[list[bool]]:
    """The modules of the QR code for ``url`` (True is dark), quiet zone included."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    code.add_data(_check_url(url))
    code.make(fit=True)
    return [[bool(module) for module in row] for row in code.get_matrix()]


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def qr_png(url: str, *, box_size: int = BOX_SIZE, border: int = BORDER) -> bytes:
    """A 1-bit greyscale PNG of the QR code for ``url``. Raises FormatError."""
    if not 1 <= box_size <= 64:
        raise FormatError("the box size is 1 to 64 pixels")
    matrix = qr_matrix(url, border=border)
    side = len(matrix) * box_size
    row_bytes = (side + 7) // 8
    rows = []
    for modules in matrix:
        bits = "".join(("0" if dark else "1") * box_size for dark in modules)  # 1 is white
        packed = int(bits.ljust(row_bytes * 8, "0"), 2).to_bytes(row_bytes, "big")
        rows.append((b"\x00" + packed) * box_size)  # filter type 0, each row box_size times
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", zlib.compress(b"".join(rows), 9)),
            _png_chunk(b"IEND", b""),
        )
    )


def qr_svg(url: str, *, border: int = BORDER) -> bytes:
    """An SVG of the QR code for ``url``: one path of dark runs on a white square.

    The view box counts modules; width and height suggest ``BOX_SIZE`` pixels a module.
    Raises FormatError.
    """
    matrix = qr_matrix(url, border=border)
    side = len(matrix)
    runs = []
    for y, modules in enumerate(matrix):
        x = 0
        while x < side:
            if not modules[x]:
                x += 1
                continue
            start = x
            while x < side and modules[x]:
                x += 1
            runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
    pixels = side * BOX_SIZE
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
        f'width="{pixels}" height="{pixels}" shape-rendering="crispEdges">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>\n'
    ).encode("ascii")


@lru_cache(maxsize=512)
def cached_qr(url: str, image_type: str = "png") -> bytes:
    """``qr_png`` or ``qr_svg`` (``image_type`` "png" or "svg"), remembered per link."""
    if image_type == "png":
        return qr_png(url)
    if image_type == "svg":
        return qr_svg(url)
    raise FormatError(f"QR codes are made as png or svg, not {image_type!r}")
