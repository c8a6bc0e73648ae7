"""A class award builds each credential from a template of the data model's JSON (written
once per class, issue 15): every credential must be the one the data model writes for that
learner, key for key and in the same order (the stored text is what was signed)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badges.identity import hashed_email
from issuer.models import Achievement, Organisation, StatusMethod
from issuer.services import awards
from issuer.services.awards import AwardInput
from issuer.services.card_fields import card_fields
from issuer.urls import PublicUrls

from .conftest import BASE_URL

pytestmark = pytest.mark.db

NOW = datetime(2026, 9, 1, 8, 30, tzinfo=UTC)
LEVELS = ["Emerging", "Developing", "Proficient", "Mastered"]

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
optional_text = st.none() | st.just("") | texts
days = st.none() | st.dates(date(2020, 1, 1), date(2030, 12, 31))
rows = st.builds(
    AwardInput,
    learner_name=st.just("Ona Petraitytė"),
    learner_email=st.just("ona@pupils.example"),
    evidence_url=st.none() | st.just("") | st.just("https://pupils.example/river"),
    evidence_narrative=optional_text,
    evidence_file_url=st.none() | st.just("https://badges.example/evidence/abc"),
    level=st.none() | st.just("") | st.sampled_from(LEVELS),
    activity_start=days,
    activity_end=days,
    narrative=optional_text,
    publish_narrative=st.booleans(),
)


def by_the_model(ctx, data: AwardInput, **kwargs) -> dict:
    """The credential as the data model writes it, from the same per-learner values."""
    return awards._model_credential(
        ctx,
        status=awards._status(ctx, kwargs["status_index"]),
        results=[ctx.result(data.level)] if data.level else [],
        evidence=awards._evidence(data),
        activity_start=awards._as_datetime(data.activity_start),
        activity_end=awards._as_datetime(data.activity_end),
        narrative=(data.narrative or None) if data.publish_narrative else None,
        credential_id=ctx.urls.credential(kwargs["credential_public_id"]),
        now=kwargs["now"],
        awarded_date=kwargs.get("awarded_date"),
        identifier=kwargs["identifier"],
    )


@pytest.mark.parametrize("method", list(StatusMethod))
@pytest.mark.parametrize("validity_days", [None, 365])
def test_the_template_writes_what_the_data_model_writes(
    database, sealer, make_org, make_achievement, method, validity_days
) -> None:
    school = make_org(f"school-{method.value}-{validity_days}", status_method=method.value)
    achievement = make_achievement(school, levels=LEVELS, validity_days=validity_days)
    with database.transaction() as session:
        ctx = awards._context(
            session,
            session.get_one(Organisation, school.id),
            session.get_one(Achievement, achievement.id),
            sealer,
            PublicUrls(BASE_URL),
        )

        @settings(
            max_examples=60,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        )
        @given(rows, st.integers(0, 131071), st.none() | st.just(datetime(2025, 6, 1, tzinfo=UTC)))
        def check(data: AwardInput, index: int, awarded_date: datetime | None) -> None:
            built, plain = awards._built(
                ctx,
                data,
                credential_public_id="pid",
                status_index=index,
                now=NOW,
                awarded_date=awarded_date,
            )
            assert plain  # built from the template (its JSON is plain)
            subject = built["credentialSubject"]
            identifier = hashed_email(data.learner_email, salt=subject["identifier"][0]["salt"])
            expected = by_the_model(
                ctx,
                data,
                credential_public_id="pid",
                status_index=index,
                now=NOW,
                awarded_date=awarded_date,
                identifier=[identifier],
            )
            # the same JSON, key for key, in the same order
            assert orjson.dumps(built) == orjson.dumps(expected)
            # each built afresh: changing one changes no other
            again, _plain = awards._built(
                ctx, data, credential_public_id="pid", status_index=index, now=NOW
            )
            again["credentialSubject"]["achievement"]["name"] = "changed"
            assert subject["achievement"]["name"] == achievement.name

        check()
        session.rollback()


def test_a_class_shares_one_card_per_level_and_reads_evidence_from_each_credential(
    database, sealer, make_org, make_achievement
) -> None:
    school = make_org()
    achievement = make_achievement(school, levels=LEVELS)
    with database.transaction() as session:
        ctx = awards._context(
            session,
            session.get_one(Organisation, school.id),
            session.get_one(Achievement, achievement.id),
            sealer,
            PublicUrls(BASE_URL),
        )
        learners = [
            AwardInput(learner_name="A", learner_email="a@pupils.example", level="Proficient"),
            AwardInput(learner_name="B", learner_email="b@pupils.example", level="Emerging"),
            AwardInput(learner_name="C", learner_email="c@pupils.example", level="Proficient"),
            AwardInput(learner_name="D", learner_email="d@pupils.example"),
            AwardInput(
                learner_name="E",
                learner_email="e@pupils.example",
                level="Proficient",
                evidence_url="https://pupils.example/e",
            ),
        ]
        for index, data in enumerate(learners):
            draft = awards._draft(ctx, data, status_index=index, now=NOW)
            signed = awards._sign(draft)
            columns = awards._columns(
                draft, signed, now=NOW, awarded_by=None, request_key=None, batch_id=None
            )
            card = {key: columns[key] for key in card_fields(None, issued_at=NOW)}
            assert card == card_fields(signed.json, issued_at=NOW), data.learner_name
        assert sorted(key[2] or "" for key in ctx.cards) == ["", "Emerging", "Proficient"]
        session.rollback()
