"""verify_embedded_proof hands each suite the caller's purpose and document loader.

A dispatcher that dropped the expected purpose would accept an ``authentication`` proof
where an ``assertionMethod`` one is required (or the reverse); one that dropped the loader
would resolve contexts the caller did not allow. Written to kill the mutants
tests/mutation/run.py found alive in badges/proofs/embedded.py.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from badges.dids import did_key, did_key_verification_method
from badges.errors import ProofError
from badges.issuing import sign_credential
from badges.jsonld.loader import FrozenDocumentLoader
from badges.keys import PublicKey
from badges.proofs import ed25519_signature_2020, eddsa_2022, verify_embedded_proof
from tests.conftest import FIXTURES, ISSUED, build_credential

LEGACY = FIXTURES / "legacy"
KEYS = json.loads((LEGACY / "keys.json").read_text())
LEGACY_KEY = PublicKey.from_multibase(KEYS["did:key issuer"]["publicKeyMultibase"])


class RecordingLoader(FrozenDocumentLoader):
    """The bundled contexts, noting each one asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def __call__(self, url: str, options: Any = None) -> dict[str, Any]:
        self.asked.append(url)
        return super().__call__(url, options)


@pytest.fixture(params=["Ed25519Signature2020", "eddsa-2022", "eddsa-rdfc-2022"])
def signed(request, ed_key) -> tuple[dict[str, Any], PublicKey, str]:
    """A valid credential with a proof of each suite, its key and the suite's name."""
    if request.param == "Ed25519Signature2020":
        return (
            json.loads((LEGACY / "ob302-vc11-ed25519signature2020.json").read_text()),
            LEGACY_KEY,
            request.param,
        )
    if request.param == "eddsa-2022":
        return (
            json.loads((LEGACY / "ob302-vc11-eddsa-2022.json").read_text()),
            LEGACY_KEY,
            request.param,
        )
    unsigned = build_credential(did_key(ed_key.public))
    credential = sign_credential(
        unsigned,
        ed_key,
        verification_method=did_key_verification_method(ed_key.public),
        proof="data-integrity",
        created=ISSUED,
    ).json
    [proof] = (
        credential["proof"] if isinstance(credential["proof"], list) else [credential["proof"]]
    )
    return {**credential, "proof": proof}, ed_key.public, request.param


def test_each_suite_verifies_with_the_callers_loader(signed):
    credential, key, suite = signed
    loader = RecordingLoader()
    assert verify_embedded_proof(credential, credential["proof"], key, loader=loader) == suite
    assert loader.asked, "the suite resolved the contexts through the loader it was given"
    contexts = credential["@context"]
    assert set(loader.asked) <= set(contexts), loader.asked


def test_each_suite_checks_the_callers_purpose(signed):
    credential, key, _suite = signed
    assert credential["proof"]["proofPurpose"] == "assertionMethod"
    message = "the proof purpose is 'assertionMethod', expected 'authentication'"
    with pytest.raises(ProofError, match=re.escape(message)):
        verify_embedded_proof(
            credential, credential["proof"], key, expected_purpose="authentication"
        )


@pytest.mark.parametrize("proof", [None, "z3Fx...", ["proof"], 7])
def test_a_proof_that_is_not_an_object_is_refused(signed, proof):
    credential, key, _suite = signed
    with pytest.raises(ProofError, match=r"^a proof must be a JSON object$"):
        verify_embedded_proof(credential, proof, key)


# -- each suite's own function -------------------------------------------------------------------


def legacy(name: str) -> dict[str, Any]:
    return json.loads((LEGACY / name).read_text())


def test_eddsa_2022_verifies_for_assertions_by_default_with_the_given_loader():
    credential = legacy("ob302-vc11-eddsa-2022.json")
    eddsa_2022.verify_eddsa_2022_proof(credential, credential["proof"], LEGACY_KEY)
    loader = RecordingLoader()
    eddsa_2022.verify_eddsa_2022_proof(credential, credential["proof"], LEGACY_KEY, loader=loader)
    assert loader.asked


def test_eddsa_2022_needs_a_data_integrity_context_listed_not_merely_named():
    credential = legacy("ob302-vc11-eddsa-2022.json")
    message = (
        "the cryptosuite 'eddsa-2022' needs the data-integrity context "
        "(https://w3id.org/security/data-integrity/v1) in the credential's @context"
    )
    for contexts in (
        "https://w3id.org/security/data-integrity/v1#not-it",  # one string containing the URL
        "https://www.w3.org/2018/credentials/v1",
        [c for c in credential["@context"] if "data-integrity" not in c],
    ):
        with pytest.raises(ProofError, match=f"^{re.escape(message)}$"):
            eddsa_2022.verify_eddsa_2022_proof(
                {**credential, "@context": contexts}, credential["proof"], LEGACY_KEY
            )


def test_ed25519_signature_2020_verifies_for_assertions_by_default_with_the_given_loader():
    credential = legacy("ob302-vc11-ed25519signature2020.json")
    ed25519_signature_2020.verify_ed25519_signature_2020(
        credential, credential["proof"], LEGACY_KEY
    )
    loader = RecordingLoader()
    ed25519_signature_2020.verify_ed25519_signature_2020(
        credential, credential["proof"], LEGACY_KEY, loader=loader
    )
    assert loader.asked
    with pytest.raises(ProofError, match="expected 'authentication'"):
        ed25519_signature_2020.verify_ed25519_signature_2020(
            credential, credential["proof"], LEGACY_KEY, expected_purpose="authentication"
        )


def test_the_ed25519_signature_2020_shape_is_checked_saying_why():
    credential = legacy("ob302-vc11-ed25519signature2020.json")
    proof = credential["proof"]
    ed25519_signature_2020.check_proof_shape(credential, proof)  # assertionMethod by default

    def refused(document, proof, message):
        with pytest.raises(ProofError, match=f"^{re.escape(message)}$"):
            ed25519_signature_2020.check_proof_shape(document, proof)

    refused(credential, "proof", "a proof must be a JSON object")
    refused(
        credential,
        {**proof, "type": "DataIntegrityProof"},
        "unsupported proof type 'DataIntegrityProof'",
    )
    no_type = {k: v for k, v in proof.items() if k != "type"}
    refused(credential, no_type, "unsupported proof type None")
    needs = (
        "the proof type 'Ed25519Signature2020' needs the context "
        "https://w3id.org/security/suites/ed25519-2020/v1 in the credential's @context"
    )
    suite = "https://w3id.org/security/suites/ed25519-2020/v1"
    refused({**credential, "@context": suite + "#not-it"}, proof, needs)
    others = [c for c in credential["@context"] if c != suite]
    refused({**credential, "@context": others}, proof, needs)
    ed25519_signature_2020.check_proof_shape({**credential, "@context": suite}, proof)
    refused(
        credential,
        {**proof, "cryptosuite": "eddsa-2022"},
        "the proof type 'Ed25519Signature2020' takes no cryptosuite",
    )
