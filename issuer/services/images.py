"""Badge images: uploads checked and made harmless; a default image with the name on it."""

from __future__ import annotations

import hashlib
import json
import re
import struct
import textwrap
import zlib
from functools import lru_cache
from xml.etree import ElementTree

import defusedxml.ElementTree as SafeXML
import resvg_py
from defusedxml import DefusedXmlException
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..models import Award, StoredImage
from ..translate import _

MAX_IMAGE_BYTES = 1024 * 1024
MAX_SIDE = 4096
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
MAX_SVG_DEPTH = 100

# An explicit allowlist over the parsed tree, written here because no kept library cleans
# SVG for us: nh3/ammonia and bleach clean HTML fragments (they drop or mangle SVG's
# namespaced, case-sensitive elements), and defusedxml only parses safely. What a badge
# image needs is drawing: shapes, text, gradients, clipping, masks and simple filters.
# Everything else goes, above all what loads or runs something: script, style sheets
# with @import or url(), foreignObject, animation (<set>/<animate> can set an href to
# javascript:), feImage, event handlers, and links to anything but a fragment of the
# image itself or an embedded PNG/JPEG.
_ELEMENTS = frozenset(
    {
        "svg",
        "g",
        "defs",
        "title",
        "desc",
        "symbol",
        "use",
        "switch",
        "a",
        "path",
        "rect",
        "circle",
        "ellipse",
        "line",
        "polyline",
        "polygon",
        "text",
        "tspan",
        "textPath",
        "image",
        "marker",
        "pattern",
        "clipPath",
        "mask",
        "linearGradient",
        "radialGradient",
        "stop",
        "style",
        "filter",
        "feBlend",
        "feColorMatrix",
        "feComponentTransfer",
        "feFuncR",
        "feFuncG",
        "feFuncB",
        "feFuncA",
        "feComposite",
        "feDropShadow",
        "feFlood",
        "feGaussianBlur",
        "feMerge",
        "feMergeNode",
        "feMorphology",
        "feOffset",
    }
)
_ATTRIBUTES = frozenset(
    {
        # structure, accessibility, geometry
        "id",
        "class",
        "style",
        "version",
        "lang",
        "role",
        "aria-label",
        "aria-hidden",
        "aria-labelledby",
        "aria-describedby",
        "focusable",
        "tabindex",
        "viewBox",
        "preserveAspectRatio",
        "width",
        "height",
        "x",
        "y",
        "x1",
        "y1",
        "x2",
        "y2",
        "cx",
        "cy",
        "r",
        "rx",
        "ry",
        "fx",
        "fy",
        "fr",
        "d",
        "points",
        "pathLength",
        "transform",
        "href",
        # painting
        "fill",
        "fill-opacity",
        "fill-rule",
        "stroke",
        "stroke-width",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-miterlimit",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-opacity",
        "opacity",
        "color",
        "display",
        "visibility",
        "overflow",
        "clip",
        "clip-path",
        "clip-rule",
        "mask",
        "filter",
        "paint-order",
        "vector-effect",
        "shape-rendering",
        "text-rendering",
        "image-rendering",
        "color-interpolation",
        "color-interpolation-filters",
        "mix-blend-mode",
        "isolation",
        "marker-start",
        "marker-mid",
        "marker-end",
        "markerWidth",
        "markerHeight",
        "markerUnits",
        "refX",
        "refY",
        "orient",
        # text
        "font-family",
        "font-size",
        "font-weight",
        "font-style",
        "font-variant",
        "font-stretch",
        "text-anchor",
        "dominant-baseline",
        "alignment-baseline",
        "baseline-shift",
        "letter-spacing",
        "word-spacing",
        "text-decoration",
        "writing-mode",
        "direction",
        "dx",
        "dy",
        "rotate",
        "textLength",
        "lengthAdjust",
        "startOffset",
        "method",
        "spacing",
        # gradients, patterns, clipping, masks
        "gradientUnits",
        "gradientTransform",
        "spreadMethod",
        "offset",
        "stop-color",
        "stop-opacity",
        "patternUnits",
        "patternContentUnits",
        "patternTransform",
        "clipPathUnits",
        "maskUnits",
        "maskContentUnits",
        # filters
        "filterUnits",
        "primitiveUnits",
        "in",
        "in2",
        "result",
        "stdDeviation",
        "mode",
        "operator",
        "k1",
        "k2",
        "k3",
        "k4",
        "type",
        "values",
        "tableValues",
        "slope",
        "intercept",
        "amplitude",
        "exponent",
        "flood-color",
        "flood-opacity",
        "radius",
        "lighting-color",
        # the style element
        "media",
    }
)
_HREF_OK = re.compile(r"#[^\s]*|data:image/(png|jpeg);base64,[A-Za-z0-9+/=\s]*", re.IGNORECASE)
# CSS that could fetch or run something: at-rules (@import, @font-face), escapes that
# could spell them, url() to anything but a fragment, image()/image-set()/src(), and
# the old IE/Mozilla hooks.
_CSS_BAD = re.compile(
    r"[@\\<]|url\(\s*['\"]?\s*[^\s#'\"]|(image|image-set|cross-fade|element|src)\s*\(|"
    r"expression|behavior|binding|javascript",
    re.IGNORECASE,
)


