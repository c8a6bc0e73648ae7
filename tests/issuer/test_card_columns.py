"""Every way of awarding writes the badge's portfolio card (issue 13): the columns the
portfolio reads instead of parsing credentials hold what was signed. A single award, a class
(``award_many``: the CSV upload, the API's batches and a pathway's class awarding use it),
and the demo; re-issue and renewal are checked where they are tested (test_keys.py,
test_renewal.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from issuer.demo import seed_demo
from issuer.models import Achievement, Award, Organisation
from issuer.services.awards import AwardInput, award_many
from issuer.services.card_fields import CARD_COLUMNS, card_fields, parse_credential
from issuer.urls import PublicUrls

from .conftest import BASE_URL

pytestmark = pytest.mark.db


def test_every_award_carries_the_card_of_what_it_signed(
    database, sealer, school, make_achievement
) -> None:
    achievement = make_achievement(school, "Baltic Sea Project")
    with database.transaction() as session:
        seed_demo(session, sealer=sealer, urls=PublicUrls(BASE_URL))
        award_many(
            session,
            org=session.get_one(Organisation, school.id),
            achievement=session.get_one(Achievement, achievement.id),
            rows=[
                AwardInput(
                    learner_name=f"Pupil {n}",
                    learner_email=f"pupil{n}@pupils.example",
                    level="Proficient" if n % 2 else "",
                    evidence_url=f"https://pupils.example/{n}" if n == 1 else "",
                )
                for n in range(3)
            ],
            sealer=sealer,
            urls=PublicUrls(BASE_URL),
        )
    with database.transaction() as session:
        awards = session.scalars(select(Award)).all()
        assert len(awards) > 10
        for award in awards:
            card = {column: getattr(award, column) for column in CARD_COLUMNS}
            signed = parse_credential(award.credential_json)
            assert signed is not None and award.awarded_at is not None, award.public_id
            assert card == card_fields(signed, issued_at=award.issued_at), award.public_id
            assert award.card_name == signed["credentialSubject"]["achievement"]["name"]
        pupils = {a.learner_email: a for a in awards if a.achievement_id == achievement.id}
        assert pupils["pupil1@pupils.example"].level_name == "Proficient"
        assert pupils["pupil0@pupils.example"].level_id is None
        assert pupils["pupil1@pupils.example"].card_evidence == [
            ["https://pupils.example/1", None, None]
        ]
