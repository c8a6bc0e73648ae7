"""Baked badges: an Open Badge carried inside its PNG or SVG image. Bytes in, bytes out.

Open Badges 3.0 §5.3 ("Baked Badge"): a PNG carries the credential in one uncompressed
``iTXt`` chunk with the keyword ``openbadgecredential``; an SVG carries it in an
``<openbadges:credential>`` element (namespace ``https://purl.imsglobal.org/ob/v3p0``)
placed directly after the ``<svg>`` tag, with the compact JWT in a ``verify`` attribute or
the JSON in the element's body, wrapped in CDATA. The text is the compact JWS of a VC-JWT
or the JSON of a credential with an embedded proof.

Reading also understands the older carriers schools still hold: Open Badges 2.0 (PNG
``iTXt`` keyword ``openbadges``; SVG ``<openbadges:assertion>`` in ``http://openbadges.org``
with the signature or hosted URL in ``verify`` and the assertion JSON in CDATA) and the
pre-2.0 ``tEXt`` chunk ``openbadges`` holding the URL of a hosted assertion.

Nothing here decodes pixels or fetches anything. A PNG is walked chunk by chunk (the
signature, every chunk's CRC, the IHDR dimensions and the chunk order are checked); an SVG
is parsed with defusedxml, so entity declarations and external references are refused
before they can do anything; a DOCTYPE is accepted only as the bare standard declaration,
``<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "...svg11.dtd">`` (its DTD never read),
and refused with an internal subset (``[...]``, where declarations live) or a DTD of its own. Every problem is an ``ImageError`` (a ``FormatError``)
with a one-line description.

Baking is a splice: the new carrier is inserted and any earlier badge carrier (OB 3.0, OB
2.0 or legacy) is removed, so a re-baked image holds exactly one badge; every other byte of
the image is kept as it was.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import DefusedXMLParser

from . import jsonutil
from .errors import FormatError, ImageError, ImageTooLargeError, InputTooLargeError
from .proofs.vc_jwt import looks_like_jwt

MAX_IMAGE_BYTES = 10 * 1024 * 1024
"""The largest image read or baked (a badge image is usually tens of kilobytes)."""
MAX_PAYLOAD_BYTES = 2 * 1024 * 1024
"""The largest credential a baked image may carry (the JSON size cap of the library)."""
MAX_SIDE = 20_000
"""The largest width or height a PNG may declare."""
MAX_PIXELS = 100_000_000
"""The largest pixel count a PNG may declare (width times height)."""
MAX_PNG_CHUNKS = 10_000
MAX_URL_LENGTH = 2048

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OB3_KEYWORD = b"openbadgecredential"
OB2_KEYWORD = b"openbadges"
OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
OB2_NAMESPACE = "http://openbadges.org"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_OB3_TAG = f"{{{OB3_NAMESPACE}}}credential"
_OB2_TAG = f"{{{OB2_NAMESPACE}}}assertion"

Standard = Literal["ob3", "ob2"]


class ImageType(StrEnum):
    """The two image formats a badge can be baked into."""

    PNG = "png"
    SVG = "svg"

    @property
    def media_type(self) -> str:
        return "image/png" if self is ImageType.PNG else "image/svg+xml"

    @property
    def with_article(self) -> str:
        """The type with its article ("a PNG", "an SVG"), for messages."""
        return "a PNG" if self is ImageType.PNG else "an SVG"


class PayloadKind(StrEnum):
    """What a baked image carries."""

    OB3_JSON = "ob3-json"
    """An OB 3.0 credential as JSON with an embedded proof."""
    OB3_JWT = "ob3-jwt"
    """An OB 3.0 credential as a compact VC-JWT."""
    OB2_ASSERTION_JSON = "ob2-assertion-json"
    """An OB 2.0 assertion as JSON (hosted verification)."""
    OB2_JWS = "ob2-jws"
    """A signed OB 2.0 assertion (compact JWS)."""
    OB2_URL = "ob2-url"
    """The URL of a hosted OB 2.0 assertion."""
    LEGACY_URL = "legacy-url"
    """The URL of a hosted assertion, in the pre-2.0 ``tEXt`` chunk."""

    @property
    def standard(self) -> str:
        """``ob3``, ``ob2`` or ``legacy``."""
        return self.value.split("-", 1)[0]


@dataclass(frozen=True)
class BakedBadge:
    """What an image carries: the payload text, its kind and the image type."""

    payload: str
    kind: PayloadKind
    image_type: ImageType


# --- sniffing and payloads ----------------------------------------------------------------

_OTHER_SIGNATURES = (
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"%PDF", "a PDF document"),
)
_XML_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def sniff_image_type(data: bytes | bytearray) -> ImageType | None:
    """PNG for the PNG signature, SVG for markup (``<`` after an optional BOM), else None.

    Only the first bytes are looked at; whether the rest is a well-formed image is
    decided when the image is read.
    """
    head = bytes(data[:1024])
    if head.startswith(PNG_SIGNATURE):
        return ImageType.PNG
    if head.startswith((b"\xff\xfe<", b"\xfe\xff\x00<")):
        return ImageType.SVG  # UTF-16 markup
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return ImageType.SVG if head.lstrip(b" \t\r\n").startswith(b"<") else None


def _what_it_is(data: bytes) -> str:
    head = bytes(data[:16])
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP image"
    for signature, name in _OTHER_SIGNATURES:
        if head.startswith(signature):
            return name
    if not head:
        return "empty"
    return "not an image"


def _is_url(text: str) -> bool:
    return (
        text.startswith(("https://", "http://"))
        and len(text) <= MAX_URL_LENGTH
        and not any(c.isspace() or ord(c) < 0x20 for c in text)
    )


def _classify(text: str, standard: str, where: str) -> PayloadKind:
    """The kind of a payload read from an image (``standard`` names the carrier)."""
    if standard == "ob3":
        if text.startswith("{"):
            return PayloadKind.OB3_JSON
        if looks_like_jwt(text):
            return PayloadKind.OB3_JWT
        raise ImageError(f"the {where} holds neither a credential's JSON nor a compact JWT")
    if standard == "ob2":
        if text.startswith("{"):
            return PayloadKind.OB2_ASSERTION_JSON
        if _is_url(text):
            return PayloadKind.OB2_URL
        if looks_like_jwt(text):
            return PayloadKind.OB2_JWS
        raise ImageError(f"the {where} holds neither an assertion's JSON, a JWS nor a URL")
    if _is_url(text):
        return PayloadKind.LEGACY_URL
    raise ImageError(f"the {where} does not hold the URL of a hosted assertion")


def prepare_payload(payload: str | bytes, standard: Standard = "ob3") -> tuple[str, PayloadKind]:
    """Check a credential before baking; returns its text (trimmed) and kind.

    OB 3.0 takes the JSON of a credential or a compact VC-JWT; OB 2.0 also a hosted URL.
    Raises FormatError (InputTooLargeError over ``MAX_PAYLOAD_BYTES``).
    """
    if standard not in ("ob3", "ob2"):
        raise FormatError(f"unknown Open Badges version {standard!r} (ob3 or ob2)")
    if isinstance(payload, (bytes, bytearray)):
        if len(payload) > MAX_PAYLOAD_BYTES + 1024:
            raise InputTooLargeError("the credential is too large to bake")
        try:
            payload = bytes(payload).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FormatError("the credential is not UTF-8 text") from exc
    text = payload.strip()
    if not text:
        raise FormatError("the credential is empty")
    if len(text.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise InputTooLargeError(
            f"the credential is larger than {MAX_PAYLOAD_BYTES // (1024 * 1024)} MiB"
        )
    if text.startswith("{"):
        if not isinstance(jsonutil.loads(text), dict):
            raise FormatError("the credential's JSON is not an object")
        return text, PayloadKind.OB3_JSON if standard == "ob3" else PayloadKind.OB2_ASSERTION_JSON
    if looks_like_jwt(text):
        return text.strip(), PayloadKind.OB3_JWT if standard == "ob3" else PayloadKind.OB2_JWS
    if standard == "ob2" and _is_url(text):
        return text, PayloadKind.OB2_URL
    wanted = "JSON or a compact JWT" if standard == "ob3" else "JSON, a compact JWS or a URL"
    raise FormatError(f"the credential to bake must be {wanted}")


def _check_declared(data: bytes, expected: ImageType | str | None) -> ImageType:
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageTooLargeError(f"the image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB")
    actual = sniff_image_type(data)
    if expected is not None:
        try:
            name = str(expected).lower().removeprefix(".").removeprefix("image/")
            wanted = ImageType(name.removesuffix("+xml"))
        except ValueError as exc:
            raise ImageError(
                f"{expected!r} is not an image type that can carry a badge (png, svg)"
            ) from exc
        if actual is not wanted:
            found = actual.with_article if actual else _what_it_is(data)
            raise ImageError(f"the file should be {wanted.with_article} but its bytes are {found}")
    if actual is None:
        raise ImageError(
            f"the file is {_what_it_is(data)}; only PNG and SVG images can carry a badge"
        )
    return actual


# --- public faces -------------------------------------------------------------------------


def bake(
    image: bytes,
    payload: str | bytes,
    *,
    standard: Standard = "ob3",
    expected: ImageType | str | None = None,
) -> bytes:
    """Return ``image`` (PNG or SVG) with ``payload`` baked in, replacing any earlier badge.

    ``payload`` is a credential's JSON or compact JWT (OB 2.0: also a hosted URL);
    ``expected`` optionally names the type the caller believes the image has ("png",
    ".svg", "image/svg+xml"...); bytes of another type are refused.
    Raises ImageError for an unusable image, FormatError for an unusable payload.
    """
    kind = _check_declared(image, expected)
    if kind is ImageType.PNG:
        return bake_png(image, payload, standard=standard)
    return bake_svg(image, payload, standard=standard)


def unbake(image: bytes, *, expected: ImageType | str | None = None) -> BakedBadge | None:
    """The badge baked into ``image`` (PNG or SVG), or None if it carries none.

    When an image carries more than one kind of carrier, OB 3.0 is read before OB 2.0,
    and OB 2.0 before the legacy ``tEXt`` URL. Raises ImageError (ImageTooLargeError for
    the caps) for anything malformed, compressed, duplicated or of the wrong type.
    """
    kind = _check_declared(image, expected)
    if kind is ImageType.PNG:
        return unbake_png(image)
    return unbake_svg(image)


# --- PNG ----------------------------------------------------------------------------------

_TEXT_CHUNKS = (b"iTXt", b"tEXt", b"zTXt")
_BADGE_KEYWORDS = (OB3_KEYWORD, OB2_KEYWORD)
_COLOUR_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}


@dataclass(frozen=True, slots=True)
class _Chunk:
    kind: bytes
    start: int  # where its length field begins
    length: int

    @property
    def data_start(self) -> int:
        return self.start + 8

    @property
    def end(self) -> int:
        return self.start + 12 + self.length

    @property
    def name(self) -> str:
        return self.kind.decode("ascii")


def _check_ihdr(data: bytes, chunk: _Chunk) -> None:
    if chunk.kind != b"IHDR" or chunk.length != 13:
        raise ImageError("the PNG does not start with a valid IHDR chunk")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack_from(
        ">IIBBBBB", data, chunk.data_start
    )
    if width == 0 or height == 0:
        raise ImageError("the PNG declares an empty image (zero width or height)")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise ImageTooLargeError(
            f"the PNG declares {width}x{height} pixels; at most {MAX_SIDE} a side "
            f"and {MAX_PIXELS:,} in all are accepted"
        )
    if depth not in _COLOUR_DEPTHS.get(colour, ()) or compression or filtering or interlace > 1:
        raise ImageError("the PNG's IHDR chunk declares an impossible image format")


def _png_chunks(data: bytes) -> list[_Chunk]:
    """Every chunk of a PNG, after checking its structure. Pixels are never decoded."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageTooLargeError(f"the image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB")
    if not data.startswith(PNG_SIGNATURE):
        raise ImageError("the file is not a PNG: the PNG signature is missing")
    view = memoryview(data)
    size = len(data)
    chunks: list[_Chunk] = []
    position = len(PNG_SIGNATURE)
    seen_idat = False
    while True:
        if position + 12 > size:
            raise ImageError("the PNG is truncated: it ends before its IEND chunk")
        length, kind = struct.unpack_from(">I4s", data, position)
        if not kind.isalpha():
            raise ImageError(f"the PNG has a chunk with an invalid type at byte {position}")
        name = kind.decode("ascii")
        if length > 0x7FFFFFFF:
            raise ImageError(f"the PNG's {name} chunk declares an impossible length")
        chunk = _Chunk(kind, position, length)
        if chunk.end > size:
            raise ImageError(f"the PNG is truncated: its {name} chunk is cut off")
        (crc,) = struct.unpack_from(">I", data, chunk.end - 4)
        if zlib.crc32(view[position + 4 : chunk.end - 4]) != crc:
            raise ImageError(f"the PNG's {name} chunk fails its CRC check: the file is damaged")
        if not chunks:
            _check_ihdr(data, chunk)
        elif kind == b"IHDR":
            raise ImageError("the PNG has more than one IHDR chunk")
        chunks.append(chunk)
        if len(chunks) > MAX_PNG_CHUNKS:
            raise ImageTooLargeError(f"the PNG has more than {MAX_PNG_CHUNKS} chunks")
        seen_idat = seen_idat or kind == b"IDAT"
        position = chunk.end
        if kind == b"IEND":
            break
    if position != size:
        raise ImageError("the PNG has data after its IEND chunk")
    if not seen_idat:
        raise ImageError("the PNG has no image data (no IDAT chunk)")
    return chunks


