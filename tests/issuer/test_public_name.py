"""The public badge page shows the learner's name only when the learner made it public
(and, for a minor, a guardian consented); otherwise "a learner of <school>". The signed
JSON and VC-JWT are served byte for byte as stored, whatever the page shows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from issuer.models import Award, GuardianConsent, Learner, Organisation
from issuer.models.base import now_utc

pytestmark = pytest.mark.db

NAME = "Ona Petraitytė"
ANONYMOUS = "a learner of Vilnius Lyceum"


def _set(database, model, row_id, **values):
    with database.transaction() as session:
        row = session.get(model, row_id)
        for name, value in values.items():
            setattr(row, name, value)


def _signed_forms(client, award) -> list[bytes]:
    path = f"/credentials/{award.public_id}"
    return [
        client.get(path, headers={"Accept": "application/vc+ld+json"}).data,
        client.get(path, headers={"Accept": "application/json"}).data,
        client.get(path + ".json").data,
        client.get(path + ".jwt").data,
        client.get(path, headers={"Accept": "application/vc+jwt"}).data,
    ]


@pytest.fixture
def badge(school, make_achievement, award_to, database):
    award = award_to(school, make_achievement(school), name=NAME, email="ona@pupils.example")
    with database.transaction() as session:
        return session.get(Award, award.id)


def _page(client, award) -> str:
    response = client.get(f"/credentials/{award.public_id}")
    assert response.status_code == 200
    return response.text


def test_an_unclaimed_badge_shows_no_name(client, badge) -> None:
    page = _page(client, badge)
    assert NAME not in page and ANONYMOUS in page


def test_the_name_shows_only_once_the_learner_makes_it_public(
    client, database, badge, make_learner
) -> None:
    learner = make_learner("ona@pupils.example", NAME)
    assert NAME not in _page(client, badge)
    _set(database, Learner, learner.id, name_public=True)
    page = _page(client, badge)
    assert NAME in page and ANONYMOUS not in page


def test_an_unconfirmed_address_makes_no_name_public(client, database, badge, make_learner) -> None:
    learner = make_learner("ona@pupils.example", NAME, confirmed=False)
    _set(database, Learner, learner.id, name_public=True)
    assert NAME not in _page(client, badge)


def test_a_minors_name_shows_only_with_a_guardians_consent(
    client, database, badge, make_learner, school
) -> None:
    learner = make_learner("ona@pupils.example", NAME)
    _set(database, Learner, learner.id, name_public=True, birth_date=None)
    _set(database, Organisation, school.id, consent_age=16)
    assert NAME not in _page(client, badge)  # no birth date: a minor here
    today = now_utc().date()
    _set(database, Learner, learner.id, birth_date=today.replace(year=today.year - 12))
    assert NAME not in _page(client, badge)
    with database.transaction() as session:
        consent = GuardianConsent(
            learner_id=learner.id,
            guardian_email="mama@home.example",
            token_hash="0" * 64,
            expires_at=now_utc() + timedelta(days=1),
            granted_at=now_utc(),
        )
        session.add(consent)
    assert NAME in _page(client, badge)
    with database.transaction() as session:
        session.get(GuardianConsent, consent.id).withdrawn_at = now_utc()
    assert NAME not in _page(client, badge)


def test_the_signed_json_and_jwt_stay_byte_identical(client, database, badge, make_learner) -> None:
    stored_json = badge.credential_json.encode()
    stored_jwt = (badge.credential_jwt or "").encode()
    assert stored_jwt  # the school signs both forms
    before = _signed_forms(client, badge)
    assert before == [stored_json, stored_json, stored_json, stored_jwt, stored_jwt]
    learner = make_learner("ona@pupils.example", NAME)
    assert _signed_forms(client, badge) == before
    _set(database, Learner, learner.id, name_public=True)
    assert NAME in _page(client, badge)
    assert _signed_forms(client, badge) == before
    with database.transaction() as session:
        assert session.get(Award, badge.id).credential_json.encode() == stored_json
