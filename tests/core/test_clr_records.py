"""A CLR 2.0 record may be larger than a badge: a record carries whole badges (500 of them
are ~2.1 MB of JSON and a 1.6 MB VC-JWT), more than the 2 MB JSON and 1 MB JWT limits on a
badge. Only a ``ClrCredential`` gets the record limits (``jsonutil.MAX_RECORD_BYTES``); any
other credential that large is still refused as too large."""

from __future__ import annotations

import json
from typing import Any

import pytest

from badges import jsonutil
from badges.clr import build_clr, looks_like_record, sign_clr
from badges.dids import did_key, did_key_verification_method
from badges.identity import hashed_email
from badges.issuing import sign_credential
from badges.keys import KeyPair
from badges.model import Profile
from badges.proofs.vc_jwt import MAX_TOKEN_CHARS
from badges.verification import Outcome, Verdict, Verifier
from tests.conftest import ISSUED, build_credential

BIG = 2_600_000  # characters of description: past both badge limits, as JSON and as JWT


def _badge(key: KeyPair, description: str = "A badge.") -> Any:
    unsigned = build_credential(did_key(key.public), name="River monitor")
    unsigned["credentialSubject"]["achievement"]["description"] = description
    return sign_credential(
        unsigned, key, verification_method=did_key_verification_method(key.public), created=ISSUED
    )


@pytest.fixture(scope="module")
def big_record() -> tuple[dict[str, Any], str]:
    key = KeyPair.generate("EdDSA")
    unsigned = build_clr(
        [_badge(key).json],
        issuer=Profile(id=did_key(key.public), name="ASPnet Badges"),
        credential_id="urn:uuid:6a0e8b6c-0000-4000-8000-00000000c1b1",
        valid_from=ISSUED,
        name="Comprehensive Learner Record",
        description="x" * BIG,
        identifiers=[hashed_email("ona@example.org")],
    )
    signed = sign_clr(
        unsigned, key, verification_method=did_key_verification_method(key.public), created=ISSUED
    )
    assert signed.json is not None and signed.jwt is not None
    return signed.json, signed.jwt


def test_a_record_larger_than_a_badge_may_be_verifies_as_json_and_as_jwt(big_record):
    clr, token = big_record
    text = jsonutil.dumps(clr)
    assert len(text) > jsonutil.MAX_JSON_BYTES and len(token) > MAX_TOKEN_CHARS
    for form in (clr, text, text.encode(), token):
        report = Verifier().verify(form)
        assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
        assert [c.verdict for c in report.credentials or []] == [Verdict.VALID]
    assert looks_like_record(text) and looks_like_record(token)


def test_a_badge_as_large_is_still_refused():
    key = KeyPair.generate("EdDSA")
    signed = _badge(key, "x" * BIG)
    assert signed.json is not None and signed.jwt is not None
    text = jsonutil.dumps(signed.json)
    for form, words in ((text, "too large"), (signed.jwt, "longer than")):
        report = Verifier().verify(form)
        assert report.verdict is Verdict.INVALID
        check = report.check("format")
        assert check.outcome is Outcome.FAILED and words in f"{check.message} {check.detail}"
        assert "only a CLR 2.0 record" in (check.detail or "")
    assert not looks_like_record(text) and not looks_like_record(signed.jwt)


def test_the_record_limit_holds_too():
    huge = json.dumps(
        {"type": ["VerifiableCredential", "ClrCredential"], "x": "y" * jsonutil.MAX_RECORD_BYTES}
    )
    report = Verifier().verify(huge)
    assert report.verdict is Verdict.INVALID
    assert "larger than" in (report.check("format").detail or "")
    assert not looks_like_record(huge)
