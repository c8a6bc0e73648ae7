"""CSRF for every kind of body: a JSON (or other non-form) POST to a page of the signed-in
staff is refused without the session's token, and only the exact token is accepted.

tests/issuer/test_forms.py posts form bodies; a check that looked only at form posts (or
skipped JSON) would pass there. A cross-site page can send a JSON body with the victim's
cookies (``fetch`` with ``text/plain`` or, through a misconfigured CORS, JSON), so the
check must not depend on the content type.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from issuer.models import Achievement, Award

from .conftest import csrf_of, login

CSRF_MESSAGE = "The form has expired or did not come from this site."
# the whole message, as the error page shows it
CSRF_ALERT = (
    '<p role="alert">The form has expired or did not come from this site. '
    "Reload the page and try again.</p>"
)


@pytest.fixture
def school(make_org):
    return make_org()


@pytest.fixture
def achievement(make_achievement, school):
    return make_achievement(school)


@pytest.fixture
def signed_in(client, make_user, school):
    make_user("head@vilnius.example", org=school, role="admin")
    assert login(client, "head@vilnius.example").status_code == 302
    return csrf_of(client)


def targets(school, achievement, award):
    base = f"/staff/{school.slug}"
    return [
        (f"{base}/awards/{award.public_id}/revoke", {"reason": "Forged"}),
        (f"{base}/people", {"email": "new@vilnius.example", "role": "admin"}),
        (
            f"{base}/achievements/{achievement.public_id}/award",
            {"learner_name": "Mallory", "learner_email": "m@evil.example"},
        ),
        (f"{base}/achievements/{achievement.public_id}/edit", {"name": "Renamed"}),
    ]


def assert_nothing_changed(database, table_counts, before, award, achievement):
    assert table_counts() == before
    with database.transaction() as session:
        assert session.get(Award, award.id).revoked_at is None
        assert session.get(Achievement, achievement.id).name == achievement.name


def wrong_tokens(real: str) -> list[str]:
    return [
        "forged-token",
        real[:-1],  # a prefix
        real[:8],
        real + "x",  # longer
        real.upper() if real.upper() != real else real.lower(),
        f" {real}",
        "x" * len(real),  # same length
    ]


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/x-ndjson"])
def test_a_json_post_without_a_token_is_refused(
    client,
    signed_in,
    school,
    achievement,
    award_to,
    table_counts,
    database,
    content_type,
):
    award = award_to(school, achievement)
    before = table_counts()
    for url, data in targets(school, achievement, award):
        response = client.post(url, data=json.dumps(data), content_type=content_type)
        assert response.status_code == 400, url
        assert CSRF_ALERT in response.text, url
    assert_nothing_changed(database, table_counts, before, award, achievement)


def test_a_json_post_with_a_wrong_token_is_refused(
    client, signed_in, school, achievement, award_to, table_counts, database
):
    real = signed_in
    award = award_to(school, achievement)
    before = table_counts()
    for token in wrong_tokens(real):
        for url, data in targets(school, achievement, award):
            # the token where a script sends it (a header), and in the JSON body, which
            # is not a form field: neither is the session's token
            response = client.post(
                url, json=data | {"csrf_token": token}, headers={"X-CSRF-Token": token}
            )
            assert response.status_code == 400, (url, token)
            assert CSRF_ALERT in response.text, (url, token)
    assert_nothing_changed(database, table_counts, before, award, achievement)


def test_a_form_post_with_any_token_but_the_sessions_is_refused(
    client, signed_in, school, achievement, award_to, table_counts, database
):
    """Not just "some non-empty token": each near miss of the real one is refused, in the
    form field and in the header."""
    real = signed_in
    award = award_to(school, achievement)
    before = table_counts()
    for token in wrong_tokens(real):
        for url, data in targets(school, achievement, award):
            response = client.post(url, data=data | {"csrf_token": token})
            assert response.status_code == 400, (url, token)
            assert CSRF_ALERT in response.text, (url, token)
            response = client.post(url, data=data, headers={"X-CSRF-Token": token})
            assert response.status_code == 400, (url, token)
    assert_nothing_changed(database, table_counts, before, award, achievement)


def test_another_sessions_token_is_refused(
    app, client, signed_in, make_user, school, achievement, award_to, table_counts, database
):
    other = app.test_client()
    make_user("mallory@vilnius.example", org=school, role="teacher")
    assert login(other, "mallory@vilnius.example").status_code == 302
    with other.session_transaction() as sess:
        sess["csrf"] = "the-other-browsers-token"
    award = award_to(school, achievement)
    before = table_counts()
    for url, data in targets(school, achievement, award):
        response = client.post(url, json=data, headers={"X-CSRF-Token": "the-other-browsers-token"})
        assert response.status_code == 400 and CSRF_ALERT in response.text, url
    assert_nothing_changed(database, table_counts, before, award, achievement)


def test_a_session_without_a_token_accepts_none(client, make_user, school):
    """No token in the session (it never showed a form): even an empty one sent is refused,
    and so is any stand-in for the missing token."""
    make_user("head@vilnius.example", org=school, role="admin")
    assert login(client, "head@vilnius.example").status_code == 302
    for token in ["", "None", "null", "XXXX", "csrf"]:
        # each time: the refusal's page shows forms, and so gives the session a token
        with client.session_transaction() as sess:
            sess.pop("csrf", None)
        response = client.post(
            f"/staff/{school.slug}/people",
            json={"email": "new@vilnius.example", "role": "admin"},
            headers={"X-CSRF-Token": token},
        )
        assert response.status_code == 400 and CSRF_ALERT in response.text


def test_the_sessions_token_in_the_header_is_accepted(
    client, signed_in, school, achievement, award_to
):
    """The check is not simply "refuse everything": the real token passes, in the header
    (as a script sends it) with a JSON body, and in the header with a form body."""
    award = award_to(school, achievement)
    response = client.post(
        f"/staff/{school.slug}/awards/{award.public_id}/revoke",
        data={"reason": "Awarded by mistake"},
        headers={"X-CSRF-Token": signed_in},
    )
    assert response.status_code == 302, response.text
    # a JSON body passes the check too (the page then finds no form fields in it)
    response = client.post(
        f"/staff/{school.slug}/people",
        json={"email": "new@vilnius.example"},
        headers={"X-CSRF-Token": signed_in},
    )
    assert CSRF_MESSAGE not in response.text
    assert response.status_code in (200, 400), response.status_code


def test_logout_by_json_needs_the_token(client, signed_in, school):
    response = client.post("/logout", json={})
    assert response.status_code == 400 and CSRF_ALERT in response.text
    response = client.post("/logout", json={}, headers={"X-CSRF-Token": signed_in[:-1]})
    assert response.status_code == 400 and CSRF_ALERT in response.text
    assert client.get(f"/staff/{school.slug}").status_code == 200  # still signed in
    response = client.post("/logout", json={}, headers={"X-CSRF-Token": signed_in})
    assert response.status_code == 302
    assert client.get(f"/staff/{school.slug}").status_code == 302  # signed out


def test_the_staff_pages_change_nothing_on_a_json_post_without_a_token(
    client, signed_in, school, achievement, database
):
    """Sweep: every POST route of the staff pages refuses a tokenless JSON post."""
    app = client.application
    count = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()) or not rule.rule.startswith("/staff/"):
            continue
        values = {arg: "x" for arg in rule.arguments}
        if "slug" in values:
            values["slug"] = school.slug
        url = rule.rule
        for arg, value in values.items():
            url = url.replace(f"<{arg}>", value)
            url = url.replace(f"<string:{arg}>", value)
            url = url.replace(f"<int:{arg}>", "1")
        if "<" in url:
            continue
        response = client.post(url, json={"anything": "at all"})
        assert response.status_code == 400, url
        assert CSRF_ALERT in response.text, url
        count += 1
    assert count >= 10, count
    with database.transaction() as session:
        assert session.scalars(select(Achievement)).one().name == achievement.name


def test_reading_methods_need_no_token(client, signed_in, school):
    page = f"/staff/{school.slug}"
    assert client.get(page).status_code == 200
    head = client.head(page)
    assert head.status_code == 200 and CSRF_MESSAGE not in head.text
    options = client.options(page)
    assert options.status_code == 200 and CSRF_MESSAGE not in options.text


def test_the_api_uses_bearer_tokens_not_the_csrf_token(client, signed_in):
    """A session cookie is no API credential, and the API's refusal is its own (401), not
    the page's CSRF message; an unknown /api/ path is the API's JSON 404."""
    response = client.post("/api/v1/achievements", json={"name": "x"})
    assert response.status_code == 401 and CSRF_MESSAGE not in response.text
    response = client.post("/api/v1/no-such-thing", json={})
    assert response.status_code == 404 and CSRF_MESSAGE not in response.text
    assert response.is_json
    response = client.post("/api/no-such-version/awards", json={})
    assert response.status_code == 404 and CSRF_MESSAGE not in response.text
    # outside /api/, an unknown path posted to is the CSRF check's first
    response = client.post("/staff/no-such-page", json={})
    assert response.status_code == 400 and CSRF_ALERT in response.text


def test_each_session_gets_its_own_long_random_token(app):
    tokens = set()
    for _ in range(3):
        browser = app.test_client()
        page = browser.get("/login")
        assert page.status_code == 200
        with browser.session_transaction() as sess:
            token = sess["csrf"]
        assert f'name="csrf_token" value="{token}"' in page.text
        assert len(token) >= 43  # 32 random bytes, base64url
        # the same token on the next page of the same session
        assert f'value="{token}"' in browser.get("/login").text
        tokens.add(token)
    assert len(tokens) == 3


def test_the_language_switch_checks_its_own_token(client, signed_in, database):
    """The switcher on a page for the public carries no token: a post without one is not
    the CSRF refusal but changes only the cookie; the session's token also changes the
    signed-in account's language (issuer/views/language.py)."""
    from issuer.models import User

    def language_of_account():
        with database.transaction() as session:
            return session.scalars(
                select(User.language).where(User.email == "head@vilnius.example")
            ).one()

    response = client.post("/language", data={"lang": "lt", "next": "/"})
    assert response.status_code == 303, response.text
    assert CSRF_MESSAGE not in response.text
    assert "lang=lt" in response.headers["Set-Cookie"]
    assert language_of_account() is None
    response = client.post("/language", data={"lang": "lt", "next": "/", "csrf_token": signed_in})
    assert response.status_code == 303 and "lang=lt" in response.headers["Set-Cookie"]
    assert language_of_account() == "lt"