def check_image(data: bytes) -> tuple[bytes, str]:
    """Return (bytes to store, media type) for an uploaded PNG or SVG, or raise InvalidInput."""
    if not data:
        raise InvalidInput(_("The image file is empty."))
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidInput(_("The image is larger than 1 MB."))
    if data.startswith(PNG_SIGNATURE):
        _check_png(data)
        return data, "image/png"
    head = data[:512].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--")):
        return sanitise_svg(data), "image/svg+xml"
    raise InvalidInput(_("Upload a PNG or SVG image."))


def _check_png(data: bytes) -> None:
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise InvalidInput(_("The PNG file is damaged (no header)."))
    width, height = struct.unpack(">II", data[16:24])
    crc = struct.unpack(">I", data[29:33])[0]
    if zlib.crc32(data[12:29]) != crc:
        raise InvalidInput(_("The PNG file is damaged (bad header checksum)."))
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise InvalidInput(
            _(
                "The PNG is %(width)sx%(height)s; the most is %(max_side)sx%(max_side)s.",
                width=width,
                height=height,
                max_side=MAX_SIDE,
            )
        )


def sanitise_svg(data: bytes) -> bytes:
    """The SVG with only the allowed drawing elements and attributes: no scripts, event
    handlers, style sheets that load anything, animation, foreign content or external
    references."""
    try:
        root = SafeXML.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ElementTree.ParseError, ValueError) as exc:
        raise InvalidInput(
            _("The SVG cannot be read (malformed, or uses DTDs or entities).")
        ) from exc
    if root.tag != f"{{{SVG_NS}}}svg":
        raise InvalidInput(_("The file is not an SVG image."))
    _check_depth(root)
    _clean(root)
    ElementTree.register_namespace("", SVG_NS)
    ElementTree.register_namespace("xlink", XLINK_NS)
    out: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=False)
    return out


def _check_depth(root: ElementTree.Element) -> None:
    """Refuse absurd nesting before any recursive walk (cleaning, serialising) starts."""
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_SVG_DEPTH:
            raise InvalidInput(
                _(
                    "The SVG is nested too deeply (more than %(max_svg_depth)s levels).",
                    max_svg_depth=MAX_SVG_DEPTH,
                )
            )
        stack.extend((child, depth + 1) for child in element)


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _local(tag: str) -> str:
    return tag.split("}", 1)[-1]


def _attribute_allowed(name: str, value: str) -> bool:
    namespace, local = _namespace(name), _local(name)
    if namespace == XML_NS:
        return local in ("space", "lang")
    if namespace == XLINK_NS:
        if local != "href":
            return False
    elif namespace or local not in _ATTRIBUTES:
        return False
    if local == "href":
        return _HREF_OK.fullmatch(value.strip()) is not None
    # presentation values may point into the image (fill="url(#gradient)"), nowhere else
    return _CSS_BAD.search(value) is None


def _clean(element: ElementTree.Element) -> None:
    for child in list(element):
        tag = child.tag
        if not isinstance(tag, str) or _namespace(tag) != SVG_NS or _local(tag) not in _ELEMENTS:
            element.remove(child)  # comments, processing instructions, anything not allowed
            continue
        if _local(tag) == "style" and (len(child) or _CSS_BAD.search(child.text or "")):
            element.remove(child)
            continue
        _clean(child)
    for name, value in list(element.attrib.items()):
        if not _attribute_allowed(name, value):
            del element.attrib[name]


_PALETTE = ("#1f6f8b", "#2a7d4f", "#8b3a62", "#b5651d", "#3d5a98", "#6a4c93")


