"""The verifier app takes a CLR 2.0 record larger than a badge (up to MAX_RECORD_BYTES, 8 MB
by default; a 500-badge record is ~2.1 MB of JSON), never other text past MAX_TEXT_BYTES;
and each credential a record carries counts against the client's allowance, as a badge
verified on its own would."""

from __future__ import annotations

from typing import Any

import pytest

from badges import jsonutil
from badges.clr import build_clr, sign_clr
from badges.dids import did_key, did_key_verification_method
from badges.identity import hashed_email
from badges.issuing import sign_credential
from badges.keys import KeyPair
from badges.model import Profile
from tests.conftest import ISSUED, build_credential
from tests.verifier.conftest import Api, page

BIG = 2_600_000


def _badge(key: KeyPair, description: str, number: int = 0) -> Any:
    unsigned = build_credential(did_key(key.public), name=f"River monitor {number}")
    unsigned["id"] = f"urn:uuid:3f1e6d2c-9a8b-4c7d-8e6f-{number:012d}"
    unsigned["credentialSubject"]["achievement"]["description"] = description
    return sign_credential(
        unsigned, key, verification_method=did_key_verification_method(key.public), created=ISSUED
    )


def _record(key: KeyPair, badges: list[Any], description: str) -> Any:
    unsigned = build_clr(
        badges,
        issuer=Profile(id=did_key(key.public), name="ASPnet Badges"),
        credential_id="urn:uuid:6a0e8b6c-0000-4000-8000-00000000c1b2",
        valid_from=ISSUED,
        name="Comprehensive Learner Record",
        description=description,
        identifiers=[hashed_email("ona@example.org")],
    )
    return sign_clr(unsigned, key, verification_method=did_key_verification_method(key.public))


@pytest.fixture(scope="module")
def big() -> dict[str, str]:
    key = KeyPair.generate("EdDSA")
    signed = _record(key, [_badge(key, "A badge.").json], "x" * BIG)
    badge = _badge(key, "x" * BIG)
    return {
        "clr": jsonutil.dumps(signed.json),
        "clr_jwt": signed.jwt,
        "badge": jsonutil.dumps(badge.json),
        "badge_jwt": badge.jwt,
    }


def test_a_large_record_is_verified_on_the_page_and_in_the_api(client, big):
    assert len(big["clr"]) > 2 * 1024 * 1024
    response = client.post("/verify", data={"input": big["clr"]})
    assert response.status_code == 200
    assert page(response).verdict == "valid"
    api = Api(client)
    for body in ({"jwt": big["clr_jwt"]}, {"credential": big["clr"]}):
        report = api.post(body).get_json()
        assert report["verdict"] == "valid" and len(report["credentials"]) == 1


def test_a_large_badge_is_refused_as_too_large(client, big):
    response = client.post("/verify", data={"input": big["badge"]})
    assert response.status_code == 413
    assert "only a CLR 2.0 record may be larger" in response.get_data(as_text=True)
    api = Api(client)
    for body in ({"jwt": big["badge_jwt"]}, {"credential": big["badge"]}):
        refused = api.post(body)
        assert refused.status_code == 413
        assert refused.get_json()["error"]["code"] == "too_large"


def test_past_the_record_limit_even_a_record_is_refused(make_app, big):
    client = make_app(MAX_RECORD_BYTES=2_500_000).test_client()
    response = client.post("/verify", data={"input": big["clr"]})
    assert response.status_code == 413
    assert "a CLR 2.0 record may be up to" in response.get_data(as_text=True)


def test_each_badge_inside_a_record_counts_against_the_allowance(make_app):
    key = KeyPair.generate("EdDSA")
    badges = [_badge(key, "A badge.", n).json for n in range(4)]
    clr = jsonutil.dumps(_record(key, badges, "Four badges.").json)
    client = make_app(VERIFIER_BURST=6, VERIFIER_RATE_PER_MINUTE=0.001).test_client()
    first = client.post("/api/v1/verify", json={"credential": clr})
    assert first.status_code == 200 and len(first.get_json()["credentials"]) == 4
    # the record (1) and its four badges (4) took five of six: one more request, then none
    assert client.post("/api/v1/verify", json={"jwt": "a.b.c"}).status_code in (200, 400)
    throttled = client.post("/api/v1/verify", json={"jwt": "a.b.c"})
    assert throttled.status_code == 429
