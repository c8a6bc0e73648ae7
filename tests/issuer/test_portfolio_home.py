"""The portfolio's home (the learner's badges, with live status) and each badge in full."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from issuer.models import Achievement, Award, Learner, Organisation
from issuer.models.base import now_utc
from issuer.services import learners
from issuer.services import status as status_service
from issuer.services.awards import AwardInput, award_badge, award_many
from issuer.urls import PublicUrls

from .conftest import BASE_URL, post, sign_in_learner

pytestmark = pytest.mark.db

ONA = "ona@pupils.example"


@pytest.fixture
def suspending_school(make_org):
    return make_org("klaipeda", "Klaipėda Gymnasium", status_method="bitstring-suspension")


def award_at(database, sealer, org, achievement, *, when, email=ONA, **fields):
    with database.transaction() as session:
        return award_badge(
            session,
            org=session.get(Organisation, org.id),
            achievement=session.get(Achievement, achievement.id),
            data=AwardInput(learner_name="Ona Petraitytė", learner_email=email, **fields),
            sealer=sealer,
            urls=PublicUrls(BASE_URL),
            now=when,
        )


def cards(page: str) -> list[str]:
    return re.findall(r'<li class="portfolio-card[^"]*">(.*?)</li>', page, re.S)


def test_the_badges_come_newest_first_with_their_live_status(
    client,
    database,
    sealer,
    school,
    suspending_school,
    make_achievement,
    make_learner,
) -> None:
    today = now_utc()
    baltic = make_achievement(school, "Baltic Sea Project")
    heritage = make_achievement(suspending_school, "Heritage guide", levels=[])
    short = make_achievement(school, "First aid", validity_days=30, levels=[])
    valid = award_at(
        database, sealer, school, baltic, when=today - timedelta(days=1), level="Proficient"
    )
    revoked = award_at(database, sealer, school, baltic, when=today - timedelta(days=20))
    suspended = award_at(
        database, sealer, suspending_school, heritage, when=today - timedelta(days=40)
    )
    expired = award_at(database, sealer, school, short, when=today - timedelta(days=400))
    award_at(database, sealer, school, baltic, when=today, email="someone.else@pupils.example")
    with database.transaction() as session:
        status_service.revoke_award(
            session, award=session.get(Award, revoked.id), reason="Awarded by mistake."
        )
        status_service.set_suspended(
            session,
            award=session.get(Award, suspended.id),
            org=session.get(Organisation, suspending_school.id),
            suspended=True,
        )
    learner = make_learner(ONA)
    sign_in_learner(client, database, learner)
    page = client.get("/portfolio/")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    assert '<meta name="robots" content="noindex, nofollow">' in page.text
    assert 'href="/portfolio/" aria-current="page"' in page.text
    shown = cards(page.text)
    assert len(shown) == 4  # someone else's badge is not here
    order = [valid, revoked, suspended, expired]
    for card, award in zip(shown, order, strict=True):
        assert f"/portfolio/badges/{award.public_id}" in card
    assert "Baltic Sea Project" in shown[0] and "Vilnius Lyceum" in shown[0]
    assert 'Level: <strong>Proficient</strong> <span class="muted">(3 of 4)</span>' in shown[0]
    assert (today - timedelta(days=1)).date().isoformat() in shown[0]
    assert f'src="{BASE_URL}/images/' in shown[0]
    assert '<span class="status valid">Valid</span>' in shown[0]
    assert '<span class="status revoked">Revoked</span>' in shown[1]
    assert "Suspended" in shown[2] and "Klaipėda Gymnasium" in shown[2]
    assert '<span class="status expired">Expired</span>' in shown[3]


def test_an_empty_portfolio_explains_how_badges_arrive(client, database, make_learner) -> None:
    sign_in_learner(client, database, make_learner(ONA))
    page = client.get("/portfolio/")
    assert page.status_code == 200 and "No badges here yet" in page.text
    assert "claim link" in page.text and 'href="/learner/account"' in page.text


def test_the_school_year_filter(
    client, database, sealer, school, make_achievement, make_learner
) -> None:
    achievement = make_achievement(school, levels=[])
    this_year = award_at(
        database, sealer, school, achievement, when=now_utc().replace(month=10, day=2)
    )
    year_before = now_utc().replace(year=now_utc().year - 1, month=3, day=15)
    last = award_at(database, sealer, school, achievement, when=year_before)
    sign_in_learner(client, database, make_learner(ONA))
    everything = client.get("/portfolio/").text
    assert len(cards(everything)) == 2 and '<label for="f-year">School year</label>' in everything
    start = year_before.year - 1  # 15 March is in the school year begun the September before
    label = f"{start}/{(start + 1) % 100:02d}"  # as the network view and timeline say
    assert f'<option value="{start}">{label}</option>' in everything
    chosen = client.get(f"/portfolio/?year={start}").text
    assert [c for c in cards(chosen) if last.public_id in c] == cards(chosen)
    assert len(cards(chosen)) == 1 and this_year.public_id not in chosen
    for odd in ("1999", "²", "9" * 40, "-1", " 2025"):  # unknown or not a year: all
        page = client.get("/portfolio/", query_string={"year": odd})
        assert page.status_code == 200 and len(cards(page.text)) == 2


def test_a_badge_in_full(client, database, sealer, school, make_achievement, make_learner):
    achievement = make_achievement(
        school,
        "Baltic Sea Project",
        criteria_md="Take part in **six** sampling days.",
        level_descriptions=["", "", "", "Leads the sampling and teaches others."],
    )
    award = award_at(
        database,
        sealer,
        school,
        achievement,
        when=now_utc(),
        level="Mastered",
        evidence_url="https://school.example/report.pdf",
        evidence_narrative="The river report.",
    )
    sign_in_learner(client, database, make_learner(ONA))
    page = client.get(f"/portfolio/badges/{award.public_id}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    assert '<meta name="robots" content="noindex, nofollow">' in page.text
    text = page.text
    assert "<h1>Baltic Sea Project</h1>" in text
    assert "<strong>six</strong>" in text  # the criteria, as sanitised Markdown
    assert '<dt>Level</dt><dd class="level"><strong>Mastered</strong>' in text
    assert "(level 4 of 4)" in text and "Leads the sampling and teaches others." in text
    assert 'href="https://school.example/report.pdf"' in text and "The river report." in text
    assert "Vilnius Lyceum" in text and '<p class="status valid" role="status">Valid</p>' in text
    assert f'href="/credentials/{award.public_id}"' in text
    assert f"https://verify.test/verify?url={BASE_URL}/credentials/{award.public_id}" in text


def test_a_revoked_badge_page_says_so(
    client, database, sealer, school, make_achievement, make_learner
) -> None:
    award = award_at(database, sealer, school, make_achievement(school), when=now_utc())
    with database.transaction() as session:
        status_service.revoke_award(
            session, award=session.get(Award, award.id), reason="Awarded twice."
        )
    sign_in_learner(client, database, make_learner(ONA))
    text = client.get(f"/portfolio/badges/{award.public_id}").text
    assert "This badge was revoked" in text and "Awarded twice." in text


def test_another_learners_badge_is_not_found(
    client, database, sealer, school, make_achievement, make_learner
) -> None:
    theirs = award_at(
        database, sealer, school, make_achievement(school), when=now_utc(), email="jonas@x.example"
    )
    make_learner("jonas@x.example", name="Jonas")
    sign_in_learner(client, database, make_learner(ONA))
    other = client.get(f"/portfolio/badges/{theirs.public_id}")
    missing = client.get("/portfolio/badges/AAAAAAAAAAAAAAAAAAAAAA")
    assert other.status_code == missing.status_code == 404
    assert other.text == missing.text and "Jonas" not in other.text
    assert other.headers["Cache-Control"] == "private, no-store"


def test_signed_out_the_pages_lead_to_the_learner_sign_in(client) -> None:
    for path in ("/portfolio/", "/portfolio/badges/AAAAAAAAAAAAAAAAAAAAAA"):
        answer = client.get(path)
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith("/learner/login?next=")


def test_the_portfolio_reads_a_bounded_number_of_statements(
    app, client, database, sealer, school, make_achievement, make_learner
) -> None:
    achievement = make_achievement(school)
    learner = make_learner(ONA)
    with database.transaction() as session:  # addresses school and personal, all confirmed
        for n in range(30):
            learners.confirm_email(session, session.get(Learner, learner.id), f"ona{n}@x.example")
    sign_in_learner(client, database, learner)

    def award_class(numbers: range) -> None:
        """Each number: a badge to one of the learner's addresses and one to a stranger."""
        emails = [f"ona{n}@x.example" for n in numbers] + [f"other{n}@x.example" for n in numbers]
        with database.transaction() as session:
            award_many(
                session,
                org=session.get(Organisation, school.id),
                achievement=session.get(Achievement, achievement.id),
                rows=[
                    AwardInput(learner_name="Ona", learner_email=email, level="Developing")
                    for email in emails
                ],
                sealer=sealer,
                urls=PublicUrls(BASE_URL),
            )

    def statements(path: str) -> int:
        count = 0

        def counted(*args) -> None:
            nonlocal count
            count += 1

        event.listen(database.engine, "before_cursor_execute", counted)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(database.engine, "before_cursor_execute", counted)
        return count

    award_class(range(2))
    few = statements("/portfolio/")
    award_class(range(2, 30))
    many = statements("/portfolio/")
    assert few == many
    assert len(cards(client.get("/portfolio/").text)) == 30


