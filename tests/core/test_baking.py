"""Baked badges (PNG and SVG): every bake is un-baked in its test; hostile images are refused.

The interop tests at the end bake with other implementations (openbadgeslib from PyPI,
Mozilla's openbadges-bakery from npm) and read theirs with ours, and ours with theirs.
"""

from __future__ import annotations

import base64
import json
import random
import struct
import zlib
from pathlib import Path

import png
import pytest
from defusedxml.ElementTree import fromstring

from badges import baking
from badges.baking import BakedBadge, ImageType, PayloadKind, bake, unbake
from badges.cli import main
from badges.errors import FormatError, ImageError, ImageTooLargeError, InputTooLargeError
from badges.fetch import Fetcher
from badges.qr import qr_png
from badges.verification import Outcome, Verdict, Verifier
from tests.conftest import NOW, SCHOOL
from tests.peers import bakery, openbadgeslib, openbadgeslib_script

OB3_TAG = "{https://purl.imsglobal.org/ob/v3p0}credential"
OB2_TAG = "{http://openbadges.org}assertion"
JWT_SHAPED = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJkaWQ6a2V5OnoifQ.c2lnbmF0dXJl"


# --- images made here -------------------------------------------------------------------


def chunk(kind: bytes, body: bytes, crc: int | None = None) -> bytes:
    crc = zlib.crc32(kind + body) if crc is None else crc
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def ihdr(width: int, height: int, depth: int = 8, colour: int = 6) -> bytes:
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0))


def make_png(
    width: int = 24, height: int = 24, *, extra: list[bytes] = (), idat_parts: int = 3
) -> bytes:
    """An RGBA gradient PNG with real pixel data split over several IDAT chunks."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 10 % 256, y * 10 % 256, 128, 255)) for x in range(width))
        for y in range(height)
    )
    compressed = zlib.compress(rows)
    step = -(-len(compressed) // idat_parts)
    idats = [chunk(b"IDAT", compressed[i : i + step]) for i in range(0, len(compressed), step)]
    software = chunk(b"tEXt", b"Software\x00ASPnet badge designer")
    gamma = chunk(b"gAMA", struct.pack(">I", 45455))
    return (
        baking.PNG_SIGNATURE
        + ihdr(width, height)
        + gamma
        + software
        + b"".join(extra)
        + b"".join(idats)
        + chunk(b"IEND", b"")
    )


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, body) of every chunk, by a reader written separately from badges.baking."""
    assert data[:8] == baking.PNG_SIGNATURE
    out, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        assert struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0] == zlib.crc32(
            kind + body
        )
        out.append((kind, body))
        pos += 12 + length
    return out


def itxt(
    keyword: bytes,
    text: bytes,
    *,
    compressed: bool = False,
    language: bytes = b"",
    translated: bytes = b"",
) -> bytes:
    payload = zlib.compress(text) if compressed else text
    flag = b"\x01\x00" if compressed else b"\x00\x00"
    return chunk(
        b"iTXt", keyword + b"\x00" + flag + language + b"\x00" + translated + b"\x00" + payload
    )


SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<!-- Baltic Sea Project badge, drawn by hand -->\n"
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"\n'
    b'     viewBox="0 0 512 512" width="512" height="512">\n'
    b"  <title>Water monitor</title>\n"
    b'  <defs><linearGradient id="sea"><stop offset="0" stop-color="#0a4"/>'
    b'<stop offset="1" stop-color="#04a"/></linearGradient></defs>\n'
    b'  <circle cx="256" cy="256" r="240" fill="url(#sea)"/>\n'
    b'  <text x="256" y="270" text-anchor="middle" font-size="48">Baltic &amp; Nida \xe2\x80\x94 \xc5\xab</text>\n'
    b"</svg>\n"
)


@pytest.fixture(scope="module")
def signed(ed_key):
    """One OB 3.0 badge signed both ways: (JSON text, JWT)."""
    from badges.dids import did_key, did_key_verification_method
    from badges.issuing import sign_credential
    from tests.conftest import ISSUED, build_credential

    result = sign_credential(
        build_credential(did_key(ed_key.public)),
        ed_key,
        verification_method=did_key_verification_method(ed_key.public),
        proof="both",
        created=ISSUED,
    )
    return json.dumps(result.json, ensure_ascii=False, indent=2), result.jwt


def images() -> dict[str, bytes]:
    return {"png": make_png(), "qr-png": qr_png(f"{SCHOOL}/credentials/1"), "svg": SVG}


def payload(signed, form: str) -> str:
    return signed[0] if form == "json" else signed[1]


# --- baking round trips -------------------------------------------------------------------


@pytest.mark.parametrize("form", ["json", "jwt"])
@pytest.mark.parametrize("name", ["png", "qr-png", "svg"])
def test_bake_then_unbake_gives_the_credential_back(signed, name, form):
    image = images()[name]
    text = payload(signed, form)
    baked = bake(image, text)
    kind = ImageType.SVG if name == "svg" else ImageType.PNG
    expected_kind = PayloadKind.OB3_JSON if form == "json" else PayloadKind.OB3_JWT
    assert unbake(baked) == BakedBadge(text.strip(), expected_kind, kind)
    assert unbake(baked, expected=kind.value) == unbake(baked)
    assert unbake(baked, expected=kind.media_type) == unbake(baked)
    assert unbake(image) is None