def _keyword(data: bytes, chunk: _Chunk) -> bytes | None:
    """The keyword of a text chunk (at most 79 bytes before its NUL), or None."""
    if chunk.kind not in _TEXT_CHUNKS:
        return None
    head = data[chunk.data_start : chunk.data_start + min(chunk.length, 80)]
    end = head.find(b"\x00")
    return head[:end] if end > 0 else None


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def itxt_chunk(keyword: bytes, text: str) -> bytes:
    """An uncompressed iTXt chunk (empty language tag and translated keyword)."""
    return _png_chunk(b"iTXt", keyword + b"\x00\x00\x00\x00\x00" + text.encode("utf-8"))


def _badge_chunks(data: bytes, chunks: Iterable[_Chunk]) -> list[tuple[_Chunk, bytes]]:
    found = []
    for chunk in chunks:
        keyword = _keyword(data, chunk)
        if keyword in _BADGE_KEYWORDS:
            found.append((chunk, keyword))
    return found


def _read_text_chunk(data: bytes, chunk: _Chunk, keyword: bytes) -> str:
    label = f"{chunk.name} chunk '{keyword.decode()}'"
    if chunk.length > MAX_PAYLOAD_BYTES + 1024:
        raise ImageTooLargeError(
            f"the PNG's {label} is larger than {MAX_PAYLOAD_BYTES // (1024 * 1024)} MiB"
        )
    body = data[chunk.data_start + len(keyword) + 1 : chunk.end - 4]
    if chunk.kind == b"tEXt":
        return body.decode("latin-1").strip()
    if len(body) < 2 or body[0] not in (0, 1):
        raise ImageError(f"the PNG's {label} is malformed")
    if body[0] == 1:
        raise ImageError(
            f"the PNG's {label} is compressed; Open Badges require it to be uncompressed"
        )
    language_end = body.find(b"\x00", 2)
    translated_end = body.find(b"\x00", language_end + 1) if language_end >= 0 else -1
    if translated_end < 0:
        raise ImageError(f"the PNG's {label} is malformed")
    text = body[translated_end + 1 :]
    if len(text) > MAX_PAYLOAD_BYTES:
        raise ImageTooLargeError(
            f"the PNG's {label} is larger than {MAX_PAYLOAD_BYTES // (1024 * 1024)} MiB"
        )
    try:
        return text.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise ImageError(f"the PNG's {label} is not UTF-8 text") from exc


