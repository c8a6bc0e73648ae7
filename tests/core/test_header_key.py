"""A VC-JWT whose header carries the signing key (``jwk``) and names no ``kid``.

The key in the header counts only when the issuer is a DID whose document lists exactly
that key under ``assertionMethod``: then that verification method signed it, and the
report says which one. A key the document does not list, or lists only for another
relationship, a private key, a ``kid`` that disagrees, or an issuer that is not a DID,
stay refused. The same holds for a status list credential given as a VC-JWT.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from badges.dids import did_key, did_key_verification_method, verification_method
from badges.keys import KeyPair
from badges.multibase import b64url_encode
from badges.proofs.vc_jwt import registered_claims
from badges.status import bitstring_status_list as bsl
from badges.verification import Outcome, Verdict, VerificationReport, Verifier
from tests.conftest import ISSUED, NOW, SCHOOL, SCHOOL_DID, Site, build_credential


def _b64json(value: Any) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode())


def header_key_token(credential: dict[str, Any], key: KeyPair, **header: Any) -> str:
    """A VC-JWT of ``credential`` signed by ``key``, carrying ``key``'s public JWK in its
    header and no ``kid`` (unless given in ``header``)."""
    head = {"alg": key.alg.value, "typ": "vc+jwt", "jwk": key.public.to_jwk(), **header}
    head = {k: v for k, v in head.items() if v is not None}
    payload = {**credential, **registered_claims(credential)}
    signing_input = f"{_b64json(head)}.{_b64json(payload)}"
    return f"{signing_input}.{b64url_encode(key.sign(signing_input.encode('ascii')))}"


def publish_document(
    site: Site,
    *,
    assertion: list[tuple[str, KeyPair]],
    authentication_only: list[tuple[str, KeyPair]] = (),
) -> None:
    """did:web:school.example's document: some keys for assertion, some only for authentication."""
    methods = [
        verification_method(SCHOOL_DID, kid, key.public)
        for kid, key in [*assertion, *authentication_only]
    ]
    site.json(
        "/.well-known/did.json",
        {
            "@context": ["https://www.w3.org/ns/did/v1"],
            "id": SCHOOL_DID,
            "verificationMethod": methods,
            "assertionMethod": [f"{SCHOOL_DID}#{kid}" for kid, _ in assertion],
            "authentication": [m["id"] for m in methods],
        },
    )


def issuer_check(report: VerificationReport) -> tuple[Outcome, str, str | None]:
    found = report.check("issuer")
    return found.outcome, found.message, found.detail


@pytest.fixture(params=["EdDSA", "ES256"])
def key(request, ed_key, es_key) -> KeyPair:
    return ed_key if request.param == "EdDSA" else es_key


# --- accepted -------------------------------------------------------------------------------


def test_did_key_issuer_with_its_key_in_the_header(key):
    issuer = did_key(key.public)
    report = Verifier().verify(header_key_token(build_credential(issuer), key), now=NOW)
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    outcome, message, detail = issuer_check(report)
    assert outcome is Outcome.PASSED
    assert "header" in message
    assert detail == did_key_verification_method(key.public)  # the method that signed
    assert report.check("proof").outcome is Outcome.PASSED


def test_did_web_issuer_lists_the_header_key_for_assertion(key, other_key, site, school_verifier):
    publish_document(site, assertion=[("key-1", other_key), ("key-2", key)])
    report = school_verifier.verify(header_key_token(build_credential(SCHOOL_DID), key), now=NOW)
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    outcome, message, detail = issuer_check(report)
    assert outcome is Outcome.PASSED and "header" in message
    assert detail == f"{SCHOOL_DID}#key-2"
    assert site.requests == ["/.well-known/did.json"]


def test_a_header_key_with_the_matching_kid_member_is_accepted(ed_key, site, school_verifier):
    publish_document(site, assertion=[("key-1", ed_key)])
    token = header_key_token(
        build_credential(SCHOOL_DID), ed_key, jwk=ed_key.public.to_jwk(kid=f"{SCHOOL_DID}#key-1")
    )
    assert school_verifier.verify(token, now=NOW).verdict is Verdict.VALID


# --- refused --------------------------------------------------------------------------------


def test_did_web_header_key_not_in_the_document_is_refused(key, other_key, site, school_verifier):
    publish_document(site, assertion=[("key-1", other_key)])
    report = school_verifier.verify(header_key_token(build_credential(SCHOOL_DID), key), now=NOW)
    assert report.verdict is Verdict.INVALID
    outcome, message, detail = issuer_check(report)
    assert outcome is Outcome.FAILED
    assert "header is not the issuer's" in message
    assert "does not list" in (detail or "")
    assert report.check("proof").outcome is not Outcome.PASSED


def test_a_key_listed_only_for_authentication_is_refused(ed_key, other_key, site, school_verifier):
    publish_document(
        site, assertion=[("key-1", ed_key)], authentication_only=[("login", other_key)]
    )
    report = school_verifier.verify(
        header_key_token(build_credential(SCHOOL_DID), other_key), now=NOW
    )
    assert report.verdict is Verdict.INVALID
    outcome, message, detail = issuer_check(report)
    assert outcome is Outcome.FAILED and "header is not the issuer's" in message
    assert "assertionMethod" in (detail or "")