@pytest.mark.parametrize("form", ["json", "jwt"])
def test_png_carries_one_uncompressed_itxt_right_after_ihdr_and_keeps_every_other_chunk(
    signed, form
):
    image = make_png()
    text = payload(signed, form)
    baked = bake(image, text)
    chunks = png_chunks(baked)
    assert chunks[0][0] == b"IHDR"
    kind, body = chunks[1]
    assert kind == b"iTXt"
    assert body == b"openbadgecredential\x00\x00\x00\x00\x00" + text.encode("utf-8")
    assert [c for c in chunks if c != chunks[1]] == png_chunks(image), "the rest is byte for byte"
    assert unbake(baked).payload == text


@pytest.mark.parametrize("form", ["json", "jwt"])
def test_svg_carries_one_element_directly_after_the_svg_tag(signed, form):
    text = payload(signed, form)
    baked = bake(SVG, text)
    root = fromstring(baked, forbid_dtd=True)
    first = root[0]
    assert first.tag == OB3_TAG
    assert baked.count(b"<openbadges:credential") == 1
    if form == "jwt":
        assert first.attrib == {"verify": text}
        assert (first.text or "") == ""
    else:
        assert "verify" not in first.attrib
        assert b"<openbadges:credential><![CDATA[" in baked
        assert json.loads(first.text) == json.loads(text)
    # everything else is as it was: remove what baking added and compare
    element = baked[
        baked.index(b"<openbadges:credential") : baked.index(b"</openbadges:credential>") + 24
    ]
    restored = baked.replace(element, b"").replace(
        b' xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"', b""
    )
    assert restored == SVG
    assert unbake(baked).payload == text.strip()


STANDARD_DOCTYPE = (
    b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
    b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
)


@pytest.mark.parametrize("form", ["json", "jwt"])
def test_an_svg_with_the_standard_doctype_is_baked_and_read(signed, form):
    # issue 18: what illustration tools write (and the 1EdTech validator's own test images
    # carry) is a bare declaration, no entity or internal subset; its DTD is never read
    first, rest = SVG.split(b"\n", 1)
    image = first + b"\n" + STANDARD_DOCTYPE + rest
    text = payload(signed, form)
    baked = bake(image, text)
    assert STANDARD_DOCTYPE in baked
    assert unbake(baked).payload == text.strip()
    assert unbake(image) is None
    report = Verifier().verify(baked, now=NOW)
    assert report.check("format").outcome is Outcome.PASSED


def test_json_holding_the_cdata_end_marker_survives_the_svg(signed):
    credential = json.loads(signed[0])
    credential["name"] = "Tricky ]]> name <![CDATA[ & more"
    text = json.dumps(credential)
    baked = bake(SVG, text)
    assert unbake(baked) == BakedBadge(text, PayloadKind.OB3_JSON, ImageType.SVG)
    assert json.loads(fromstring(baked)[0].text)["name"] == credential["name"]


@pytest.mark.parametrize("name", ["png", "svg"])
def test_rebaking_replaces_the_badge_so_exactly_one_stays(signed, name):
    image = images()[name]
    once = bake(image, signed[0])
    twice = bake(once, signed[1])
    thrice = bake(twice, signed[1])
    assert unbake(twice) == unbake(thrice)
    assert unbake(thrice).kind is PayloadKind.OB3_JWT and unbake(thrice).payload == signed[1]
    assert thrice == twice, "baking the same badge again changes nothing"
    if name == "png":
        assert sum(1 for kind, body in png_chunks(thrice) if body.startswith(b"openbadge")) == 1
        assert len(thrice) == len(image) + 12 + 24 + len(signed[1])
    else:
        assert thrice.count(b"openbadges:credential") == 2  # one start tag, one end tag
        assert thrice.count(b"xmlns:openbadges") == 1


@pytest.mark.parametrize("name", ["png", "svg"])
def test_an_ob3_bake_replaces_an_ob2_badge_and_back(signed, name):
    image = images()[name]
    ob2 = bake(image, "https://school.example/assertions/1", standard="ob2")
    assert unbake(ob2) == BakedBadge(
        "https://school.example/assertions/1", PayloadKind.OB2_URL, ImageType(name)
    )
    ob3 = bake(ob2, signed[1])
    assert unbake(ob3).kind is PayloadKind.OB3_JWT
    assert b"openbadges.org" not in ob3 and b"assertions/1" not in ob3
    back = bake(ob3, "https://school.example/assertions/2", standard="ob2")
    assert unbake(back).payload == "https://school.example/assertions/2"
    assert b"openbadgecredential" not in back and b"purl.imsglobal.org/ob/v3p0" not in back


def test_a_png_with_earlier_duplicate_or_compressed_badge_chunks_bakes_clean(signed):
    dirty = make_png(
        extra=[
            itxt(b"openbadgecredential", b"{}"),
            itxt(b"openbadgecredential", b"{}", compressed=True),
            chunk(b"zTXt", b"openbadges\x00\x00" + zlib.compress(b"https://x.example/a")),
            chunk(b"tEXt", b"openbadges\x00https://x.example/old"),
        ]
    )
    with pytest.raises(ImageError):
        unbake(dirty)
    baked = bake(dirty, signed[1])
    assert unbake(baked).payload == signed[1]
    assert sum(1 for _, body in png_chunks(baked) if body.startswith(b"openbadge")) == 1


def test_self_closing_root_and_a_prefixed_namespace_are_handled(signed):
    tiny = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
    baked = bake(tiny, signed[1])
    assert baked.startswith(
        b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1" xmlns:openbadges='
    )
    assert baked.endswith(b"</svg>")
    assert unbake(baked).payload == signed[1]
    prefixed = b'<s:svg xmlns:s="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><s:g/></s:svg>'
    baked = bake(prefixed, signed[1])
    assert baked.count(b"xmlns:openbadges") == 1 and b"http://openbadges.org" not in baked
    assert baked.endswith(b"<s:g/></s:svg>")
    assert unbake(baked).payload == signed[1]


