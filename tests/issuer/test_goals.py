"""Goals and pathways in a learner's portfolio: pinning achievements or pathways (from the
goals page or an achievement's public page), their progress, and unpinning."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from issuer.models import Achievement, Award, Goal, Learner, Organisation
from issuer.services import steering
from issuer.services.achievements import AchievementInput, update_achievement
from issuer.services.status import revoke_award

from .conftest import post, sign_in_learner

pytestmark = pytest.mark.db


def make_pathway(database: Any, achievement: Any, rule: dict[str, Any]) -> Achievement:
    with database.transaction() as session:
        row = session.get(Achievement, achievement.id)
        return update_achievement(
            session,
            achievement=row,
            org=session.get(Organisation, row.org_id),
            data=AchievementInput(name=row.name, description=row.description, requirement=rule),
        )


@pytest.fixture
def world(
    database: Any, school: Any, make_org: Any, make_achievement: Any, award_to: Any
) -> dict[str, Any]:
    water, forest, air = (make_achievement(school, n) for n in ("Water", "Forest", "Air"))
    guardian = make_pathway(
        database,
        make_achievement(school, "Young Guardian"),
        {"op": "n", "n": 2, "items": [{"achievement": a.id} for a in (water, forest, air)]},
    )
    other = make_org("kaunas", "Kaunas Gymnasium")
    theirs = make_achievement(other, "Kaunas Choir")
    their_pathway = make_pathway(
        database,
        make_achievement(other, "Kaunas Pathway"),
        {"op": "all", "items": [{"achievement": theirs.id}]},
    )
    return {
        "water": water,
        "forest": forest,
        "air": air,
        "guardian": guardian,
        "theirs": theirs,
        "their_pathway": their_pathway,
        "water_award": award_to(school, water, email="ona@pupils.example"),
    }


@pytest.fixture
def ona(client: Any, database: Any, make_learner: Any) -> Any:
    learner = make_learner("ona@pupils.example")
    sign_in_learner(client, database, learner)
    return learner


def test_the_goals_page_shows_the_pathways_of_the_schools_that_awarded_the_learner(
    client: Any, world: dict[str, Any], ona: Any
) -> None:
    page = client.get("/portfolio/goals")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    assert 'aria-current="page">Goals and pathways' in page.text
    text = page.text
    assert "Young Guardian" in text and "Requires at least 2 of:" in text
    assert re.search(r'<progress max="100" value="50"[^>]*>', text)
    assert "1 of 2 requirements done" in text
    assert "Water" in text and "(done)" in text and "(not yet)" in text
    # another school's pathway is not offered: it never awarded Ona
    assert "Kaunas Pathway" not in text
    # the achievements she may pin are her school's
    choices = re.search(r'<select id="f-achievement".*?</select>', text, re.S)
    assert choices is not None
    assert "Young Guardian (pathway)" in choices.group(0) and "Kaunas" not in choices.group(0)
    assert ">Forest<" in choices.group(0) and ">Water<" not in choices.group(0)  # held already


def test_goals_are_pinned_show_progress_and_are_unpinned(
    client: Any, database: Any, school: Any, world: dict[str, Any], ona: Any, award_to: Any
) -> None:
    for key in ("guardian", "forest", "water"):
        response = post(client, "/portfolio/goals", {"achievement": world[key].public_id})
        assert response.status_code == 302
    # pinning again changes nothing
    assert (
        post(client, "/portfolio/goals", {"achievement": world["water"].public_id}).status_code
        == 302
    )
    with database.transaction() as session:
        assert session.scalar(select(func.count(Goal.id))) == 3
    page = client.get("/portfolio/goals").text
    goals = re.search(r'<ul class="goals">.*?</ul>\s*\n', page, re.S).group(0)
    items = re.findall(r'<li id="goal-\d+" class="goal( achieved)?">(.*?)</li>', goals, re.S)
    by_name = {
        re.search(r">([^<]+)</a></h3>", body).group(1): (bool(done), body) for done, body in items
    }
    assert set(by_name) == {"Young Guardian", "Forest", "Water"}
    assert by_name["Water"][0] and "Achieved" in by_name["Water"][1]
    assert not by_name["Forest"][0] and "Not yet achieved" in by_name["Forest"][1]
    assert (
        not by_name["Young Guardian"][0]
        and "1 of 2 requirements done" in by_name["Young Guardian"][1]
    )
    # Forest is awarded: the pathway is complete (2 of 3) and the Forest goal achieved
    award_to(school, world["forest"], email="ona@pupils.example")
    page = client.get("/portfolio/goals").text
    assert "Completed" in page and '<progress max="100" value="100"' in page
    assert page.count('status valid">Achieved') == 2
    # unpin
    assert post(client, f"/portfolio/goals/{world['forest'].public_id}/unpin").status_code == 302
    with database.transaction() as session:
        assert session.scalar(select(func.count(Goal.id))) == 2
    assert post(client, f"/portfolio/goals/{world['forest'].public_id}/unpin").status_code == 404


def test_revoked_and_suspended_badges_do_not_count_expired_ones_do(
    database: Any,
    school: Any,
    world: dict[str, Any],
    ona: Any,
    award_to: Any,
    make_achievement: Any,
) -> None:
    forest = award_to(school, world["forest"], email="ona@pupils.example")
    with database.transaction() as session:
        learner = session.get(Learner, ona.id)
        (view,) = steering.goals_page(session, learner).pathways
        assert view.progress.satisfied
        revoke_award(session, award=session.get(Award, forest.id), reason="Mistake")
    with database.transaction() as session:
        (view,) = steering.goals_page(session, session.get(Learner, ona.id)).pathways
        assert not view.progress.satisfied and view.progress.done == 1
        # a suspended badge is in doubt: it does not count while suspended
        air = award_to(school, world["air"], email="ona@pupils.example")
        session.get(Award, air.id).suspended = True
    with database.transaction() as session:
        (view,) = steering.goals_page(session, session.get(Learner, ona.id)).pathways
        assert not view.progress.satisfied
        # an expired badge still shows the learning was done
        award = session.get(Award, air.id)
        award.suspended = False
        award.valid_until = award.issued_at
    with database.transaction() as session:
        (view,) = steering.goals_page(session, session.get(Learner, ona.id)).pathways
        assert view.progress.satisfied


def test_an_achievements_public_page_offers_set_as_goal_to_a_signed_in_learner(
    client: Any, database: Any, world: dict[str, Any], ona: Any
) -> None:
    theirs = world["their_pathway"]
    page = client.get(f"/achievements/{theirs.public_id}")
    assert "Set as a goal" in page.text
    response = post(client, "/portfolio/goals", {"achievement": theirs.public_id})
    assert response.status_code == 302
    page = client.get("/portfolio/goals").text
    assert "Kaunas Pathway" in page and "Kaunas Gymnasium" in page
    assert "0 of 1 requirements done" in page
    # signed out, the public page has no such button
    with client.session_transaction() as sess:
        sess.clear()
    assert "Set as a goal" not in client.get(f"/achievements/{theirs.public_id}").text


def test_goals_are_the_learners_own(
    client: Any, database: Any, world: dict[str, Any], ona: Any, make_learner: Any
) -> None:
    post(client, "/portfolio/goals", {"achievement": world["guardian"].public_id})
    assert (
        post(client, "/portfolio/goals", {"achievement": "no-such-achievement"}).status_code == 404
    )
    jonas = make_learner("jonas@pupils.example", name="Jonas")
    sign_in_learner(client, database, jonas)
    page = client.get("/portfolio/goals")
    assert page.status_code == 200
    assert "Young Guardian" not in page.text  # no goals, and no school of his offers it
    assert post(client, f"/portfolio/goals/{world['guardian'].public_id}/unpin").status_code == 404
    with database.transaction() as session:
        assert [(g.learner_id, g.achievement_id) for g in session.query(Goal).all()] == [
            (ona.id, world["guardian"].id)
        ]


def test_the_number_of_goals_is_bounded(
    client: Any, database: Any, world: dict[str, Any], ona: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(steering, "MAX_GOALS", 2)
    post(client, "/portfolio/goals", {"achievement": world["water"].public_id})
    post(client, "/portfolio/goals", {"achievement": world["forest"].public_id})
    response = post(client, "/portfolio/goals", {"achievement": world["air"].public_id})
    assert response.status_code == 302
    assert "unpin one before adding another" in client.get("/portfolio/goals").text
    with database.transaction() as session:
        assert session.scalar(select(func.count(Goal.id))) == 2