def unbake_png(image: bytes) -> BakedBadge | None:
    """The badge baked into a PNG, or None. Raises ImageError (see ``unbake``)."""
    data = bytes(image)
    chunks = _png_chunks(data)
    groups: dict[tuple[bytes, bytes], list[_Chunk]] = {}
    for chunk, keyword in _badge_chunks(data, chunks):
        label = f"'{keyword.decode()}'"
        if chunk.kind == b"zTXt":
            raise ImageError(
                f"the PNG carries its badge {label} in a compressed zTXt chunk; "
                "Open Badges require an uncompressed iTXt chunk"
            )
        if chunk.kind == b"tEXt" and keyword == OB3_KEYWORD:
            raise ImageError(
                f"the PNG carries {label} in a tEXt chunk; Open Badges 3.0 requires an iTXt chunk"
            )
        groups.setdefault((chunk.kind, keyword), []).append(chunk)
    for (kind, keyword), group in groups.items():
        if len(group) > 1:
            raise ImageError(
                f"the PNG carries {len(group)} {kind.decode()} chunks '{keyword.decode()}'; "
                "a baked image must carry exactly one"
            )
    order = (
        ((b"iTXt", OB3_KEYWORD), "ob3"),
        ((b"iTXt", OB2_KEYWORD), "ob2"),
        ((b"tEXt", OB2_KEYWORD), "legacy"),
    )
    for key, standard in order:
        if key in groups:
            chunk = groups[key][0]
            text = _read_text_chunk(data, chunk, key[1])
            where = f"PNG's {key[0].decode()} chunk '{key[1].decode()}'"
            return BakedBadge(text, _classify(text, standard, where), ImageType.PNG)
    return None