def test_signing_out_from_the_portfolio(client, database, make_learner) -> None:
    sign_in_learner(client, database, make_learner(ONA))
    page = client.get("/portfolio/").text
    assert 'action="/learner/logout"' in page
    assert post(client, "/learner/logout").status_code == 302
    assert client.get("/portfolio/").status_code == 302


def test_the_demo_learner_signs_in_to_a_portfolio(app, client, database, sealer) -> None:
    from issuer.demo import DEMO_PASSWORD, demo_share, seed_demo

    with database.transaction() as session:
        logins = seed_demo(session, sealer=sealer, urls=PublicUrls(BASE_URL))
    assert logins is not None and logins.learner == "ona@learners.example"
    signed_in = post(client, "/learner/login", {"email": logins.learner, "password": DEMO_PASSWORD})
    assert signed_in.status_code == 302
    page = client.get("/portfolio/").text
    shown = cards(page)
    assert len(shown) == 4 and "Level: <strong>Proficient</strong>" in page
    assert "Level: <strong>Developing</strong>" in page  # a year earlier: her level grew
    assert '<label for="f-year">School year</label>' in page  # badges from two school years
    account = client.get("/learner/account").text
    assert "ona.petraityte@home.example" in account and "waiting for confirmation" not in account
    # a reflection, a pathway half done pinned as a goal, and a share link that answers
    goals = client.get("/portfolio/goals").text
    assert "Young Baltic ambassador" in goals and "2 of 4 requirements done" in goals
    with database.transaction() as session:
        share = demo_share(session)
    assert share is not None
    shared = client.get(f"/s/{share}")
    assert shared.status_code == 200
    assert "the nitrate levels had doubled since autumn" in shared.text