def test_a_root_prefix_bound_to_another_namespace_in_use_is_left_alone(signed):
    other = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://example.org/notes">'
        b"<openbadges:note>kept</openbadges:note><openbadges:credential>x</openbadges:credential></svg>"
    )
    baked = bake(other, signed[1])
    assert baked.startswith(
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://example.org/notes">'
        b'<openbadges:credential xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" verify='
    )
    root = fromstring(baked)
    assert [child.tag for child in root] == [
        OB3_TAG,
        "{https://example.org/notes}note",
        "{https://example.org/notes}credential",
    ]
    assert unbake(baked).payload == signed[1]
    assert bake(baked, signed[1]) == baked


def test_a_bom_and_an_attribute_holding_gt_are_handled(signed):
    svg = (
        b"\xef\xbb\xbf"
        + b'<svg xmlns="http://www.w3.org/2000/svg" data-note="a > b" data-x=\'"\'><g/></svg>'
    )
    baked = bake(svg, signed[1])
    assert baked.startswith(
        b'\xef\xbb\xbf<svg xmlns="http://www.w3.org/2000/svg" data-note="a > b" data-x=\'"\' xmlns:openbadges'
    )
    assert unbake(baked).payload == signed[1]


def test_a_utf16_svg_is_read_but_not_baked(signed):
    utf16 = (
        bake(SVG, signed[1])
        .decode("utf-8")
        .replace('encoding="UTF-8"', 'encoding="UTF-16"')
        .encode("utf-16")
    )
    assert unbake(utf16).payload == signed[1]
    with pytest.raises(ImageError, match="UTF-8"):
        bake(utf16, signed[1])


def test_bake_checks_the_credential(signed):
    for bad, error, match in [
        ("", FormatError, "empty"),
        ("   \n", FormatError, "empty"),
        ("not a credential", FormatError, "JSON or a compact JWT"),
        ("[1, 2]", FormatError, "JSON or a compact JWT"),
        ('{"a": 1', FormatError, "not valid JSON"),
        ("https://school.example/assertions/1", FormatError, "JSON or a compact JWT"),
        (b"\xff\xfe\x00", FormatError, "UTF-8"),
        ('{"a": "' + "x" * (2 * 1024 * 1024) + '"}', InputTooLargeError, "larger"),
        ('{"a": "\ufffe"}', FormatError, "cannot carry"),
    ]:
        target = SVG if "\ufffe" in str(bad) else make_png()
        with pytest.raises(error, match=match):
            bake(target, bad)
    with pytest.raises(FormatError, match="ob3 or ob2"):
        bake(make_png(), signed[1], standard="ob4")  # type: ignore[arg-type]
    with pytest.raises(FormatError, match="hosted URL"):
        bake(SVG, '{"type": "Assertion"}', standard="ob2")


def test_a_credential_file_with_a_trailing_newline_bakes_the_bare_jwt(signed):
    baked = bake(make_png(), (signed[1] + "\n").encode())
    assert unbake(baked).payload == signed[1]


# --- reading older carriers -----------------------------------------------------------------

ASSERTION = {
    "@context": "https://w3id.org/openbadges/v2",
    "type": "Assertion",
    "id": "https://school.example/assertions/7",
    "recipient": {"type": "email", "hashed": True, "identity": "sha256$" + "0" * 64, "salt": "s"},
    "badge": "https://school.example/badges/water",
    "verification": {"type": "hosted"},
    "issuedOn": "2019-05-01T00:00:00Z",
}


def ob2_jws(assertion: dict = ASSERTION) -> str:
    def part(value: bytes) -> str:
        return base64.urlsafe_b64encode(value).rstrip(b"=").decode()

    return ".".join(
        [part(b'{"alg":"RS256"}'), part(json.dumps(assertion).encode()), part(b"\x01" * 256)]
    )


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            [itxt(b"openbadges", json.dumps(ASSERTION).encode())],
            (json.dumps(ASSERTION), PayloadKind.OB2_ASSERTION_JSON),
        ),
        (
            [itxt(b"openbadges", ob2_jws().encode(), language=b"en")],
            (ob2_jws(), PayloadKind.OB2_JWS),
        ),
        (
            [itxt(b"openbadges", b"https://school.example/assertions/7")],
            ("https://school.example/assertions/7", PayloadKind.OB2_URL),
        ),
        (
            [chunk(b"tEXt", b"openbadges\x00https://backpack.example/a/1")],
            ("https://backpack.example/a/1", PayloadKind.LEGACY_URL),
        ),
        # OB 3.0 before OB 2.0 before the legacy URL, whichever comes first in the file
        (
            [
                chunk(b"tEXt", b"openbadges\x00https://x.example/1"),
                itxt(b"openbadges", ob2_jws().encode()),
                itxt(b"openbadgecredential", JWT_SHAPED.encode()),
            ],
            (JWT_SHAPED, PayloadKind.OB3_JWT),
        ),
        (
            [
                chunk(b"tEXt", b"openbadges\x00https://x.example/1"),
                itxt(b"openbadges", ob2_jws().encode()),
            ],
            (ob2_jws(), PayloadKind.OB2_JWS),
        ),
        # other text chunks and keywords that merely start alike are not badges
        ([itxt(b"openbadges2", b"x"), chunk(b"tEXt", b"Comment\x00openbadges")], None),
    ],
)
def test_png_carriers_of_every_age_are_read(extra, expected):
    image = make_png(extra=extra)
    found = unbake(image)
    if expected is None:
        assert found is None
    else:
        assert (found.payload, found.kind, found.image_type) == (*expected, ImageType.PNG)
        assert found.kind.standard == expected[1].value.split("-")[0]


