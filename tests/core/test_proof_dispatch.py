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
from badges.proofs import verify_embedded_proof
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
