"""One award through the service, exactly: what it refuses and why, and what it writes.

Written to kill the mutants tests/mutation/run.py found alive in award_badge
(issuer/services/awards.py); the status index retry is in test_status_index_retry.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from issuer.errors import AlreadyAwarded, InvalidInput
from issuer.models import Achievement, AuditEvent, Award, Organisation, OutboxMessage
from issuer.services.awards import AwardInput, award_badge
from issuer.urls import PublicUrls

from .conftest import BASE_URL

pytestmark = pytest.mark.db


@pytest.fixture
def school(make_org):
    return make_org()


@pytest.fixture
def achievement(make_achievement, school):
    return make_achievement(school)


def award(database, sealer, school, achievement, data: AwardInput, **kwargs):
    with database.transaction() as session:
        row = award_badge(
            session,
            org=session.get(Organisation, school.id),
            achievement=session.get(Achievement, achievement.id),
            data=data,
            sealer=sealer,
            urls=PublicUrls(BASE_URL),
            **kwargs,
        )
        return row.id


def test_bad_fields_are_refused_each_saying_why(database, sealer, school, achievement):
    data = AwardInput(learner_name=" ", learner_email="not an address")
    with pytest.raises(InvalidInput, match=r"^Please correct the marked fields\.$") as info:
        award(database, sealer, school, achievement, data)
    assert info.value.fields == {
        "learner_name": "Give the learner's name (at most 200 characters).",
        "learner_email": "Give a valid email address.",
    }
    with database.transaction() as session:
        assert session.scalars(select(Award)).all() == []


def test_a_learner_who_has_the_badge_is_not_awarded_it_again_when_asked(
    database, sealer, school, achievement, award_to
):
    first = award_to(school, achievement, email="ona@pupils.example", name="Ona Petraitytė")
    data = AwardInput(learner_name="Ona", learner_email=" ONA@pupils.example")
    with pytest.raises(AlreadyAwarded) as info:
        award(database, sealer, school, achievement, data, allow_again=False)
    assert str(info.value) == (
        f"Ona Petraitytė was already awarded this badge on {first.issued_at:%Y-%m-%d}."
    )
    assert info.value.earlier == first.issued_at
    again = award(database, sealer, school, achievement, data)  # allowed by default
    assert again != first.id


def test_an_award_writes_its_message_and_audit_entry(database, sealer, school, achievement):
    data = AwardInput(
        learner_name="Jonas", learner_email="jonas@pupils.example", narrative="Well done!"
    )
    award_id = award(database, sealer, school, achievement, data)
    with database.transaction() as session:
        row = session.get(Award, award_id)
        assert row.issued_at.microsecond == 0
        message = session.scalars(
            select(OutboxMessage).where(OutboxMessage.award_id == award_id)
        ).one()
        assert (message.to_email, message.to_name) == ("jonas@pupils.example", "Jonas")
        assert "A note from your teacher:\nWell done!" in message.body
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "award.issue")).one()
        assert event.subject == f"award:{row.public_id}"
        assert event.summary == f"Awarded “{achievement.name}” to Jonas"
        assert event.details == {"achievement": achievement.public_id, "award": row.public_id}


def test_an_award_names_who_gave_it_and_writes_in_the_language_chosen(
    database, sealer, school, achievement, make_user
):
    """The teacher who awards is stored on the award and named in its audit entry; the
    learner's message is in the language chosen for it (not the school's English); the
    message is noted for delivery once the transaction commits."""
    from issuer.services.audit import Actor
    from issuer.services.mail import NEW_MESSAGES

    teacher = make_user("ruta@vilnius.example", org=school, role="teacher")
    data = AwardInput(learner_name="Ona", learner_email="ona@pupils.example", language="lt")
    with database.transaction() as session:
        row = award_badge(
            session,
            org=session.get(Organisation, school.id),
            achievement=session.get(Achievement, achievement.id),
            data=data,
            sealer=sealer,
            urls=PublicUrls(BASE_URL),
            awarded_by=teacher.id,
            actor=Actor(label="Rūta", via="web", user_id=teacher.id),
        )
        message = session.scalars(
            select(OutboxMessage).where(OutboxMessage.award_id == row.id)
        ).one()
        assert session.info[NEW_MESSAGES] == [message.id]
        award_id = row.id
    with database.transaction() as session:
        assert session.get(Award, award_id).awarded_by == teacher.id
        message = session.scalars(
            select(OutboxMessage).where(OutboxMessage.award_id == award_id)
        ).one()
        assert message.subject == f"Jūsų ženklelis: {achievement.name}"
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "award.issue")).one()
        assert (event.actor, event.via, event.actor_user_id) == ("Rūta", "web", teacher.id)


def test_a_repeated_request_returns_its_award_even_when_no_second_award_is_allowed(
    database, sealer, school, achievement
):
    """The same form sent twice (a double click) with "not again": the second is the same
    request, answered with the first award, not refused as an award the learner already has."""
    data = AwardInput(learner_name="Ona", learner_email="ona@pupils.example")
    first = award(database, sealer, school, achievement, data, request_key="f1", allow_again=False)
    again = award(database, sealer, school, achievement, data, request_key="f1", allow_again=False)
    assert again == first
    with database.transaction() as session:
        assert len(session.scalars(select(Award)).all()) == 1