def bake_png(image: bytes, payload: str | bytes, *, standard: Standard = "ob3") -> bytes:
    """Return the PNG with ``payload`` in one uncompressed iTXt chunk right after IHDR.

    OB 3.0 says only that the chunk "should be inserted"; PNG allows iTXt anywhere between
    IHDR and IEND, and readers stop at the first badge chunk, so it goes first.

    Every earlier badge chunk (``openbadgecredential``, ``openbadges``: iTXt, tEXt or
    zTXt) is removed; all other chunks are kept byte for byte. Raises ImageError or
    FormatError.
    """
    text, _ = prepare_payload(payload, standard)
    data = bytes(image)
    chunks = _png_chunks(data)
    drop = {chunk.start for chunk, _ in _badge_chunks(data, chunks)}
    keyword = OB3_KEYWORD if standard == "ob3" else OB2_KEYWORD
    ihdr = chunks[0]
    parts: list[bytes | memoryview] = [data[: ihdr.end], itxt_chunk(keyword, text)]
    view = memoryview(data)
    run_start = ihdr.end
    for chunk in chunks[1:]:
        if chunk.start in drop:
            parts.append(view[run_start : chunk.start])
            run_start = chunk.end
    parts.append(view[run_start:])
    return b"".join(parts)


# --- SVG ----------------------------------------------------------------------------------

