"""The proof step, exactly: each outcome with its message, and who it proves issued the badge.

Written to kill the mutants tests/mutation/run.py found alive in
badges/verification/steps/proof.py.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from badges.dids import did_key, did_key_verification_method
from badges.errors import CanonicalizationError, FetchError, FetchSkippedError
from badges.fetch import FetchBudget
from badges.jsonld.loader import FrozenDocumentLoader
from badges.jsonutil import compact_bytes
from badges.keys import KeyPair
from badges.model import EndorsementCredential, EndorsementSubject, Profile
from badges.multibase import b64url_encode
from badges.proofs.eddsa_rdfc_2022 import add_data_integrity_proof
from badges.proofs.vc_jwt import registered_claims
from badges.resolve import KeyResolver, ResolvedKey
from badges.verification import Outcome, Verdict, Verifier
from badges.verification.report import REASON_SETTLED
from badges.verification.steps import proof as proof_step
from badges.verification.steps.proof import _proofs_message
from tests.conftest import ISSUED, NOW, build_credential


def proof_of(report) -> tuple[Outcome, str, str | None]:
    check = report.check("proof")
    return check.outcome, check.message, check.detail


def signed_token(key: KeyPair, payload: dict[str, Any]) -> str:
    header = {"alg": "EdDSA", "kid": did_key_verification_method(key.public), "typ": "JWT"}
    signing_input = (
        f"{b64url_encode(compact_bytes(header))}.{b64url_encode(compact_bytes(payload))}"
    )
    return f"{signing_input}.{b64url_encode(key.sign(signing_input.encode('ascii')))}"


def test_a_jwt_alone_verifies_by_its_algorithm_and_proves_the_issuer(sign_did_key, ed_key):
    report = Verifier().verify(sign_did_key(proof="jwt").jwt, now=NOW)
    assert proof_of(report) == (Outcome.PASSED, "The EdDSA JWT signature verifies.", None)
    assert report.verified_issuer == did_key(ed_key.public)


def test_a_jwt_around_an_embedded_proof_checks_both(sign_did_key, ed_key):
    signed = sign_did_key(proof="both")
    report = Verifier().verify(signed.jwt, now=NOW)
    assert proof_of(report) == (
        Outcome.PASSED,
        "The JWT signature and the embedded proof both verify.",
        None,
    )
    assert report.verified_issuer == did_key(ed_key.public)


def test_an_embedded_proof_alone_is_named_by_its_suite(sign_did_key, ed_key):
    report = Verifier().verify(sign_did_key(proof="data-integrity").json, now=NOW)
    assert proof_of(report) == (
        Outcome.PASSED,
        "The eddsa-rdfc-2022 Data Integrity proof verifies.",
        None,
    )
    assert report.verified_issuer == did_key(ed_key.public)


def two_proofs(key: KeyPair) -> dict[str, Any]:
    """A credential with two eddsa-rdfc-2022 proofs by its issuer's key, made a day apart."""
    unsigned = build_credential(did_key(key.public))
    method = did_key_verification_method(key.public)
    proofs = [
        add_data_integrity_proof(unsigned, key, verification_method=method, created=created)[
            "proof"
        ][0]
        for created in (ISSUED, ISSUED + timedelta(days=1))
    ]
    assert proofs[0] != proofs[1]
    return {**unsigned, "proof": proofs}


def test_two_proofs_of_one_suite_name_it_once_and_each_is_checked(ed_key):
    credential = two_proofs(ed_key)
    report = Verifier().verify(credential, now=NOW)
    assert proof_of(report) == (
        Outcome.PASSED,
        "The eddsa-rdfc-2022 Data Integrity proof verifies.",
        None,
    )
    forged = copy.deepcopy(credential)
    forged["proof"][1]["created"] = "2020-01-01T00:00:00Z"  # the second proof no longer verifies
    report = Verifier().verify(forged, now=NOW)
    outcome, message, detail = proof_of(report)
    assert (outcome, message) == (
        Outcome.FAILED,
        "The signature does not match: the badge was changed or forged.",
    )
    assert detail
    assert report.verdict is Verdict.INVALID and report.verified_issuer is None


def test_the_message_for_proofs_of_several_suites_names_each():
    assert str(_proofs_message(["eddsa-rdfc-2022", "Ed25519Signature2020"])) == (
        "Every embedded proof verifies (eddsa-rdfc-2022, Ed25519Signature2020)."
    )
    assert str(_proofs_message(["eddsa-2022"])) == (
        "The eddsa-2022 Data Integrity proof verifies (the older name of eddsa-rdfc-2022)."
    )
    assert str(_proofs_message(["Ed25519Signature2020"])) == (
        "The Ed25519Signature2020 proof verifies (an older proof suite)."
    )
    assert str(_proofs_message(["a-future-suite"])) == "The a-future-suite proof verifies."


