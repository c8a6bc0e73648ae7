"""Teachers suspend a badge and lift the suspension from its staff page, when their
organisation's badges carry a suspension-purpose status entry; verifiers follow."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from badges.verification import Verdict
from issuer.models import AuditEvent

from .conftest import login, post


@pytest.fixture
def teacher_of(make_user, client):
    def make(org):
        make_user(f"teacher@{org.slug}.example", org=org, role="teacher")
        assert login(client, f"teacher@{org.slug}.example").status_code == 302

    return make


def test_a_teacher_suspends_a_badge_and_lifts_it(
    client, make_org, make_achievement, award_to, teacher_of, make_verifier, database
):
    org = make_org("riga-school", "Riga School", status_method="bitstring-suspension")
    award = award_to(org, make_achievement(org), email="ona@pupils.example", name="Ona")
    teacher_of(org)
    page = f"/staff/{org.slug}/awards/{award.public_id}"
    assert f'action="{page}/suspend"' in client.get(page).text
    url = f"https://badges.test/credentials/{award.public_id}"
    assert make_verifier().verify(url).verdict is Verdict.VALID

    done = post(client, f"{page}/suspend", {"reason": "A complaint is being looked into"})
    assert done.status_code == 302
    shown = client.get(page).text
    assert (
        "Suspended: verifiers see this badge as not valid" in shown
        and "Lift the suspension" in shown
    )
    report = make_verifier().verify(url)
    assert report.verdict is Verdict.INVALID and "suspended" in report.check("status").message
    assert (
        post(client, f"{page}/suspend").status_code == 409
    )  # already suspended: said, not done twice

    assert post(client, f"{page}/unsuspend").status_code == 302
    assert make_verifier().verify(url).verdict is Verdict.VALID
    with database.transaction() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith("award.")).order_by(AuditEvent.id)
        ).all()
        logged = [
            (e.action, e.via, e.summary)
            for e in events
            if e.action in ("award.suspend", "award.unsuspend")
        ]
    assert logged == [
        (
            "award.suspend",
            "web",
            f"Suspended “{award.achievement.name}” of Ona: A complaint is being looked into",
        ),
        ("award.unsuspend", "web", f"Lifted the suspension of “{award.achievement.name}” of Ona"),
    ]
    assert all("ona@pupils.example" not in str(e.details) for e in events)


def test_badges_with_a_revocation_entry_offer_no_suspension(
    client, make_org, make_achievement, award_to, teacher_of, make_verifier
):
    org = make_org("vilnius-school", "Vilnius School")  # the default: revocation purpose
    award = award_to(org, make_achievement(org), email="jonas@pupils.example", name="Jonas")
    teacher_of(org)
    page = f"/staff/{org.slug}/awards/{award.public_id}"
    shown = client.get(page)
    assert shown.status_code == 200 and "/revoke" in shown.text and "/suspend" not in shown.text
    refused = post(client, f"{page}/suspend")
    assert refused.status_code == 409 and "cannot be suspended" in refused.text
    assert (
        make_verifier().verify(f"https://badges.test/credentials/{award.public_id}").verdict
        is Verdict.VALID
    )


def test_another_organisations_badge_cannot_be_suspended(
    client, make_org, make_achievement, award_to, teacher_of
):
    owner = make_org("riga-school", "Riga School", status_method="bitstring-suspension")
    award = award_to(owner, make_achievement(owner), email="ona@pupils.example")
    other = make_org("tartu-school", "Tartu School", status_method="bitstring-suspension")
    teacher_of(other)
    assert post(client, f"/staff/{other.slug}/awards/{award.public_id}/suspend").status_code == 404
    assert post(client, f"/staff/{owner.slug}/awards/{award.public_id}/suspend").status_code == 404
