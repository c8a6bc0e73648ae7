"""Searching names ignores case and diacritics (issue 12), the same on SQLite and PostgreSQL.

The staff's award search (the one place a person searches names) reads the folded copy of
each learner's name (``issuer.services.search``); these tests run on SQLite, and on
PostgreSQL when DATABASE_URL names one."""

from __future__ import annotations

import re
import unicodedata
import warnings

import pytest
from alembic import command
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select

from issuer.db import Database
from issuer.migrate import alembic_config, upgrade
from issuer.models import Award
from issuer.seed import seed_frameworks
from issuer.services import search
from issuer.services.achievements import AchievementInput, create_achievement
from issuer.services.awards import AwardInput, award_badge
from issuer.services.keys import Sealer
from issuer.services.orgs import create_organisation
from issuer.urls import PublicUrls

from .test_migrations import empty_database, empty_postgresql  # noqa: F401 (fixtures)

pytestmark = pytest.mark.db

NAMES = [
    "Ona Petraitytė",
    "Jonas Kazlauskas",
    "Žydrūnė Ąžuolaitė-Čiurlionienė",
    "Пётр Ёлкин",
    "Андрей Елкин",
    "Сергей Иванов",
    "Әлия Нұрланқызы",
    "Нурлан Асанов",
    "Tomasz Łukaszewski",
    "Rate 100% Learner",
    "Snake_Case Learner",
    "SnakeXCase Learner",
]


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Ona Petraitytė", "ona petraityte"),
        ("PETRAITYTĖ", "petraityte"),
        ("ąčęėįšųūž ĄČĘĖĮŠŲŪŽ", "aceeisuuz aceeisuuz"),
        ("Пётр ЁЛКИН", "петр елкин"),
        ("Андрей ЙОГА", "андрей йога"),  # й is a letter of its own, kept
        ("Әлия Нұрланқызы", "алия нурланкызы"),
        ("ӘҒҚҢӨҰҮҺІ әғқңөұүһі", "агкноуухи агкноуухи"),
        ("Łukasz Øster Đorđe", "lukasz oster dorde"),
        ("Straße", "strasse"),
        ("  Ona \t Petraitytė  ", "ona petraityte"),
        ("Ona Petraityte\u0307", "ona petraityte"),  # decomposed: e + combining dot
        ("100% snake_case", "100% snake_case"),
        ("", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert search.fold(text) == folded


def fold_char_by_char(text: str) -> str:
    """``fold`` as first written: each character decomposed alone (the reference)."""
    letters: list[str] = []
    for char in unicodedata.normalize("NFC", text).casefold():
        if char in search.KEPT:
            letters.append(char)
            continue
        letters.extend(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
    return " ".join("".join(letters).translate(search.LETTERS).split())


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        st.sampled_from("AaĖėĄąÉéйЙёЁӘәІіİıŁłß\u0307\u0306\u0301 \t-_%ﬁＡ")
        | st.characters(codec="utf-8")
    )
)
def test_fold_is_the_same_as_folding_each_character(text: str) -> None:
    assert search.fold(text) == fold_char_by_char(text)