_START_TAG = re.compile(rb"<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*\s*/?>")
_ATTRIBUTE = re.compile(rb"\s+([^\s=/>]+)\s*=\s*(\"[^\"]*\"|'[^']*')")
_ENCODING = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass
class _SvgBadge:
    tag: str
    verify: str | None
    start: int  # byte offset of its start tag
    parts: list[str]
    end_event: int = -1  # byte offset of its end tag (past the start tag if self-closing)

    def span(self, data: bytes) -> tuple[int, int]:
        """Where the element sits in UTF-8 ``data``: from '<' to past its last '>'."""
        start_tag = _START_TAG.match(data, self.start)
        if start_tag is None:  # cannot happen for a UTF-8 document expat accepted
            raise ImageError("the SVG's badge element cannot be located")
        if start_tag.group().endswith(b"/>"):
            return self.start, start_tag.end()
        return self.start, data.index(b">", self.end_event) + 1


class _SvgScan:
    """A defusedxml parser target noting the root and badge elements with byte offsets."""

    def __init__(self, baking_namespace: str | None = None) -> None:
        self.expat: Any = None
        self.baking_namespace = baking_namespace
        self.depth = 0
        self.root_tag: str | None = None
        self.root_start = -1
        self.badges: list[_SvgBadge] = []
        self.root_namespaces: dict[str, str] = {}  # prefix -> URI declared on the root
        self.root_prefix_in_use = False  # does anything but a badge use the root's openbadges URI?
        self._watch: str | None = None
        self._open: _SvgBadge | None = None
        self._open_depth = -1

    def start_ns(self, prefix: str, uri: str) -> None:
        if self.root_tag is None:
            self.root_namespaces[prefix] = uri

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        position = int(self.expat.CurrentByteIndex)
        if self.depth == 0:
            self.root_tag, self.root_start = tag, position
            current = self.root_namespaces.get("openbadges")
            if self.baking_namespace is not None and current not in (None, self.baking_namespace):
                self._watch = "{" + str(current) + "}"  # only a bake that would rebind it asks
        if self._open is not None:
            raise ImageError("the SVG's badge element contains other elements")
        if tag in (_OB3_TAG, _OB2_TAG):
            if self.depth == 0:
                raise ImageError("the SVG's root element is a badge element, not <svg>")
            self._open = _SvgBadge(tag, attrib.get("verify"), position, [])
            self._open_depth = self.depth
        elif self._watch is not None and not self.root_prefix_in_use:
            watch = self._watch
            self.root_prefix_in_use = tag.startswith(watch) or any(
                name.startswith(watch) for name in attrib
            )
        self.depth += 1

    def end(self, tag: str) -> None:
        self.depth -= 1
        badge = self._open
        if badge is not None and self.depth == self._open_depth:
            badge.end_event = int(self.expat.CurrentByteIndex)
            self.badges.append(badge)
            self._open = None

    def data(self, text: str) -> None:
        if self._open is not None:
            self._open.parts.append(text)

    def close(self) -> None:
        return None


