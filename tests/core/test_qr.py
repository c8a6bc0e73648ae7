"""QR codes for badge links: every code drawn here is decoded again (zxing-cpp) in its test."""

from __future__ import annotations

import re

import png
import pytest
import zxingcpp
from defusedxml.ElementTree import fromstring

from badges import baking
from badges.cli import main
from badges.errors import FormatError, InputTooLargeError
from badges.qr import cached_qr, qr_png, qr_svg

LINKS = [
    "https://school.example/credentials/3f1e6d2c-9a8b-4c7d-8e6f-5a4b3c2d1e0f",
    "https://verify.aspnet.example/?url=https%3A%2F%2Fschool.example%2Fc%2F1&lang=lt",
    "http://localhost:5000/b/1",
]
SVG_NS = "{http://www.w3.org/2000/svg}"
# one rectangle a run of dark modules in a row: M x y h width v1 h -width z
_RUN = re.compile(r"M(\d+) (\d+)h(\d+)v1h-\3z")


def decode(gray: bytes, width: int, height: int) -> list[str]:
    """The texts zxing-cpp reads from a grayscale picture (one byte a pixel)."""
    found = zxingcpp.read_barcodes(memoryview(gray).cast("B", (height, width)))
    return [r.text for r in found if r.format == zxingcpp.BarcodeFormat.QRCode]


def png_pixels(data: bytes) -> tuple[bytes, int, int]:
    width, height, rows, info = png.Reader(bytes=data).read()
    assert info["greyscale"] and info["bitdepth"] == 1
    gray = bytearray()
    for row in rows:
        gray.extend(255 if v else 0 for v in row)
    return bytes(gray), width, height


def rasterise_svg(data: bytes, scale: int = 6) -> tuple[bytes, int, int]:
    """Draw the SVG (a white square, then one black path of runs) onto a grayscale canvas."""
    root = fromstring(data, forbid_dtd=True)
    assert root.tag == f"{SVG_NS}svg"
    _, _, view_w, view_h = (int(v) for v in root.attrib["viewBox"].split())
    background, path = list(root)
    assert background.tag == f"{SVG_NS}rect" and background.attrib["fill"] == "#fff"
    assert (int(background.attrib["width"]), int(background.attrib["height"])) == (view_w, view_h)
    assert path.tag == f"{SVG_NS}path" and path.attrib["fill"] == "#000"
    d = path.attrib["d"]
    runs = _RUN.findall(d)
    assert runs and "".join(f"M{x} {y}h{w}v1h-{w}z" for x, y, w in runs) == d
    width, height = view_w * scale, view_h * scale
    canvas = bytearray([255]) * (width * height)
    for x, y, w in runs:
        left, top, right = int(x) * scale, int(y) * scale, (int(x) + int(w)) * scale
        for row in range(top, top + scale):
            canvas[row * width + left : row * width + right] = bytes(right - left)
    return bytes(canvas), width, height


@pytest.mark.parametrize("url", LINKS)
def test_png_decodes_to_the_link(url):
    data = qr_png(url)
    assert data.startswith(baking.PNG_SIGNATURE)
    assert baking.unbake(data) is None  # a well-formed PNG by our own strict reader
    gray, width, height = png_pixels(data)
    assert width == height and width % 8 == 0  # box size 8, square
    assert decode(gray, width, height) == [url]


@pytest.mark.parametrize("url", LINKS)
def test_svg_decodes_to_the_link(url):
    data = qr_svg(url)
    assert data.startswith(b"<?xml")
    assert baking.unbake(data) is None  # defusedxml parses it; no badge inside
    gray, width, height = rasterise_svg(data)
    assert decode(gray, width, height) == [url]


def test_a_different_link_gives_a_different_code():
    assert qr_png(LINKS[0]) != qr_png(LINKS[0] + "x")
    assert decode(*png_pixels(qr_png(LINKS[0] + "x"))) == [LINKS[0] + "x"]


def test_the_quiet_zone_is_white():
    gray, width, height = png_pixels(qr_png(LINKS[0]))
    quiet = 4 * 8  # four modules of eight pixels
    assert set(gray[: quiet * width]) == {255}
    assert all(gray[y * width + x] == 255 for y in range(height) for x in range(quiet))


def test_cached_qr_draws_each_link_once():
    cached_qr.cache_clear()
    first = cached_qr(LINKS[1], "svg")
    again = cached_qr(LINKS[1], "svg")
    assert first is again
    info = cached_qr.cache_info()
    assert (info.hits, info.misses) == (1, 1)
    png_bytes = cached_qr(LINKS[1])
    assert png_bytes.startswith(baking.PNG_SIGNATURE) and cached_qr.cache_info().misses == 2
    assert decode(*png_pixels(png_bytes)) == [LINKS[1]]


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("ftp://school.example/x", FormatError),
        ("javascript:alert(1)", FormatError),
        ("https://school.example/a b", FormatError),
        ("https://school.example/\nx", FormatError),
        ("", FormatError),
        (b"https://school.example/", FormatError),
        ("https://school.example/" + "a" * 2000, InputTooLargeError),
    ],
)
def test_bad_links_are_refused(url, error):
    with pytest.raises(error):
        qr_png(url)
    with pytest.raises(error):
        qr_svg(url)


def test_cached_qr_refuses_other_formats():
    with pytest.raises(FormatError, match="png or svg"):
        cached_qr(LINKS[0], "gif")


# --- the command ------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_qr_command_writes_a_readable_code(tmp_path, capsys, suffix):
    out = tmp_path / f"link.{suffix}"
    assert main(["qr", LINKS[0], "-o", str(out)]) == 0
    data = out.read_bytes()
    pixels = png_pixels(data) if suffix == "png" else rasterise_svg(data)
    assert decode(*pixels) == [LINKS[0]]


def test_qr_command_needs_a_known_extension(tmp_path, capsys):
    assert main(["qr", LINKS[0], "-o", str(tmp_path / "link.gif")]) == 2
    _, err = capsys.readouterr()
    assert err.strip() == "badges: error: the output file must end in .png or .svg"
    assert not (tmp_path / "link.gif").exists()


def test_qr_command_refuses_a_bad_link(tmp_path, capsys):
    assert main(["qr", "file:///etc/passwd", "-o", str(tmp_path / "q.png")]) == 2
    _, err = capsys.readouterr()
    assert err.count("\n") == 1 and "http(s) link" in err and "Traceback" not in err


@pytest.mark.parametrize("box_size", [0, 65])
def test_box_size_is_bounded(box_size):
    with pytest.raises(FormatError, match="box size"):
        qr_png(LINKS[0], box_size=box_size)


@pytest.mark.parametrize("box_size", [1, 3])
def test_small_boxes_still_decode(box_size):
    data = qr_png(LINKS[0], box_size=box_size)
    gray, width, height = png_pixels(data)
    assert width == height and width % box_size == 0
    # zxing needs a few pixels a module: scale the 1-pixel picture up before reading it
    scale = 4
    big = bytearray()
    for y in range(height):
        row = bytes(v for v in gray[y * width : (y + 1) * width] for _ in range(scale))
        big += row * scale
    assert decode(bytes(big), width * scale, height * scale) == [LINKS[0]]