def _svg_with(element: str, namespace: str = "http://openbadges.org") -> bytes:
    """SVG with a hand-written badge element (not directly after <svg>: readers look anywhere)."""
    root = b'<svg xmlns="http://www.w3.org/2000/svg"'
    declared = SVG.replace(root, root + f' xmlns:openbadges="{namespace}"'.encode(), 1)
    return declared.replace(b"<title>", element.encode() + b"<title>", 1)


@pytest.mark.parametrize(
    ("element", "expected"),
    [
        (f'<openbadges:assertion verify="{ob2_jws()}"/>', (ob2_jws(), PayloadKind.OB2_JWS)),
        (
            '<openbadges:assertion verify="https://school.example/assertions/7"></openbadges:assertion>',
            ("https://school.example/assertions/7", PayloadKind.OB2_URL),
        ),
        (
            f'<openbadges:assertion verify="https://school.example/assertions/7">\n  <![CDATA[ {json.dumps(ASSERTION)} ]]>\n</openbadges:assertion>',
            (json.dumps(ASSERTION), PayloadKind.OB2_ASSERTION_JSON),
        ),
    ],
)
def test_svg_ob2_carriers_are_read(element, expected):
    found = unbake(_svg_with(element))
    assert (found.payload, found.kind, found.image_type) == (*expected, ImageType.SVG)


def test_an_svg_credential_as_plain_text_body_is_read(signed):
    # openbadgeslib writes the JSON as the element's text, not CDATA; XML escapes it
    from xml.sax.saxutils import escape

    element = f"<openbadges:credential>{escape(signed[0])}</openbadges:credential>"
    found = unbake(_svg_with(element, "https://purl.imsglobal.org/ob/v3p0"))
    assert found == BakedBadge(signed[0], PayloadKind.OB3_JSON, ImageType.SVG)


# --- verifying baked images ----------------------------------------------------------------


@pytest.mark.parametrize("form", ["json", "jwt"])
@pytest.mark.parametrize("name", ["png", "svg"])
def test_verify_accepts_a_baked_image(signed, name, form):
    baked = bake(images()[name], payload(signed, form))
    report = Verifier().verify(baked, now=NOW, recipient="ona@example.org")
    assert report.verdict is Verdict.VALID, report.to_dict()
    format_check = report.check("format")
    assert f"read from a baked {name.upper()} image" in format_check.message
    assert report.format == form
    assert report.check("recipient").outcome is Outcome.PASSED


def test_verify_takes_svg_markup_given_as_text(signed):
    report = Verifier().verify(bake(SVG, signed[1]).decode("utf-8"), now=NOW)
    assert report.verdict is Verdict.VALID
    assert "baked SVG image" in report.check("format").message


@pytest.mark.parametrize("name", ["png", "svg"])
def test_a_tampered_baked_credential_fails(signed, name):
    credential = json.loads(signed[0])
    credential["credentialSubject"]["achievement"]["name"] = "Forged"
    report = Verifier().verify(bake(images()[name], json.dumps(credential)), now=NOW)
    assert report.verdict is Verdict.INVALID
    assert report.check("format").outcome is Outcome.PASSED
    assert report.check("proof").outcome is Outcome.FAILED


@pytest.mark.parametrize("name", ["png", "svg"])
def test_an_image_without_a_badge_fails_the_format_check(name):
    report = Verifier().verify(images()[name], now=NOW)
    check = report.check("format")
    assert report.verdict is Verdict.INVALID and check.outcome is Outcome.FAILED
    assert check.message == "This image carries no baked badge."
    assert f"the {name.upper()} image carries no Open Badge" in check.detail


def test_a_baked_link_is_followed_through_the_guarded_fetcher(signed, site, school_verifier):
    site.text("/credentials/1", signed[1])
    legacy = make_png(
        extra=[chunk(b"tEXt", b"openbadges\x00" + f"{SCHOOL}/credentials/1".encode())]
    )
    report = school_verifier.verify(legacy, now=NOW)
    assert site.requests == ["/credentials/1"]
    assert report.verdict is Verdict.VALID, report.to_dict()
    assert "baked PNG image" in report.check("format").message


def test_a_baked_link_to_a_private_address_is_not_fetched(site):
    legacy = make_png(
        extra=[chunk(b"tEXt", b"openbadges\x00" + f"{site.base}/credentials/1".encode())]
    )
    report = Verifier(fetcher=Fetcher()).verify(legacy, now=NOW)
    assert site.requests == []
    assert report.check("format").outcome is Outcome.FAILED
    assert report.verdict is not Verdict.VALID


# --- bad input ------------------------------------------------------------------------------


def _truncated() -> bytes:
    image = make_png()
    return image[: len(image) - 40]


def _crc_bad() -> bytes:
    image = bytearray(make_png())
    idat = image.index(b"IDAT")
    image[idat + 10] ^= 0x01
    return bytes(image)


def _crc_bad_badge() -> bytes:
    return make_png(
        extra=[
            chunk(
                b"iTXt", b"openbadgecredential\x00\x00\x00\x00\x00" + JWT_SHAPED.encode(), crc=1234
            )
        ]
    )


