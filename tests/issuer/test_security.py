"""What users expect of a site that holds their school's keys and their learners' names."""

from __future__ import annotations

import base64
import json
import re
import zlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from badges.proofs import vc_jwt
from issuer.errors import InvalidInput, TooManyRequests
from issuer.models import Achievement, Invitation, LoginSession, User
from issuer.models.base import now_utc
from issuer.services import accounts

from .conftest import PASSWORD, csrf_of, login, post

EMAIL = "Ona.Petraityte@Pupils.example"
EVIL_CRITERIA = """Take **ten** samples.

<script>alert('criteria')</script>
[click me](javascript:alert(1)) and <a href="javascript:alert(3)" onclick="alert(4)">this</a>
<img src="x" onerror="alert(2)"> <iframe src="https://evil.example/"></iframe>
[the project](https://www.bspinfo.org/)
"""


@pytest.fixture
def school(make_org):
    return make_org()


@pytest.fixture
def teacher(make_user, school):
    return make_user("ruta@vilnius.example", org=school, role="teacher")


@pytest.fixture
def achievement(make_achievement, school):
    return make_achievement(
        school, criteria_md=EVIL_CRITERIA, description="Water <b>quality</b> & more"
    )


@pytest.fixture
def award(award_to, school, achievement):
    return award_to(
        school,
        achievement,
        email=EMAIL,
        level="Mastered",
        evidence_url="https://blog.example/ona",
        evidence_narrative="Samples from Nida.",
    )


# -- headers -------------------------------------------------------------------------------


def test_security_headers_are_on_every_kind_of_response(client, teacher, school, award):
    assert login(client, teacher.email).status_code == 302
    responses = {
        "public page": client.get(f"/credentials/{award.public_id}"),
        "credential JSON": client.get(
            f"/credentials/{award.public_id}", headers={"Accept": "application/vc+ld+json"}
        ),
        "staff page": client.get(f"/staff/{school.slug}"),
        "login page": client.get("/login"),
        "not found": client.get("/credentials/nope"),
        "bad form": post(client, f"/staff/{school.slug}/achievements/new", {"name": ""}),
    }
    for label, response in responses.items():
        headers = response.headers
        assert headers.get("X-Content-Type-Options") == "nosniff", label
        assert headers.get("X-Frame-Options") == "DENY", label
        assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", label
        csp = headers.get("Content-Security-Policy", "")
        assert (
            "default-src 'self'" in csp
            and "frame-ancestors 'none'" in csp
            and "object-src 'none'" in csp
        ), label
        assert "unsafe-inline" not in csp.split("script-src", 1)[-1].split(";")[0], label
    assert responses["not found"].status_code == 404
    secure = client.get("/", base_url="https://badges.test")
    assert secure.headers.get("Strict-Transport-Security", "").startswith("max-age=")


