"""Where the portfolio's parts meet: a badge's page in the portfolio leads to its reflection
and shows it; the staff outbox hides the claim link of a message the mail server sent (any
member of staff could otherwise claim a pupil's badge into their own learner account) and
keeps it in a message not sent (staff print it for the learner)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from issuer.models import Achievement, Award, Organisation, OutboxMessage
from issuer.models.base import now_utc
from issuer.services import steering
from issuer.services.awards import AwardInput, award_badge
from issuer.urls import PublicUrls

from .conftest import BASE_URL, sign_in_learner

pytestmark = pytest.mark.db

ONA = "ona@pupils.example"
CLAIM = re.compile(r"https?://\S+/claim/[A-Za-z0-9_-]+")


def _award(database, sealer, school, achievement, email: str = ONA) -> Award:
    with database.transaction() as session:
        return award_badge(
            session,
            org=session.get_one(Organisation, school.id),
            achievement=session.get_one(Achievement, achievement.id),
            data=AwardInput(learner_name="Ona Petraitytė", learner_email=email),
            sealer=sealer,
            urls=PublicUrls(BASE_URL),
        )


def test_the_badge_page_leads_to_its_reflection_and_shows_it(
    client, database, sealer, school, make_achievement, make_learner
) -> None:
    award = _award(database, sealer, school, make_achievement(school))
    learner = make_learner(ONA)
    sign_in_learner(client, database, learner)
    path = f"/portfolio/badges/{award.public_id}"
    reflection = f"{path}/reflection"

    page = client.get(path).text
    assert f'<a href="{reflection}">Write a reflection or add my evidence</a>' in page
    assert 'class="prose reflection"' not in page

    with database.transaction() as session:
        steering.save_reflection(
            session,
            session.get_one(type(learner), learner.id),
            award.public_id,
            "I *measured* nitrates. <script>alert(1)</script>",
        )
    page = client.get(path).text
    shown = re.search(r'<div class="prose reflection">(.*?)</div>', page, re.S)
    assert shown is not None
    assert "<em>measured</em>" in shown.group(1) and "<script" not in shown.group(1)
    assert f'<a href="{reflection}">Edit my reflection and evidence</a>' in page
    assert client.get(reflection).status_code == 200


def test_the_outbox_hides_the_claim_link_of_a_sent_message_only(
    client, database, sealer, school, make_achievement, make_user, auth
) -> None:
    achievement = make_achievement(school)
    _award(database, sealer, school, achievement, "sent@pupils.example")
    _award(database, sealer, school, achievement, "kept@pupils.example")
    with database.transaction() as session:
        messages = {m.to_email: m for m in session.scalars(select(OutboxMessage))}
        sent_link = CLAIM.search(messages["sent@pupils.example"].body)
        kept_link = CLAIM.search(messages["kept@pupils.example"].body)
        assert sent_link and kept_link  # both messages carry a claim link
        messages["sent@pupils.example"].sent_at = now_utc()  # the mail server took this one
    teacher = make_user("ruta@school.example", org=school)
    auth.login(teacher.email)

    page = client.get(f"/staff/{school.slug}/outbox").text
    articles = {
        address: article
        for article in re.findall(r'<article class="message">(.*?)</article>', page, re.S)
        for address in ("sent@pupils.example", "kept@pupils.example")
        if address in article
    }
    assert sent_link.group(0) not in page
    assert "(claim link sent by email)" in articles["sent@pupils.example"]
    assert "/claim/" not in articles["sent@pupils.example"]
    assert kept_link.group(0) in articles["kept@pupils.example"]  # staff print it
    assert "(claim link sent by email)" not in articles["kept@pupils.example"]
    # the rest of the sent message is shown as it was sent
    assert "/credentials/" in articles["sent@pupils.example"]
