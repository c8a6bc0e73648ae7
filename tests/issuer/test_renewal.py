"""Renewal: a new credential for an expired or expiring badge, the old one left as it was."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from badges.verification import Outcome, Verdict
from issuer.errors import Conflict, InvalidInput
from issuer.models import Achievement, AuditEvent, Award, Organisation
from issuer.models.base import now_utc
from issuer.services.audit import Actor
from issuer.services.awards import AwardInput, award_badge
from issuer.services.card_fields import CARD_COLUMNS, card_fields
from issuer.services.renewal import RENEWAL_WINDOW, renew_award
from issuer.urls import PublicUrls

from .conftest import BASE_URL, post

URLS = PublicUrls(BASE_URL)
TEACHER = Actor(label="Rūta", via="web")


@pytest.fixture
def school(make_org):
    return make_org()


@pytest.fixture
def held(school, make_achievement, database, sealer):
    """A badge valid for 30 days, awarded 20 days ago, with a level and evidence."""
    achievement = make_achievement(school, "First aid", validity_days=30)
    with database.transaction() as session:
        return award_badge(
            session,
            org=session.get(Organisation, school.id),
            achievement=session.get(Achievement, achievement.id),
            data=AwardInput(
                learner_name="Ona Petraitytė",
                learner_email="ona@pupils.example",
                level="Proficient",
                evidence_url="https://pupils.example/ona/first-aid.pdf",
                evidence_narrative="Led the class drill.",
            ),
            sealer=sealer,
            urls=URLS,
            now=now_utc() - timedelta(days=20),
        )


def renew(database, sealer, award, **kwargs):
    with database.transaction() as session:
        return renew_award(
            session,
            org=session.get(Organisation, award.org_id),
            award=session.get(Award, award.id),
            sealer=sealer,
            urls=URLS,
            actor=TEACHER,
            **kwargs,
        )


def test_renewal_keeps_the_award_and_gives_a_new_validity(held, database, sealer, make_verifier):
    with database.transaction() as session:  # the achievement edited since the award
        session.get(Achievement, held.achievement_id).name = "First aid (2027 rules)"
    new = renew(database, sealer, held)  # today: it expires within the renewal window
    old_credential = json.loads(held.credential_json)
    credential = json.loads(new.credential_json)
    assert new.renewal_of_id == held.id and new.reissue_of_id is None
    assert new.public_id != held.public_id and credential["id"] != old_credential["id"]
    # kept: the award date, the achievement as awarded, the level, the evidence, the learner
    assert credential["awardedDate"] == old_credential["awardedDate"]
    subject, old_subject = credential["credentialSubject"], old_credential["credentialSubject"]
    assert subject["achievement"] == old_subject["achievement"]
    assert subject["achievement"]["name"] == "First aid"
    assert subject["result"] == old_subject["result"] and subject["result"]
    assert credential["evidence"] == old_credential["evidence"] and credential["evidence"]
    assert subject["identifier"] == old_subject["identifier"]
    # new: the validity, from now for the achievement's 30 days, and the status entry
    assert new.valid_until == new.issued_at + timedelta(days=30)
    assert credential["validFrom"] != old_credential["validFrom"]
    assert credential["validUntil"] != old_credential["validUntil"]
    assert credential["credentialStatus"] != old_credential["credentialStatus"]
    for form in (new.credential_json, new.credential_jwt):
        report = make_verifier().verify(form)
        assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    # the old one is not revoked: valid until its date, then expired, and only that
    with database.transaction() as session:
        assert session.get(Award, held.id).revoked_at is None
    assert make_verifier().verify(held.credential_json).verdict is Verdict.VALID
    after = held.valid_until + timedelta(seconds=1)
    # (the status list, signed now, is read now: only the dates are judged at that date)
    old_report = make_verifier().verify(held.credential_json, now=after, check_status=False)
    assert old_report.verdict is Verdict.INVALID and not old_report.revoked
    assert [c.name for c in old_report.checks if c.outcome is Outcome.FAILED] == ["dates"]
    assert "expired" in old_report.check("dates").message


def test_the_renewed_badge_has_its_portfolio_card(held, database, sealer):
    """What the portfolio shows of the renewed badge is what it signed: the award's name,
    level and evidence, and the original's awarded date (read by column, never parsed)."""
    new = renew(database, sealer, held)
    signed = json.loads(new.credential_json)
    assert {c: getattr(new, c) for c in CARD_COLUMNS} == card_fields(
        signed, issued_at=new.issued_at
    )
    assert (new.card_name, new.level_name) == ("First aid", "Proficient")
    assert new.awarded_at == held.awarded_at and new.school_year == held.school_year
    assert new.card_evidence == [
        ["https://pupils.example/ona/first-aid.pdf", None, "Led the class drill."]
    ]