def test_the_session_cookie_is_http_only_and_same_site(app, teacher):
    fresh = app.test_client()
    response = login(fresh, teacher.email)
    cookie = next(
        v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session=")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


# -- sessions and logins ---------------------------------------------------------------------


def test_the_session_ends_at_logout(app, client, teacher, school):
    assert login(client, teacher.email).status_code == 302
    assert client.get(f"/staff/{school.slug}").status_code == 200
    stolen = client.get_cookie("session").value  # e.g. copied from a shared school computer
    response = post(client, "/logout")
    assert response.status_code == 302
    assert client.get(f"/staff/{school.slug}").status_code == 302  # this browser is logged out

    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get(f"/staff/{school.slug}")
    assert response.status_code == 302 and response.location.startswith("/login"), (
        "the old cookie still works"
    )
    # and it cannot act either
    with replay.session_transaction() as sess:
        token = sess.get("csrf")
    before = replay.post(
        f"/staff/{school.slug}/people", data={"csrf_token": token, "email": "x@y.example"}
    )
    assert before.status_code == 302 and before.location.startswith("/login")


def test_a_login_session_expires_on_the_server(database, teacher):
    """The cookie's own expiry is the browser's business; the server enforces its own."""
    start = now_utc()
    with database.transaction() as session:
        user = session.get(User, teacher.id)
        token = accounts.start_login_session(
            session, user=user, lifetime=timedelta(hours=8), now=start
        )
    with database.transaction() as session:
        assert (
            accounts.session_user(session, token, now=start + timedelta(hours=7)).id == teacher.id
        )
        assert accounts.session_user(session, token, now=start + timedelta(hours=8)) is None
        assert accounts.session_user(session, token + "x", now=start) is None
        accounts.end_login_session(session, token, now=start + timedelta(hours=1))
    with database.transaction() as session:
        assert accounts.session_user(session, token, now=start + timedelta(hours=2)) is None
        stored = session.scalars(select(LoginSession)).one()
        assert token not in stored.token_hash  # only a hash of the cookie's token is kept


def test_logging_out_elsewhere_keeps_other_sessions(app, teacher, school):
    """Logging out on the phone does not log the teacher out of the school computer."""
    phone, computer = app.test_client(), app.test_client()
    assert login(phone, teacher.email).status_code == 302
    assert login(computer, teacher.email).status_code == 302
    assert post(phone, "/logout").status_code == 302
    assert phone.get(f"/staff/{school.slug}").status_code == 302
    assert computer.get(f"/staff/{school.slug}").status_code == 200


def test_a_new_login_does_not_keep_a_planted_session(app, teacher, school):
    """Session fixation: whatever the session held before login is not the logged-in session."""
    browser = app.test_client()
    with browser.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    assert login(browser, teacher.email).status_code == 302
    with browser.session_transaction() as sess:
        assert "planted" not in sess


def test_the_sixth_failed_login_is_refused_even_with_the_right_password(
    client, teacher, school, table_counts
):
    for attempt in range(5):
        response = client.post(
            "/login",
            data={
                "email": teacher.email,
                "password": f"wrong {attempt}",
                "csrf_token": csrf_of(client),
            },
        )
        assert response.status_code == 401
        assert "The email or password is wrong." in response.text
    response = client.post(
        "/login",
        data={"email": teacher.email.upper(), "password": PASSWORD, "csrf_token": csrf_of(client)},
    )
    assert response.status_code == 429
    assert "Too many failed logins. Wait 15 minutes and try again." in response.text
    assert client.get(f"/staff/{school.slug}").status_code == 302  # not logged in


def test_the_login_limit_lasts_fifteen_minutes(database, teacher):
    start = now_utc()
    with database.transaction() as session:
        for minute in range(5):
            with pytest.raises(InvalidInput):
                accounts.authenticate(
                    session,
                    email=teacher.email,
                    password="wrong",
                    client="10.0.0.1",
                    now=start + timedelta(minutes=minute),
                )
    with database.transaction() as session, pytest.raises(TooManyRequests):
        accounts.authenticate(
            session,
            email=teacher.email,
            password=PASSWORD,
            client="10.0.0.1",
            now=start + timedelta(minutes=14),
        )
    with database.transaction() as session:  # the first failure is now older than 15 minutes
        user = accounts.authenticate(
            session,
            email=teacher.email,
            password=PASSWORD,
            client="10.0.0.1",
            now=start + timedelta(minutes=15, seconds=1),
        )
        assert user.email == teacher.email


def test_unknown_accounts_and_wrong_passwords_look_the_same(client, teacher):
    wrong = client.post(
        "/login",
        data={"email": teacher.email, "password": "nope nope nope", "csrf_token": csrf_of(client)},
    )
    unknown = client.post(
        "/login",
        data={
            "email": "nobody@vilnius.example",
            "password": "nope nope nope",
            "csrf_token": csrf_of(client),
        },
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.text.replace(teacher.email, "X") == unknown.text.replace(
        "nobody@vilnius.example", "X"
    )


# -- no email anywhere public ----------------------------------------------------------------


def _texts_of(body: bytes) -> list[str]:
    """The body, plus what a PNG's compressed text chunks and a JWT's payload hold."""
    texts = [body.decode("utf-8", "replace")]
    if body.startswith(b"\x89PNG"):
        position = 8
        while position + 8 <= len(body):
            length = int.from_bytes(body[position : position + 4], "big")
            kind = body[position + 4 : position + 8]
            data = body[position + 8 : position + 8 + length]
            if kind in (b"zTXt", b"iTXt"):
                for start in range(len(data)):
                    try:
                        texts.append(zlib.decompress(data[start:]).decode("utf-8", "replace"))
                        break
                    except zlib.error:
                        continue
            position += 12 + length
    stripped = body.strip()
    if vc_jwt.looks_like_jwt(stripped.decode("ascii", "replace")):
        for part in stripped.split(b".")[:2]:
            texts.append(
                base64.urlsafe_b64decode(part + b"=" * (-len(part) % 4)).decode("utf-8", "replace")
            )
    return texts


def public_urls(app, school, achievement, award) -> list[str]:
    """Every GET route of the public blueprint, filled in for this school, badge and award."""
    with app.app_context():
        from issuer.web import dbs

        row = dbs().get(Achievement, achievement.id)
        image = row.image_sha256
    values = {"public_id": None, "slug": school.slug, "sha256": image, "purpose": "revocation"}
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("public.") or "GET" not in rule.methods:
            continue
        candidates = (
            [award.public_id, achievement.public_id] if "public_id" in rule.arguments else [None]
        )
        for public_id in candidates:
            args = {
                name: (public_id if name == "public_id" else values.get(name))
                for name in rule.arguments
            }
            if any(v is None for v in args.values()):
                continue
            urls.append(rule.build(args, append_unknown=False)[1])
    return urls


def test_no_learner_email_on_any_public_page_json_jwt_or_image(
    app, client, school, achievement, award
):
    urls = public_urls(app, school, achievement, award)
    assert f"/credentials/{award.public_id}" in urls and f"/orgs/{school.slug}/did.json" in urls
    fetched = 0
    for url in urls:
        for accept in (
            "text/html",
            "application/vc+ld+json",
            "application/vc+jwt",
            "application/json",
            "image/*",
        ):
            response = client.get(url, headers={"Accept": accept})
            if response.status_code != 200:
                continue
            fetched += 1
            for text in _texts_of(response.data):
                lowered = text.lower()
                assert EMAIL.lower() not in lowered, (url, accept)
                assert "petraityte@" not in lowered, (url, accept)
    assert fetched >= 20
    # the stored credential names the learner only by a salted hash
    subject = json.loads(award.credential_json)["credentialSubject"]
    [identity] = subject["identifier"]
    assert (
        identity["hashed"] is True
        and identity["identityHash"].startswith("sha256$")
        and identity["salt"]
    )
    payload = vc_jwt.decode_jwt(award.credential_jwt).payload
    assert EMAIL.lower() not in json.dumps(payload).lower()


# -- user-written Markdown -------------------------------------------------------------------


def test_markdown_criteria_are_sanitised_on_the_public_pages(client, achievement, award):
    for url in (f"/achievements/{achievement.public_id}", f"/credentials/{award.public_id}"):
        page = client.get(url, headers={"Accept": "text/html"}).text
        lowered = page.lower()
        assert "<script" not in lowered, url
        assert "javascript:" not in lowered, url
        assert "onerror" not in lowered and "onclick" not in lowered, url
        assert "<iframe" not in lowered, url
        assert "<strong>ten</strong>" in page, url  # Markdown still renders
        assert re.search(
            r'<a href="https://www.bspinfo.org/" rel="nofollow noopener noreferrer">the project</a>',
            page,
        ), url
        assert "Water &lt;b&gt;quality&lt;/b&gt; &amp; more" in page, url  # plain text stays text
    # what was signed keeps the teacher's text as written (it is data, not HTML)
    assert (
        json.loads(award.credential_json)["credentialSubject"]["achievement"]["criteria"][
            "narrative"
        ]
        == EVIL_CRITERIA
    )


# -- identifiers -----------------------------------------------------------------------------


def _bits(identifier: str) -> int:
    assert re.fullmatch(r"[A-Za-z0-9_-]+", identifier), identifier
    return len(base64.urlsafe_b64decode(identifier + "=" * (-len(identifier) % 4))) * 8


def test_ids_in_urls_are_unguessable(
    app, client, make_user, school, achievement, award_to, database
):
    awards = [award_to(school, achievement, email=f"l{i}@pupils.example") for i in range(20)]
    for row in awards:
        assert _bits(row.public_id) >= 128
        assert json.loads(row.credential_json)["id"].endswith(f"/credentials/{row.public_id}")
    assert _bits(achievement.public_id) >= 128
    assert len({row.public_id for row in awards}) == len(awards)
    # database row numbers do not open anything
    for row in (awards[0], achievement):
        assert client.get(f"/credentials/{row.id}").status_code == 404
        assert client.get(f"/achievements/{row.id}").status_code == 404
    # staff pages link awards by their public id too
    make_user("ruta@vilnius.example", org=school, role="teacher")
    assert login(client, "ruta@vilnius.example").status_code == 302
    listing = client.get(f"/staff/{school.slug}/awards").text
    linked = re.findall(rf"/staff/{school.slug}/awards/([^\"/?]+)", listing)
    assert linked and all(_bits(x) >= 128 for x in linked)
    # invitation links: only their hash is stored
    make_user("head@vilnius.example", org=school, role="admin")
    head = app.test_client()
    assert login(head, "head@vilnius.example").status_code == 302
    page = post(
        head, f"/staff/{school.slug}/people", {"email": "new@vilnius.example", "role": "teacher"}
    ).text
    token = re.search(r"/invite/([^<\s]+)</code>", page).group(1)
    assert _bits(token) >= 128
    with database.transaction() as session:
        stored = session.scalars(select(Invitation)).one()
        assert token not in stored.token_hash


# -- where the login goes next -----------------------------------------------------------------

OFF_SITE_NEXT = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/%5Cevil.example",
    "https://evil.example",
    "HTTPS://evil.example/staff",
    "http:evil.example",
    "//evil.example@badges.test",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "staff/",
    "",
]
# control characters: browsers drop tabs and line breaks (/%09/evil.example becomes
# //evil.example), and a line break would forge a header: refused with a message
DAMAGED_NEXT = [
    "/%09/evil.example/x",
    "/%0a/evil.example",
    "/%0d/evil.example",
    "/%0d%0a/evil.example",
    "%09//evil.example",
    "%01javascript:alert(1)",
    "/%7F/evil.example",
    "/staff/%0d%0aSet-Cookie:%20x=1",
    "/%C2%85/evil.example",
]
ON_SITE_NEXT = [
    "/staff/vilnius-lyceum",
    "/staff/vilnius-lyceum/awards?page=2&q=Ona",
    "/staff/x/%2F%2Fevil.example",
]


@pytest.mark.parametrize("target", OFF_SITE_NEXT)
def test_login_never_sends_anyone_off_site(app, teacher, target):
    browser = app.test_client()
    response = browser.post(
        f"/login?next={target}",
        data={"email": teacher.email, "password": PASSWORD, "csrf_token": csrf_of(browser)},
    )
    assert response.status_code == 302
    assert response.location == "/staff/", response.location


@pytest.mark.parametrize("target", DAMAGED_NEXT)
def test_a_login_link_with_control_characters_is_refused_with_the_plain_form(app, teacher, target):
    browser = app.test_client()
    page = browser.get(f"/login?next={target}")
    assert page.status_code == 400
    assert "This login link is damaged" in page.text and 'action="/login"' in page.text
    response = browser.post(
        f"/login?next={target}",
        data={"email": teacher.email, "password": PASSWORD, "csrf_token": csrf_of(browser)},
    )
    assert response.status_code == 400 and "Set-Cookie: x" not in str(response.headers)
    with browser.session_transaction() as sess:
        assert "login" not in sess  # not logged in by that request
    # the form on that page logs in and goes to the dashboard
    response = browser.post(
        "/login",
        data={"email": teacher.email, "password": PASSWORD, "csrf_token": csrf_of(browser)},
    )
    assert response.status_code == 302 and response.location == "/staff/"


@pytest.mark.parametrize("target", ON_SITE_NEXT)
def test_login_goes_back_to_the_page_asked_for(app, teacher, target):
    from urllib.parse import quote, unquote

    browser = app.test_client()
    response = browser.post(
        f"/login?next={quote(target)}",
        data={"email": teacher.email, "password": PASSWORD, "csrf_token": csrf_of(browser)},
    )
    assert response.status_code == 302
    assert response.location == unquote(quote(target))


def test_a_staff_page_sends_a_logged_out_visitor_to_login_and_back(app, teacher, school):
    browser = app.test_client()
    page = browser.get(f"/staff/{school.slug}/awards?q=Ona")
    assert page.status_code == 302 and page.location.startswith("/login?next=")
    response = browser.post(
        page.location,
        data={"email": teacher.email, "password": PASSWORD, "csrf_token": csrf_of(browser)},
    )
    assert response.location == f"/staff/{school.slug}/awards?q=Ona"