@pytest.fixture
def searchable(client, make_org, make_user, make_achievement, award_to, auth):
    school = make_org()
    make_user("ruta@vilnius.example", org=school, role="teacher")
    assert auth.login("ruta@vilnius.example").status_code == 302
    achievement = make_achievement(school)
    for n, name in enumerate(NAMES):
        award_to(school, achievement, email=f"learner{n}@pupils.example", name=name)

    def found(typed: str) -> set[str]:
        page = client.get(f"/staff/{school.slug}/awards", query_string={"q": typed})
        assert page.status_code == 200, page.text
        return set(re.findall(r'/awards/[^"/]+">([^<]+)</a></td>', page.text))

    assert found("") == set(NAMES)  # the page lists each name as the search reads it
    return found


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Petraityte", {"Ona Petraitytė"}),
        ("PETRAITYTĖ", {"Ona Petraitytė"}),
        ("petraitytė", {"Ona Petraitytė"}),
        ("petraityt", {"Ona Petraitytė"}),  # a part of a name, as before
        ("zydrune azuolaite-ciurlioniene", {"Žydrūnė Ąžuolaitė-Čiurlionienė"}),
        ("ЧИУРЛ", set()),  # no transliteration between scripts
        ("Ёлкин", {"Пётр Ёлкин", "Андрей Елкин"}),
        ("елкин", {"Пётр Ёлкин", "Андрей Елкин"}),
        ("ПЁТР", {"Пётр Ёлкин"}),
        ("андреи", set()),  # й is not и
        ("сергей", {"Сергей Иванов"}),
        ("Нұрланқызы", {"Әлия Нұрланқызы"}),
        ("нурланкызы", {"Әлия Нұрланқызы"}),
        ("ӘЛИЯ", {"Әлия Нұрланқызы"}),
        ("алия", {"Әлия Нұрланқызы"}),
        ("Нұрлан", {"Әлия Нұрланқызы", "Нурлан Асанов"}),
        ("lukasz", {"Tomasz Łukaszewski"}),
        ("%", {"Rate 100% Learner"}),
        ("100%", {"Rate 100% Learner"}),
        ("_", {"Snake_Case Learner"}),
        ("snake_case", {"Snake_Case Learner"}),
        ("\\", set()),
        ("/", set()),  # SQLAlchemy's escape character, escaped in turn
        ("kazlauskas", {"Jonas Kazlauskas"}),
        ("nobody", set()),
        ("  ", set(NAMES)),  # nothing typed: everyone
    ],
)
def test_a_name_is_found_whatever_its_case_and_diacritics(searchable, typed, expected) -> None:
    assert searchable(typed) == expected


def test_the_search_stays_within_the_school_and_keeps_the_query_in_the_page_links(
    client, make_org, make_achievement, award_to, searchable
) -> None:
    other = make_org("kaunas-school", "Kaunas School")
    award_to(other, make_achievement(other), name="Ona Petraitytė")
    assert searchable("petraityte") == {"Ona Petraitytė"}  # one, the school's own


def test_every_award_is_written_with_its_folded_name(database, searchable) -> None:
    with database.transaction() as session:
        rows = session.execute(select(Award.learner_name, Award.learner_name_search)).all()
    assert rows and all(folded == search.fold(name) for name, folded in rows)


def test_0013_fills_the_folded_name_of_awards_written_before_it(
    empty_database: str,
    sealer: Sealer,
) -> None:
    """An award written before migration 0013 gets its folded name from the migration, as
    signing writes it now; downgrading drops the column (and its index) again."""
    upgrade(empty_database)
    database = Database(empty_database)
    try:
        with database.transaction() as session:
            seed_frameworks(session)
            org = create_organisation(session, sealer=sealer, slug="klaipeda", name="Klaipėda")
            achievement = create_achievement(
                session,
                org=org,
                data=AchievementInput(name="Baltic Sea Project", description="Water."),
            )
            award = award_badge(
                session,
                org=org,
                achievement=achievement,
                sealer=sealer,
                urls=PublicUrls("https://badges.example"),
                data=AwardInput(learner_name="Пётр Ёлкин", learner_email="petr@pupils.example"),
            )
            award_id = award.id
        database.dispose()

        command.downgrade(alembic_config(empty_database), "0008")  # as before 0013
        with database.engine.connect() as conn:
            names = {column["name"] for column in inspect(conn).get_columns("award")}
            with warnings.catch_warnings():  # the lower(learner_email) index is not reflected
                warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
                indexes = {index["name"] for index in inspect(conn).get_indexes("award")}
        assert "learner_name_search" not in names and "learner_name" in names
        assert "ix_award_org_id_learner_name_search" not in indexes
        database.dispose()

        upgrade(empty_database)
        with database.transaction() as session:
            assert session.get_one(Award, award_id).learner_name_search == "петр елкин"
    finally:
        database.dispose()
