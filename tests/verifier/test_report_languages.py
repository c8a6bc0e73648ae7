"""The verification report in the reader's language (issue 12): the page shows every check's
title and message, and the verdict, from the verifier's catalogue; the JSON API keeps its
codes and English messages, and gives the messages in the language Accept-Language asks for."""

from __future__ import annotations

import copy
import html
import json
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from badges.status import bitstring_status_list as bsl
from tests.conftest import SCHOOL
from tests.verifier.conftest import Api, School
from tests.verifier.test_clr_results import record  # noqa: F401 (a fixture)

LANGUAGES = ("lt", "ru", "kk")


def _valid(school: School) -> str:
    return school.publish("valid", school.issue())["json"]


def _tampered(school: School) -> str:
    signed = school.issue(proof="data-integrity")
    changed = copy.deepcopy(signed.json)
    changed["credentialSubject"]["achievement"]["name"] = "World Heritage in Young Hands: guide"
    school.site.json("/credentials/tampered", changed)
    return f"{SCHOOL}/credentials/tampered"


def _revoked(school: School) -> str:
    url = school.status_list("/status/revocation", set_bits=(7, 4242))
    signed = school.issue(status=[bsl.status_entry(url, 4242)])
    return school.publish("revoked", signed)["json"]


BADGES: dict[str, tuple[Callable[[School], str], str]] = {
    "valid": (_valid, "valid"),
    "tampered": (_tampered, "invalid"),
    "revoked": (_revoked, "invalid"),
}


