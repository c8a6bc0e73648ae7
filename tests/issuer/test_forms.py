"""Every bad form input gets a clear message next to its field and changes nothing."""

from __future__ import annotations

import base64
import io
import re
import struct
import zlib

import pytest
from markupsafe import escape
from PIL import Image
from sqlalchemy import select

from issuer.models import Achievement, Award, StoredImage

from .conftest import GOOD_ACHIEVEMENT, csrf_of, login, post, post_multipart

LEVELS_MESSAGE = "Choose one of: Emerging, Developing, Proficient, Mastered."


def png(width: int = 64, height: int = 64) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 110, 140)).save(buffer, format="PNG")
    return buffer.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG whose (checksummed) header claims huge dimensions: a decompression bomb's shape."""
    ihdr = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk + b"\x00" * 64


EVIL_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
  width="100" height="100" onload="alert('svg')">
  <script>alert('x')</script>
  <circle cx="50" cy="50" r="40" fill="teal" onclick="steal()" onmouseover="steal()"/>
  <a xlink:href="javascript:alert(1)"><text x="10" y="20">click</text></a>
  <a href="javascript:alert(2)"><text x="10" y="40">me</text></a>
  <foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>
  <image href="https://tracker.example/pixel.png" width="1" height="1"/>
  <rect width="10" height="10" style="fill: url(https://tracker.example/x)"/>
</svg>"""

BOMB_SVG = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>"""


@pytest.fixture
def school(make_org):
    return make_org()


@pytest.fixture
def teacher(client, make_user, school):
    user = make_user("ruta@vilnius.example", org=school, role="teacher")
    assert login(client, user.email).status_code == 302
    return user


@pytest.fixture
def achievement(make_achievement, school):
    return make_achievement(school)


def shown(message: str, page: str) -> bool:
    return str(escape(message)) in page


# -- achievements -------------------------------------------------------------------------


BAD_ACHIEVEMENTS = [
    ("empty name", {"name": "  "}, None, "name", "Give a name of at most 200 characters."),
    ("name too long", {"name": "x" * 201}, None, "name", "Give a name of at most 200 characters."),
    (
        "empty description",
        {"description": ""},
        None,
        "description",
        "Describe what the badge recognises.",
    ),
    (
        "description too long",
        {"description": "d" * 5001},
        None,
        "description",
        "Keep the description under 5,000 characters.",
    ),
    (
        "criteria too long",
        {"criteria_md": "c" * 20001},
        None,
        "criteria_md",
        "Keep the criteria under 20,000 characters.",
    ),
    (
        "unknown type",
        {"achievement_type": "Nonsense"},
        None,
        "achievement_type",
        "Choose a type from the list (or ext:YourType).",
    ),
    (
        "validity not a number",
        {"validity_days": "a year"},
        None,
        "validity_days",
        "Give a whole number of days, or leave it empty.",
    ),
    (
        "validity zero",
        {"validity_days": "0"},
        None,
        "validity_days",
        "Validity is 1 to 36,500 days, or empty for no expiry.",
    ),
    (
        "validity negative",
        {"validity_days": "-3"},
        None,
        "validity_days",
        "Validity is 1 to 36,500 days, or empty for no expiry.",
    ),
    (
        "bad language",
        {"language": "english!"},
        None,
        "language",
        "Use a language code such as en, lt, ru or kk.",
    ),
    (
        "too many levels",
        {"levels": "\n".join(f"L{i}" for i in range(11))},
        None,
        "levels",
        "At most 10 distinct levels.",
    ),
    ("repeated levels", {"levels": "Good\nGood"}, None, "levels", "At most 10 distinct levels."),
    (
        "unknown competence",
        {"alignment_ids": "999999"},
        None,
        "alignment_ids",
        "Choose competences from the frameworks shown.",
    ),
    (
        "competence not a number",
        {"alignment_ids": "P1"},
        None,
        "alignment_ids",
        "Choose competences from the list.",
    ),
    (
        "external link not http",
        {"external_alignments": "ESCO skill | ftp://esco.example/1"},
        None,
        "external_alignments",
        "Each external link needs a name and an http(s) URL.",
    ),
    (
        "image not an image",
        {},
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        "image",
        "Upload a PNG or SVG image.",
    ),
    ("image empty", {}, b"", "image", "The image file is empty."),
    (
        "image too large",
        {},
        png() + b"\x00" * (1024 * 1024),
        "image",
        "The image is larger than 1 MB.",
    ),
    (
        "PNG damaged",
        {},
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
        "image",
        "The PNG file is damaged (no header).",
    ),
    (
        "PNG bad checksum",
        {},
        png()[:29] + b"\x00\x00\x00\x00" + png()[33:],
        "image",
        "The PNG file is damaged (bad header checksum).",
    ),
    (
        "PNG too wide",
        {},
        png_header_claiming(5000, 100),
        "image",
        "The PNG is 5000x100; the most is 4096x4096.",
    ),
    (
        "PNG bomb",
        {},
        png_header_claiming(100000, 100000),
        "image",
        "The PNG is 100000x100000; the most is 4096x4096.",
    ),
    (
        "SVG with entities",
        {},
        BOMB_SVG,
        "image",
        "The SVG cannot be read (malformed, or uses DTDs or entities).",
    ),
    (
        "SVG malformed",
        {},
        b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg>",
        "image",
        "The SVG cannot be read (malformed, or uses DTDs or entities).",
    ),
    (
        "XML that is not SVG",
        {},
        b"<?xml version='1.0'?><html><body/></html>",
        "image",
        "The file is not an SVG image.",
    ),
]


