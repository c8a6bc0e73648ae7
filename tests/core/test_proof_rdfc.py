"""eddsa-rdfc-2022, exactly: signing and verifying through the caller's loader, appending to
the proofs a document has, and each refusal with its message.

Written to kill the mutants tests/mutation/run.py found alive in
badges/proofs/eddsa_rdfc_2022.py.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from badges.dids import did_key, did_key_verification_method
from badges.errors import ContextError, ProofError, SignatureError, UnsupportedAlgorithmError
from badges.jsonld.loader import FrozenDocumentLoader
from badges.multibase import multibase_encode_b58
from badges.proofs import eddsa_rdfc_2022 as rdfc
from tests.conftest import build_credential

EXTRA = "https://school.example/contexts/empty.json"  # known to EXTRA_LOADER only
EXTRA_LOADER = FrozenDocumentLoader({EXTRA: {"@context": {}}})
CREATED = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def exactly(error: type[Exception], message: str):
    return pytest.raises(error, match=f"^{re.escape(message)}$")


def sign(key, document: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return rdfc.add_data_integrity_proof(
        document,
        key,
        verification_method=did_key_verification_method(key.public),
        created=CREATED,
        **kwargs,
    )


@pytest.fixture
def unsigned(ed_key) -> dict[str, Any]:
    return build_credential(did_key(ed_key.public))


def test_signing_and_verifying_use_the_callers_loader(ed_key, unsigned):
    document = {**unsigned, "@context": [*unsigned["@context"], EXTRA]}
    with pytest.raises(ContextError):  # the bundled contexts alone do not know it
        sign(ed_key, document)
    signed = sign(ed_key, document, loader=EXTRA_LOADER)
    [proof] = signed["proof"]
    rdfc.verify_data_integrity_proof(signed, proof, ed_key.public, loader=EXTRA_LOADER)
    with pytest.raises(ContextError):
        rdfc.verify_data_integrity_proof(signed, proof, ed_key.public)
    with pytest.raises(ContextError):
        rdfc.hash_data(signed, proof)
    assert len(rdfc.hash_data(signed, proof, EXTRA_LOADER)) == 64


def test_a_proof_is_appended_to_those_the_document_has(ed_key, other_key, unsigned):
    first = sign(ed_key, unsigned)
    [proof_a] = first["proof"]
    assert proof_a["proofPurpose"] == "assertionMethod"
    assert proof_a["created"] == "2026-09-01T08:00:00Z"
    # a second signature keeps the first (a list), and one given as an object
    second = sign(other_key, first)
    assert second["proof"][0] == proof_a and len(second["proof"]) == 2
    single = sign(other_key, {**unsigned, "proof": proof_a})
    assert single["proof"][0] == proof_a and len(single["proof"]) == 2
    for proof, key in zip(second["proof"], (ed_key, other_key), strict=True):
        rdfc.verify_data_integrity_proof(second, proof, key.public)
    # the document given is not changed
    assert "proof" not in unsigned


def test_only_an_ed25519_key_signs(es_key, unsigned):
    with exactly(UnsupportedAlgorithmError, "eddsa-rdfc-2022 needs an Ed25519 key"):
        sign(es_key, unsigned)


def test_the_shape_of_a_proof_is_checked_saying_why(ed_key, unsigned):
    [proof] = sign(ed_key, unsigned)["proof"]
    rdfc.check_proof_shape(proof)  # assertionMethod and eddsa-rdfc-2022 by default
    cases = [
        ("proof", "a proof must be a JSON object"),
        (
            {**proof, "type": "Ed25519Signature2020"},
            "unsupported proof type 'Ed25519Signature2020'",
        ),
        ({**proof, "cryptosuite": "ecdsa-rdfc-2019"}, "unsupported cryptosuite 'ecdsa-rdfc-2019'"),
        (
            {**proof, "proofPurpose": "authentication"},
            "the proof purpose is 'authentication', expected 'assertionMethod'",
        ),
        ({**proof, "proofValue": None}, "the proof has no proofValue"),
        ({**proof, "proofValue": ["z1"]}, "the proof has no proofValue"),
        (
            {**proof, "@context": ["https://www.w3.org/ns/credentials/v2"]},
            "an embedded proof must not carry its own @context",
        ),
        (
            {**proof, "@context": "https://w3id.org/security/data-integrity/v2"},
            "an embedded proof must not carry its own @context",
        ),
    ]
    for bad, message in cases:
        with exactly(ProofError, message):
            rdfc.check_proof_shape(bad)
    rdfc.check_proof_shape({**proof, "@context": None})  # null is no context
    rdfc.check_proof_shape({**proof, "cryptosuite": "eddsa-2022"}, cryptosuite="eddsa-2022")


def test_a_signature_that_does_not_verify_says_so(ed_key, other_key, unsigned):
    signed = sign(ed_key, unsigned)
    [proof] = signed["proof"]
    with exactly(SignatureError, "the Data Integrity signature does not verify"):
        rdfc.verify_data_integrity_proof(signed, proof, other_key.public)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("z0OIl", "the proofValue is not multibase"),  # not base58 characters
        ("", "the proofValue is not multibase"),
        ("u" + "A" * 86, "the proofValue is not a base58btc Ed25519 signature"),
        (multibase_encode_b58(bytes(63)), "the proofValue is not a base58btc Ed25519 signature"),
        (multibase_encode_b58(bytes(65)), "the proofValue is not a base58btc Ed25519 signature"),
    ],
)
def test_a_proof_value_that_is_not_a_signature_is_refused(value, message):
    with exactly(ProofError, message):
        rdfc.ed25519_proof_value(value)
    assert rdfc.ed25519_proof_value(multibase_encode_b58(bytes(64))) == bytes(64)
