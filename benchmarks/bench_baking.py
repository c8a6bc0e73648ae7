"""Baking benchmark: bake and unbake per image next to a plain chunk splice; QR codes per image.

Run from the repository root:

    .venv/bin/python benchmarks/bench_baking.py            # full run, about half a minute
    .venv/bin/python benchmarks/bench_baking.py --quick    # smoke test, a few seconds
    .venv/bin/python benchmarks/bench_baking.py --json out.json

Each row is timed against a baseline measured in the same run:

- bake   vs  splice: inserting a pre-built carrier (PNG iTXt chunk / SVG element) at a
  known offset, i.e. ``data[:i] + carrier + data[i:]``: the least work any baker must do.
  ``bake`` also checks the whole image (PNG: signature, every chunk's CRC, IHDR; SVG: a
  full defusedxml parse), checks the credential (its JSON is parsed) and removes any
  earlier badge.
- unbake vs  find: ``bytes.find`` of the keyword/element and a slice of the text, with no
  checks at all. ``unbake`` checks the whole image as above.
- verify (baked) vs verify (the bare JWT): what reading the image adds to a full verify.
- QR codes: ``qr_png`` and ``qr_svg`` per link, against a ``cached_qr`` hit.

Warm-up, calibration to N calls per round, interleaved rounds (a row and its baseline run
next to each other in every round), the garbage collector off while timing; times are
medians over rounds and each ratio is the median of the per-round ratios. Nothing here
touches the network.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import statistics
import struct
import sys
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from badges import baking, jsonutil  # noqa: E402
from badges.demo import issue_demo  # noqa: E402
from badges.keys import Algorithm, KeyPair  # noqa: E402
from badges.qr import cached_qr, qr_png, qr_svg  # noqa: E402
from badges.verification import Verifier  # noqa: E402

NOW = datetime(2030, 1, 1, tzinfo=UTC)
LINK = "https://school.example/credentials/3f1e6d2c-9a8b-4c7d-8e6f-5a4b3c2d1e0f"


# --- inputs -------------------------------------------------------------------------------


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def make_png(side: int, noise: float) -> bytes:
    """An RGBA badge: a gradient with some noise (noise makes it compress like a photo)."""
    rng = random.Random(side)
    rows = bytearray()
    for y in range(side):
        rows.append(0)
        for x in range(side):
            if rng.random() < noise:
                rows += rng.randbytes(3) + b"\xff"
            else:
                rows += bytes((x * 255 // side, y * 255 // side, 160, 255))
    compressed = zlib.compress(bytes(rows), 6)
    idats = b"".join(
        _chunk(b"IDAT", compressed[i : i + 8192]) for i in range(0, len(compressed), 8192)
    )
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0))
    text = _chunk(b"tEXt", b"Software\x00ASPnet badge designer")
    return baking.PNG_SIGNATURE + header + text + idats + _chunk(b"IEND", b"")


def make_svg(shapes: int) -> bytes:
    rng = random.Random(shapes)
    body = "".join(
        f'  <circle cx="{rng.randint(0, 512)}" cy="{rng.randint(0, 512)}" r="{rng.randint(2, 40)}" '
        f'fill="#{rng.randint(0, 0xFFFFFF):06x}" opacity="0.{rng.randint(1, 9)}"/>\n'
        for _ in range(shapes)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512" height="512">\n'
        "  <title>Baltic Sea Project: water monitor</title>\n"
        f"{body}"
        '  <text x="256" y="270" text-anchor="middle" font-size="48">Nida \u2014 \u016b</text>\n'
        "</svg>\n"
    ).encode()


def payloads() -> dict[str, str]:
    key = KeyPair.generate(Algorithm.EDDSA)
    signed = issue_demo(key, learner_email="ona@example.org")
    assert signed.json is not None and signed.jwt is not None
    return {"json": jsonutil.dumps(signed.json), "jwt": signed.jwt}


# --- timing -------------------------------------------------------------------------------


def _run(fn: Callable[[], Any], n: int) -> float:
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        return time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()


def _calibrate(fn: Callable[[], Any], target: float) -> int:
    fn()  # warm-up
    n = 1
    while True:
        elapsed = _run(fn, n)
        if elapsed >= target / 4 or n >= 1 << 22:
            return max(1, round(n * target / max(elapsed, 1e-9)))
        n *= 2


def measure(
    cases: dict[str, Callable[[], Any]], repeats: int, target: float
) -> dict[str, list[float]]:
    """Seconds per call of every case, one value per round; the rounds are interleaved."""
    counts = {name: _calibrate(fn, target) for name, fn in cases.items()}
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, fn in cases.items():
            times[name].append(_run(fn, counts[name]) / counts[name])
    return times


def _ratio(times: dict[str, list[float]], row: str, base: str) -> float:
    return statistics.median(a / b for a, b in zip(times[row], times[base], strict=True))


def _us(values: list[float]) -> float:
    return statistics.median(values) * 1e6


# --- the benchmark ------------------------------------------------------------------------


def build_cases(
    images: dict[str, bytes], texts: dict[str, str]
) -> tuple[dict[str, Callable[[], Any]], list[tuple[str, str, str]]]:
    """Every timed callable, and the (label, row, baseline) lines of the report."""
    cases: dict[str, Callable[[], Any]] = {}
    lines: list[tuple[str, str, str]] = []
    for image_name, image in images.items():
        kind = baking.sniff_image_type(image)
        assert kind is not None
        for form, text in texts.items():
            baked = baking.bake(image, text)
            assert baking.unbake(baked) is not None
            if kind is baking.ImageType.PNG:
                carrier = baking.itxt_chunk(baking.OB3_KEYWORD, text)
                at = 33  # after the signature and IHDR
                needle = b"iTXt" + baking.OB3_KEYWORD + b"\x00"
                skip = len(needle) + 4
            else:
                payload_kind = (
                    baking.PayloadKind.OB3_JSON if form == "json" else baking.PayloadKind.OB3_JWT
                )
                carrier = baking.svg_element(text, payload_kind).encode()
                at = image.index(b">", image.index(b"<svg")) + 1
                needle = b"<openbadges:credential"
                skip = len(needle)

            def splice(image: bytes = image, carrier: bytes = carrier, at: int = at) -> bytes:
                return image[:at] + carrier + image[at:]

            def find(
                baked: bytes = baked,
                needle: bytes = needle,
                skip: int = skip,
                size: int = len(text),
            ) -> bytes:
                start = baked.find(needle) + skip
                return baked[start : start + size]

            key = f"{image_name} {form}"
            cases[f"splice {key}"] = splice
            cases[f"bake {key}"] = lambda image=image, text=text: baking.bake(image, text)
            cases[f"find {key}"] = find
            cases[f"unbake {key}"] = lambda baked=baked: baking.unbake(baked)
            lines.append((f"bake   {key}", f"bake {key}", f"splice {key}"))
            lines.append((f"unbake {key}", f"unbake {key}", f"find {key}"))
    return cases, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke test: rough numbers")
    parser.add_argument("--repeats", type=int, help="interleaved rounds (default 7; --quick 3)")
    parser.add_argument("--target", type=float, help="seconds per case per round")
    parser.add_argument("--json", metavar="OUT", help="also write every number as JSON to OUT")
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 7)
    target = args.target or (0.01 if args.quick else 0.08)

    texts = payloads()
    images = {
        "png-64": make_png(64, 0.0),
        "png-512": make_png(512, 0.3),
        "svg-small": make_svg(20),
        "svg-large": make_svg(4000),
    }
    print(f"python {platform.python_version()} on {platform.machine()}; {repeats} rounds")
    sizes = ", ".join(f"{k} {len(v) / 1024:.1f} KiB" for k, v in images.items())
    print(f"images: {sizes}")
    print(f"payloads: json {len(texts['json'])} B, jwt {len(texts['jwt'])} B\n")

    cases, lines = build_cases(images, texts)
    verifier = Verifier()
    baked_jwt = {name: baking.bake(image, texts["jwt"]) for name, image in images.items()}
    for name in ("png-64", "svg-small"):
        assert verifier.verify(baked_jwt[name], now=NOW).verified
    cases["verify jwt"] = lambda: verifier.verify(texts["jwt"], now=NOW)
    for name in ("png-64", "svg-small"):
        cases[f"verify {name} jwt"] = lambda name=name: verifier.verify(baked_jwt[name], now=NOW)
        lines.append((f"verify {name} jwt", f"verify {name} jwt", "verify jwt"))
    cached_qr(LINK, "png")
    cached_qr(LINK, "svg")
    cases["qr cached"] = lambda: cached_qr(LINK, "png")
    cases["qr png"] = lambda: qr_png(LINK)
    cases["qr svg"] = lambda: qr_svg(LINK)

    times = measure(cases, repeats, target)
    spread = {name: (max(v) - min(v)) / statistics.median(v) for name, v in times.items()}
    results: dict[str, Any] = {"rows": [], "qr": {}}
    print(f"{'':<26}{'µs/op':>11}{'baseline':>11}{'µs/op':>11}{'ratio':>9}{'spread':>8}")
    for label, row, base in lines:
        ratio = _ratio(times, row, base)
        base_name = base.split(" ", 1)[0]
        print(
            f"{label:<26}{_us(times[row]):>11.1f}{base_name:>11}{_us(times[base]):>11.2f}"
            f"{ratio:>8.1f}x{spread[row]:>7.0%}"
        )
        results["rows"].append(
            {
                "row": row,
                "baseline": base,
                "us": _us(times[row]),
                "baseline_us": _us(times[base]),
                "ratio": ratio,
            }
        )
    print()
    for name in ("qr png", "qr svg", "qr cached"):
        print(
            f"{name:<26}{_us(times[name]):>11.1f} µs/op   ({1 / statistics.median(times[name]):,.0f}/s)"
        )
        results["qr"][name] = _us(times[name])
    print(
        f"\nqr png / cached hit: {_ratio(times, 'qr png', 'qr cached'):,.0f}x; "
        f"qr svg / cached hit: {_ratio(times, 'qr svg', 'qr cached'):,.0f}x"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
