"""A CLR 2.0 in the verifier app: the record's verdict, then each credential inside with its
own, on the page and in the JSON API (checked against the OpenAPI document)."""

from __future__ import annotations

import copy
import json

import pytest

from badges.clr import build_clr, sign_clr
from badges.dids import did_key, did_key_verification_method
from badges.identity import hashed_email
from badges.model import Profile
from badges.status import bitstring_status_list as bsl
from tests.conftest import ISSUED, SCHOOL, SCHOOL_DID, build_credential
from tests.verifier.conftest import Api, School, failed, page


@pytest.fixture
def record(school: School, other_key):
    """A school's two badges (the second revoked) in a CLR signed by another key."""
    school.status_list("/status/1", set_bits=(200,))
    badges = [
        school.sign(
            build_credential(
                SCHOOL_DID, name=name, status=[bsl.status_entry(f"{SCHOOL}/status/1", index)]
            ),
            proof="data-integrity",
        ).json
        for name, index in (("Water monitor", 100), ("Beach clean-up", 200))
    ]
    unsigned = build_clr(
        badges,
        issuer=Profile(id=did_key(other_key.public), name="ASPnet Badges"),
        credential_id="urn:uuid:6a0e8b6c-0000-4000-8000-00000000c1a2",
        valid_from=ISSUED,
        name="Ona's learner record",
        identifiers=[hashed_email("ona@example.org")],
    )

    def sign(document):
        return sign_clr(
            document, other_key, verification_method=did_key_verification_method(other_key.public)
        ).json

    return unsigned, sign


def test_a_record_with_a_revoked_badge_inside_is_valid_and_says_so(record, client, api: Api):
    unsigned, sign = record
    clr = sign(unsigned)
    report = api.post({"credential": clr}).get_json()
    assert report["verdict"] == "valid"
    assert report["checks"][-1]["name"] == "credentials"
    assert report["checks"][-1]["outcome"] == "warning"
    assert [
        (c["position"], c["name"], c["verdict"], c["revoked"]) for c in report["credentials"]
    ] == [
        (1, "Water monitor", "valid", False),
        (2, "Beach clean-up", "invalid", True),
    ]
    assert failed(report["credentials"][1]["report"]) == ["status"]

    response = client.post("/verify", data={"input": json.dumps(clr)})
    assert response.status_code == 200
    shown = page(response)
    assert shown.h1 == ["✔ This learner record is genuine and valid"]
    assert shown.checks["Credentials inside"] == "warning"
    html = response.get_data(as_text=True)
    assert "The 2 credentials inside, each checked on its own" in html
    assert "✔ valid</span>\n      <strong>Water monitor</strong>" in html
    assert "✘ revoked</span>\n      <strong>Beach clean-up</strong>" in html
    assert "was revoked by the issuer" in html


def test_a_tampered_badge_inside_is_named_on_the_page_and_in_the_api(record, client, api: Api):
    unsigned, sign = record
    forged = copy.deepcopy(unsigned)
    forged["credentialSubject"]["verifiableCredential"][0]["name"] = "Marine biologist"
    clr = sign(forged)  # signed over the forgery: the record's own proof holds
    report = api.post({"credential": clr}).get_json()
    assert report["verdict"] == "invalid"
    assert failed(report) == ["credentials"]
    assert report["checks"][-1]["message"].startswith(
        "Credential 1 (“Marine biologist” from Vilniaus licėjus) of 2 is not genuine"
    )
    assert failed(report["credentials"][0]["report"]) == ["proof"]

    shown = page(client.post("/verify", data={"input": json.dumps(clr)}))
    assert shown.h1 == ["✘ This learner record is not valid"]
    assert shown.checks["Credentials inside"] == "failed"


def test_a_badge_page_is_as_before(school: School, client):
    response = client.post("/verify", data={"input": json.dumps(school.issue().json)})
    html = response.get_data(as_text=True)
    assert page(response).h1 == ["✔ This badge is genuine and valid"]
    assert "credentials inside" not in html and "Credentials inside" not in html