BAD_PNGS = {
    "huge dimensions": (
        baking.PNG_SIGNATURE
        + ihdr(100_000, 100_000)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b""),
        ImageTooLargeError,
        "100000x100000",
    ),
    "huge pixel count": (
        baking.PNG_SIGNATURE
        + ihdr(20_000, 20_000)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b""),
        ImageTooLargeError,
        "20000x20000",
    ),
    "zero width": (
        baking.PNG_SIGNATURE + ihdr(0, 5) + chunk(b"IEND", b""),
        ImageError,
        "empty image",
    ),
    "impossible format": (
        baking.PNG_SIGNATURE + ihdr(5, 5, depth=3, colour=2) + chunk(b"IEND", b""),
        ImageError,
        "impossible",
    ),
    "IHDR not first": (
        baking.PNG_SIGNATURE + chunk(b"IDAT", b"") + ihdr(5, 5) + chunk(b"IEND", b""),
        ImageError,
        "IHDR",
    ),
    "truncated": (_truncated(), ImageError, "truncated"),
    "no IEND": (make_png()[:-12], ImageError, "truncated"),
    "signature only": (baking.PNG_SIGNATURE, ImageError, "truncated"),
    "CRC-bad chunk": (_crc_bad(), ImageError, "CRC"),
    "CRC-bad badge chunk": (_crc_bad_badge(), ImageError, "CRC"),
    "data after IEND": (make_png() + b"trailing", ImageError, "after its IEND"),
    "no IDAT": (
        baking.PNG_SIGNATURE + ihdr(5, 5) + chunk(b"IEND", b""),
        ImageError,
        "no image data",
    ),
    "bad chunk type": (
        baking.PNG_SIGNATURE + ihdr(5, 5) + chunk(b"ID\x00T", b"") + chunk(b"IEND", b""),
        ImageError,
        "invalid type",
    ),
    "compressed iTXt": (
        make_png(extra=[itxt(b"openbadgecredential", JWT_SHAPED.encode(), compressed=True)]),
        ImageError,
        "compressed",
    ),
    "zTXt": (
        make_png(
            extra=[
                chunk(b"zTXt", b"openbadgecredential\x00\x00" + zlib.compress(JWT_SHAPED.encode()))
            ]
        ),
        ImageError,
        "compressed zTXt",
    ),
    "OB3 in tEXt": (
        make_png(extra=[chunk(b"tEXt", b"openbadgecredential\x00" + JWT_SHAPED.encode())]),
        ImageError,
        "requires an iTXt",
    ),
    "duplicated": (
        make_png(extra=[itxt(b"openbadgecredential", JWT_SHAPED.encode())] * 2),
        ImageError,
        "exactly one",
    ),
    "duplicated OB2": (
        make_png(
            extra=[
                itxt(b"openbadges", b"https://x.example/1"),
                itxt(b"openbadges", b"https://x.example/2"),
            ]
        ),
        ImageError,
        "exactly one",
    ),
    "oversized badge chunk": (
        make_png(
            extra=[itxt(b"openbadgecredential", b'{"a":"' + b"x" * (2 * 1024 * 1024) + b'"}')]
        ),
        ImageTooLargeError,
        "larger than 2 MiB",
    ),
    "not UTF-8": (
        make_png(extra=[itxt(b"openbadgecredential", b'{"a": "\xff"}')]),
        ImageError,
        "not UTF-8",
    ),
    "malformed iTXt": (
        make_png(extra=[chunk(b"iTXt", b"openbadgecredential\x00\x00\x00no-nul-after-language")]),
        ImageError,
        "malformed",
    ),
    "neither JSON nor JWT": (
        make_png(extra=[itxt(b"openbadgecredential", b"hello")]),
        ImageError,
        "neither",
    ),
    "legacy without URL": (
        make_png(extra=[chunk(b"tEXt", b"openbadges\x00javascript:alert(1)")]),
        ImageError,
        "URL",
    ),
    "over 10 MiB": (
        make_png(extra=[chunk(b"abCd", b"\x00" * (10 * 1024 * 1024))]),
        ImageTooLargeError,
        "10 MiB",
    ),
    "too many chunks": (
        make_png(extra=[chunk(b"tIME", b"\x07\xe9\x01\x01\x00\x00\x00")] * 10_001),
        ImageTooLargeError,
        "chunks",
    ),
}


@pytest.mark.parametrize("case", list(BAD_PNGS))
def test_bad_pngs_are_refused_with_a_clear_error(case):
    data, error, match = BAD_PNGS[case]
    with pytest.raises(error, match=match) as caught:
        unbake(data)
    assert isinstance(caught.value, ImageError) and "\n" not in str(caught.value)
    report = Verifier().verify(data, now=NOW)
    check = report.check("format")
    assert check.outcome is Outcome.FAILED and report.verdict is Verdict.INVALID
    assert check.message == "This image cannot be read as a baked badge."
    assert match in check.detail


@pytest.mark.parametrize(
    "case",
    [
        c
        for c in BAD_PNGS
        if c
        not in {
            "compressed iTXt",
            "zTXt",
            "OB3 in tEXt",
            "duplicated",
            "duplicated OB2",
            "oversized badge chunk",
            "not UTF-8",
            "malformed iTXt",
            "neither JSON nor JWT",
            "legacy without URL",
        }
    ],
)
def test_bad_pngs_are_not_baked(case, signed):
    data, error, match = BAD_PNGS[case]
    with pytest.raises(error, match=match):
        bake(data, signed[1])


