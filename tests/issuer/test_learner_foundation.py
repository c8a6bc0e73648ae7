"""The foundation of the portfolio: which badges are a learner's, and separate sessions."""

from __future__ import annotations

import pytest
from flask import session as cookie_session
from sqlalchemy.exc import IntegrityError

from issuer.errors import InvalidInput
from issuer.models import Learner, LearnerEmail
from issuer.models.base import now_utc
from issuer.services import learners
from issuer.web import current_learner, current_user

from .conftest import login, sign_in_learner

pytestmark = pytest.mark.db


def test_a_portfolio_holds_the_awards_to_confirmed_addresses_only(
    database, school, make_achievement, award_to, make_learner
) -> None:
    achievement = make_achievement(school)
    before = award_to(school, achievement, email="Ona@Pupils.example ")
    award_to(school, achievement, email="someone.else@pupils.example")
    learner = make_learner("ona@pupils.example")
    after = award_to(school, achievement, email="ona@pupils.example", name="Ona P.")
    pending = make_learner("jonas@pupils.example", name="Jonas", confirmed=False)
    award_to(school, achievement, email="jonas@pupils.example", name="Jonas")
    with database.transaction() as session:
        mine = learners.portfolio_awards(session, session.get(Learner, learner.id))
        assert [award.id for award in mine] == [after.id, before.id]
        assert learners.portfolio_awards(session, session.get(Learner, pending.id)) == []
        assert (
            learners.learner_award(session, session.get(Learner, pending.id), before.public_id)
            is None
        )
        assert (
            learners.learner_award(session, session.get(Learner, learner.id), before.public_id).id
            == before.id
        )


def test_a_confirmed_address_belongs_to_one_account(database, make_learner) -> None:
    first = make_learner("ona@pupils.example")
    second = make_learner("ona@pupils.example", name="Someone", confirmed=False)
    with database.transaction() as session:
        with pytest.raises(InvalidInput):
            learners.confirm_email(session, session.get(Learner, second.id), "ONA@pupils.example")
    with pytest.raises(IntegrityError), database.transaction() as session:
        row = session.query(LearnerEmail).filter_by(learner_id=second.id).one()
        row.confirmed_at = now_utc()
    with database.transaction() as session:
        assert learners.confirmed_owner(session, "ona@pupils.example").id == first.id


def test_staff_and_learner_sessions_never_mix(
    app, client, database, make_learner, make_user, school
) -> None:
    learner = make_learner()
    make_user("teacher@school.example", org=school)
    sign_in_learner(client, database, learner)
    with client.session_transaction() as sess:
        cookie = dict(sess)
    with app.test_request_context():
        cookie_session.update(cookie)
        signed_in = current_learner()
        assert signed_in is not None and signed_in.id == learner.id
        assert current_user() is None  # a learner session is no staff login
    # a staff login in the same browser ends the learner's session, on the server too
    with client.session_transaction() as sess:
        token = sess["learner"]
    assert login(client, "teacher@school.example").status_code == 302
    with client.session_transaction() as sess:
        assert "learner" not in sess and "login" in sess
    with database.transaction() as session:
        assert learners.session_learner(session, token) is None
