"""Badges in several languages (issue 12): a language version of an achievement is an
achievement of its own, signed with its ``inLanguage`` and naming the others in
``related[]`` with their text; awarding picks the version in the learner's language."""

from __future__ import annotations

import json
from typing import Any

import pytest

from badges import standards
from badges.languages import language_versions as credential_versions
from badges.schema import schema_errors
from badges.verification import Verdict
from issuer.db import Database
from issuer.errors import InvalidInput, NotFound
from issuer.models import Achievement, AuditEvent, Organisation, OutboxMessage
from issuer.services.achievements import (
    AchievementInput,
    LanguageVersionInput,
    add_language_version,
    language_versions,
    update_achievement,
    version_in,
)
from issuer.services.awards import AwardInput, award_many
from issuer.urls import PublicUrls
from tests.issuer.conftest import BASE_URL, login, post

LT = {
    "name": "Baltijos jūros projektas",
    "description": "Visą sezoną stebėjo Baltijos upės vandens kokybę.",
    "criteria_md": "Paimti **dešimt** mėginių.",
    "levels": ["Pradedantis", "Besimokantis", "Pažengęs", "Meistras"],
    "language": "lt",
}
RU = LanguageVersionInput(
    language="ru",
    name="Проект Балтийского моря",
    description="Весь сезон следил за качеством воды в балтийской реке.",
    criteria_md="Взять **десять** проб.",
    levels=["Начинающий", "Развивающийся", "Уверенный", "Мастер"],
)


@pytest.fixture
def lt_school(make_org: Any) -> Organisation:
    return make_org("klaipeda", "Klaipėdos gimnazija", default_language="lt")


@pytest.fixture
def lt_badge(make_achievement: Any, lt_school: Organisation) -> Any:
    return make_achievement(lt_school, **LT)


def add_ru(database: Database, org: Organisation, achievement: Any, **changes: Any) -> Any:
    data = LanguageVersionInput(**(vars(RU) | changes))
    with database.transaction() as session:
        return add_language_version(
            session,
            org=session.get(Organisation, org.id),
            achievement=session.get(Achievement, achievement.id),
            data=data,
        )


def credential(award: Any) -> dict[str, Any]:
    return json.loads(award.credential_json)


def test_a_version_is_an_achievement_of_its_own_linked_to_the_first(
    database: Database, lt_school: Organisation, lt_badge: Any
) -> None:
    ru = add_ru(database, lt_school, lt_badge)
    with database.transaction() as session:
        row = session.get(Achievement, ru.id)
        first = session.get(Achievement, lt_badge.id)
        assert row.language_of_id == first.id and row.public_id != first.public_id
        assert (row.language, row.name, row.levels) == ("ru", RU.name, RU.levels)
        # what is not text comes from the first version
        assert row.image_sha256 == first.image_sha256
        assert row.achievement_type == first.achievement_type
        assert [v.id for v in language_versions(session, row)] == [first.id, row.id]
        assert [v.id for v in language_versions(session, first)] == [first.id, row.id]
        assert version_in(session, first, "ru").id == row.id
        assert version_in(session, row, "lt-LT").id == first.id
        assert version_in(session, first, "kk").id == first.id
        audit = session.query(AuditEvent).filter_by(action="achievement.create").all()
        assert any(e.details.get("language_of") == first.public_id for e in audit)