# The public identifiers of the W3C's SVG DTDs ("-//W3C//DTD SVG 1.1//EN", "... 1.0//EN",
# "... SVG 1.1 Tiny//EN", ...): a DOCTYPE naming one is the standard SVG declaration.
_SVG_PUBLIC_ID = re.compile(r"-//W3C//DTD SVG [0-9.]+( Basic| Tiny)?//EN")


def _check_doctype(
    name: str, system_id: str | None, public_id: str | None, has_internal_subset: int
) -> None:
    """Let a bare SVG DOCTYPE through; refuse any other (expat handler, raises).

    Accepted: ``<!DOCTYPE svg>`` and ``<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG ...//EN"
    "...">`` (the standard declaration; the DTD is never read). Refused: an internal
    subset (entity, attribute and parameter-entity declarations live there) and a DOCTYPE
    pointing only at a DTD of its own (``SYSTEM "file:///..."``).
    """
    standard = public_id is not None and _SVG_PUBLIC_ID.fullmatch(public_id) is not None
    if has_internal_subset or (system_id is not None and not standard):
        raise DTDForbidden(name, system_id, public_id)


def _scan_svg(data: bytes, baking_namespace: str | None = None) -> _SvgScan:
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageTooLargeError(f"the image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB")
    scan = _SvgScan(baking_namespace)
    parser = DefusedXMLParser(
        target=scan, forbid_dtd=False, forbid_entities=True, forbid_external=True
    )
    scan.expat = parser.parser
    # The standard SVG DOCTYPE (whose DTD expat never fetches) is harmless; an internal
    # subset, where entities, attribute defaults and parameter entities are declared, or a
    # DTD of the file's own choosing is refused before expat reads any of it.
    parser.parser.StartDoctypeDeclHandler = _check_doctype
    try:
        parser.feed(data)
        parser.close()
    except ImageError:
        raise
    except DefusedXmlException as exc:
        raise ImageError(
            "the SVG declares entities, a DOCTYPE other than the standard SVG one, or "
            f"external references ({type(exc).__name__}); "
            "these are refused because they can read files or expand without bound"
        ) from exc
    except ParseError as exc:
        raise ImageError(f"the file is not a well-formed SVG: {exc}") from exc
    except (ValueError, LookupError, RecursionError, MemoryError) as exc:
        # e.g. an encoding expat cannot read (LookupError) or a multi-byte one (ValueError)
        raise ImageError(f"the file is not a well-formed SVG: {exc}") from exc
    if scan.root_tag not in (f"{{{SVG_NAMESPACE}}}svg", "svg"):
        raise ImageError(
            f"the XML is not an SVG image: its root element is {scan.root_tag!r}, not <svg>"
        )
    return scan