def test_a_changed_badge_fails_its_embedded_proof(sign_did_key):
    credential = copy.deepcopy(sign_did_key(proof="data-integrity").json)
    credential["name"] = "Something else"
    report = Verifier().verify(credential, now=NOW)
    outcome, message, detail = proof_of(report)
    assert (outcome, message) == (
        Outcome.FAILED,
        "The signature does not match: the badge was changed or forged.",
    )
    assert detail
    assert report.verified_issuer is None


def test_a_proof_of_an_unknown_suite_is_refused_by_name(sign_did_key):
    credential = copy.deepcopy(sign_did_key(proof="data-integrity").json)
    credential["proof"][0]["cryptosuite"] = "a-future-suite"
    report = Verifier().verify(credential, now=NOW)
    outcome, message, detail = proof_of(report)
    assert (outcome, message) == (
        Outcome.FAILED,
        "The signature does not match: the badge was changed or forged.",
    )
    assert detail and "a-future-suite" in detail
    assert report.verified_issuer is None


def test_a_document_that_cannot_be_canonicalised_cannot_be_checked(sign_did_key, monkeypatch):
    def cannot(*args: Any, **kwargs: Any) -> str:
        raise CanonicalizationError("the document cannot be canonicalised")

    monkeypatch.setattr(proof_step, "verify_embedded_proof", cannot)
    report = Verifier().verify(sign_did_key(proof="data-integrity").json, now=NOW)
    assert proof_of(report) == (
        Outcome.FAILED,
        "The proof cannot be checked.",
        "the document cannot be canonicalised",
    )
    assert report.verified_issuer is None


class Unreachable(KeyResolver):
    """Resolves did:key methods, and fails to fetch ``method`` as the network would."""

    def __init__(self, method: str, error: FetchError) -> None:
        super().__init__(None)
        self.method, self.error = method, error

    def resolve(self, method_id: str, **kwargs: Any) -> ResolvedKey:
        if method_id == self.method:
            raise self.error
        return super().resolve(method_id, **kwargs)


def test_a_proof_whose_key_cannot_be_fetched_is_undecided(ed_key):
    credential = two_proofs(ed_key)
    credential["proof"][1]["verificationMethod"] = "did:web:school.example#key-1"
    resolver = Unreachable("did:web:school.example#key-1", FetchError("school.example is down"))
    report = Verifier(key_resolver=resolver).verify(credential, now=NOW)
    check = report.check("proof")
    assert (check.outcome, check.message, check.detail) == (
        Outcome.WARNING,
        "A key for the embedded proof could not be fetched.",
        "school.example is down",
    )
    assert check.undecided and report.verdict is Verdict.UNDECIDED
    assert report.verified_issuer is None


def test_when_the_issuers_key_fetch_is_settled_the_proof_is_skipped_for_that(ed_key):
    method = did_key_verification_method(ed_key.public)
    resolver = Unreachable(method, FetchSkippedError("the verdict is settled"))
    credential = add_data_integrity_proof(
        build_credential(did_key(ed_key.public)), ed_key, verification_method=method, created=ISSUED
    )
    report = Verifier(key_resolver=resolver).verify(credential, now=NOW)
    assert report.check("issuer").reason == REASON_SETTLED
    check = report.check("proof")
    assert (check.outcome, check.message, check.reason) == (
        Outcome.SKIPPED,
        "Not checked: the badge is already known not to be valid.",
        REASON_SETTLED,
    )


def test_jwt_claims_that_disagree_are_each_named(ed_key):
    credential = build_credential(did_key(ed_key.public))
    payload = {**credential, **registered_claims(credential), "iss": "did:example:other"}
    payload["jti"] = "urn:uuid:00000000-0000-4000-8000-000000000000"
    report = Verifier().verify(signed_token(ed_key, payload), now=NOW)
    assert proof_of(report) == (
        Outcome.FAILED,
        "The JWT's claims disagree with the credential inside it.",
        f"'iss' ('did:example:other') differs from the credential ({did_key(ed_key.public)!r}); "
        "'jti' ('urn:uuid:00000000-0000-4000-8000-000000000000') differs from the credential "
        f"({credential['id']!r})",
    )
    assert report.verified_issuer is None


