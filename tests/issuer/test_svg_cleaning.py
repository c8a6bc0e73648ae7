"""Uploaded SVG badge images keep their drawing and lose everything that loads or runs
something: the cleaned image is what every baked SVG of the achievement is made from."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from issuer.errors import InvalidInput
from issuer.models import Achievement, StoredImage
from issuer.services.images import sanitise_svg

from .conftest import GOOD_ACHIEVEMENT, login, post_multipart

HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="100">'

# (case, payload inside the <svg>, text that must not survive)
HOSTILE = [
    (
        "style @import",
        "<style>@import url(https://evil.example/x.css);</style>",
        ["evil.example", "@import"],
    ),
    (
        "style url()",
        "<style>circle { fill: url(https://evil.example/p.png) }</style>",
        ["evil.example"],
    ),
    (
        "style escaped url",
        "<style>circle { fill: \\75rl(https://evil.example/p) }</style>",
        ["evil.example"],
    ),
    (
        "style font-face",
        "<style>@font-face { font-family: x; src: local(x) }</style>",
        ["font-face"],
    ),
    (
        "style attribute url",
        '<rect width="1" height="1" style="fill: url(&quot;https://evil.example/t&quot;)"/>',
        ["evil.example"],
    ),
    (
        "presentation url",
        '<rect width="1" height="1" fill="url(https://evil.example/t#g)"/>',
        ["evil.example"],
    ),
    (
        "animate href",
        '<a href="#ok"><animate attributeName="href" to="javascript:alert(1)"/><text>x</text></a>',
        ["javascript:", "animate"],
    ),
    (
        "animate xlink:href",
        '<a xlink:href="#ok"><animate attributeName="xlink:href" values="javascript:alert(1)"/><text>x</text></a>',
        ["javascript:", "animate"],
    ),
    (
        "set href",
        '<a><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a>',
        ["javascript:", "<set", ":set"],
    ),
    (
        "animateTransform",
        '<g><animateTransform attributeName="transform" type="rotate" from="0" to="360" dur="1s"/></g>',
        ["animatetransform"],
    ),
    (
        "animateMotion mpath",
        '<path id="p" d="M0 0"/><circle r="1"><animateMotion><mpath href="#p"/></animateMotion></circle>',
        ["animatemotion", "mpath"],
    ),
    ("discard", '<discard begin="0s"/>', ["discard"]),
    ("javascript link", '<a href="javascript:alert(1)"><text>x</text></a>', ["javascript:"]),
    (
        "javascript link, spaced",
        '<a href=" &#10;java&#9;script:alert(1)"><text>x</text></a>',
        ["script:"],
    ),
    ("external use", '<use href="https://evil.example/sprite.svg#icon"/>', ["evil.example"]),
    (
        "external image",
        '<image href="https://evil.example/pixel.png" width="1" height="1"/>',
        ["evil.example"],
    ),
    (
        "svg data image",
        '<image href="data:image/svg+xml;base64,PHN2Zy8+" width="1" height="1"/>',
        ["svg+xml"],
    ),
    (
        "feImage",
        '<filter id="f"><feImage href="https://evil.example/i.png"/></filter>',
        ["evil.example", "feimage"],
    ),
    (
        "script",
        "<script>alert(1)</script><script href='https://evil.example/s.js'/>",
        ["<script", "evil.example"],
    ),
    (
        "handler",
        '<circle r="4" onload="alert(1)" onclick="alert(2)"/>',
        ["onload", "onclick", "alert"],
    ),
    (
        "foreignObject",
        '<foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" src="https://evil.example/"/></foreignObject>',
        ["evil.example", "foreignobject"],
    ),
    (
        "html namespace",
        '<h:iframe xmlns:h="http://www.w3.org/1999/xhtml" src="https://evil.example/"/>',
        ["evil.example", "iframe"],
    ),
    (
        "processing instruction",
        '<?xml-stylesheet href="https://evil.example/s.css"?><g/>',
        ["evil.example"],
    ),
    (
        "other attribute namespace",
        '<g xmlns:ev="http://www.w3.org/2001/xml-events" ev:event="click" xlink:title="x"/>',
        ["ev:event", "click", "xlink:title"],
    ),
    (
        "unknown attribute",
        '<rect width="1" height="1" begin="click" requiredExtensions="https://evil.example/"/>',
        ["evil.example", "begin"],
    ),
    (
        "style with markup",
        "<style><![CDATA[</style><script>alert(1)</script>]]></style>",
        ["alert", "script"],
    ),
]


@pytest.mark.parametrize(("case", "payload", "gone"), HOSTILE, ids=[c[0] for c in HOSTILE])
def test_each_hostile_part_is_removed(case, payload, gone):
    cleaned = sanitise_svg(
        f"{HEAD}{payload}<circle cx='5' cy='5' r='4' fill='teal'/></svg>".encode()
    ).decode()
    lowered = cleaned.lower()
    for text in gone:
        assert text.lower() not in lowered, (case, text, cleaned)
    assert "<circle" in cleaned and 'fill="teal"' in cleaned  # the drawing survives


def test_the_drawing_of_a_real_badge_survives():
    """What design tools write: gradients, classes in a style sheet, clip paths, text,
    local links and an embedded PNG."""
    drawing = (
        HEAD
        + "<title>Water monitor</title><defs>"
        + '<linearGradient id="g" x1="0" x2="1"><stop offset="0" stop-color="#1f6f8b"/><stop offset="1" stop-color="#fff"/></linearGradient>'
        + '<clipPath id="c"><circle cx="50" cy="50" r="45"/></clipPath>'
        + '<filter id="s"><feGaussianBlur stdDeviation="2"/></filter></defs>'
        + "<style>.st0{fill:url(#g);stroke:#000} .st1 { font-family: sans-serif }</style>"
        + '<g clip-path="url(#c)" transform="translate(1 1)"><rect class="st0" width="100" height="100" filter="url(&quot;#s&quot;)"/></g>'
        + '<text x="50" y="55" text-anchor="middle" class="st1" xml:space="preserve">Ona <tspan font-weight="bold">★</tspan></text>'
        + '<use href="#c"/><use xlink:href="#g"/>'
        + '<image width="2" height="2" href="data:image/png;base64,iVBORw0KGgo="/></svg>'
    )
    cleaned = sanitise_svg(drawing.encode()).decode()
    for kept in (
        'id="g"',
        "stop-color",
        "clipPath",
        "feGaussianBlur",
        ".st0{fill:url(#g)",
        'clip-path="url(#c)"',
        "translate(1 1)",
        'class="st0"',
        "★",
        'href="#c"',
        'xlink:href="#g"',
        "data:image/png;base64",
        "<title>Water monitor</title>",
        'filter="url(&quot;#s&quot;)"',
    ):
        assert kept in cleaned, kept


@pytest.mark.parametrize("depth", [101, 1000, 50000])
def test_deep_nesting_is_refused_with_a_message(depth):
    deep = HEAD.encode() + b"<g>" * depth + b"</g>" * depth + b"</svg>"
    with pytest.raises(InvalidInput, match="nested too deeply"):
        sanitise_svg(deep)


def test_nesting_a_hundred_deep_is_fine():
    svg = HEAD.encode() + b"<g>" * 98 + b"<circle r='1'/>" + b"</g>" * 98 + b"</svg>"
    assert b"<circle" in sanitise_svg(svg)


def test_a_baked_svg_of_an_achievement_made_from_a_hostile_upload_carries_none_of_it(
    client, make_org, make_user, award_to, database
):
    school = make_org()
    make_user("ruta@vilnius.example", org=school, role="teacher")
    assert login(client, "ruta@vilnius.example").status_code == 302
    hostile = (
        HEAD
        + "".join(payload for _case, payload, _gone in HOSTILE)
        + "<circle cx='5' cy='5' r='4' fill='teal'/></svg>"
    )
    response = post_multipart(
        client,
        f"/staff/{school.slug}/achievements/new",
        dict(GOOD_ACHIEVEMENT) | {"image": (io.BytesIO(hostile.encode()), "badge.svg")},
    )
    assert response.status_code == 302, response.text[:500]
    with database.transaction() as session:
        achievement = session.scalars(select(Achievement)).one()
        image = session.scalar(
            select(StoredImage).where(StoredImage.sha256 == achievement.image_sha256)
        )
        assert image.content_type == "image/svg+xml"
    award = award_to(school, achievement)
    baked = client.get(f"/credentials/{award.public_id}.svg")
    assert baked.status_code == 200 and baked.mimetype == "image/svg+xml"
    served = client.get(f"/images/{achievement.image_sha256}")
    for body in (baked.text, served.text):
        lowered = body.lower()
        for bad in (
            "evil.example",
            "javascript:",
            "@import",
            "<script",
            "<animate",
            "<set",
            "foreignobject",
            "onload",
            "onclick",
            "feimage",
            "svg+xml;base64",
        ):
            assert bad not in lowered, bad
        assert re.search(r'<circle cx="5" cy="5" r="4" fill="teal"\s*/>', body)
    assert "openbadges" in baked.text  # the badge itself is baked in


def test_an_image_stored_before_the_allowlist_is_cleaned_when_baked(
    client, make_org, make_achievement, award_to, database
):
    """Uploads cleaned by the old rules are in the database as they were: the baked SVG
    (the file learners download and open anywhere) is made from a cleaned copy."""
    import hashlib

    school = make_org()
    achievement = make_achievement(school)
    old = (
        HEAD
        + "<style>@import url(https://evil.example/x.css);</style>"
        + '<a href="#x"><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a>'
        + "<circle cx='5' cy='5' r='4' fill='teal'/></svg>"
    ).encode()
    digest = hashlib.sha256(old).hexdigest()
    with database.transaction() as session:
        session.add(StoredImage(sha256=digest, content_type="image/svg+xml", data=old))
        session.get(Achievement, achievement.id).image_sha256 = digest
    award = award_to(school, achievement)
    baked = client.get(f"/credentials/{award.public_id}.svg")
    assert baked.status_code == 200
    for bad in ("evil.example", "javascript:", "@import", "<set"):
        assert bad not in baked.text, bad
    assert 'fill="teal"' in baked.text and "openbadges" in baked.text
    # a stored image that no longer reads as SVG gives the generated badge instead of an error
    with database.transaction() as session:
        session.get(
            StoredImage, session.scalar(select(StoredImage.id).where(StoredImage.sha256 == digest))
        ).data = HEAD.encode() + b"<g>" * 500 + b"</g>" * 500 + b"</svg>"
    fallback = client.get(f"/credentials/{award.public_id}.svg")
    assert fallback.status_code == 200 and "openbadges" in fallback.text