def _achievement_form(overrides: dict, image: bytes | None) -> dict:
    data = dict(GOOD_ACHIEVEMENT) | overrides
    if image is not None:
        data["image"] = (io.BytesIO(image), "badge.bin")
    return data


@pytest.mark.parametrize(
    ("case", "overrides", "image", "field", "message"),
    BAD_ACHIEVEMENTS,
    ids=[c[0] for c in BAD_ACHIEVEMENTS],
)
def test_a_bad_new_achievement_is_refused_with_its_message(
    client, school, teacher, table_counts, case, overrides, image, field, message
):
    before = table_counts()
    response = post_multipart(
        client, f"/staff/{school.slug}/achievements/new", _achievement_form(overrides, image)
    )
    assert response.status_code == 400, response.text[:300]
    assert shown(message, response.text), f"{case}: {message!r} not on the page"
    assert "Nothing was saved" in response.text
    if field in (
        "name",
        "description",
        "criteria_md",
        "validity_days",
        "language",
        "levels",
        "external_alignments",
        "image",
    ):
        assert f'id="e-{field}"' in response.text  # next to its field, tied by aria-describedby
    assert table_counts() == before


@pytest.mark.parametrize(
    ("case", "overrides", "image", "field", "message"),
    BAD_ACHIEVEMENTS[::3],
    ids=[c[0] for c in BAD_ACHIEVEMENTS[::3]],
)
def test_a_bad_edit_changes_nothing(
    client,
    school,
    teacher,
    achievement,
    table_counts,
    database,
    case,
    overrides,
    image,
    field,
    message,
):
    before = table_counts()
    response = post_multipart(
        client,
        f"/staff/{school.slug}/achievements/{achievement.public_id}/edit",
        _achievement_form(overrides, image),
    )
    assert response.status_code == 400
    assert shown(message, response.text)
    assert table_counts() == before
    with database.transaction() as session:
        row = session.get(Achievement, achievement.id)
        assert (row.name, row.version, row.language) == (achievement.name, 1, "en")