def test_did_key_issuer_with_another_key_in_the_header_is_refused(ed_key, other_key):
    token = header_key_token(build_credential(did_key(ed_key.public)), other_key)
    report = Verifier().verify(token, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert issuer_check(report)[0] is Outcome.FAILED


def test_a_kid_that_disagrees_with_the_header_key_is_refused(
    ed_key, other_key, site, school_verifier
):
    # both keys are the issuer's, but the token names one and carries the other
    publish_document(site, assertion=[("key-1", ed_key), ("key-2", other_key)])
    token = header_key_token(build_credential(SCHOOL_DID), other_key, kid=f"{SCHOOL_DID}#key-1")
    report = school_verifier.verify(token, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert issuer_check(report)[0] is Outcome.FAILED


def test_a_kid_member_of_the_header_key_that_disagrees_is_refused(
    ed_key, other_key, site, school_verifier
):
    publish_document(site, assertion=[("key-1", ed_key), ("key-2", other_key)])
    token = header_key_token(
        build_credential(SCHOOL_DID),
        other_key,
        jwk=other_key.public.to_jwk(kid=f"{SCHOOL_DID}#key-1"),
    )
    report = school_verifier.verify(token, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert issuer_check(report)[0] is Outcome.FAILED


def test_a_private_key_in_the_header_is_refused(ed_key, site, school_verifier):
    publish_document(site, assertion=[("key-1", ed_key)])
    token = header_key_token(build_credential(SCHOOL_DID), ed_key, jwk=ed_key.to_private_jwk())
    report = school_verifier.verify(token, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert report.check("proof").outcome is Outcome.FAILED
    assert "private key" in (report.check("proof").detail or "")


def test_an_issuer_that_is_no_did_gets_no_say_from_a_header_key(ed_key, site, school_verifier):
    token = header_key_token(build_credential(f"{SCHOOL}/issuers/vilnius"), ed_key)
    report = school_verifier.verify(token, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert issuer_check(report)[0] is Outcome.FAILED
    assert site.requests == []


# --- a status list credential given as a VC-JWT with its key in the header ------------------


def _status_list_token(key: KeyPair, *, revoked: int) -> str:
    bits = bsl.BitstringStatusList()
    bits.set(revoked)
    unsigned = bsl.status_list_credential(
        list_url=f"{SCHOOL}/status/jwk",
        issuer=SCHOOL_DID,
        status_list=bits,
        purpose="revocation",
        valid_from=ISSUED,
    )
    return header_key_token(unsigned, key)


def test_status_list_vc_jwt_with_the_issuers_key_in_its_header(key, site, school_verifier):
    publish_document(site, assertion=[("key-1", key)])
    site.text("/status/jwk", _status_list_token(key, revoked=11))
    ok = header_key_token(
        build_credential(SCHOOL_DID, status=[bsl.status_entry(f"{SCHOOL}/status/jwk", 10)]), key
    )
    revoked = header_key_token(
        build_credential(SCHOOL_DID, status=[bsl.status_entry(f"{SCHOOL}/status/jwk", 11)]), key
    )
    report = school_verifier.verify(ok, now=NOW)
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    assert report.check("status").outcome is Outcome.PASSED
    report = school_verifier.verify(revoked, now=NOW)
    assert report.verdict is Verdict.INVALID and report.revoked


def test_status_list_vc_jwt_with_a_foreign_key_in_its_header_is_not_trusted(
    ed_key, other_key, site, school_verifier
):
    publish_document(site, assertion=[("key-1", ed_key)])
    site.text("/status/jwk", _status_list_token(other_key, revoked=11))
    badge = header_key_token(
        build_credential(SCHOOL_DID, status=[bsl.status_entry(f"{SCHOOL}/status/jwk", 10)]), ed_key
    )
    report = school_verifier.verify(badge, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert report.check("status").outcome is Outcome.FAILED
    assert "not trustworthy" in report.check("status").message


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"},
        {"kty": "oct", "alg": "HS256"},
        "a key",
        ["EdDSA"],
    ],
    ids=["not-a-point", "symmetric", "text", "list"],
)
def test_an_unusable_header_key_is_refused(jwk, ed_key, site, school_verifier):
    publish_document(site, assertion=[("key-1", ed_key)])
    token = header_key_token(build_credential(SCHOOL_DID), ed_key, jwk=jwk)
    report = school_verifier.verify(token, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert Outcome.FAILED in (report.check("issuer").outcome, report.check("proof").outcome)


def test_a_did_document_that_is_no_json_is_a_failed_check(ed_key, site, school_verifier):
    site.raw("/.well-known/did.json", b"<html>not a DID document</html>")
    report = school_verifier.verify(header_key_token(build_credential(SCHOOL_DID), ed_key), now=NOW)
    assert report.verdict is Verdict.INVALID
    outcome, _message, detail = issuer_check(report)
    assert outcome is Outcome.FAILED and "unusable" in (detail or "")


@pytest.mark.parametrize("jwk", [{"kty": "oct", "k": "c2VjcmV0"}, "a key"], ids=["secret", "text"])
def test_a_kid_with_an_unusable_header_key_beside_it_is_refused(jwk, ed_key, site, school_verifier):
    publish_document(site, assertion=[("key-1", ed_key)])
    token = header_key_token(
        build_credential(SCHOOL_DID), ed_key, kid=f"{SCHOOL_DID}#key-1", jwk=jwk
    )
    report = school_verifier.verify(token, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert issuer_check(report)[0] is Outcome.FAILED