def _svg_text(badge: _SvgBadge) -> tuple[str, str | None]:
    body = "".join(badge.parts).strip()
    if len(body) > MAX_PAYLOAD_BYTES or len(badge.verify or "") > MAX_PAYLOAD_BYTES:
        raise ImageTooLargeError(
            f"the SVG's badge is larger than {MAX_PAYLOAD_BYTES // (1024 * 1024)} MiB"
        )
    return body, (badge.verify or "").strip() or None


def unbake_svg(image: bytes) -> BakedBadge | None:
    """The badge baked into an SVG, or None. Raises ImageError (see ``unbake``)."""
    scan = _scan_svg(bytes(image))
    for tag, element in (
        (_OB3_TAG, "<openbadges:credential>"),
        (_OB2_TAG, "<openbadges:assertion>"),
    ):
        found = [b for b in scan.badges if b.tag == tag]
        if len(found) > 1:
            raise ImageError(
                f"the SVG carries {len(found)} {element} elements; a baked image must carry one"
            )
        if not found:
            continue
        body, verify = _svg_text(found[0])
        if tag == _OB3_TAG:
            if verify and body:
                raise ImageError(
                    f"the SVG's {element} has both a verify attribute and a body; "
                    "a JWT goes in verify, JSON in the body, never both"
                )
            text = verify or body
            kind = _classify(text, "ob3", f"SVG's {element}")
            if verify and kind is not PayloadKind.OB3_JWT:
                raise ImageError(f"the verify attribute of the SVG's {element} is not a JWT")
        else:
            # OB 2.0: with a body, the body is the assertion and verify its hosted URL;
            # without one, verify holds the signature (or the URL).
            text = body or verify or ""
            kind = _classify(text, "ob2", f"SVG's {element}")
            if body and kind is not PayloadKind.OB2_ASSERTION_JSON:
                raise ImageError(f"the body of the SVG's {element} is not an assertion's JSON")
        return BakedBadge(text, kind, ImageType.SVG)
    return None


