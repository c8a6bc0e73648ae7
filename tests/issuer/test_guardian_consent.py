"""Minors: a school sets the age below which a guardian must consent; a minor's share links
are dead until a guardian consents by the emailed link, and again once consent is withdrawn."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from issuer.models import (
    AuditEvent,
    GuardianConsent,
    Learner,
    Organisation,
    OutboxMessage,
    ShareLink,
)
from issuer.models.base import now_utc

from .conftest import BASE_URL, login, post, sign_in_learner

pytestmark = pytest.mark.db


def _years_ago(years: int, days: int = 0) -> date:
    today = now_utc().date()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return day - timedelta(days=days)


def _set(database, model, row_id, **values):
    with database.transaction() as session:
        row = session.get(model, row_id)
        for name, value in values.items():
            setattr(row, name, value)


@pytest.fixture
def minor(make_learner, school, make_achievement, award_to, database, client):
    """Ona, 13, with a badge of a school that asks consent below 16, signed in, one link."""
    award_to(school, make_achievement(school))
    learner = make_learner("ona@pupils.example", "Ona Petraitytė")
    _set(database, Organisation, school.id, consent_age=16)
    _set(database, Learner, learner.id, birth_date=_years_ago(13))
    sign_in_learner(client, database, learner)
    assert post(client, "/portfolio/shares", {"title": "Mine"}).status_code == 302
    with database.transaction() as session:
        share = session.scalars(select(ShareLink)).one()
    return learner, share


def _consent_link(database) -> str:
    with database.transaction() as session:
        message = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert message is not None and message.org_id is None
    found = re.search(rf"{re.escape(BASE_URL)}(/guardian/[A-Za-z0-9_-]+)", message.body)
    assert found is not None, message.body
    return found.group(1)


def test_a_minors_link_is_dead_until_consent_and_again_after_its_withdrawal(
    app, client, database, minor
) -> None:
    _learner, share = minor
    stranger = app.test_client()
    assert stranger.get(f"/s/{share.public_id}").status_code == 404
    page = client.get("/portfolio/shares")
    assert "Closed until a guardian consents" in page.text and "Waiting for consent" in page.text

    asked = post(client, "/portfolio/shares/guardian", {"guardian_email": "Mama@Home.example"})
    assert asked.status_code == 302
    with database.transaction() as session:
        message = session.scalars(select(OutboxMessage).where(OutboxMessage.org_id.is_(None))).one()
        assert message.to_email == "mama@home.example"
        assert "Ona Petraitytė" in message.body
        consent = session.scalars(select(GuardianConsent)).one()
    link = _consent_link(database)
    assert consent.token_hash not in link  # stored hashed

    guardian = app.test_client()
    page = guardian.get(link)
    assert page.status_code == 200
    assert "What consenting means" in page.text and "withdraw" in page.text
    assert page.headers["Cache-Control"] == "private, no-store"
    assert stranger.get(f"/s/{share.public_id}").status_code == 404  # reading is not consenting

    assert post(guardian, link, {"choice": "consent"}).status_code == 302
    assert stranger.get(f"/s/{share.public_id}").status_code == 200
    assert "Consent given" in client.get("/portfolio/shares").text

    assert post(guardian, link, {"choice": "withdraw"}).status_code == 302
    assert stranger.get(f"/s/{share.public_id}").status_code == 404
    assert "Consent withdrawn" in guardian.get(link).text
    # a spent link cannot give consent again
    assert post(guardian, link, {"choice": "consent"}).status_code == 400
    assert stranger.get(f"/s/{share.public_id}").status_code == 404


def test_consent_withdrawn_with_a_newer_link_stops_every_link(app, client, database, minor) -> None:
    _learner, share = minor
    post(client, "/portfolio/shares/guardian", {"guardian_email": "mama@home.example"})
    first = _consent_link(database)
    guardian = app.test_client()
    post(guardian, first, {"choice": "consent"})
    assert app.test_client().get(f"/s/{share.public_id}").status_code == 200
    post(client, "/portfolio/shares/guardian", {"guardian_email": "papa@home.example"})
    second = _consent_link(database)
    assert second != first
    assert "Withdraw consent" in app.test_client().get(second).text
    assert post(app.test_client(), second, {"choice": "withdraw"}).status_code == 302
    assert app.test_client().get(f"/s/{share.public_id}").status_code == 404
    with database.transaction() as session:
        assert all(c.withdrawn_at is not None for c in session.scalars(select(GuardianConsent)))


def test_an_expired_consent_link_cannot_consent_and_an_unknown_one_is_404(
    app, client, database, minor
) -> None:
    _learner, share = minor
    post(client, "/portfolio/shares/guardian", {"guardian_email": "mama@home.example"})
    link = _consent_link(database)
    with database.transaction() as session:
        session.scalars(select(GuardianConsent)).one().expires_at = now_utc() - timedelta(minutes=1)
    guardian = app.test_client()
    assert "expired" in guardian.get(link).text
    assert post(guardian, link, {"choice": "consent"}).status_code == 400
    assert app.test_client().get(f"/s/{share.public_id}").status_code == 404
    assert guardian.get("/guardian/not-a-token").status_code == 404
    assert post(guardian, link, {"choice": "something"}).status_code == 400


def test_a_learner_without_a_birth_date_counts_as_a_minor_where_a_school_asks(
    app, client, database, minor
) -> None:
    learner, share = minor
    _set(database, Learner, learner.id, birth_date=None)
    assert app.test_client().get(f"/s/{share.public_id}").status_code == 404
    page = client.get("/portfolio/shares")
    assert "You have not given your birth date" in page.text and 'name="birth_date"' in page.text
    # no school asking: no consent needed, birth date or not
    with database.transaction() as session:
        for org in session.scalars(select(Organisation)):
            org.consent_age = None
    assert app.test_client().get(f"/s/{share.public_id}").status_code == 200


def test_the_highest_consent_age_of_the_learners_schools_counts(
    app, database, minor, make_org, make_achievement, award_to
) -> None:
    learner, share = minor
    _set(database, Learner, learner.id, birth_date=_years_ago(16, days=1))  # just 16
    assert app.test_client().get(f"/s/{share.public_id}").status_code == 200
    other = make_org("kaunas-school", "Kaunas School")
    award_to(other, make_achievement(other, "Choir"))
    _set(database, Organisation, other.id, consent_age=18)
    assert app.test_client().get(f"/s/{share.public_id}").status_code == 404
    _set(database, Learner, learner.id, birth_date=_years_ago(18))  # 18 today
    assert app.test_client().get(f"/s/{share.public_id}").status_code == 200


def test_the_birth_date_is_given_once_and_checked(app, client, database, minor) -> None:
    learner, share = minor
    _set(database, Learner, learner.id, birth_date=None)
    future = (now_utc().date() + timedelta(days=3)).isoformat()
    refused = post(client, "/portfolio/shares/birth-date", {"birth_date": future})
    assert refused.status_code == 400 and 'id="e-birth_date"' in refused.text
    assert (
        post(client, "/portfolio/shares/birth-date", {"birth_date": "yesterday"}).status_code == 400
    )
    adult = _years_ago(30).isoformat()
    assert post(client, "/portfolio/shares/birth-date", {"birth_date": adult}).status_code == 302
    assert app.test_client().get(f"/s/{share.public_id}").status_code == 200
    again = post(client, "/portfolio/shares/birth-date", {"birth_date": "2015-01-01"})
    assert again.status_code == 400
    with database.transaction() as session:
        assert session.get(Learner, learner.id).birth_date.isoformat() == adult


def test_the_guardian_address_is_checked_and_requests_are_limited(client, database, minor) -> None:
    bad = post(client, "/portfolio/shares/guardian", {"guardian_email": "not an address"})
    assert bad.status_code == 400 and 'id="e-guardian_email"' in bad.text
    own = post(client, "/portfolio/shares/guardian", {"guardian_email": "ona@pupils.example"})
    assert own.status_code == 400 and "one of your own addresses" in own.text
    for _ in range(5):
        assert (
            post(
                client, "/portfolio/shares/guardian", {"guardian_email": "m@home.example"}
            ).status_code
            == 302
        )
    sixth = post(client, "/portfolio/shares/guardian", {"guardian_email": "m@home.example"})
    assert sixth.status_code == 400 and "try again tomorrow" in sixth.text
    with database.transaction() as session:
        assert len(session.scalars(select(GuardianConsent)).all()) == 5


def test_a_minors_link_without_consent_is_not_listed_for_the_school(
    app, client, database, minor, school, make_user
) -> None:
    _learner, _share = minor
    post(client, "/portfolio/shares", {"title": "For the school", "org": school.slug})
    make_user("teacher@lyceum.example", org=school)
    teacher = app.test_client()
    login(teacher, "teacher@lyceum.example")
    assert "For the school" not in teacher.get(f"/staff/{school.slug}/shared").text
    post(client, "/portfolio/shares/guardian", {"guardian_email": "mama@home.example"})
    post(app.test_client(), _consent_link(database), {"choice": "consent"})
    assert "For the school" in teacher.get(f"/staff/{school.slug}/shared").text


def test_a_schools_admin_sets_the_consent_age_and_it_is_audited(
    app, database, school, make_user, make_org
) -> None:
    make_user("admin@lyceum.example", org=school, role="admin")
    make_user("teacher@lyceum.example", org=school)
    teacher = app.test_client()
    login(teacher, "teacher@lyceum.example")
    assert teacher.get(f"/staff/{school.slug}/settings").status_code == 404
    assert post(teacher, f"/staff/{school.slug}/settings", {"consent_age": "16"}).status_code == 404

    admin = app.test_client()
    login(admin, "admin@lyceum.example")
    page = admin.get(f"/staff/{school.slug}/settings")
    assert page.status_code == 200 and '<label for="f-consent_age">' in page.text
    for wrong in ("0", "99", "sixteen", "-3"):
        refused = post(admin, f"/staff/{school.slug}/settings", {"consent_age": wrong})
        assert refused.status_code == 400
        assert 'aria-invalid="true"' in refused.text and 'id="e-consent_age"' in refused.text
    assert post(admin, f"/staff/{school.slug}/settings", {"consent_age": "16"}).status_code == 302
    with database.transaction() as session:
        assert session.get(Organisation, school.id).consent_age == 16
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "org.update")).one()
        assert event.details["consent_age"] == {"before": None, "after": 16}
    assert 'value="16"' in admin.get(f"/staff/{school.slug}/settings").text
    assert post(admin, f"/staff/{school.slug}/settings", {"consent_age": ""}).status_code == 302
    with database.transaction() as session:
        assert session.get(Organisation, school.id).consent_age is None

    other = make_org("kaunas-school", "Kaunas School")
    make_user("admin@kaunas.example", org=other, role="admin")
    outsider = app.test_client()
    login(outsider, "admin@kaunas.example")
    assert outsider.get(f"/staff/{school.slug}/settings").status_code == 404
    assert post(outsider, f"/staff/{school.slug}/settings", {"consent_age": "9"}).status_code == 404