def default_badge_svg(name: str) -> bytes:
    """A round badge with the achievement's name on it (text is XML-escaped)."""
    colour = _PALETTE[hashlib.sha256(name.encode()).digest()[0] % len(_PALETTE)]
    lines = textwrap.wrap(name, 16)[:4] or [name[:16]]
    start = 200 - (len(lines) - 1) * 17
    text = "".join(
        f'<text x="200" y="{start + i * 34}" text-anchor="middle" font-family="sans-serif" '
        f'font-size="28" font-weight="bold" fill="#fff">{_escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    svg = (
        f'<svg xmlns="{SVG_NS}" width="400" height="400" viewBox="0 0 400 400" role="img" '
        f'aria-label="{_escape(name)}"><circle cx="200" cy="200" r="190" fill="{colour}"/>'
        f'<circle cx="200" cy="200" r="170" fill="none" stroke="#fff" stroke-width="6"/>{text}</svg>'
    )
    return svg.encode()


def _escape(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def store_image(session: Session, data: bytes, content_type: str) -> str:
    """Keep ``data`` (already checked) by its SHA-256 and return that hash."""
    digest = hashlib.sha256(data).hexdigest()
    if session.scalar(select(StoredImage.id).where(StoredImage.sha256 == digest)) is None:
        session.add(StoredImage(sha256=digest, content_type=content_type, data=data))
        session.flush()
    return digest


# -- the badge's picture as PNG (for the baked PNG download) ----------------------------------

PNG_SIDE = 512  # the rendered picture fits in this square (its aspect ratio kept)


@lru_cache(maxsize=64)
def svg_to_png(svg: bytes, side: int = PNG_SIDE) -> bytes:
    """Render an SVG (generated, or an upload already cleaned by ``sanitise_svg``) to a PNG
    that fits in ``side`` x ``side`` pixels, with resvg (a self-contained wheel: no system
    library). Raises InvalidInput if the SVG cannot be rendered."""
    try:
        rendered = resvg_py.svg_to_bytes(svg_string=svg.decode("utf-8"), width=side, height=side)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(_("The SVG image cannot be drawn.")) from exc
    return bytes(rendered)


def badge_png(stored: bytes | None, content_type: str | None, name: str) -> bytes:
    """The badge's picture as PNG: the school's PNG as it is, its SVG artwork rendered, or
    the generated image with the achievement's name when there is neither (or the SVG
    cannot be drawn)."""
    if stored is not None and content_type == "image/png":
        return stored
    if stored is not None and content_type == "image/svg+xml":
        try:
            return svg_to_png(stored)
        except InvalidInput:
            pass
    return svg_to_png(default_badge_svg(name))


# -- a badge's picture with the badge baked in (the public page's downloads, the archive) -----


def baked_payload(award: Award) -> str:
    """What is baked into a badge's picture: its signed JSON where that has an embedded
    proof, else its VC-JWT (ES256/RS256 issuers sign VC-JWTs only)."""
    signed = json.loads(award.credential_json)
    if isinstance(signed, dict) and "proof" in signed:
        return award.credential_json
    return award.credential_jwt or award.credential_json


def baked_badge(
    award: Award, stored: StoredImage | None, image_type: str, *, payload: str | None = None
) -> bytes:
    """The achievement's picture with ``award`` baked in: for ``png`` the school's PNG, or
    its SVG artwork (or the generated image) drawn as PNG; for ``svg`` the school's SVG,
    cleaned again (an image uploaded before the cleaner's allowlist may still carry style
    sheets, animation or links that the baked file would take anywhere), or the generated
    one. ``stored`` is the achievement's image row; the signed text inside is the stored
    one, byte for byte (``payload``: already read by the caller)."""
    from badges import baking

    if image_type == "png":
        base = badge_png(
            stored.data if stored is not None else None,
            stored.content_type if stored is not None else None,
            award.achievement.name,
        )
    else:
        cleaned = None
        if stored is not None and stored.content_type == "image/svg+xml":
            try:
                cleaned = sanitise_svg(stored.data)
            except InvalidInput:
                cleaned = None
        base = cleaned or default_badge_svg(award.achievement.name)
    return baking.bake(base, payload or baked_payload(award), expected=image_type)


def achievement_image(session: Session, award: Award) -> StoredImage | None:
    """The stored image of ``award``'s achievement, if it has one."""
    if award.achievement.image_sha256 is None:
        return None
    return session.scalar(
        select(StoredImage).where(StoredImage.sha256 == award.achievement.image_sha256)
    )