def _codes(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Everything of a report that must not change with the language."""
    return [
        (report["verdict"], report["code"], report["params"]),
        *[
            (c["name"], c["outcome"], c["code"], c["params"], c["detail"], c.get("reason"))
            for c in report["checks"]
        ],
    ]


def _messages(report: dict[str, Any]) -> list[str]:
    return [report["message"], *[c["message"] for c in report["checks"]]]


@pytest.mark.parametrize("kind", sorted(BADGES))
def test_the_api_answers_in_english_by_default_and_in_the_language_asked(
    api: Api, school: School, kind: str
) -> None:
    make, verdict = BADGES[kind]
    link = make(school)
    english = api.get(link).get_json()
    assert english["verdict"] == verdict
    # the messages without Accept-Language are the core's English
    assert english["message"].startswith("This badge ")
    assert all(c["code"] and isinstance(c["params"], dict) for c in english["checks"])
    for lang in LANGUAGES:
        answer = api.get(link, headers={"Accept-Language": lang})
        translated = answer.get_json()
        assert "Accept-Language" in answer.vary
        assert _codes(translated) == _codes(english), lang
        titles = zip(translated["checks"], english["checks"], strict=True)
        assert sum(local["title"] != c["title"] for local, c in titles) >= 8
        for text, original in zip(_messages(translated), _messages(english), strict=True):
            assert text != original, (lang, original)
        assert translated["credential"] == english["credential"]
    again = api.get(link).get_json()
    assert _messages(again) == _messages(english)


def test_the_api_in_lithuanian(api: Api, school: School) -> None:
    link = _tampered(school)
    english = api.post({"url": link}).get_json()
    lithuanian = api.post({"url": link}, headers={"Accept-Language": "lt, en;q=0.5"}).get_json()
    proof = next(c for c in lithuanian["checks"] if c["name"] == "proof")
    assert proof["code"] == "proof.mismatch" and proof["title"] == "Parašas"
    assert proof["message"] == "Parašas nesutampa: ženklelis buvo pakeistas arba suklastotas."
    assert lithuanian["code"] == english["code"] == "verdict.invalid.badge"
    assert lithuanian["params"] == english["params"]
    assert lithuanian["message"] == (
        "Šis ženklelis negalioja: Parašas nesutampa: ženklelis buvo pakeistas arba suklastotas."
    )
    assert english["message"] == (
        "This badge is not valid: The signature does not match: the badge was changed or forged."
    )
    # a language the verifier has no catalogue for: English
    german = api.post({"url": link}, headers={"Accept-Language": "de"}).get_json()
    assert _messages(german) == _messages(english)


def test_the_openapi_document_describes_the_codes_and_the_language(api: Api) -> None:
    operations = api.spec["paths"]["/api/v1/verify"]
    for operation in operations.values():
        names = [p["name"] for p in operation["parameters"]]
        assert "Accept-Language" in names
    check = api.spec["components"]["schemas"]["Check"]["properties"]
    assert {"code", "params", "message"} <= set(check)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", sorted(BADGES))
def test_the_page_shows_the_report_in_the_readers_language(
    client: FlaskClient, api: Api, school: School, kind: str, lang: str
) -> None:
    make, _verdict = BADGES[kind]
    link = make(school)
    english = api.get(link).get_json()
    translated = api.get(link, headers={"Accept-Language": lang}).get_json()
    answer = client.post("/verify", data={"input": link}, headers={"Accept-Language": lang})
    text = html.unescape(answer.get_data(as_text=True))
    assert f'<html lang="{lang}">' in text
    for check, local in zip(english["checks"], translated["checks"], strict=True):
        # no English sentence of the report is left on the page ...
        assert check["message"] not in text, (kind, lang, check["name"])
        if local["title"] != check["title"]:  # lt "Open Badges schema" is the same words
            assert f"<strong>{check['title']}</strong>" not in text, (kind, lang, check["name"])
        # ... each check says in the reader's language what the API's JSON says in it
        assert local["message"] in text, (kind, lang, check["name"])
        assert f"<strong>{local['title']}</strong>" in text
    assert english["message"] not in text
    assert translated["message"] in text


def test_the_revoked_page_says_so_in_the_readers_language(
    client: FlaskClient, school: School
) -> None:
    link = _revoked(school)
    pages = {
        lang: html.unescape(
            client.post(
                "/verify", data={"input": link}, headers={"Accept-Language": lang}
            ).get_data(as_text=True)
        )
        for lang in ("en", *LANGUAGES)
    }
    assert "The issuer has revoked this badge." in pages["en"]
    assert "Išdavėjas atšaukė šį ženklelį." in pages["lt"]
    assert "Издатель отозвал этот значок." in pages["ru"]
    assert "Беруші бұл бейджді қайтарып алды." in pages["kk"]


def _all_messages(report: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (code, message) of a report, its endorsements' and its credentials' inside."""
    found = [(report["code"], report["message"])]
    found += [(c["code"], c["message"]) for c in report["checks"]]
    for entry in report.get("credentials") or []:
        found.append((entry.get("code", ""), entry["message"]))
        if entry["report"] is not None:
            found += _all_messages(entry["report"])
    return found


def test_a_learner_record_and_its_credentials_in_the_readers_language(
    client: FlaskClient, api: Api, record: Any
) -> None:
    """Two badges of the school (the second revoked) in a CLR (test_clr_results' fixture)."""
    unsigned, sign = record
    clr = sign(unsigned)
    english = api.post({"credential": clr}).get_json()
    russian = api.post({"credential": clr}, headers={"Accept-Language": "ru"}).get_json()
    pairs = list(zip(_all_messages(english), _all_messages(russian), strict=True))
    assert all(en[0] == ru[0] for en, ru in pairs)  # the same codes
    assert all(en[1] != ru[1] for en, ru in pairs), [en for en, ru in pairs if en[1] == ru[1]]
    summary = russian["checks"][-1]
    assert summary["code"] == "credentials.summary"
    assert summary["message"].startswith("Издатель отозвал 1 из 2 удостоверений внутри")
    assert summary["message"].endswith("Сам документ подлинный.")
    text = html.unescape(
        client.post(
            "/verify", data={"input": json.dumps(clr)}, headers={"Accept-Language": "ru"}
        ).get_data(as_text=True)
    )
    for code, message in _all_messages(english):
        assert message not in text, code
    for _code, message in _all_messages(russian):
        assert message in text


def test_an_open_badges_2_assertion_in_the_readers_language(
    client: FlaskClient, api: Api, school: School
) -> None:
    link = school.ob2_hosted()
    english = api.get(link).get_json()
    assert english["verdict"] == "valid"
    for lang in LANGUAGES:
        translated = api.get(link, headers={"Accept-Language": lang}).get_json()
        assert _codes(translated) == _codes(english)
        for text, original in zip(_messages(translated), _messages(english), strict=True):
            assert text != original, (lang, original)
        page_text = html.unescape(
            client.post(
                "/verify", data={"input": link}, headers={"Accept-Language": lang}
            ).get_data(as_text=True)
        )
        for message in _messages(english):
            assert message not in page_text, (lang, message)
        for message in _messages(translated):
            assert message in page_text, (lang, message)
