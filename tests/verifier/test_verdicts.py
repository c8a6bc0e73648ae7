"""Every kind of badge, fetched over real HTTP from the loopback school, gets the right verdict.

The same link goes through the page (POST /verify), the QR link (GET /verify?url=) and the
API (POST and GET /api/v1/verify); the page's one h1 and its list of checks must say what the
API's JSON says.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from badges.status import bitstring_status_list as bsl
from badges.verification import CHECK_TITLES
from tests.conftest import SCHOOL
from tests.verifier.conftest import EXPIRED, Api, School, failed, page


def _valid(school: School, other_key: Any) -> str:
    return school.publish("valid", school.issue())["json"]


def _valid_jwt(school: School, other_key: Any) -> str:
    return school.publish("valid-jwt", school.issue(proof="jwt"))["jwt"]


def _valid_over_plain_http(school: School, other_key: Any) -> str:
    return school.publish("plain", school.issue(proof="data-integrity"))["loopback"]


def _tampered(school: School, other_key: Any) -> str:
    signed = school.issue(proof="data-integrity")
    changed = copy.deepcopy(signed.json)
    changed["credentialSubject"]["achievement"]["name"] = "World Heritage in Young Hands: guide"
    school.site.json("/credentials/tampered", changed)
    return f"{SCHOOL}/credentials/tampered"


def _tampered_jwt(school: School, other_key: Any) -> str:
    token = school.issue(proof="jwt").jwt
    header, _payload, signature = token.split(".")
    forged = school.issue(proof="jwt", name="Another badge").jwt.split(".")[1]
    school.site.text("/credentials/tampered.jwt", f"{header}.{forged}.{signature}")
    return f"{SCHOOL}/credentials/tampered.jwt"


def _expired(school: School, other_key: Any) -> str:
    return school.publish("expired", school.issue(valid_until=EXPIRED))["json"]


def _revoked(school: School, other_key: Any) -> str:
    url = school.status_list("/status/revocation", set_bits=(7, 4242))
    signed = school.issue(status=[bsl.status_entry(url, 4242)])
    return school.publish("revoked", signed)["json"]


def _suspended(school: School, other_key: Any) -> str:
    url = school.status_list("/status/suspension", "suspension", set_bits=(99,))
    signed = school.issue(status=[bsl.status_entry(url, 99, "suspension")])
    return school.publish("suspended", signed)["jwt"]


def _not_revoked(school: School, other_key: Any) -> str:
    url = school.status_list("/status/revocation", set_bits=(7,))
    signed = school.issue(status=[bsl.status_entry(url, 4242)])
    return school.publish("not-revoked", signed)["json"]


def _wrong_key(school: School, other_key: Any) -> str:
    # signed with another key, claiming to be the school's published key-1
    return school.publish("wrong-key", school.issue(key=other_key))["json"]


def _status_list_missing(school: School, other_key: Any) -> str:
    signed = school.issue(status=[bsl.status_entry(f"{SCHOOL}/status/gone", 5)])
    return school.publish("no-list", signed)["json"]


def _ob2(school: School, other_key: Any) -> str:
    return school.ob2_hosted("water")


def _ob2_revoked(school: School, other_key: Any) -> str:
    return school.ob2_hosted("gone", gone=True)


# scenario -> (publish it, verdict, failed checks, words the status/failed message must hold)
SCENARIOS: dict[str, tuple[Callable[[School, Any], str], str, list[str], str]] = {
    "valid": (_valid, "valid", [], ""),
    "valid-jwt": (_valid_jwt, "valid", [], ""),
    "valid-plain-http-allowed-host": (_valid_over_plain_http, "valid", [], ""),
    "not-revoked": (_not_revoked, "valid", [], ""),
    "tampered": (_tampered, "invalid", ["proof"], "changed or forged"),
    "tampered-jwt": (_tampered_jwt, "invalid", ["proof"], "changed or forged"),
    "expired": (_expired, "invalid", ["dates"], "expired"),
    "revoked": (_revoked, "invalid", ["status"], "revoked"),
    "suspended": (_suspended, "invalid", ["status"], "suspended"),
    "wrong-key": (_wrong_key, "invalid", ["proof"], "changed or forged"),
    "status-list-missing": (_status_list_missing, "undecided", [], "cannot be checked"),
    "ob2": (_ob2, "valid", [], ""),
    "ob2-revoked": (_ob2_revoked, "invalid", ["status"], "revoked"),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_each_badge_gets_its_verdict_on_the_page_and_from_the_api(
    scenario, school, other_key, client, api: Api
):
    publish, verdict, failed_checks, words = SCENARIOS[scenario]
    link = publish(school, other_key)

    for response in (api.post({"url": link}), api.get(link)):
        assert response.status_code == 200
        report = response.get_json()
        assert report["verdict"] == verdict, report["checks"]
        assert report["verified"] is (verdict == "valid")
        assert failed(report) == failed_checks, report["checks"]
        if words:
            assert words in report["message"] or words in str(report["checks"]), report
        if verdict == "undecided":
            assert any(c["undecided"] for c in report["checks"])

    expected_titles = [CHECK_TITLES[name] for name in failed_checks]
    for response in (
        client.post("/verify", data={"input": link}),
        client.get("/verify", query_string={"url": link}),
    ):
        assert response.status_code == 200
        shown = page(response)
        assert shown.verdict == verdict
        assert shown.failed_titles() == expected_titles
        assert len(shown.checks) == len(CHECK_TITLES)  # every check is listed
        if words:
            assert words in response.get_data(as_text=True)

    # every request went to the loopback school, none anywhere else
    assert school.site.requests


def test_the_page_shows_the_badge_as_a_person_expects_it(school, client):
    link = school.publish("valid", school.issue(valid_until=None))["json"]
    text = client.post("/verify", data={"input": link}).get_data(as_text=True)
    for shown in (
        "Baltic Sea Project: water monitor",  # achievement name
        "Monitored water quality on the Baltic coast",  # description
        "Take <strong>ten</strong> samples",  # criteria narrative, Markdown rendered
        "Vilniaus licėjus",  # issuer
        '<time datetime="2026-09-01T08:00:00Z">1 September 2026</time>',  # valid from, a date
        "Mastered",  # the achieved level
        "Samples from Palanga and Nida.",  # evidence
        # an https image the verifier could not fetch: a link, never hot-linked
        'href="https://school.example/images/water.png"',
        "The raw credential",
    ):
        assert shown in text, shown
