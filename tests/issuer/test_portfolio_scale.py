"""A portfolio of 500 badges reads no more statements than one of 5 (issue 13): every page of
the portfolio, and its shared page with reflections and own evidence, reads a bounded number
of statements whatever the number of badges, reflections and evidence. The home shows 48
badges a page: each of its pages reads as many statements, and every badge is on one.

The many badges are copies of three signed badges inserted as rows (signing 500 badges would
only test the signer): each its own public id, status index, date (over three school years),
reflection and own evidence link."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select

from issuer.models import (
    Achievement,
    Award,
    FrameworkItem,
    Learner,
    LearnerEvidence,
    Organisation,
    Reflection,
)
from issuer.models.base import now_utc
from issuer.services.awards import AwardInput, award_badge
from issuer.services.card_fields import CARD_COLUMNS
from issuer.services.network import school_year_label, term_of
from issuer.services.portfolio import PER_PAGE
from issuer.services.shares import ShareInput, create_share
from issuer.urls import PublicUrls

from .conftest import BASE_URL, sign_in_learner

pytestmark = pytest.mark.db

ONA = "ona@pupils.example"
PAGES = (
    "/portfolio/",
    "/portfolio/competences",
    "/portfolio/timeline",
    "/portfolio/shares",
    "/portfolio/goals",
    "/portfolio/export",  # counts the badges the archive holds, reads none
)
FIRST = datetime(2023, 9, 3, 9, tzinfo=UTC)


def statements(database: Any, client: Any, path: str) -> tuple[int, str]:
    """How many statements answering ``path`` sends to the database, and the page."""
    count = 0

    def counted(*args: Any) -> None:
        nonlocal count
        count += 1

    event.listen(database.engine, "before_cursor_execute", counted)
    try:
        answer = client.get(path)
    finally:
        event.remove(database.engine, "before_cursor_execute", counted)
    assert answer.status_code == 200, (path, answer.status_code)
    return count, answer.text


def add_badges(database: Any, learner_id: int, templates: list[int], count: int) -> None:
    """``count`` more badges like the signed ``templates`` (award ids), each with the
    learner's reflection and own evidence link, in three bulk inserts."""
    with database.transaction() as session:
        models = [session.get_one(Award, award_id) for award_id in templates]
        top = max(session.scalars(select(Award.status_index)).all())
        present = len(session.scalars(select(Award.id)).all())
        rows = []
        for n in range(count):
            model = models[n % len(models)]
            number = present + n
            rows.append(
                {
                    "public_id": f"scale-{number:06d}",
                    "org_id": model.org_id,
                    "achievement_id": model.achievement_id,
                    "key_id": model.key_id,
                    "learner_name": model.learner_name,
                    "learner_name_search": model.learner_name_search,
                    "learner_email": model.learner_email,
                    "credential_json": model.credential_json,
                    "status_index": top + 1 + n,
                    "issued_at": FIRST + timedelta(days=2 * number),  # over three school years
                }
                # its card's columns, as signing writes them (the same credential, the same card)
                | {column: getattr(model, column) for column in CARD_COLUMNS}
            )
        session.execute(insert(Award), rows)
        ids = session.scalars(
            select(Award.id).where(Award.public_id.in_([row["public_id"] for row in rows]))
        ).all()
        session.execute(
            insert(Reflection),
            [
                {"learner_id": learner_id, "award_id": i, "body_md": f"What I learned, *{i}*."}
                for i in ids
            ],
        )
        session.execute(
            insert(LearnerEvidence),
            [
                {
                    "public_id": f"ev-{i:08d}",
                    "learner_id": learner_id,
                    "award_id": i,
                    "title": f"My report {i}",
                    "url": f"https://ona.example/report/{i}",
                }
                for i in ids
            ],
        )


def test_500_badges_read_as_many_statements_as_5(
    client, database, sealer, school, make_achievement, make_learner
) -> None:
    with database.transaction() as session:
        items = session.scalars(select(FrameworkItem.id).order_by(FrameworkItem.id)).all()
    achievements = [
        make_achievement(school, name, alignment_ids=list(items[k : k + 2]))
        for k, name in enumerate(("Baltic Sea Project", "Heritage guide", "Model UN"))
    ]
    templates = []
    with database.transaction() as session:
        for k, achievement in enumerate(achievements):
            award = award_badge(
                session,
                org=session.get_one(Organisation, school.id),
                achievement=session.get_one(Achievement, achievement.id),
                data=AwardInput(
                    learner_name="Ona Petraitytė",
                    learner_email=ONA,
                    level=["Developing", "Proficient", "Mastered"][k],
                ),
                sealer=sealer,
                urls=PublicUrls(BASE_URL),
            )
            templates.append(award.id)
    learner = make_learner(ONA)
    add_badges(database, learner.id, templates, 2)  # 5 badges
    with database.transaction() as session:
        share = create_share(
            session,
            session.get_one(Learner, learner.id),
            ShareInput(title="Everything", include_reflections=True, include_evidence=True),
        )
        shared = f"/s/{share.public_id}"
    sign_in_learner(client, database, learner)

    few = {path: statements(database, client, path) for path in (*PAGES, shared)}
    add_badges(database, learner.id, templates, 495)  # 500 badges
    many = {path: statements(database, client, path) for path in (*PAGES, shared)}

    counts = {path: n for path, (n, _) in many.items()}
    assert counts == {path: n for path, (n, _) in few.items()}, counts
    # the home shows them a page at a time: every page reads as many statements as the one
    # page of 5, and every badge is on exactly one page
    pages = -(-500 // PER_PAGE)
    assert f"Page 1 of {pages}</p>" in many["/portfolio/"][1]
    shown: list[str] = []
    for number in range(1, pages + 1):
        n, page = statements(database, client, f"/portfolio/?page={number}")
        assert n == counts["/portfolio/"], (number, n)
        assert f"Page {number} of {pages}</p>" in page
        cards = re.findall(
            r'<li class="portfolio-card[^"]*">.*?href="/portfolio/badges/([^"]+)"', page, re.S
        )
        assert len(cards) == (PER_PAGE if number < pages else 500 - PER_PAGE * (pages - 1))
        shown += cards
    with database.transaction() as session:
        everything = set(
            session.scalars(select(Award.public_id).where(Award.learner_email == ONA)).all()
        )
    assert len(shown) == len(set(shown)) == 500 and set(shown) == everything
    for odd, number in (("999", pages), ("0", 1), ("²", 1), ("-2", 1), ("9" * 40, 1)):
        answer = client.get("/portfolio/", query_string={"page": odd})
        assert answer.status_code == 200 and f"Page {number} of {pages}</p>" in answer.text
    # a school year's badges page by themselves, the links keeping the year (the copies
    # keep their template's signed awardedDate: today's school year)
    this_year = term_of(now_utc()).school_year
    year = client.get(f"/portfolio/?year={this_year}&page=2").text
    assert f"Page 2 of {pages}</p>" in year and f"year={this_year}&amp;page=3" in year
    assert f"showing the school year {school_year_label(this_year)} (500)" in year
    # the map and the timeline count all 500; the shared page lists them all, with their
    # reflections and evidence
    assert "500 badges in " in many["/portfolio/competences"][1]
    assert "500 badges from 1 school" in many["/portfolio/timeline"][1]
    page = many[shared][1]
    assert page.count('<li class="shared-badge') == 500
    assert page.count("What I learned, <em>") == 497 and page.count("My report ") == 497
