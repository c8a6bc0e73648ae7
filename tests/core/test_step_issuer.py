"""The issuer step, exactly: which key a badge names, each outcome with its message, and
the key it leaves for the proof step.

Written to kill the mutants tests/mutation/run.py found alive in
badges/verification/steps/issuer.py (the header-key cases are in test_header_key.py).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from badges.dids import did_key, did_key_verification_method
from badges.errors import FetchError, FetchSkippedError, KeyResolutionError
from badges.fetch import FetchBudget
from badges.issuing import sign_credential
from badges.keys import KeyPair
from badges.model import EndorsementCredential, EndorsementSubject, Profile
from badges.multibase import b64url_encode
from badges.proofs.eddsa_rdfc_2022 import add_data_integrity_proof
from badges.proofs.vc_jwt import registered_claims
from badges.resolve import KeyResolver, ResolvedKey
from badges.verification import Outcome, Verdict, VerificationReport, Verifier
from badges.verification.report import REASON_SETTLED, CheckId, Checks
from badges.verification.steps.issuer import _method_id, check_issuer
from tests.conftest import ISSUED, NOW, SCHOOL, build_credential


def issuer_of(report: VerificationReport) -> tuple[Outcome, str, str | None]:
    check = report.check("issuer")
    return check.outcome, check.message, check.detail


def token(key: KeyPair, credential: dict[str, Any], **header: Any) -> str:
    head = {
        k: v for k, v in {"alg": key.alg.value, "typ": "JWT", **header}.items() if v is not None
    }
    payload = {**credential, **registered_claims(credential)}
    encode = lambda v: b64url_encode(json.dumps(v, separators=(",", ":")).encode())  # noqa: E731
    signing_input = f"{encode(head)}.{encode(payload)}"
    return f"{signing_input}.{b64url_encode(key.sign(signing_input.encode('ascii')))}"


class Failing(KeyResolver):
    """Resolves did:key methods; fails for ``method`` with ``error``."""

    def __init__(self, method: str, error: Exception) -> None:
        super().__init__(None)
        self.method, self.error = method, error

    def resolve(self, method_id: str, **kwargs: Any) -> ResolvedKey:
        if method_id == self.method:
            raise self.error
        return super().resolve(method_id, **kwargs)


def test_a_key_the_issuer_published_passes_naming_it(sign_did_key, ed_key):
    method = did_key_verification_method(ed_key.public)
    for source in (sign_did_key(proof="jwt").jwt, sign_did_key(proof="data-integrity").json):
        report = Verifier().verify(source, now=NOW)
        assert issuer_of(report) == (
            Outcome.PASSED,
            "Signed with a key the issuer published (did:key).",
            method,
        )


def test_a_credential_naming_no_issuer_fails_the_issuer_check(sign_did_key):
    credential = copy.deepcopy(sign_did_key(proof="data-integrity").json)
    del credential["issuer"]
    report = Verifier().verify(credential, now=NOW)
    assert issuer_of(report) == (Outcome.FAILED, "The credential names no issuer.", None)
    assert report.verdict is Verdict.INVALID


def test_an_unsigned_credential_fails_the_proof_check(ed_key):
    report = Verifier().verify(build_credential(did_key(ed_key.public)), now=NOW)
    proof = report.check("proof")
    assert (proof.outcome, proof.message) == (
        Outcome.FAILED,
        "The credential has no proof: it is not signed.",
    )
    assert report.check("issuer").outcome is Outcome.SKIPPED
    assert report.verdict is Verdict.INVALID


def test_a_jwt_of_a_did_key_issuer_without_kid_names_the_did_itself(ed_key):
    issuer = did_key(ed_key.public)
    report = Verifier().verify(token(ed_key, build_credential(issuer)), now=NOW)
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    assert issuer_of(report)[0] is Outcome.PASSED


@pytest.mark.parametrize("kid", [None, "", 7])
def test_a_jwt_of_another_issuer_without_a_usable_kid_names_no_key(ed_key, kid):
    credential = build_credential(f"{SCHOOL}/issuers/1")
    report = Verifier().verify(token(ed_key, credential, kid=kid), now=NOW)
    assert issuer_of(report) == (
        Outcome.FAILED,
        "The signature does not say which of the issuer's keys made it.",
        None,
    )


def test_which_method_a_badge_names():
    from badges.verification.parsing import Parsed

    def parsed(credential: dict[str, Any]) -> Parsed:
        return Parsed(credential=credential, format="json", jwt=None)

    assert _method_id(parsed({"proof": [{"verificationMethod": "did:key:z#z"}]})) == "did:key:z#z"
    assert _method_id(parsed({"proof": {"verificationMethod": "did:key:z#z"}})) == "did:key:z#z"
    assert _method_id(parsed({"proof": [{"verificationMethod": 7}]})) is None
    assert _method_id(parsed({"proof": ["did:key:z#z"]})) is None
    assert _method_id(parsed({"proof": []})) is None
    assert _method_id(parsed({})) is None


def test_an_embedded_proof_naming_no_method_names_no_key(sign_did_key):
    credential = copy.deepcopy(sign_did_key(proof="data-integrity").json)
    del credential["proof"][0]["verificationMethod"]
    report = Verifier().verify(credential, now=NOW)
    assert issuer_of(report) == (
        Outcome.FAILED,
        "The signature does not say which of the issuer's keys made it.",
        None,
    )


def test_a_key_that_is_not_the_issuers_fails(ed_key, other_key):
    credential = add_data_integrity_proof(
        build_credential(did_key(ed_key.public)),
        other_key,
        verification_method=did_key_verification_method(other_key.public),
        created=ISSUED,
    )
    report = Verifier().verify(credential, now=NOW)
    outcome, message, detail = issuer_of(report)
    assert (outcome, message) == (
        Outcome.FAILED,
        "The signing key is not one the issuer published.",
    )
    assert detail and "is not the issuer's" in detail
    assert report.check("proof").outcome is Outcome.SKIPPED


def test_keys_that_cannot_be_fetched_leave_the_issuer_undecided(sign_did_key, ed_key):
    method = did_key_verification_method(ed_key.public)
    resolver = Failing(method, FetchError("school.example is down"))
    report = Verifier(key_resolver=resolver).verify(sign_did_key(proof="jwt").jwt, now=NOW)
    check = report.check("issuer")
    assert (check.outcome, check.message, check.detail) == (
        Outcome.WARNING,
        "The issuer's published keys could not be fetched right now.",
        "school.example is down",
    )
    assert check.undecided and report.verdict is Verdict.UNDECIDED
    assert report.check("proof").message == "Not checked: the issuer's key is not known."


def test_a_resolution_error_is_a_failed_issuer_check_with_its_detail(sign_did_key, ed_key):
    method = did_key_verification_method(ed_key.public)
    resolver = Failing(method, KeyResolutionError("the key was withdrawn"))
    report = Verifier(key_resolver=resolver).verify(sign_did_key(proof="jwt").jwt, now=NOW)
    assert issuer_of(report) == (
        Outcome.FAILED,
        "The signing key is not one the issuer published.",
        "the key was withdrawn",
    )


@pytest.mark.parametrize(
    "jwk",
    [
        pytest.param("other", id="another-key"),
        pytest.param({"kty": "OKP", "crv": "Ed25519", "x": "!!"}, id="unusable"),
        pytest.param(["not", "a", "jwk"], id="not-an-object"),
    ],
)
def test_a_header_key_beside_a_kid_must_be_the_published_key(ed_key, other_key, jwk):
    if jwk == "other":
        jwk = other_key.public.to_jwk()
    issuer = did_key(ed_key.public)
    kid = did_key_verification_method(ed_key.public)
    report = Verifier().verify(token(ed_key, build_credential(issuer), kid=kid, jwk=jwk), now=NOW)
    assert issuer_of(report) == (
        Outcome.FAILED,
        "The key in the token's header is not the issuer's published key.",
        None,
    )
    assert report.check("proof").outcome is Outcome.SKIPPED


def test_a_header_key_with_private_members_is_never_the_published_key(ed_key):
    """decode_jwt already refuses such a token; check_issuer refuses it on its own too."""
    from dataclasses import replace

    from badges.verification.parsing import read

    checks = Checks()
    issuer = did_key(ed_key.public)
    kid = did_key_verification_method(ed_key.public)
    source = token(ed_key, build_credential(issuer), kid=kid, jwk=ed_key.public.to_jwk())
    parsed = read(source, checks, None)
    assert parsed is not None and parsed.jwt is not None
    header = {**parsed.jwt.header, "jwk": {**ed_key.public.to_jwk(), "d": "AAAA"}}
    parsed = replace(parsed, jwt=replace(parsed.jwt, header=header))
    assert check_issuer(Verifier(), parsed, checks) is None
    check = checks.get(CheckId.ISSUER)
    assert check is not None
    assert (check.outcome, check.message) == (
        Outcome.FAILED,
        "The key in the token's header is not the issuer's published key.",
    )


def test_the_same_key_in_the_header_beside_its_kid_passes(ed_key):
    issuer = did_key(ed_key.public)
    kid = did_key_verification_method(ed_key.public)
    source = token(ed_key, build_credential(issuer), kid=kid, jwk=ed_key.public.to_jwk())
    report = Verifier().verify(source, now=NOW)
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    assert issuer_of(report)[:2] == (
        Outcome.PASSED,
        "Signed with a key the issuer published (did:key).",
    )


def test_the_key_found_is_left_for_the_proof_step(sign_did_key, ed_key):
    from badges.verification.parsing import read

    checks = Checks()
    parsed = read(sign_did_key(proof="jwt").jwt, checks, None)
    assert parsed is not None
    key = check_issuer(Verifier(), parsed, checks)
    assert key is not None
    assert key.method_id == did_key_verification_method(ed_key.public)
    assert key.public.to_jwk() == ed_key.public.to_jwk()


def test_a_header_key_of_an_issuer_that_is_no_did_names_no_key(ed_key):
    credential = build_credential(f"{SCHOOL}/issuers/1")
    report = Verifier().verify(token(ed_key, credential, jwk=ed_key.public.to_jwk()), now=NOW)
    assert issuer_of(report) == (
        Outcome.FAILED,
        "The signature does not say which of the issuer's keys made it.",
        "the token carries a key in its header, which proves nothing by itself; "
        "only an issuer's DID document can vouch for such a key",
    )


def test_a_header_key_whose_did_document_cannot_be_fetched_is_undecided(ed_key):
    issuer = "did:web:school.example"

    class Down(KeyResolver):
        def resolve_header_key(self, jwk: Any, **kwargs: Any) -> ResolvedKey:
            raise FetchError("school.example is down")

    credential = build_credential(issuer)
    report = Verifier(key_resolver=Down(None)).verify(
        token(ed_key, credential, jwk=ed_key.public.to_jwk()), now=NOW
    )
    check = report.check("issuer")
    assert (check.outcome, check.message, check.detail) == (
        Outcome.WARNING,
        "The issuer's published keys could not be fetched right now.",
        "school.example is down",
    )
    assert check.undecided


def test_a_header_key_the_did_does_not_list_fails_with_its_detail(ed_key, other_key):
    issuer = did_key(ed_key.public)
    source = token(other_key, build_credential(issuer), jwk=other_key.public.to_jwk())
    report = Verifier().verify(source, now=NOW)
    outcome, message, detail = issuer_of(report)
    assert (outcome, message) == (
        Outcome.FAILED,
        "The key in the token's header is not the issuer's published key.",
    )
    assert detail


@pytest.mark.parametrize("kid", [None, "", 7], ids=["no-kid", "empty-kid", "kid-not-text"])
def test_a_header_key_the_did_lists_passes_naming_its_method(ed_key, kid):
    """A kid that names nothing usable leaves the header key to speak for itself."""
    issuer = did_key(ed_key.public)
    report = Verifier().verify(
        token(ed_key, build_credential(issuer), jwk=ed_key.public.to_jwk(), kid=kid), now=NOW
    )
    assert issuer_of(report) == (
        Outcome.PASSED,
        "Signed with the key in the token's header, which the issuer's DID document lists "
        "for assertion (did:key).",
        did_key_verification_method(ed_key.public),
    )


def test_sign_credential_is_what_these_tests_mirror(ed_key):
    signed = sign_credential(
        build_credential(did_key(ed_key.public)),
        ed_key,
        verification_method=did_key_verification_method(ed_key.public),
        proof="jwt",
        created=ISSUED,
    )
    assert Verifier().verify(signed.jwt, now=NOW).verified


class Recording(KeyResolver):
    """Resolves did:key methods and header keys, recording the budget each was given."""

    def __init__(self) -> None:
        super().__init__(None)
        self.budgets: list[object] = []

    def resolve(self, method_id: str, **kwargs: Any) -> ResolvedKey:
        self.budgets.append(kwargs.get("budget"))
        return super().resolve(method_id, **kwargs)

    def resolve_header_key(self, jwk: Any, **kwargs: Any) -> ResolvedKey:
        self.budgets.append(kwargs.get("budget"))
        return super().resolve_header_key(jwk, **kwargs)


@pytest.mark.parametrize("form", ["kid", "header-key"])
def test_the_issuers_key_is_resolved_on_the_verifications_budget(ed_key, form):
    issuer = did_key(ed_key.public)
    header = (
        {"kid": did_key_verification_method(ed_key.public)}
        if form == "kid"
        else {"jwk": ed_key.public.to_jwk()}
    )
    resolver = Recording()
    budget = FetchBudget(5.0, 10)
    report = Verifier(key_resolver=resolver).verify(
        token(ed_key, build_credential(issuer), **header), now=NOW, budget=budget
    )
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    assert resolver.budgets and all(given is budget for given in resolver.budgets)


def endorsement(key: KeyPair) -> dict[str, Any]:
    return EndorsementCredential(
        id="urn:uuid:9b0d2f6e-1c1d-4f1e-8e8e-000000000001",
        name="An endorsement of the water monitor badge",
        issuer=Profile(id=did_key(key.public), name="Lithuanian ASPnet Centre"),
        valid_from=ISSUED,
        credential_subject=EndorsementSubject(id="urn:uuid:7c1f3e4a-2b1d-4c6e-9f00-1a2b3c4d5e6f"),
    ).to_json()


class Settled(KeyResolver):
    """Every key fetch refused: the verdict is already settled."""

    def resolve(self, method_id: str, **kwargs: Any) -> ResolvedKey:
        raise FetchSkippedError("the verdict is settled")

    def resolve_header_key(self, jwk: Any, **kwargs: Any) -> ResolvedKey:
        raise FetchSkippedError("the verdict is settled")


@pytest.mark.parametrize("form", ["kid", "header-key"])
def test_a_settled_endorsements_issuer_check_says_endorsement(ed_key, form):
    header = (
        {"kid": did_key_verification_method(ed_key.public)}
        if form == "kid"
        else {"jwk": ed_key.public.to_jwk()}
    )
    source = token(ed_key, endorsement(ed_key), **header)
    report = Verifier(key_resolver=Settled(None)).verify(source, now=NOW)
    check = report.check("issuer")
    assert (check.outcome, check.message, check.reason) == (
        Outcome.SKIPPED,
        "Not checked: the endorsement is already known not to be valid.",
        REASON_SETTLED,
    )
