"""Pathways: the rule's checks, its evaluation (pure, with property tests), the achievement
form's pathway fields, the teachers' page (own school only, by class) and awarding once."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from issuer.errors import InvalidInput
from issuer.models import Achievement, Award, Organisation
from issuer.services.achievements import AchievementInput, Unchanged, update_achievement
from issuer.services.pathways import (
    MAX_DEPTH,
    achievement_ids,
    check_rule,
    depth,
    describe,
    evaluate,
)
from issuer.services.status import revoke_award

from .conftest import GOOD_ACHIEVEMENT, class_csv, confirm, post, preview

pytestmark = pytest.mark.db


def leaf(i: int) -> dict[str, Any]:
    return {"achievement": i}


# -- the rule's shape ---------------------------------------------------------------------------


def test_a_good_rule_comes_back_in_normal_form() -> None:
    rule = {
        "op": "all",
        "n": 7,
        "items": [leaf(1), {"op": "n", "n": 2, "items": [leaf(2), leaf(3), leaf(4)]}],
    }
    normal, problem = check_rule(rule)
    assert problem is None
    # "n" is kept only where it means something
    assert normal == {
        "op": "all",
        "items": [leaf(1), {"op": "n", "n": 2, "items": [leaf(2), leaf(3), leaf(4)]}],
    }
    assert achievement_ids(normal) == [1, 2, 3, 4]
    assert depth(normal) == 2


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (None, '"op"'),
        ({"op": "most", "items": [leaf(1)]}, '"op"'),
        ({"op": "all", "items": []}, "at least one"),
        ({"op": "all"}, "at least one"),
        ({"op": "n", "items": [leaf(1), leaf(2)]}, "n from 1 to 2"),
        ({"op": "n", "n": 0, "items": [leaf(1), leaf(2)]}, "n from 1 to 2"),
        ({"op": "n", "n": 3, "items": [leaf(1), leaf(2)]}, "n from 1 to 2"),
        ({"op": "n", "n": True, "items": [leaf(1), leaf(2)]}, "n from 1 to 2"),
        ({"op": "n", "n": "1", "items": [leaf(1)]}, "n from 1 to 1"),
        ({"op": "all", "items": [leaf(1), leaf(1)]}, "once"),
        ({"op": "all", "items": [{"achievement": "1"}]}, "An item"),
        ({"op": "all", "items": [{"achievement": 0}]}, "An item"),
        ({"op": "all", "items": [{"achievement": 1, "extra": 2}]}, "An item"),
        ({"op": "all", "items": [leaf(1)], "note": "x"}, 'only "op"'),
        ({"op": "all", "items": [leaf(i) for i in range(1, 52)]}, "at most 50"),
        ({"op": "all", "items": ["1"]}, '"op"'),
    ],
)
def test_bad_rules_are_refused_with_a_reason(rule: Any, message: str) -> None:
    normal, problem = check_rule(rule)
    assert normal is None
    assert problem is not None and message in problem


def test_nesting_is_limited() -> None:
    rule: dict[str, Any] = {"op": "all", "items": [leaf(1)]}
    for _ in range(MAX_DEPTH - 1):
        rule = {"op": "any", "items": [rule]}
    assert check_rule(rule)[1] is None
    deeper = {"op": "any", "items": [rule]}
    normal, problem = check_rule(deeper)
    assert normal is None and "deep" in str(problem)


def test_the_rule_in_words() -> None:
    rule = {
        "op": "all",
        "items": [leaf(1), {"op": "n", "n": 2, "items": [leaf(2), leaf(3), leaf(4)]}],
    }
    names = {1: "Heritage", 2: "Water", 3: "Forest", 4: "Air"}
    assert describe(rule, names) == "All of: Heritage; at least 2 of (Water; Forest; Air)"


# -- evaluation -------------------------------------------------------------------------------


def test_all_any_and_n() -> None:
    items = [leaf(1), leaf(2), leaf(3)]
    all_of = {"op": "all", "items": items}
    any_of = {"op": "any", "items": items}
    two_of = {"op": "n", "n": 2, "items": items}
    assert not evaluate(all_of, {1, 2}).satisfied
    assert (evaluate(all_of, {1, 2}).done, evaluate(all_of, {1, 2}).total) == (2, 3)
    assert evaluate(all_of, {1, 2, 3}).satisfied
    assert not evaluate(any_of, set()).satisfied
    assert (evaluate(any_of, {3}).done, evaluate(any_of, {3}).total) == (1, 1)
    assert evaluate(any_of, {3}).satisfied
    assert not evaluate(two_of, {3}).satisfied
    assert (evaluate(two_of, {3}).done, evaluate(two_of, {3}).total) == (1, 2)
    assert evaluate(two_of, {1, 3}).satisfied
    # more than needed: still "2 of 2"
    assert (evaluate(two_of, {1, 2, 3}).done, evaluate(two_of, {1, 2, 3}).total) == (2, 2)
    # ids of other achievements change nothing
    assert evaluate(all_of, {4, 5}).fraction == 0.0


def test_nested_groups_count_as_one_item() -> None:
    rule = {
        "op": "all",
        "items": [
            leaf(1),
            {"op": "any", "items": [leaf(2), {"op": "all", "items": [leaf(3), leaf(4)]}]},
        ],
    }
    progress = evaluate(rule, {1, 3})
    assert not progress.satisfied
    assert (progress.done, progress.total) == (1, 2)
    sub = progress.items[1]
    assert not sub.satisfied and sub.op == "any"
    assert (sub.items[1].done, sub.items[1].total) == (1, 2)
    # half of the inner "all" is the best of the "any": the bar stands at (1 + 0.5) / 2
    assert progress.fraction == pytest.approx(0.75)
    assert evaluate(rule, {1, 3, 4}).satisfied
    assert evaluate(rule, {1, 2}).satisfied
    assert not evaluate(rule, {2, 3, 4}).satisfied


ids = st.integers(min_value=1, max_value=8)


def rules(max_depth: int = 3) -> st.SearchStrategy[dict[str, Any]]:
    def group(children: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
        return st.tuples(
            st.sampled_from(["all", "any", "n"]), st.lists(children, min_size=1, max_size=4)
        ).flatmap(
            lambda t: st.builds(
                lambda n: {"op": t[0], "items": t[1]} | ({"n": n} if t[0] == "n" else {}),
                st.integers(min_value=1, max_value=len(t[1])),
            )
        )

    leaves = ids.map(leaf)
    return st.recursive(group(leaves), lambda inner: group(st.one_of(leaves, inner)), max_leaves=10)


def naive(rule: dict[str, Any], held: set[int]) -> bool:
    if "achievement" in rule:
        return rule["achievement"] in held
    results = [naive(item, held) for item in rule["items"]]
    need = {"all": len(results), "any": 1}.get(rule["op"], rule.get("n", 0))
    return sum(results) >= need


@settings(max_examples=300, deadline=None)
@given(rules(), st.sets(ids))
def test_evaluation_agrees_with_the_plain_reading(rule: dict[str, Any], held: set[int]) -> None:
    progress = evaluate(rule, held)
    assert progress.satisfied == naive(rule, held)
    # the bar is full exactly when the pathway is complete
    assert (progress.fraction == 1.0) == progress.satisfied
    assert 0.0 <= progress.fraction <= 1.0
    assert 0 <= progress.done <= progress.total
    assert (progress.done == progress.total) == progress.satisfied
    # holding every achievement named completes it; holding none leaves it at zero
    assert evaluate(rule, set(achievement_ids(rule))).satisfied
    assert evaluate(rule, set()).fraction == 0.0


@settings(max_examples=300, deadline=None)
@given(rules(), st.sets(ids), ids)
def test_another_badge_never_sets_progress_back(
    rule: dict[str, Any], held: set[int], extra: int
) -> None:
    before, after = evaluate(rule, held), evaluate(rule, held | {extra})
    assert after.fraction >= before.fraction
    assert after.satisfied or not before.satisfied


@settings(max_examples=200, deadline=None)
@given(rules())
def test_generated_rules_pass_the_shape_check_unless_they_repeat_an_achievement(
    rule: dict[str, Any],
) -> None:
    def repeats(node: dict[str, Any]) -> bool:
        here = [i["achievement"] for i in node["items"] if "achievement" in i]
        return len(here) != len(set(here)) or any(repeats(i) for i in node["items"] if "op" in i)

    normal, problem = check_rule(rule)
    if depth(rule) > MAX_DEPTH or repeats(rule):
        assert normal is None and problem
    else:
        assert problem is None and normal == rule


# -- checks against the database ------------------------------------------------------------------


def set_rule(database: Any, achievement: Any, rule: Any) -> Achievement:
    with database.transaction() as session:
        row = session.get(Achievement, achievement.id)
        org = session.get(Organisation, row.org_id)
        data = AchievementInput(name=row.name, description=row.description, requirement=rule)
        return update_achievement(session, achievement=row, org=org, data=data)


@pytest.fixture
def badges(school: Any, make_achievement: Any) -> dict[str, Any]:
    return {
        name: make_achievement(school, name)
        for name in ("Water", "Forest", "Air", "Heritage", "Guardian")
    }


def test_a_pathway_requires_only_its_own_schools_achievements(
    database: Any, school: Any, make_org: Any, make_achievement: Any, badges: dict[str, Any]
) -> None:
    other = make_achievement(make_org("kaunas", "Kaunas Gymnasium"), "Theirs")
    with pytest.raises(InvalidInput) as caught:
        set_rule(
            database,
            badges["Guardian"],
            {"op": "all", "items": [leaf(badges["Water"].id), leaf(other.id)]},
        )
    assert "your organisation" in caught.value.fields["requirement"]
    with pytest.raises(InvalidInput) as caught:
        set_rule(database, badges["Guardian"], {"op": "all", "items": [leaf(999_999)]})
    assert "your organisation" in caught.value.fields["requirement"]


def test_no_pathway_requires_itself_or_makes_a_circle(
    database: Any, badges: dict[str, Any]
) -> None:
    water, forest, air, guardian = (badges[k] for k in ("Water", "Forest", "Air", "Guardian"))
    with pytest.raises(InvalidInput) as caught:
        set_rule(database, guardian, {"op": "any", "items": [leaf(water.id), leaf(guardian.id)]})
    assert "itself" in caught.value.fields["requirement"]
    set_rule(database, guardian, {"op": "all", "items": [leaf(water.id), leaf(forest.id)]})
    set_rule(database, air, {"op": "all", "items": [leaf(guardian.id)]})  # a pathway of pathways
    with pytest.raises(InvalidInput) as caught:  # Water -> Air -> Guardian -> Water
        set_rule(database, water, {"op": "any", "items": [{"op": "all", "items": [leaf(air.id)]}]})
    assert "circle" in caught.value.fields["requirement"]
    with database.transaction() as session:
        assert session.get(Achievement, water.id).requirement in (None, {})


def test_the_rule_is_stored_normalised_and_kept_by_edits_that_do_not_name_it(
    database: Any, badges: dict[str, Any]
) -> None:
    guardian = badges["Guardian"]
    rule = {"op": "any", "n": 3, "items": [leaf(badges["Water"].id), leaf(badges["Air"].id)]}
    set_rule(database, guardian, rule)
    set_rule(database, guardian, Unchanged.KEEP)  # e.g. the API's PATCH of the name
    with database.transaction() as session:
        assert session.get(Achievement, guardian.id).requirement == {
            "op": "any",
            "items": [leaf(badges["Water"].id), leaf(badges["Air"].id)],
        }
    set_rule(database, guardian, None)
    with database.transaction() as session:
        assert not session.get(Achievement, guardian.id).requirement


# -- the achievement form ------------------------------------------------------------------------


@pytest.fixture
def teacher(client: Any, school: Any, make_user: Any, auth: Any) -> Any:
    make_user("teacher@school.example", org=school)
    auth.login("teacher@school.example")
    return client


def test_the_form_makes_a_pathway_with_a_sub_group(
    teacher: Any, database: Any, school: Any, badges: dict[str, Any]
) -> None:
    page = teacher.get(f"/staff/{school.slug}/achievements/new")
    assert "What the pathway requires" in page.text
    assert f'name="req_items" value="{badges["Water"].id}"' in page.text
    form = GOOD_ACHIEVEMENT | {
        "name": "Young Guardian",
        "req_op": "all",
        "req_items": [str(badges["Heritage"].id)],
        "req_sub_op": "n",
        "req_sub_n": "2",
        "req_sub_items": [str(badges[k].id) for k in ("Water", "Forest", "Air")],
    }
    response = post(teacher, f"/staff/{school.slug}/achievements/new", form)
    assert response.status_code == 302, response.text
    with database.transaction() as session:
        row = session.query(Achievement).filter_by(name="Young Guardian").one()
        assert row.requirement == {
            "op": "all",
            "items": [
                leaf(badges["Heritage"].id),
                {
                    "op": "n",
                    "n": 2,
                    "items": [leaf(badges[k].id) for k in ("Water", "Forest", "Air")],
                },
            ],
        }
        public_id = row.public_id
    # the edit form shows it again, ticked, with the rule in words
    page = teacher.get(f"/staff/{school.slug}/achievements/{public_id}/edit")
    assert re.search(r'name="req_op" value="all" checked', page.text)
    assert re.search(r'name="req_sub_op" value="n" checked', page.text)
    assert "Now: All of: Heritage; at least 2 of (Water; Forest; Air)." in page.text
    # an edit without a pathway choice makes it a plain achievement again
    response = post(
        teacher,
        f"/staff/{school.slug}/achievements/{public_id}/edit",
        GOOD_ACHIEVEMENT | {"name": "Young Guardian", "req_op": ""},
    )
    assert response.status_code == 302
    with database.transaction() as session:
        assert not session.query(Achievement).filter_by(public_id=public_id).one().requirement


def test_the_form_says_what_is_wrong_with_a_pathway(
    teacher: Any, school: Any, badges: dict[str, Any]
) -> None:
    response = post(
        teacher,
        f"/staff/{school.slug}/achievements/new",
        GOOD_ACHIEVEMENT | {"req_op": "n", "req_n": "3", "req_items": [str(badges["Water"].id)]},
    )
    assert response.status_code == 400
    assert 'id="e-requirement"' in response.text and "n from 1 to 1" in response.text
    # the ticks are kept for the next try
    assert re.search(f'name="req_items" value="{badges["Water"].id}" checked', response.text)
    response = post(
        teacher,
        f"/staff/{school.slug}/achievements/new",
        GOOD_ACHIEVEMENT | {"req_op": "all", "req_items": ["x"]},
    )
    assert response.status_code == 400 and "Tick achievements from the list" in response.text
    response = post(
        teacher,
        f"/staff/{school.slug}/achievements/new",
        GOOD_ACHIEVEMENT
        | {"req_op": "all", "req_items": [str(badges["Water"].id)], "req_sub_op": "any"},
    )
    assert response.status_code == 400 and "sub-group" in response.text


def test_a_rule_the_form_cannot_show_is_kept(
    teacher: Any, database: Any, school: Any, badges: dict[str, Any]
) -> None:
    w, f, a, h = (badges[k].id for k in ("Water", "Forest", "Air", "Heritage"))
    rule = {
        "op": "any",
        "items": [
            {"op": "all", "items": [leaf(w), leaf(f)]},
            {"op": "all", "items": [leaf(a), leaf(h)]},
        ],
    }
    guardian = set_rule(database, badges["Guardian"], rule)
    page = teacher.get(f"/staff/{school.slug}/achievements/{guardian.public_id}/edit")
    assert 'name="req_op" value="keep" checked' in page.text
    response = post(
        teacher,
        f"/staff/{school.slug}/achievements/{guardian.public_id}/edit",
        GOOD_ACHIEVEMENT | {"name": "Guardian", "req_op": "keep"},
    )
    assert response.status_code == 302
    with database.transaction() as session:
        assert session.get(Achievement, guardian.id).requirement == rule


# -- teachers: who completed it, by class; awarding once -------------------------------------------


@pytest.fixture
def pathway(database: Any, badges: dict[str, Any]) -> Achievement:
    return set_rule(
        database,
        badges["Guardian"],
        {
            "op": "all",
            "items": [
                leaf(badges["Water"].id),
                {"op": "any", "items": [leaf(badges["Forest"].id), leaf(badges["Air"].id)]},
            ],
        },
    )


def test_teachers_see_progress_by_class_and_award_once(
    teacher: Any,
    database: Any,
    school: Any,
    badges: dict[str, Any],
    pathway: Achievement,
    award_to: Any,
) -> None:
    # a class awarded "Water" from a CSV: learner1..learner4
    csv_b64, key = preview(teacher, school, badges["Water"], class_csv(4))
    done = confirm(teacher, school, badges["Water"], csv_b64, key).get_data(as_text=True)
    assert "All 4 badges were awarded" in done
    award_to(school, badges["Forest"], email="learner1@pupils.example", name="Learner 1")
    award_to(school, badges["Air"], email="Learner2@Pupils.example", name="Learner 2")
    revoked = award_to(school, badges["Forest"], email="learner3@pupils.example", name="Learner 3")
    with database.transaction() as session:
        revoke_award(session, award=session.get(Award, revoked.id), reason="Entered by mistake")
    award_to(school, badges["Forest"], email="solo@pupils.example", name="Solo")  # no class

    page = teacher.get(f"/staff/{school.slug}/pathways/{pathway.public_id}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    text = page.text
    assert "Class awarded “Water”" in text and "Learners awarded one by one" in text
    assert "2 of 4 completed." in text  # learner1 and learner2; learner3's Forest was revoked
    assert "learner3@pupils.example" in text and "solo@pupils.example" in text
    assert text.count(">Award<span") == 2
    assert "to all 2 who completed it" in text

    # one learner
    response = post(
        teacher,
        f"/staff/{school.slug}/pathways/{pathway.public_id}/award",
        {"email": "learner1@pupils.example"},
    )
    assert response.status_code == 302
    # again: the duplicate-award check refuses
    response = post(
        teacher,
        f"/staff/{school.slug}/pathways/{pathway.public_id}/award",
        {"email": "learner1@pupils.example"},
    )
    assert response.status_code == 409 and "already awarded" in response.text
    # someone who has not completed it: refused
    response = post(
        teacher,
        f"/staff/{school.slug}/pathways/{pathway.public_id}/award",
        {"email": "learner3@pupils.example"},
    )
    assert response.status_code == 409 and "has not completed" in response.text
    # all the others who completed it, at once
    response = post(
        teacher,
        f"/staff/{school.slug}/pathways/{pathway.public_id}/award",
        {"all": "1", "request_key": "k1"},
    )
    assert response.status_code == 302
    with database.transaction() as session:
        given = session.query(Award).filter_by(achievement_id=pathway.id).all()
        assert sorted(a.learner_email.lower() for a in given) == [
            "learner1@pupils.example",
            "learner2@pupils.example",
        ]
    page = teacher.get(f"/staff/{school.slug}/pathways/{pathway.public_id}")
    assert ">Award<span" not in page.text and "who completed it" not in page.text
    assert page.text.count("Awarded 20") == 2
    # the list page counts them
    listing = teacher.get(f"/staff/{school.slug}/pathways")
    assert "Guardian" in listing.text and "All of: Water; any one of (Forest; Air)" in listing.text


def test_teachers_see_only_their_own_schools_pathways(
    client: Any,
    database: Any,
    make_org: Any,
    make_user: Any,
    auth: Any,
    school: Any,
    pathway: Achievement,
) -> None:
    other = make_org("kaunas", "Kaunas Gymnasium")
    make_user("them@kaunas.example", org=other)
    auth.login("them@kaunas.example")
    assert client.get(f"/staff/{school.slug}/pathways").status_code == 404
    assert client.get(f"/staff/{school.slug}/pathways/{pathway.public_id}").status_code == 404
    assert client.get(f"/staff/{other.slug}/pathways/{pathway.public_id}").status_code == 404
    response = post(
        client,
        f"/staff/{other.slug}/pathways/{pathway.public_id}/award",
        {"email": "x@pupils.example"},
    )
    assert response.status_code == 404
    # a plain achievement is no pathway
    plain = database.transaction
    with plain() as session:
        water = session.query(Achievement).filter_by(name="Water").one().public_id
    auth.logout()
    make_user("teacher@school.example", org=school)
    auth.login("teacher@school.example")
    assert client.get(f"/staff/{school.slug}/pathways/{water}").status_code == 404
