"""A badge in several languages (issue 12): the verifier shows the version in the reader's
language when the credential's achievement embeds it in ``related[]`` (signed with the rest,
so nothing is fetched), says which language it shows, and offers the others."""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient

from badges.model import Related
from tests.conftest import SCHOOL_DID, build_credential
from tests.verifier.conftest import School

RUSSIAN = Related(
    id="https://school.example/achievements/water-ru",
    in_language="ru",
    version="1",
    name="Проект Балтийского моря",
    description="Следил за качеством воды на побережье Балтийского моря.",
    narrative="Взять десять проб за сезон.",
)


def lithuanian_badge(school: School, *related: Related) -> dict[str, Any]:
    unsigned = build_credential(SCHOOL_DID, name="Baltijos jūros projektas")
    achievement = unsigned["credentialSubject"]["achievement"]
    achievement["description"] = "Stebėjo vandens kokybę Baltijos pakrantėje."
    achievement["related"] = [entry.to_json() for entry in related]
    signed = school.sign(unsigned, proof="data-integrity").json
    assert signed is not None
    return signed


def verify(client: FlaskClient, badge: dict[str, Any], language: str, **form: str) -> str:
    """The page, up to the raw credential (which holds every version)."""
    answer = client.post(
        "/verify", data={"input": json.dumps(badge), **form}, headers={"Accept-Language": language}
    )
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    return html[: html.index('<pre class="raw">')]  # what the page shows, not the raw JSON


def test_a_lithuanian_reader_sees_the_lithuanian_version(
    client: FlaskClient, school: School
) -> None:
    html = verify(client, lithuanian_badge(school, RUSSIAN), "lt")
    assert "<h2>Baltijos jūros projektas</h2>" in html
    assert "Stebėjo vandens kokybę" in html and "Проект Балтийского моря" not in html
    assert 'Rodoma: Lietuvių; taip pat yra: <span lang="ru">Русский</span>' in html
    assert 'name="in" value="ru"' in html


def test_a_russian_reader_sees_the_russian_version(client: FlaskClient, school: School) -> None:
    html = verify(client, lithuanian_badge(school, RUSSIAN), "ru")
    assert "<h2>Проект Балтийского моря</h2>" in html
    assert "Следил за качеством воды" in html and "Взять десять проб за сезон." in html
    assert "Stebėjo vandens kokybę" not in html
    assert 'Показано: Русский; также доступно: <span lang="lt">Lietuvių</span>' in html
    assert "✔" in html  # the badge itself is valid


def test_a_reader_can_ask_for_another_version(client: FlaskClient, school: School) -> None:
    html = verify(client, lithuanian_badge(school, RUSSIAN), "en", **{"in": "ru"})
    assert '<h2 lang="ru">Проект Балтийского моря</h2>' in html
    assert 'Shown in Русский; also available in: <span lang="lt">Lietuvių</span>' in html


def test_a_reader_of_a_language_it_lacks_gets_the_awarded_version(
    client: FlaskClient, school: School
) -> None:
    html = verify(client, lithuanian_badge(school, RUSSIAN), "kk")
    assert '<h2 lang="lt">Baltijos jūros projektas</h2>' in html


def test_a_badge_in_one_language_says_nothing_of_languages(
    client: FlaskClient, school: School
) -> None:
    html = verify(client, lithuanian_badge(school), "ru")
    assert '<h2 lang="lt">Baltijos jūros projektas</h2>' in html
    assert 'class="versions"' not in html


def test_an_entry_without_its_text_is_not_fetched_nor_offered(
    client: FlaskClient, school: School
) -> None:
    bare = Related(id="https://elsewhere.example/achievements/1", in_language="ru")
    html = verify(client, lithuanian_badge(school, bare), "ru")
    assert '<h2 lang="lt">Baltijos jūros projektas</h2>' in html
    assert 'class="versions"' not in html


def test_a_forged_version_is_shown_only_as_untrusted_content(
    client: FlaskClient, school: School
) -> None:
    badge = lithuanian_badge(school, RUSSIAN)
    badge["credentialSubject"]["achievement"]["related"][0]["name"] = "Подделка"
    html = verify(client, badge, "ru")
    assert "Подделка" in html
    untrusted = html[html.index('class="untrusted"') :]
    assert "Подделка" in untrusted