_PASSWD = Path("/etc/passwd")
XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE svg [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
    b"<openbadges:credential>&xxe;</openbadges:credential></svg>"
)
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE svg [\n <!ENTITY lol "lol">\n'
    + b"".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode()
        for i in range(1, 10)
    )
    + b']>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
    b"<openbadges:credential>&lol9;</openbadges:credential></svg>"
)
BAD_SVGS = {
    "XXE file:///etc/passwd": (XXE, "DOCTYPE"),
    "billion laughs": (LAUGHS, "DOCTYPE"),
    "standard DOCTYPE with an internal subset": (
        b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [\n'
        b' <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        b"<openbadges:credential>&xxe;</openbadges:credential></svg>",
        "DOCTYPE",
    ),
    "empty internal subset": (
        b'<!DOCTYPE svg []><svg xmlns="http://www.w3.org/2000/svg"/>',
        "DOCTYPE",
    ),
    "DTD of another public identifier": (
        b'<!DOCTYPE svg PUBLIC "-//EVIL//DTD X//EN" "file:///etc/passwd">'
        b'<svg xmlns="http://www.w3.org/2000/svg"/>',
        "DOCTYPE",
    ),
    "external DTD": (
        b'<!DOCTYPE svg SYSTEM "file:///etc/passwd"><svg xmlns="http://www.w3.org/2000/svg"/>',
        "DOCTYPE",
    ),
    "undefined entity": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&nbsp;</text></svg>',
        "well-formed",
    ),
    "not well-formed": (b'<svg xmlns="http://www.w3.org/2000/svg"><g></svg>', "well-formed"),
    "not an svg": (b"<html><body>badge</body></html>", "not an SVG"),
    "badge as root": (
        b'<openbadges:credential xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" verify="a.b.c"/>',
        "root",
    ),
    "two credentials": (
        _svg_with(
            f'<openbadges:credential verify="{JWT_SHAPED}"/><openbadges:credential verify="{JWT_SHAPED}"/>',
            "https://purl.imsglobal.org/ob/v3p0",
        ),
        "carry one",
    ),
    "verify and body": (
        _svg_with(
            f'<openbadges:credential verify="{JWT_SHAPED}">{{"a": 1}}</openbadges:credential>',
            "https://purl.imsglobal.org/ob/v3p0",
        ),
        "never both",
    ),
    "verify not a JWT": (
        _svg_with(
            '<openbadges:credential verify="{&quot;a&quot;: 1}"/>',
            "https://purl.imsglobal.org/ob/v3p0",
        ),
        "not a JWT",
    ),
    "element inside": (
        _svg_with(
            "<openbadges:credential><g/></openbadges:credential>",
            "https://purl.imsglobal.org/ob/v3p0",
        ),
        "contains other elements",
    ),
    "OB2 body not JSON": (
        _svg_with(
            '<openbadges:assertion verify="https://x.example/1">hello</openbadges:assertion>'
        ),
        "neither",
    ),
}