def test_without_the_issuers_key_the_proof_is_not_checked(ed_key):
    # an https issuer's key, with no fetcher to fetch it
    credential = add_data_integrity_proof(
        build_credential("https://school.example/issuers/1"),
        ed_key,
        verification_method="https://school.example/issuers/1#key-1",
        created=ISSUED,
    )
    report = Verifier().verify(credential, now=NOW)
    assert proof_of(report) == (
        Outcome.SKIPPED,
        "Not checked: the issuer's key is not known.",
        None,
    )
    assert report.check("proof").reason != REASON_SETTLED


def test_a_proof_that_is_no_object_is_refused_as_naming_no_key(ed_key):
    credential = two_proofs(ed_key)
    credential["proof"][1] = "not a proof"
    report = Verifier().verify(credential, now=NOW)
    assert proof_of(report) == (
        Outcome.FAILED,
        "The signature does not match: the badge was changed or forged.",
        "unsupported verification method 'None'",
    )


def test_the_verifiers_own_contexts_are_used_to_check_the_proof(ed_key):
    url = "https://school.example/contexts/note.jsonld"
    loader = FrozenDocumentLoader(
        {url: {"@context": {"schoolNote": "https://school.example/vocab#schoolNote"}}}
    )
    unsigned = build_credential(did_key(ed_key.public))
    unsigned["@context"] = [*unsigned["@context"], url]
    unsigned["schoolNote"] = "Well done"
    signed = add_data_integrity_proof(
        unsigned,
        ed_key,
        verification_method=did_key_verification_method(ed_key.public),
        created=ISSUED,
        loader=loader,
    )
    report = Verifier(loader=loader).verify(signed, now=NOW)
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    assert proof_of(report)[0] is Outcome.PASSED


class Recording(KeyResolver):
    """Resolves did:key methods and records the budget each resolution was given."""

    def __init__(self) -> None:
        super().__init__(None)
        self.budgets: list[object] = []

    def resolve(self, method_id: str, **kwargs: Any) -> ResolvedKey:
        self.budgets.append(kwargs.get("budget"))
        return super().resolve(method_id, **kwargs)


def test_every_key_a_proof_needs_is_resolved_on_the_verifications_budget(sign_did_key):
    resolver = Recording()
    budget = FetchBudget(5.0, 10)
    report = Verifier(key_resolver=resolver).verify(
        sign_did_key(proof="both").jwt, now=NOW, budget=budget
    )
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    assert len(resolver.budgets) == 2  # the JWT's kid, then the embedded proof's method
    assert all(given is budget for given in resolver.budgets)


def endorsement_credential(key: KeyPair) -> dict[str, Any]:
    unsigned = EndorsementCredential(
        id="urn:uuid:9b0d2f6e-1c1d-4f1e-8e8e-000000000001",
        name="An endorsement of the water monitor badge",
        issuer=Profile(id=did_key(key.public), name="Lithuanian ASPnet Centre"),
        valid_from=ISSUED,
        credential_subject=EndorsementSubject(id="urn:uuid:7c1f3e4a-2b1d-4c6e-9f00-1a2b3c4d5e6f"),
    ).to_json()
    method = did_key_verification_method(key.public)
    return add_data_integrity_proof(unsigned, key, verification_method=method, created=ISSUED)


def test_a_settled_endorsement_says_so_of_the_endorsement(ed_key):
    method = did_key_verification_method(ed_key.public)
    resolver = Unreachable(method, FetchSkippedError("the verdict is settled"))
    report = Verifier(key_resolver=resolver).verify(endorsement_credential(ed_key), now=NOW)
    check = report.check("proof")
    assert (check.outcome, check.message, check.reason) == (
        Outcome.SKIPPED,
        "Not checked: the endorsement is already known not to be valid.",
        REASON_SETTLED,
    )


def test_an_endorsements_second_key_skipped_as_settled_says_so_of_the_endorsement(ed_key):
    credential = endorsement_credential(ed_key)
    second = {**credential["proof"][0], "verificationMethod": "did:web:school.example#key-1"}
    credential["proof"].append(second)
    resolver = Unreachable(
        "did:web:school.example#key-1", FetchSkippedError("the verdict is settled")
    )
    report = Verifier(key_resolver=resolver).verify(credential, now=NOW)
    check = report.check("proof")
    assert (check.outcome, check.message, check.reason) == (
        Outcome.SKIPPED,
        "Not checked: the endorsement is already known not to be valid.",
        REASON_SETTLED,
    )
