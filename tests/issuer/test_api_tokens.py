"""The staff page for API tokens: admins only; the secret is shown once and stored hashed;
revoking (a CSRF-protected POST) stops the token at once; both are in the audit log."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select, text

from issuer.models import ApiToken, AuditEvent, Organisation
from issuer.services import tokens

from .api_helpers import Api
from .conftest import login, post

SECRET = re.compile(r"ob_[A-Za-z0-9_-]{43}")
PAGE = "/staff/vilnius-lyceum/tokens"


@pytest.fixture
def school(make_org):
    return make_org("vilnius-lyceum", "Vilnius Lyceum")


@pytest.fixture
def admin(client, school, make_user):
    make_user("admin@lyceum.example", org=school, role="admin")
    assert login(client, "admin@lyceum.example").status_code == 302
    return client


def test_the_secret_is_shown_once_and_only_its_hash_is_kept(admin, database, table_counts):
    home = admin.get("/staff/vilnius-lyceum")
    assert f'href="{PAGE}"' in home.text  # the admin's way to the page
    empty = admin.get(PAGE)
    assert (
        empty.status_code == 200 and "No tokens yet" in empty.text and not SECRET.search(empty.text)
    )
    created = post(admin, PAGE, {"name": "  Moodle  course  sync "})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    [secret] = set(SECRET.findall(created.text))
    assert "shown only this once" in created.text
    with database.transaction() as session:
        token = session.scalars(select(ApiToken)).one()
        assert token.name == "Moodle course sync"
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert token.prefix == secret[:10] and token.created_by is not None
    # nowhere in the database is the secret itself
    with database.engine.connect() as conn:
        for table in table_counts():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                assert secret not in " ".join(str(v) for v in row), table
    listed = admin.get(PAGE)
    assert secret not in listed.text and f"{secret[:10]}…" in listed.text
    assert "Moodle course sync" in listed.text and "never" in listed.text
    # it works, and its use shows
    assert Api(admin, secret).get("/achievements").status_code == 200
    listed = admin.get(PAGE)
    assert listed.status_code == 200 and "Moodle course sync" in listed.text
    assert "never" not in listed.text


def test_reloading_the_page_that_showed_the_secret_creates_nothing_more(admin, database):
    form = admin.get(PAGE).text
    [form_id] = re.findall(r'name="form_id" value="([^"]+)"', form)
    first = post(admin, PAGE, {"name": "Moodle", "form_id": form_id})
    assert first.status_code == 200 and SECRET.search(first.text)
    again = post(admin, PAGE, {"name": "Moodle", "form_id": form_id})  # the browser's "resend"
    assert again.status_code == 302
    page = admin.get(again.location).text
    assert "already created" in page and not SECRET.search(page)
    with database.transaction() as session:
        assert len(session.scalars(select(ApiToken)).all()) == 1
    # a fresh form makes a second token
    [fresh] = re.findall(r'name="form_id" value="([^"]+)"', page)
    assert fresh != form_id
    assert SECRET.search(post(admin, PAGE, {"name": "Scripts", "form_id": fresh}).text)


def test_a_revoked_token_stops_at_once(admin, client, database):
    [secret] = set(SECRET.findall(post(admin, PAGE, {"name": "Script"}).text))
    api = Api(client, secret)
    assert api.get("/awards").status_code == 200
    with database.transaction() as session:
        token_id = session.scalars(select(ApiToken.id)).one()
    # a revocation without the form's CSRF token is refused
    forged = admin.post(f"{PAGE}/{token_id}/revoke")
    assert forged.status_code == 400
    assert api.get("/awards").status_code == 200
    done = post(admin, f"{PAGE}/{token_id}/revoke")
    assert done.status_code == 302 and done.location.endswith(PAGE)
    assert api.get("/awards").status_code == 401
    page = admin.get(PAGE)
    assert "revoked" in page.text and f"{PAGE}/{token_id}/revoke" not in page.text
    assert post(admin, f"{PAGE}/{token_id}/revoke").status_code == 409
    assert post(admin, f"{PAGE}/999999/revoke").status_code == 404
    with database.transaction() as session:
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert [e.action for e in events] == ["token.create", "token.revoke"]
    for event in events:
        assert event.via == "web" and event.actor.startswith("Admin")
        assert "Script" in event.summary and secret[:10] in event.summary
        assert secret not in f"{event.summary} {event.details} {event.subject}"


def test_a_name_is_required_and_unique_among_live_tokens(admin, database):
    refused = post(admin, PAGE, {"name": "   "})
    assert refused.status_code == 400 and not SECRET.search(refused.text)
    assert 'aria-invalid="true"' in refused.text
    assert post(admin, PAGE, {"name": "Moodle"}).status_code == 200
    twice = post(admin, PAGE, {"name": "Moodle"})
    assert twice.status_code == 400 and "in use" in twice.text
    assert post(admin, PAGE, {"name": "x" * 101}).status_code == 400
    with database.transaction() as session:
        assert len(session.scalars(select(ApiToken)).all()) == 1


def test_only_the_organisations_admins_manage_its_tokens(
    client, school, make_org, make_user, database
):
    make_user("teacher@lyceum.example", org=school, role="teacher")
    other = make_org("kaunas-gymnasium", "Kaunas Gymnasium")
    make_user("admin@kaunas.example", org=other, role="admin")
    assert login(client, "teacher@lyceum.example").status_code == 302
    assert client.get(PAGE).status_code == 403
    assert post(client, PAGE, {"name": "Mine"}).status_code == 403
    home = client.get("/staff/vilnius-lyceum")
    assert home.status_code == 200 and f'href="{PAGE}"' not in home.text
    other_client = client.application.test_client()
    assert login(other_client, "admin@kaunas.example").status_code == 302
    assert other_client.get(PAGE).status_code == 404
    assert post(other_client, PAGE, {"name": "Theirs"}).status_code == 404
    # nor revoke ours from their own page
    [secret] = set(
        SECRET.findall(post(other_client, "/staff/kaunas-gymnasium/tokens", {"name": "K"}).text)
    )
    with database.transaction() as session:
        ours, _ = tokens.create_token(
            session, org=session.get(Organisation, school.id), name="Ours"
        )
        ours_id = ours.id
    assert post(other_client, f"/staff/kaunas-gymnasium/tokens/{ours_id}/revoke").status_code == 404
    with database.transaction() as session:
        assert session.get(ApiToken, ours_id).revoked_at is None
    assert secret.startswith("ob_")
    assert client.get("/staff/nowhere/tokens").status_code == 404