def count_svg_text(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every piece of character data the SVG parser hands on, from now on."""
    given: list[int] = []
    data = baking._SvgScan.data

    def counted(scan: baking._SvgScan, text: str) -> None:
        given.append(len(text))
        data(scan, text)

    monkeypatch.setattr(baking._SvgScan, "data", counted)
    return given


@pytest.mark.parametrize("case", list(BAD_SVGS))
def test_bad_svgs_are_refused_with_a_clear_error(case, signed, monkeypatch):
    data, match = BAD_SVGS[case]
    text = count_svg_text(monkeypatch)
    with pytest.raises(ImageError) as caught:
        unbake(data)
    # bounded work, counted (not timed): no entity grew the text past the file's own bytes
    assert sum(text) <= len(data), sum(text)
    caught.match(match)
    assert "\n" not in str(caught.value)
    report = Verifier().verify(data, now=NOW)
    assert report.check("format").outcome is Outcome.FAILED
    assert report.check("format").message == "This image cannot be read as a baked badge."
    if case not in {"two credentials", "verify and body", "verify not a JWT", "OB2 body not JSON"}:
        with pytest.raises(ImageError, match=match):
            bake(data, signed[1])


def test_mangled_images_end_in_clear_errors_never_tracebacks(signed):
    """Random byte flips, cuts and insertions in baked images: a result or a FormatError."""
    rng = random.Random(20261123)
    seeds = [
        bake(make_png(), JWT_SHAPED),
        bake(SVG, signed[0]),
        bake(SVG, ob2_jws(), standard="ob2"),
        bake(qr_png(f"{SCHOOL}/c/1"), signed[1]),
    ]
    verifier = Verifier()
    outcomes = {"read": 0, "refused": 0}
    for _ in range(1500):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 3)):
            at, op = rng.randrange(len(data)), rng.random()
            if op < 0.4:
                data[at] = rng.randrange(256)
            elif op < 0.7:
                del data[at : at + rng.randint(1, 16)]
            else:
                data[at:at] = rng.randbytes(rng.randint(1, 8))
        try:
            unbake(bytes(data))
            outcomes["read"] += 1
        except FormatError:
            outcomes["refused"] += 1
        if rng.random() < 0.1:
            report = verifier.verify(bytes(data), now=NOW)
            assert report.check("format").message != "The badge could not be verified.", (
                report.to_dict()
            )
    assert outcomes["read"] and outcomes["refused"]


def test_an_encoding_expat_cannot_read_is_refused():
    for name in (b"UTr-8", b"shift_jis"):
        with pytest.raises(ImageError, match="not a well-formed SVG"):
            unbake(SVG.replace(b"UTF-8", name, 1))


def test_the_xxe_never_reads_the_file():
    if not _PASSWD.exists():
        pytest.skip("no /etc/passwd to be leaked here")
    secret = _PASSWD.read_text().splitlines()[0]
    report = Verifier().verify(XXE, now=NOW)
    assert secret not in json.dumps(report.to_dict())
    with pytest.raises(ImageError) as caught:
        unbake(XXE)
    assert secret not in str(caught.value)


@pytest.mark.parametrize(
    ("data", "expected", "match"),
    [
        (SVG, "png", "should be a PNG but its bytes are an SVG"),
        (make_png(), "svg", "should be an SVG but its bytes are a PNG"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "png", "a JPEG image"),
        (b"GIF89a\x01\x00", None, "a GIF image; only PNG and SVG"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", None, "a WebP image"),
        (b'{"@context": []}', "png", "not an image"),
        (b"", None, "empty"),
        (b"\x89PNX\r\n\x1a\n" + b"\x00" * 30, None, "not an image"),
        (make_png(), "gif", "not an image type that can carry a badge"),
    ],
)
def test_bytes_that_do_not_match_their_type_are_refused(data, expected, match):
    with pytest.raises(ImageError, match=match):
        unbake(data, expected=expected)
    with pytest.raises(ImageError, match=match):
        bake(data, JWT_SHAPED, expected=expected)


# --- the commands ----------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path, signed):
    (tmp_path / "badge.png").write_bytes(make_png())
    (tmp_path / "badge.svg").write_bytes(SVG)
    (tmp_path / "badge.json").write_text(signed[0])
    (tmp_path / "badge.jwt").write_text(signed[1] + "\n")
    return tmp_path


@pytest.mark.parametrize("form", ["json", "jwt"])
@pytest.mark.parametrize("name", ["png", "svg"])
def test_bake_unbake_verify_commands(files, capsys, signed, name, form):
    out = files / f"baked.{name}"
    code = main(
        ["bake", str(files / f"badge.{name}"), str(files / f"badge.{form}"), "-o", str(out)]
    )
    out_text, err = capsys.readouterr()
    assert code == 0, err
    assert out_text.strip() == f"Baked the ob3-{form} credential into {out}"
    assert main(["unbake", str(out)]) == 0
    printed, _ = capsys.readouterr()
    assert printed == payload(signed, form).strip() + "\n"
    assert main(["unbake", "--json", str(out)]) == 0
    record = json.loads(capsys.readouterr()[0])
    assert record == {
        "kind": f"ob3-{form}",
        "image": name,
        "payload": payload(signed, form).strip(),
    }
    assert (
        main(
            ["verify", str(out), "--now", "2026-11-23T12:00:00Z", "--recipient", "ona@example.org"]
        )
        == 0
    )
    report = capsys.readouterr()[0]
    assert report.startswith("VALID:") and f"read from a baked {name.upper()} image" in report


def test_unbake_exit_codes(files, capsys):
    assert main(["unbake", str(files / "badge.png")]) == 1
    _, err = capsys.readouterr()
    assert err.strip().endswith("badge.png carries no baked badge")
    (files / "broken.png").write_bytes(_truncated())
    assert main(["unbake", str(files / "broken.png")]) == 2
    _, err = capsys.readouterr()
    assert err.count("\n") == 1 and "truncated" in err and "Traceback" not in err
    (files / "fake.png").write_bytes(SVG)
    assert main(["unbake", str(files / "fake.png")]) == 2
    assert "should be a PNG but its bytes are an SVG" in capsys.readouterr()[1]
    assert main(["unbake", str(files / "missing.png")]) == 2


def test_bake_command_refuses_mismatches_and_bad_credentials(files, capsys):
    assert (
        main(
            ["bake", str(files / "badge.svg"), str(files / "badge.jwt"), "-o", str(files / "x.png")]
        )
        == 2
    )
    assert "names a PNG but the image is an SVG" in capsys.readouterr()[1]
    (files / "fake.svg").write_bytes(make_png())
    assert (
        main(
            ["bake", str(files / "fake.svg"), str(files / "badge.jwt"), "-o", str(files / "x.svg")]
        )
        == 2
    )
    assert "should be an SVG" in capsys.readouterr()[1]
    (files / "junk.txt").write_text("not a credential")
    assert (
        main(
            ["bake", str(files / "badge.png"), str(files / "junk.txt"), "-o", str(files / "x.png")]
        )
        == 2
    )
    assert "JSON or a compact JWT" in capsys.readouterr()[1]
    (files / "xxe.svg").write_bytes(XXE)
    assert (
        main(["bake", str(files / "xxe.svg"), str(files / "badge.jwt"), "-o", str(files / "x.svg")])
        == 2
    )
    assert "DOCTYPE" in capsys.readouterr()[1]
    assert not (files / "x.png").exists() and not (files / "x.svg").exists()


def test_bake_command_ob2(files, capsys):
    (files / "url.txt").write_text("https://school.example/assertions/7\n")
    assert (
        main(
            [
                "bake",
                "--ob2",
                str(files / "badge.svg"),
                str(files / "url.txt"),
                "-o",
                str(files / "o.svg"),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["unbake", "--json", str(files / "o.svg")]) == 0
    assert json.loads(capsys.readouterr()[0])["kind"] == "ob2-url"


def test_verify_command_on_images(files, capsys):
    assert main(["verify", str(files / "badge.svg")]) == 2
    assert "This image carries no baked badge." in capsys.readouterr()[0]
    (files / "fake.png").write_text("{}")
    assert main(["verify", str(files / "fake.png")]) == 2
    assert "fake.png is not a PNG image" in capsys.readouterr()[1]


def test_help_names_the_new_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr()[0]
    for command in ("bake", "unbake", "qr"):
        assert f"    {command}" in text
    assert "PNG and SVG" in text


# --- other implementations -----------------------------------------------------------------
# openbadgeslib (PyPI) and Mozilla's openbadges-bakery (npm), installed on first use into a
# cache folder by the harness in tests/peers. Nothing here fetches anything at test time
# once they are installed.


def obl(*args: str) -> dict:
    return openbadgeslib_script("baking.py", *args)[1]


def obl_verify(path: Path) -> dict:
    return openbadgeslib(path)


@pytest.mark.interop
@pytest.mark.slow
@pytest.mark.parametrize("form", ["json", "jwt"])
@pytest.mark.parametrize("name", ["png", "svg"])
def test_openbadgeslib_bakes_and_we_read_and_verify(tmp_path, signed, name, form):
    text = payload(signed, form)
    (tmp_path / "image").write_bytes(images()[name])
    (tmp_path / "credential").write_text(text)
    result = obl(
        "bake", str(tmp_path / "image"), str(tmp_path / "credential"), str(tmp_path / "baked")
    )
    assert result["ok"], result
    theirs = (tmp_path / "baked").read_bytes()
    found = unbake(theirs)
    assert found.kind is (PayloadKind.OB3_JSON if form == "json" else PayloadKind.OB3_JWT)
    assert found.payload == text.strip()
    report = Verifier().verify(theirs, now=NOW)
    assert report.verdict is Verdict.VALID, report.to_dict()
    assert f"baked {name.upper()} image" in report.check("format").message


@pytest.mark.interop
@pytest.mark.slow
@pytest.mark.parametrize("form", ["json", "jwt"])
@pytest.mark.parametrize("name", ["png", "svg"])
def test_we_bake_and_openbadgeslib_reads_and_verifies(tmp_path, signed, name, form):
    text = payload(signed, form)
    ours = tmp_path / f"ours.{name}"
    ours.write_bytes(bake(images()[name], text))
    result = obl("extract", str(ours))
    assert result == {"ok": True, "data": text.strip()}
    verdict = obl_verify(ours)
    assert verdict["verified"], verdict
    assert verdict["format"] == ("ldp" if form == "json" else "vc-jwt") + f"+baked-{name}"


@pytest.mark.interop
@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "kind"),
    [(ob2_jws(), PayloadKind.OB2_JWS), (json.dumps(ASSERTION), PayloadKind.OB2_ASSERTION_JSON)],
)
@pytest.mark.parametrize("name", ["png", "svg"])
def test_ob2_between_openbadgeslib_and_us(tmp_path, name, text, kind):
    if name == "svg" and kind is PayloadKind.OB2_ASSERTION_JSON:
        text, kind = (
            ASSERTION["id"],
            PayloadKind.OB2_URL,
        )  # openbadgeslib puts OB 2.0 SVG data in verify only
    (tmp_path / "image").write_bytes(images()[name])
    (tmp_path / "data").write_text(text)
    result = obl(
        "bake", str(tmp_path / "image"), str(tmp_path / "data"), str(tmp_path / "theirs"), "--ob2"
    )
    assert result["ok"], result
    assert unbake((tmp_path / "theirs").read_bytes()) == BakedBadge(text, kind, ImageType(name))
    ours = tmp_path / f"ours.{name}"
    ours.write_bytes(bake(images()[name], text, standard="ob2"))
    assert obl("extract", str(ours), "--ob2") == {"ok": True, "data": text}


@pytest.mark.interop
@pytest.mark.slow
@pytest.mark.parametrize(
    ("mode", "text", "kind"),
    [
        ("signature", ob2_jws(), PayloadKind.OB2_JWS),
        ("url", ASSERTION["id"], PayloadKind.OB2_URL),
        ("assertion", json.dumps(ASSERTION), PayloadKind.OB2_ASSERTION_JSON),
    ],
)
def test_openbadges_bakery_bakes_ob2_svg_that_we_read(tmp_path, mode, text, kind):
    (tmp_path / "image.svg").write_bytes(SVG)
    (tmp_path / "data").write_text(text)
    extra = [ASSERTION["id"]] if mode == "assertion" else []
    result = bakery(
        "bake",
        str(tmp_path / "image.svg"),
        str(tmp_path / "data"),
        str(tmp_path / "theirs.svg"),
        mode,
        *extra,
    )
    assert result["ok"], result
    found = unbake((tmp_path / "theirs.svg").read_bytes())
    assert found.kind is kind and found.image_type is ImageType.SVG
    assert (json.loads(found.payload) if mode == "assertion" else found.payload) == (
        ASSERTION if mode == "assertion" else text
    )


@pytest.mark.interop
@pytest.mark.slow
@pytest.mark.parametrize("mode", ["signature", "url"])
def test_openbadges_bakery_bakes_ob2_png_that_we_read(tmp_path, mode):
    text = ob2_jws() if mode == "signature" else ASSERTION["id"]
    (tmp_path / "image.png").write_bytes(make_png())
    (tmp_path / "data").write_text(text)
    result = bakery(
        "bake",
        str(tmp_path / "image.png"),
        str(tmp_path / "data"),
        str(tmp_path / "theirs.png"),
        mode,
    )
    assert result["ok"], result
    theirs = (tmp_path / "theirs.png").read_bytes()
    found = unbake(theirs)
    assert found.payload == text and found.kind.standard == "ob2"
    # a whole PNG: pypng checks every chunk's CRC, and the picture is the one given
    assert png.Reader(bytes=theirs).read()[:2] == png.Reader(bytes=make_png()).read()[:2]
    assert bakery("extract", str(tmp_path / "theirs.png")) == {"ok": True, "data": text}


@pytest.mark.interop
@pytest.mark.slow
@pytest.mark.parametrize(
    "text", [ob2_jws(), ASSERTION["id"], json.dumps(ASSERTION)], ids=["jws", "url", "assertion"]
)
@pytest.mark.parametrize("name", ["png", "svg"])
def test_openbadges_bakery_reads_our_ob2_bakes(tmp_path, name, text):
    ours = tmp_path / f"ours.{name}"
    ours.write_bytes(bake(images()[name], text, standard="ob2"))
    result = bakery("extract", str(ours))
    assert result == {"ok": True, "data": text}