def _escape_attribute(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _cdata(text: str) -> str:
    # "]]>" would end the section early: split it across two sections
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _hosted_url(assertion_json: str) -> str:
    assertion = jsonutil.loads(assertion_json)
    verify = assertion.get("verify") if isinstance(assertion, dict) else None
    candidates = [assertion.get("id") if isinstance(assertion, dict) else None]
    if isinstance(verify, dict):
        candidates.append(verify.get("url"))
    for candidate in candidates:
        if isinstance(candidate, str) and _is_url(candidate):
            return candidate
    raise FormatError(
        "an OB 2.0 assertion baked into an SVG needs its hosted URL (id or verify.url)"
    )


def svg_element(text: str, kind: PayloadKind, *, declare: str | None = None) -> str:
    """The badge element for an SVG.

    ``bake_svg`` declares the ``openbadges`` prefix on the root; ``declare`` puts the
    declaration on the element instead (when the root's prefix is in use for another URI).
    """
    ns = f' xmlns:openbadges="{_escape_attribute(declare)}"' if declare else ""
    if kind is PayloadKind.OB3_JWT:
        verify = _escape_attribute(text)
        return f'<openbadges:credential{ns} verify="{verify}"></openbadges:credential>'
    if kind is PayloadKind.OB3_JSON:
        return f"<openbadges:credential{ns}>{_cdata(text)}</openbadges:credential>"
    if kind is PayloadKind.OB2_ASSERTION_JSON:
        url = _escape_attribute(_hosted_url(text))
        return f'<openbadges:assertion{ns} verify="{url}">{_cdata(text)}</openbadges:assertion>'
    return f'<openbadges:assertion{ns} verify="{_escape_attribute(text)}"/>'


def _with_namespace(open_tag: bytes, namespace: str) -> bytes:
    """The root start tag with ``xmlns:openbadges`` bound to ``namespace``."""
    value = f'"{namespace}"'.encode()
    for match in _ATTRIBUTE.finditer(open_tag):
        if match.group(1) == b"xmlns:openbadges":
            if match.group(2)[1:-1] == namespace.encode():
                return open_tag
            return open_tag[: match.start(2)] + value + open_tag[match.end(2) :]
    cut = len(open_tag) - (2 if open_tag.endswith(b"/>") else 1)
    return open_tag[:cut].rstrip() + b" xmlns:openbadges=" + value + open_tag[cut:]


def bake_svg(image: bytes, payload: str | bytes, *, standard: Standard = "ob3") -> bytes:
    """Return the SVG with ``payload`` in a badge element directly after the ``<svg>`` tag.

    The root declares ``xmlns:openbadges``; earlier badge elements (OB 3.0 or 2.0) are
    removed; every other byte is kept. Only UTF-8 SVG is baked. Raises ImageError or
    FormatError.
    """
    text, kind = prepare_payload(payload, standard)
    data = bytes(image)
    namespace = OB3_NAMESPACE if standard == "ob3" else OB2_NAMESPACE
    scan = _scan_svg(data, namespace)
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    declared = _ENCODING.match(body.lstrip())
    if body.startswith(_XML_BOMS[1:]) or (
        declared and declared.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii", b"ascii")
    ):
        raise ImageError("only UTF-8 SVG images can be baked; save the image as UTF-8 first")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImageError("only UTF-8 SVG images can be baked; the file is not UTF-8") from exc
    if _XML_ILLEGAL.search(text):
        raise FormatError("the credential holds characters an SVG (XML) file cannot carry")
    root = _START_TAG.match(data, scan.root_start)
    if root is None:  # cannot happen for a document expat accepted
        raise ImageError("the SVG's root element cannot be located")
    current = scan.root_namespaces.get("openbadges")
    declare: str | None = None
    if current == namespace:
        open_tag = root.group()
    elif current is None or not scan.root_prefix_in_use:
        open_tag = _with_namespace(root.group(), namespace)  # declare, or rebind an unused one
    else:  # the root's openbadges prefix names something else still in use: leave it be
        open_tag, declare = root.group(), namespace
    element = svg_element(text, kind, declare=declare).encode("utf-8")
    parts: list[bytes] = [data[: scan.root_start]]
    if open_tag.endswith(b"/>"):
        name = open_tag[1:].split(None, 1)[0].rstrip(b"/>")
        parts += [open_tag[:-2].rstrip() + b">", element, b"</" + name + b">"]
        parts.append(data[root.end() :])
        return b"".join(parts)
    parts += [open_tag, element]
    position = root.end()
    for start, end in sorted(badge.span(data) for badge in scan.badges):
        parts.append(data[position:start])
        position = end
    parts.append(data[position:])
    return b"".join(parts)