def test_the_form_keeps_what_was_typed(client, school, teacher):
    response = post(
        client,
        f"/staff/{school.slug}/achievements/new",
        _achievement_form({"language": "??", "name": "Baltic <Sea> Project"}, None),
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert 'value="Baltic &lt;Sea&gt; Project"' in response.text
    assert "Cared for a World Heritage site." in response.text


def test_a_good_achievement_is_created(client, school, teacher, database):
    response = post(
        client,
        f"/staff/{school.slug}/achievements/new",
        _achievement_form({}, png()),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text
    with database.transaction() as session:
        row = session.scalars(select(Achievement)).one()
        assert (row.name, row.achievement_type, row.language) == (
            "Young Hands for Heritage",
            "Competency",
            "lt",
        )
        assert row.levels == ["Emerging", "Proficient"]
        image = session.scalar(select(StoredImage).where(StoredImage.sha256 == row.image_sha256))
        assert image.content_type == "image/png" and image.data == png()


def test_an_svg_with_scripts_is_stored_harmless(client, school, teacher, database):
    response = post(
        client,
        f"/staff/{school.slug}/achievements/new",
        _achievement_form({}, EVIL_SVG),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text
    with database.transaction() as session:
        row = session.scalars(select(Achievement)).one()
        image = session.scalar(select(StoredImage).where(StoredImage.sha256 == row.image_sha256))
    assert image.content_type == "image/svg+xml"
    stored = image.data.decode().lower()
    for bad in (
        "<script",
        "onload",
        "onclick",
        "onmouseover",
        "javascript:",
        "foreignobject",
        "tracker.example",
        "alert(",
    ):
        assert bad not in stored, bad
    assert "<circle" in stored and "click" in stored  # the drawing itself survives
    served = client.get(f"/images/{row.image_sha256}")
    assert served.status_code == 200 and served.data == image.data
    assert served.headers["Content-Type"].startswith("image/svg+xml")
    assert "default-src 'none'" in served.headers["Content-Security-Policy"]


# -- awards ---------------------------------------------------------------------------------

GOOD_AWARD = {
    "learner_name": "Ona Petraitytė",
    "learner_email": "ona@pupils.example",
    "level": "Proficient",
    "activity_start": "2026-04-01",
    "activity_end": "2026-06-15",
    "evidence_url": "https://blog.example/ona",
    "evidence_narrative": "",
    "narrative": "",
}

BAD_AWARDS = [
    (
        "no name",
        {"learner_name": " "},
        "learner_name",
        "Give the learner's name (at most 200 characters).",
    ),
    (
        "name too long",
        {"learner_name": "n" * 201},
        "learner_name",
        "Give the learner's name (at most 200 characters).",
    ),
    (
        "bad email",
        {"learner_email": "ona.pupils.example"},
        "learner_email",
        "Give a valid email address.",
    ),
    (
        "email with spaces",
        {"learner_email": "ona @pupils.example"},
        "learner_email",
        "Give a valid email address.",
    ),
    ("unknown level", {"level": "Legendary"}, "level", LEVELS_MESSAGE),
    (
        "end before start",
        {"activity_start": "2026-06-01", "activity_end": "2026-05-01"},
        "activity_end",
        "The activity cannot end before it starts.",
    ),
    (
        "evidence not a link",
        {"evidence_url": "javascript:alert(1)"},
        "evidence_url",
        "Evidence links must start with https:// or http://.",
    ),
    (
        "evidence with spaces",
        {"evidence_url": "https://blog.example/a b"},
        "evidence_url",
        "Evidence links must start with https:// or http://.",
    ),
    (
        "bad start date",
        {"activity_start": "31/12/2026"},
        "activity_start",
        "Use a date like 2026-09-01.",
    ),
    (
        "impossible end date",
        {"activity_end": "2026-02-30"},
        "activity_end",
        "Use a date like 2026-09-01.",
    ),
    (
        "narrative too long",
        {"narrative": "n" * 5001},
        "narrative",
        "Keep the narrative under 5,000 characters.",
    ),
    (
        "evidence text too long",
        {"evidence_narrative": "e" * 5001},
        "evidence_narrative",
        "Keep the evidence text under 5,000 characters.",
    ),
]


@pytest.mark.parametrize(
    ("case", "overrides", "field", "message"), BAD_AWARDS, ids=[c[0] for c in BAD_AWARDS]
)
def test_a_bad_award_is_refused_with_its_message(
    client, school, teacher, achievement, table_counts, case, overrides, field, message
):
    before = table_counts()
    url = f"/staff/{school.slug}/achievements/{achievement.public_id}/award"
    response = post(client, url, GOOD_AWARD | overrides | {"request_key": f"key-{case}"})
    assert response.status_code == 400
    assert shown(message, response.text), f"{case}: {message!r} not on the page"
    assert "Nothing was saved" in response.text
    assert table_counts() == before
    # what was typed is kept, and a fresh request key is not minted: the retry is the same request
    assert f'value="key-{case}"' in response.text


def test_every_bad_award_field_is_reported_at_once(
    client, school, teacher, achievement, table_counts
):
    before = table_counts()
    response = post(
        client,
        f"/staff/{school.slug}/achievements/{achievement.public_id}/award",
        GOOD_AWARD
        | {
            "learner_email": "nope",
            "activity_start": "yesterday",
            "evidence_url": "ftp://x",
            "level": "Legendary",
        },
    )
    assert response.status_code == 400
    for message in (
        "Give a valid email address.",
        "Use a date like 2026-09-01.",
        "Evidence links must start with https:// or http://.",
        LEVELS_MESSAGE,
    ):
        assert shown(message, response.text), message
    assert table_counts() == before


def test_a_good_award_is_signed(client, school, teacher, achievement, database):
    response = post(
        client,
        f"/staff/{school.slug}/achievements/{achievement.public_id}/award",
        GOOD_AWARD | {"request_key": "k"},
    )
    assert response.status_code == 302
    with database.transaction() as session:
        award = session.scalars(select(Award)).one()
    assert '"activityStartDate":"2026-04-01T00:00:00Z"' in award.credential_json.replace(" ", "")


# -- CSV uploads -----------------------------------------------------------------------------


def upload(client, school, achievement, content: bytes, filename: str = "class.csv"):
    return post_multipart(
        client,
        f"/staff/{school.slug}/achievements/{achievement.public_id}/bulk",
        {"csv": (io.BytesIO(content), filename)},
    )


BAD_FILES = [
    (
        "no header",
        b"Ona,ona@pupils.example\nJonas,jonas@pupils.example\n",
        "The first row must name the columns, with at least 'name' and 'email'.",
    ),
    (
        "header without email",
        b"name,level\nOna,Proficient\n",
        "The first row must name the columns, with at least 'name' and 'email'.",
    ),
    (
        "not UTF-8",
        "name,email\nŽana Žemaitė,zana@pupils.example\n".encode("cp1257"),
        "Save the CSV as UTF-8 and upload it again.",
    ),
    (
        "UTF-16",
        "name,email\nOna,ona@pupils.example\n".encode("utf-16"),
        "Save the CSV as UTF-8 and upload it again.",
    ),
    ("empty", b"", "Choose a CSV file to upload."),
    ("header only", b"name,email\n", "The CSV has no learners under its header row."),
    (
        "too big",
        b"name,email\n" + b"Ona,ona@pupils.example\n" * 50000,
        "The CSV file is larger than 1 MB.",
    ),
    (
        "too many learners",
        b"name,email\n" + b"".join(b"L%d,l%d@pupils.example\n" % (i, i) for i in range(2001)),
        "At most 2000 learners at a time.",
    ),
]


@pytest.mark.parametrize(("case", "content", "message"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_a_bad_csv_file_is_refused_with_its_message(
    client, school, teacher, achievement, table_counts, case, content, message
):
    before = table_counts()
    response = upload(client, school, achievement, content)
    assert response.status_code == 400
    assert shown(message, response.text), f"{case}: {message!r} not on the page"
    assert "Sign and award" not in response.text
    assert table_counts() == before


def test_rows_with_errors_are_listed_and_nothing_is_signed(
    client, school, teacher, achievement, table_counts
):
    before = table_counts()
    content = (
        "name,email,level,evidence_url,activity_start,activity_end\n"
        "Ona Petraitytė,ona@pupils.example,Proficient,https://blog.example/ona,2026-04-01,2026-06-15\n"
        ",nameless@pupils.example,,,,\n"
        "Jonas,not-an-email,,,,\n"
        "Rūta,ruta@pupils.example,Legendary,,,\n"
        "Tomas,tomas@pupils.example,,javascript:alert(1),,\n"
        "Eglė,egle@pupils.example,,,2026-06-01,2026-05-01\n"
        "Dalia,dalia@pupils.example,,,1st of May,\n"
        "Ona again,ONA@pupils.example,,,,\n"
    ).encode()
    response = upload(client, school, achievement, content)
    assert response.status_code == 400
    page = response.text
    assert "7 of 8 rows need correcting. Nothing was awarded." in page
    rows = re.findall(r"<tr class=\"(invalid|)\"><td>(\d+)</td>.*?</tr>", page, re.S)
    assert [(number, state) for state, number in rows] == [
        ("2", ""),
        ("3", "invalid"),
        ("4", "invalid"),
        ("5", "invalid"),
        ("6", "invalid"),
        ("7", "invalid"),
        ("8", "invalid"),
        ("9", "invalid"),
    ]
    for message in (
        "Give the learner&#39;s name (at most 200 characters).",
        "Give a valid email address.",
        escape(LEVELS_MESSAGE),
        "Evidence links must start with https:// or http://.",
        "The activity cannot end before it starts.",
        "Use a date like 2026-09-01.",
        "Same email as row 2.",
    ):
        assert str(message) in page, message
    # the message names the row number the preview shows for Ona's first line (row 2, under
    # the header), not one less
    ona_again = re.search(r"<tr class=\"invalid\"><td>9</td>.*?</tr>", page, re.S).group(0)
    assert "Same email as row 2." in ona_again
    assert re.search(r"<td>2</td><td[^>]*>Ona Petraitytė</td>", page)
    assert "Sign and award" not in page and "csv_b64" not in page
    assert table_counts() == before


def test_a_dry_run_signs_nothing_and_offers_the_confirmation(
    client, school, teacher, achievement, table_counts
):
    before = table_counts()
    content = (
        'name;email;level\n"Petraitytė; Ona ""Onutė""";ona@pupils.example;Mastered\n'
        "Jonas Jonaitis;jonas@pupils.example;\n"
    ).encode("utf-8-sig")  # Excel in Lithuania: semicolons, a byte-order mark, quoted quotes
    response = upload(client, school, achievement, content)
    assert response.status_code == 200, response.text
    assert "Dry run: all 2 rows are valid. Nothing is signed until you confirm." in response.text
    assert "Petraitytė; Ona &#34;Onutė&#34;" in response.text
    assert "Sign and award all 2" in response.text
    csv_b64 = re.search(r'name="csv_b64" value="([^"]+)"', response.text).group(1)
    assert base64.b64decode(csv_b64) == content
    assert table_counts() == before


def test_a_damaged_confirmation_changes_nothing(client, school, teacher, achievement, table_counts):
    before = table_counts()
    url = f"/staff/{school.slug}/achievements/{achievement.public_id}/bulk/confirm"
    response = post(client, url, {"csv_b64": "not base64 at all!", "request_key": "r1"})
    assert response.status_code == 400 and "The upload was damaged; start again." in response.text
    bad_rows = base64.b64encode(b"name,email\nOna,not-an-email\n").decode()
    response = post(client, url, {"csv_b64": bad_rows, "request_key": "r2"})
    assert "Nothing was awarded" in response.text
    assert table_counts() == before


# -- CSRF --------------------------------------------------------------------------------------


def csrf_targets(school, achievement):
    base = f"/staff/{school.slug}"
    return [
        (f"{base}/achievements/new", GOOD_ACHIEVEMENT),
        (
            f"{base}/achievements/{achievement.public_id}/edit",
            GOOD_ACHIEVEMENT | {"name": "Renamed"},
        ),
        (f"{base}/achievements/{achievement.public_id}/award", GOOD_AWARD),
        (
            f"{base}/achievements/{achievement.public_id}/bulk/confirm",
            {
                "csv_b64": base64.b64encode(b"name,email\nOna,ona@pupils.example\n").decode(),
                "request_key": "c",
            },
        ),
        (f"{base}/people", {"email": "new@vilnius.example", "role": "teacher"}),
    ]


@pytest.mark.parametrize("token", [None, "", "forged-token"], ids=["missing", "empty", "wrong"])
def test_a_post_without_the_right_csrf_token_changes_nothing(
    client, make_user, school, achievement, award_to, table_counts, database, token
):
    make_user("head@vilnius.example", org=school, role="admin")
    assert login(client, "head@vilnius.example").status_code == 302
    csrf_of(client)  # the session has a real token; the forms below do not carry it
    award = award_to(school, achievement)
    targets = [
        *csrf_targets(school, achievement),
        (f"/staff/{school.slug}/awards/{award.public_id}/revoke", {"reason": "Forged"}),
    ]
    before = table_counts()
    for url, data in targets:
        payload = dict(data)
        if token is not None:
            payload["csrf_token"] = token
        response = client.post(url, data=payload)
        assert response.status_code == 400, url
        assert "The form has expired or did not come from this site." in response.text
    assert table_counts() == before
    with database.transaction() as session:
        assert session.get(Award, award.id).revoked_at is None
        assert session.get(Achievement, achievement.id).name == achievement.name
    # logging out is a POST too: a forged one does not end the session
    assert client.post("/logout", data={"csrf_token": token or ""}).status_code == 400
    assert client.get(f"/staff/{school.slug}").status_code == 200


def test_the_login_form_needs_its_token(app, make_user, table_counts):
    make_user("ruta@vilnius.example")
    fresh = app.test_client()
    before = table_counts()
    response = fresh.post(
        "/login", data={"email": "ruta@vilnius.example", "password": "wrong password"}
    )
    assert response.status_code == 400
    assert table_counts() == before  # not even a failed attempt is counted
