"""The verifier in the reader's language (issue 12): the switcher's cookie, else the
browser's Accept-Language, else English; the JSON API keeps its codes and gives its
messages in the language Accept-Language asks for (English by default)."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.verifier.conftest import Api, page


def test_english_by_default_and_the_browser_language_otherwise(client: FlaskClient) -> None:
    english = client.get("/")
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "Is this badge genuine?" in page(english).h1[0]
    assert {"Accept-Language", "Cookie"} <= set(english.vary)
    for language, heading in (
        ("lt", "Ar šis ženklelis tikras?"),
        ("ru", "Подлинный ли это значок?"),
        ("kk", "Бұл бейдж түпнұсқа ма?"),
    ):
        answer = client.get("/", headers={"Accept-Language": language})
        assert f'<html lang="{language}">' in answer.get_data(as_text=True)
        assert page(answer).h1[0] == heading


def test_the_switcher_sets_a_cookie_that_wins(client: FlaskClient) -> None:
    answer = client.post("/language", data={"lang": "kk", "next": "/"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/"
    assert (
        page(client.get("/", headers={"Accept-Language": "lt"})).h1[0] == "Бұл бейдж түпнұсқа ма?"
    )
    assert client.post("/language", data={"lang": "de"}).status_code == 400
    assert (
        client.post("/language", data={"lang": "lt", "next": "//evil.example/"}).headers["Location"]
        == "/"
    )


def test_the_api_keeps_its_codes_and_translates_its_messages(api: Api) -> None:
    english = api.post({"jwt": ""})
    russian = api.post({"jwt": ""}, headers={"Accept-Language": "ru"})
    assert english.status_code == russian.status_code == 400
    assert english.get_json()["error"]["code"] == russian.get_json()["error"]["code"]
    assert english.get_json()["error"]["message"] == '"jwt" must be a non-empty string.'
    assert russian.get_json()["error"]["message"] == "«jwt» должен быть непустой строкой."
    # a cookie chosen on the pages does not change the API's language
    api.client.set_cookie("lang", "lt")
    assert (
        api.post({"jwt": ""}).get_json()["error"]["message"]
        == english.get_json()["error"]["message"]
    )


def test_a_report_page_in_the_reader_s_language(client: FlaskClient, school: Any) -> None:
    link = school.publish("valid", school.issue())["json"]
    english = client.post("/verify", data={"input": link}).get_data(as_text=True)
    assert "This badge is genuine and valid." in english and "<strong>Signature</strong>" in english
    russian = client.post(
        "/verify", data={"input": link}, headers={"Accept-Language": "ru"}
    ).get_data(as_text=True)
    assert '<html lang="ru">' in russian
    assert "Этот значок подлинный и действителен." in russian
    assert "<strong>Подпись</strong>" in russian and "<strong>Сроки действия</strong>" in russian


def test_the_achievement_type_in_the_reader_s_language(client: FlaskClient, school: Any) -> None:
    """The badge's type ("Competency" in the credential) as the issuer's pages name it, in the
    reader's language; a type without a label as the credential writes it."""
    from verifier.i18n import achievement_type_label

    link = school.publish("typed", school.issue())["json"]
    english = client.post("/verify", data={"input": link}).get_data(as_text=True)
    assert "<dd>Competence (a skill shown)</dd>" in english
    lithuanian = client.post(
        "/verify", data={"input": link}, headers={"Accept-Language": "lt"}
    ).get_data(as_text=True)
    assert "<dd>Kompetencija (parodytas gebėjimas)</dd>" in lithuanian
    assert "Competency" not in lithuanian.split("<dd>", 1)[1].split("</dl>", 1)[0]
    assert achievement_type_label("ResearchDoctorate") == "ResearchDoctorate"