def test_an_expired_badge_is_renewed_from_the_day_of_renewal(held, database, sealer):
    later = held.valid_until + timedelta(days=10)  # expired ten days ago
    new = renew(database, sealer, held, now=later)
    credential = json.loads(new.credential_json)
    assert credential["validFrom"] == later.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert new.valid_until == later.replace(microsecond=0) + timedelta(days=30)
    assert credential["awardedDate"] == json.loads(held.credential_json)["awardedDate"]


def test_renewal_is_audited_and_tells_the_learner(held, database, sealer):
    new = renew(database, sealer, held, now=held.valid_until)
    with database.transaction() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "award.renew")).all()
        assert len(events) == 1
        assert events[0].actor == "Rūta" and events[0].subject == f"award:{held.public_id}"
        assert events[0].details["renewal"] == new.public_id
        assert "ona@" not in events[0].summary


def test_a_badge_is_renewed_once_and_only_when_it_is_due(
    held, school, make_achievement, award_to, database, sealer
):
    too_early = held.valid_until - RENEWAL_WINDOW - timedelta(days=1)
    with pytest.raises(InvalidInput, match="can be renewed from"):
        renew(database, sealer, held, now=too_early)
    renew(database, sealer, held, now=held.valid_until - timedelta(days=5))  # expiring
    with pytest.raises(Conflict, match="already renewed"):
        renew(database, sealer, held, now=held.valid_until)
    forever = award_to(school, make_achievement(school, "Choir"))
    with pytest.raises(InvalidInput, match="does not expire"):
        renew(database, sealer, forever)


def test_a_revoked_badge_is_not_renewed(held, database, sealer):
    from issuer.services.status import revoke_award

    with database.transaction() as session:
        revoke_award(session, award=session.get(Award, held.id), reason="Cheated.")
    with pytest.raises(Conflict, match="revoked"):
        renew(database, sealer, held, now=held.valid_until)


def test_another_schools_badge_is_not_found(held, make_org, database, sealer):
    from issuer.errors import NotFound

    other = make_org("kaunas", "Kaunas")
    with database.transaction() as session, pytest.raises(NotFound):
        renew_award(
            session,
            org=session.get(Organisation, other.id),
            award=session.get(Award, held.id),
            sealer=sealer,
            urls=URLS,
            actor=TEACHER,
        )


def test_the_staff_page_renews_with_a_button(held, school, make_user, auth, client, database):
    make_user("ruta@school.example", org=school)
    auth.login("ruta@school.example")
    page = client.get(f"/staff/{school.slug}/awards/{held.public_id}")
    text = page.get_data(as_text=True)
    assert "This badge expires soon." in text and "Renew this badge" in text
    response = post(client, f"/staff/{school.slug}/awards/{held.public_id}/renew")
    assert response.status_code == 302
    with database.transaction() as session:
        new = session.scalar(select(Award).where(Award.renewal_of_id == held.id))
        assert new is not None and new.awarded_by is not None
        new_id = new.public_id
    assert response.headers["Location"].endswith(f"/awards/{new_id}")
    assert "This badge renews" in client.get(response.headers["Location"]).get_data(as_text=True)
    old_page = client.get(f"/staff/{school.slug}/awards/{held.public_id}").get_data(as_text=True)
    assert "Renewed on" in old_page and "Renew this badge" not in old_page
    # again: refused with the reason on the page, nothing new
    again = post(client, f"/staff/{school.slug}/awards/{held.public_id}/renew")
    assert again.status_code == 409 and "already renewed" in again.get_data(as_text=True)