def test_a_version_of_a_version_joins_the_same_group(
    database: Database, lt_school: Organisation, lt_badge: Any
) -> None:
    ru = add_ru(database, lt_school, lt_badge)
    en = add_ru(database, lt_school, ru, language="en", name="Baltic Sea Project", levels=[])
    with database.transaction() as session:
        row = session.get(Achievement, en.id)
        assert row.language_of_id == lt_badge.id
        assert row.levels == LT["levels"]  # no names given: the first version's
        assert [v.language for v in language_versions(session, row)] == ["lt", "ru", "en"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"language": "lt"}, "language"),  # the first version's language
        ({"language": "lt-LT"}, "language"),  # the same language subtag
        ({"language": "Russian"}, "language"),
        ({"language": "ru-ru"}, "language"),  # the schema wants a region in capitals
        ({"name": " "}, "name"),
        ({"description": ""}, "description"),
        ({"levels": ["Один", "Два"]}, "levels"),  # four levels to name
        ({"levels": ["A", "A", "B", "C"]}, "levels"),
    ],
)
def test_a_bad_version_is_refused_field_by_field(
    database: Database, lt_school: Organisation, lt_badge: Any, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        add_ru(database, lt_school, lt_badge, **changes)
    assert field in refused.value.fields
    with database.transaction() as session:
        assert session.query(Achievement).count() == 1


def test_another_school_s_achievement_gets_no_version(
    database: Database, make_org: Any, lt_badge: Any
) -> None:
    other = make_org("other", "Other School")
    with pytest.raises(NotFound):
        add_ru(database, other, lt_badge)


def test_an_edit_cannot_give_a_version_a_language_the_group_has(
    database: Database, lt_school: Organisation, lt_badge: Any
) -> None:
    ru = add_ru(database, lt_school, lt_badge)
    with database.transaction() as session, pytest.raises(InvalidInput) as refused:
        update_achievement(
            session,
            achievement=session.get(Achievement, ru.id),
            org=session.get(Organisation, lt_school.id),
            data=AchievementInput(name="X", description="Y", language="lt"),
        )
    assert "language" in refused.value.fields


def test_each_version_signs_the_others_into_related(
    database: Database, lt_school: Organisation, lt_badge: Any, award_to: Any, make_verifier: Any
) -> None:
    ru = add_ru(database, lt_school, lt_badge)
    award = award_to(lt_school, lt_badge, language="lt", level="Pažengęs")
    signed = credential(award)
    achievement = signed["credentialSubject"]["achievement"]
    assert achievement["inLanguage"] == "lt" and achievement["name"] == LT["name"]
    assert achievement["related"] == [
        {
            "id": f"{BASE_URL}/achievements/{ru.public_id}",
            "type": ["Related"],
            "inLanguage": "ru",
            "version": "1",
            "name": RU.name,
            "description": RU.description,
            "narrative": RU.criteria_md,
        }
    ]
    assert schema_errors(signed, standards.ACHIEVEMENT_CREDENTIAL_SCHEMA) == []
    verifier = make_verifier()
    for form in (signed, award.credential_jwt):
        report = verifier.verify(form, recipient="ona@pupils.example")
        assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    assert [v.language for v in credential_versions(achievement)] == ["lt", "ru"]


def test_awarding_picks_the_version_in_the_language_of_the_message(
    database: Database, lt_school: Organisation, lt_badge: Any, award_to: Any
) -> None:
    ru = add_ru(database, lt_school, lt_badge)
    award = award_to(
        lt_school, lt_badge, email="ivan@pupils.example", language="ru", level="Pažengęs"
    )
    assert award.achievement_id == ru.id
    signed = credential(award)
    achievement = signed["credentialSubject"]["achievement"]
    assert achievement["inLanguage"] == "ru" and achievement["name"] == RU.name
    assert [r["inLanguage"] for r in achievement["related"]] == ["lt"]
    # the level as the Russian version names it (the same place in the list)
    level = signed["credentialSubject"]["result"][0]["achievedLevel"]
    assert level.startswith(f"{BASE_URL}/achievements/{ru.public_id}#level-")
    assert award.level_name == "Уверенный" and award.card_name == RU.name
    with database.transaction() as session:
        message = session.query(OutboxMessage).filter_by(award_id=award.id).one()
        assert RU.name in message.subject and "Ваш значок" in message.subject


def test_without_a_choice_the_learner_s_account_then_the_school_decides(
    database: Database,
    lt_school: Organisation,
    lt_badge: Any,
    award_to: Any,
    make_learner: Any,
) -> None:
    ru = add_ru(database, lt_school, lt_badge)
    learner = make_learner("ivan@pupils.example", "Ivan Petrov")
    with database.transaction() as session:
        session.merge(learner).language = "ru"
    assert award_to(lt_school, lt_badge, email="ivan@pupils.example").achievement_id == ru.id
    # no account: the school's language (Lithuanian), even when the Russian one was chosen
    assert award_to(lt_school, ru, email="ona@pupils.example").achievement_id == lt_badge.id
    # a language the badge has no version in: the one chosen
    assert (
        award_to(lt_school, ru, email="aru@pupils.example", language="kk").achievement_id == ru.id
    )


def test_a_learner_who_holds_any_version_holds_the_badge(
    database: Database, lt_school: Organisation, lt_badge: Any, award_to: Any, sealer: Any
) -> None:
    from issuer.errors import AlreadyAwarded

    ru = add_ru(database, lt_school, lt_badge)
    award_to(lt_school, lt_badge, email="ivan@pupils.example", language="ru")
    with pytest.raises(AlreadyAwarded):
        with database.transaction() as session:
            from issuer.services.awards import award_badge

            award_badge(
                session,
                org=session.get(Organisation, lt_school.id),
                achievement=session.get(Achievement, ru.id),
                data=AwardInput(learner_name="Ivan", learner_email="IVAN@pupils.example"),
                sealer=sealer,
                urls=PublicUrls(BASE_URL),
                allow_again=False,
            )


def test_a_retried_request_for_another_version_returns_the_first_award(
    database: Database, lt_school: Organisation, lt_badge: Any, award_to: Any
) -> None:
    add_ru(database, lt_school, lt_badge)
    first = award_to(
        lt_school, lt_badge, email="ivan@pupils.example", language="ru", request_key="k1"
    )
    again = award_to(
        lt_school, lt_badge, email="ivan@pupils.example", language="ru", request_key="k1"
    )
    assert again.id == first.id


def test_a_class_gets_each_learner_s_version(
    database: Database, lt_school: Organisation, lt_badge: Any, sealer: Any
) -> None:
    ru = add_ru(database, lt_school, lt_badge)
    rows = [
        AwardInput(learner_name="Ona", learner_email="ona@pupils.example", level="Meistras"),
        AwardInput(
            learner_name="Ivan",
            learner_email="ivan@pupils.example",
            language="ru",
            level="Meistras",
        ),
        AwardInput(learner_name="Aru", learner_email="aru@pupils.example", language="kk"),
    ]
    with database.transaction() as session:
        result = award_many(
            session,
            org=session.get(Organisation, lt_school.id),
            achievement=session.get(Achievement, lt_badge.id),
            rows=rows,
            sealer=sealer,
            urls=PublicUrls(BASE_URL),
        )
        got = [(a.achievement_id, a.level_name) for a in result.awards]
    assert got == [(lt_badge.id, "Meistras"), (ru.id, "Мастер"), (lt_badge.id, None)]


def test_a_class_without_a_language_chosen_gets_the_school_s_version(
    database: Database, lt_school: Organisation, lt_badge: Any, sealer: Any
) -> None:
    """As for one award: a learner with no language chosen and no account gets the
    version in the school's language (Lithuanian), even when the Russian one was chosen;
    a learner whose account chose Russian gets that one."""
    ru = add_ru(database, lt_school, lt_badge)
    rows = [
        AwardInput(learner_name="Ona", learner_email="ona@pupils.example"),
        AwardInput(learner_name="Jonas", learner_email="jonas@pupils.example", language="ru"),
    ]
    with database.transaction() as session:
        result = award_many(
            session,
            org=session.get(Organisation, lt_school.id),
            achievement=session.get(Achievement, ru.id),
            rows=rows,
            sealer=sealer,
            urls=PublicUrls(BASE_URL),
        )
        got = [a.achievement_id for a in result.awards]
    assert got == [lt_badge.id, ru.id]


def test_a_badge_signed_before_the_version_existed_keeps_what_it_was_signed_with(
    database: Database, lt_school: Organisation, lt_badge: Any, award_to: Any
) -> None:
    before = award_to(lt_school, lt_badge)
    add_ru(database, lt_school, lt_badge)
    assert "related" not in credential(before)["credentialSubject"]["achievement"]


# --- the pages ------------------------------------------------------------------------------


def staff_client(client: Any, make_user: Any, org: Organisation) -> Any:
    make_user("mokytoja@klaipeda.example", org=org)
    login(client, "mokytoja@klaipeda.example")
    return client


def test_the_staff_page_adds_a_version(
    client: Any, database: Database, make_user: Any, lt_school: Organisation, lt_badge: Any
) -> None:
    staff_client(client, make_user, lt_school)
    home = client.get("/staff/klaipeda").get_data(as_text=True)
    page_url = f"/staff/klaipeda/achievements/{lt_badge.public_id}/languages"
    assert f'href="{page_url}"' in home
    page = client.get(page_url, headers={"Accept-Language": "lt"}).get_data(as_text=True)
    assert "„Baltijos jūros projektas“ kalbos" in page
    # the choice offers the languages the badge is not in, each named in itself
    choice = page[page.index('id="f-language"') :]
    choice = choice[: choice.index("</select>")]
    assert 'value="ru" lang="ru">Русский' in choice and 'value="lt"' not in choice
    assert 'value="en" lang="en">English' in choice and 'value="kk"' in choice
    assert '<label for="f-language">' in page and '<label for="f-name">' in page
    answer = post(
        client,
        page_url,
        {
            "language": "ru",
            "name": RU.name,
            "description": RU.description,
            "criteria_md": RU.criteria_md,
            "levels": "\n".join(RU.levels),
        },
    )
    assert answer.status_code == 303
    done = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Pridėta versija: Русский." in done  # the school's language: Lithuanian
    assert f'lang="ru">{RU.name}</a>' in done
    with database.transaction() as session:
        row = session.query(Achievement).filter_by(language="ru").one()
        assert row.language_of_id == lt_badge.id and row.levels == RU.levels
    # the school's list marks it as a version
    home = client.get("/staff/klaipeda").get_data(as_text=True)
    assert "(versija: Русский)" in home


def test_a_bad_version_form_says_what_is_wrong_and_keeps_what_was_typed(
    client: Any, database: Database, make_user: Any, lt_school: Organisation, lt_badge: Any
) -> None:
    staff_client(client, make_user, lt_school)
    page_url = f"/staff/klaipeda/achievements/{lt_badge.public_id}/languages"
    answer = post(
        client, page_url, {"language": "ru", "name": RU.name, "description": "", "levels": "A"}
    )
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert 'aria-invalid="true" aria-describedby="e-description"' in html
    assert 'id="e-levels"' in html and RU.name in html
    with database.transaction() as session:
        assert session.query(Achievement).count() == 1


def test_another_school_s_staff_cannot_reach_the_page(
    client: Any, make_user: Any, make_org: Any, lt_badge: Any
) -> None:
    other = make_org("other", "Other School")
    make_user("t@other.example", org=other)
    login(client, "t@other.example")
    assert (
        client.get(f"/staff/other/achievements/{lt_badge.public_id}/languages").status_code == 404
    )
    assert client.get(
        f"/staff/klaipeda/achievements/{lt_badge.public_id}/languages"
    ).status_code in (
        403,
        404,
    )


def badge_page(client: Any, award: Any, language: str, query: str = "") -> str:
    answer = client.get(
        f"/credentials/{award.public_id}{query}",
        headers={"Accept-Language": language, "Accept": "text/html"},
    )
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_the_badge_page_shows_the_reader_s_version(
    client: Any, database: Database, lt_school: Organisation, lt_badge: Any, award_to: Any
) -> None:
    add_ru(database, lt_school, lt_badge)
    award = award_to(lt_school, lt_badge, language="lt")
    lithuanian = badge_page(client, award, "lt")
    assert f"<h1>{LT['name']}</h1>" in lithuanian
    assert "Rodoma: Lietuvių; taip pat yra: " in lithuanian
    assert f'href="/credentials/{award.public_id}?in=ru" lang="ru" hreflang="ru">Русский</a>' in (
        lithuanian
    )
    assert RU.description not in lithuanian
    russian = badge_page(client, award, "ru")
    assert f"<h1>{RU.name}</h1>" in russian
    assert RU.description in russian and "<strong>десять</strong>" in russian
    assert "Показано: Русский; также доступно: " in russian and LT["description"] not in russian
    # a link of the sentence shows that version whatever the page's language
    asked = badge_page(client, award, "en", "?in=ru")
    assert f'<h1 lang="ru">{RU.name}</h1>' in asked and "Shown in Русский" in asked
    # a language the badge is not in: the awarded version
    assert f'<h1 lang="lt">{LT["name"]}</h1>' in badge_page(client, award, "kk")
    # the signed JSON is served as it was signed
    served = client.get(f"/credentials/{award.public_id}", headers={"Accept": "application/json"})
    assert served.get_data(as_text=True) == award.credential_json


def test_a_badge_in_one_language_says_nothing_of_languages(
    client: Any, lt_school: Organisation, lt_badge: Any, award_to: Any
) -> None:
    award = award_to(lt_school, lt_badge)
    html = badge_page(client, award, "ru")
    assert f'<h1 lang="lt">{LT["name"]}</h1>' in html and 'class="versions"' not in html


# --- the JSON API -----------------------------------------------------------------------------


def test_the_api_adds_and_lists_versions_and_awards_the_learner_s(
    api: Any, achievement_id: str, make_verifier: Any
) -> None:
    languages = "/achievements/{achievement_id}/languages"
    added = api.post(
        languages,
        {
            "language": "ru",
            "name": RU.name,
            "description": RU.description,
            "levels": RU.levels,
        },
        achievement_id=achievement_id,
    )
    assert added.status_code == 201, added.json
    assert added.json["language"] == "ru" and added.json["language_of"] == achievement_id
    assert added.json["levels"] == RU.levels
    listed = api.get(languages, achievement_id=added.json["id"])
    assert [v["id"] for v in listed.json["versions"]] == [achievement_id, added.json["id"]]
    assert listed.json["versions"][0]["language_of"] is None
    # the same language again: refused, naming the field
    again = api.post(
        languages,
        {"language": "ru", "name": "X", "description": "Y"},
        achievement_id=achievement_id,
    )
    assert again.status_code == 400 and "language" in again.json["error"]["fields"]
    unknown = api.post(
        languages,
        {"language": "kk", "name": "X", "description": "Y", "colour": "red"},
        achievement_id=achievement_id,
    )
    assert unknown.status_code == 400 and "colour" in unknown.json["error"]["fields"]
    # an award in Russian is of the Russian version, and verifies
    award = api.post(
        "/achievements/{achievement_id}/awards",
        {"name": "Ivan", "email": "ivan@pupils.example", "language": "ru", "level": "Proficient"},
        achievement_id=achievement_id,
    )
    assert award.status_code == 201, award.json
    assert award.json["achievement_id"] == added.json["id"]
    signed = award.json["credential"]
    assert signed["credentialSubject"]["achievement"]["inLanguage"] == "ru"
    assert signed["credentialSubject"]["achievement"]["related"][0]["inLanguage"] == "en"
    assert make_verifier().verify(signed, recipient="ivan@pupils.example").verdict is Verdict.VALID
    bad = api.post(
        "/achievements/{achievement_id}/awards",
        {"name": "X", "email": "x@pupils.example", "language": "xx"},
        achievement_id=achievement_id,
    )
    assert bad.status_code == 400 and "language" in bad.json["error"]["fields"]


# --- pathways and goals -----------------------------------------------------------------------


def test_a_pathway_counts_any_language_version_of_the_badges_it_requires(
    database: Database,
    lt_school: Organisation,
    lt_badge: Any,
    award_to: Any,
    make_achievement: Any,
    make_learner: Any,
) -> None:
    from issuer.models import Learner
    from issuer.services import steering
    from issuer.services.achievements import language_groups

    ru = add_ru(database, lt_school, lt_badge)
    with database.transaction() as session:
        pathway = make_achievement(lt_school, "Jaunasis gidas", language="lt")
        row = session.get(Achievement, pathway.id)
        update_achievement(
            session,
            achievement=row,
            org=session.get(Organisation, lt_school.id),
            data=AchievementInput(
                name=row.name,
                description=row.description,
                language="lt",
                requirement={"op": "all", "items": [{"achievement": lt_badge.id}]},
            ),
        )
        groups = language_groups(session, [lt_badge.id, pathway.id])
        assert groups[lt_badge.id] == groups[ru.id] == {lt_badge.id, ru.id}
        assert groups[pathway.id] == {pathway.id}
    ivan = make_learner("ivan@pupils.example", "Ivan Petrov")
    award = award_to(lt_school, lt_badge, email="ivan@pupils.example", language="ru")
    assert award.achievement_id == ru.id
    with database.transaction() as session:
        (view,) = steering.goals_page(session, session.get(Learner, ivan.id)).pathways
        assert view.progress.satisfied
        report = steering.pathway_report(
            session, session.get(Organisation, lt_school.id), session.get(Achievement, pathway.id)
        )
        assert [(p.email, p.progress.satisfied) for p in report.learners] == [
            ("ivan@pupils.example", True)
        ]


def test_the_award_form_says_the_badge_is_in_other_languages(
    client: Any, database: Database, make_user: Any, lt_school: Organisation, lt_badge: Any
) -> None:
    staff_client(client, make_user, lt_school)
    form_url = f"/staff/klaipeda/achievements/{lt_badge.public_id}/award"
    english = {"Accept-Language": "en"}
    assert "This badge is also in" not in client.get(form_url, headers=english).get_data(
        as_text=True
    )
    add_ru(database, lt_school, lt_badge)
    html = client.get(form_url, headers=english).get_data(as_text=True)
    assert "This badge is also in Русский: a learner is awarded the version" in html
