"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite.

The data signed is SHA-256(canonical proof options) followed by SHA-256(canonical
document without its proof), both canonicalised with RDFC-1.0 over bundled contexts.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from ..errors import ProofError, SignatureError, UnsupportedAlgorithmError
from ..jsonld import canonicalize
from ..jsonld.loader import FrozenDocumentLoader
from ..keys import Algorithm, KeyPair, PublicKey
from ..multibase import multibase_decode, multibase_encode_b58
from ..timeutil import format_datetime, utcnow

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"


def _unsecured(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


def _proof_config(document: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = document.get("@context")
    return config


def hash_data(
    document: dict[str, Any], proof: dict[str, Any], loader: FrozenDocumentLoader | None = None
) -> bytes:
    """The 64 bytes an eddsa-rdfc-2022 signature covers."""
    proof_hash = hashlib.sha256(
        canonicalize(_proof_config(document, proof), loader).encode()
    ).digest()
    doc_hash = hashlib.sha256(canonicalize(_unsecured(document), loader).encode()).digest()
    return proof_hash + doc_hash


def add_data_integrity_proof(
    document: dict[str, Any],
    key: KeyPair,
    *,
    verification_method: str,
    created: datetime | None = None,
    proof_purpose: str = "assertionMethod",
    loader: FrozenDocumentLoader | None = None,
) -> dict[str, Any]:
    """A copy of ``document`` with an eddsa-rdfc-2022 proof appended to its ``proof`` array.

    Raises UnsupportedAlgorithmError for a non-Ed25519 key, and ContextError or
    CanonicalizationError when the document is not signable JSON-LD.
    """
    if key.alg is not Algorithm.EDDSA:
        raise UnsupportedAlgorithmError("eddsa-rdfc-2022 needs an Ed25519 key")
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": format_datetime(created or utcnow()),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    unsecured = _unsecured(document)
    proof["proofValue"] = multibase_encode_b58(key.sign(hash_data(unsecured, proof, loader)))
    existing = document.get("proof")
    proofs = [] if existing is None else (existing if isinstance(existing, list) else [existing])
    return {**document, "proof": [*proofs, proof]}


def check_proof_shape(
    proof: Any, *, expected_purpose: str = "assertionMethod", cryptosuite: str = CRYPTOSUITE
) -> None:
    """Raise ProofError unless ``proof`` is a DataIntegrityProof of ``cryptosuite`` for the purpose."""
    if not isinstance(proof, dict):
        raise ProofError("a proof must be a JSON object")
    if proof.get("type") != PROOF_TYPE:
        raise ProofError(f"unsupported proof type {proof.get('type')!r}")
    if proof.get("cryptosuite") != cryptosuite:
        raise ProofError(f"unsupported cryptosuite {proof.get('cryptosuite')!r}")
    check_common_proof_fields(proof, expected_purpose)


def check_common_proof_fields(proof: dict[str, Any], expected_purpose: str) -> None:
    """What every embedded Ed25519 proof needs: the purpose, a proofValue, no own @context."""
    if proof.get("proofPurpose") != expected_purpose:
        raise ProofError(
            f"the proof purpose is {proof.get('proofPurpose')!r}, expected {expected_purpose!r}"
        )
    if not isinstance(proof.get("proofValue"), str):
        raise ProofError("the proof has no proofValue")
    if "@context" in proof and proof["@context"] is not None:
        raise ProofError("an embedded proof must not carry its own @context")


def verify_data_integrity_proof(
    document: dict[str, Any],
    proof: dict[str, Any],
    public: PublicKey,
    *,
    expected_purpose: str = "assertionMethod",
    loader: FrozenDocumentLoader | None = None,
    cryptosuite: str = CRYPTOSUITE,
) -> None:
    """Check one eddsa-rdfc-2022 proof of ``document`` with a key bound to its issuer.

    ``cryptosuite`` names the suite the proof must declare: the same algorithm was called
    ``eddsa-2022`` before it was standardised (see ``eddsa_2022``).

    Raises ProofError (shape, purpose, suite), SignatureError (does not verify), and
    ContextError/CanonicalizationError (document not canonicalisable).
    """
    check_proof_shape(proof, expected_purpose=expected_purpose, cryptosuite=cryptosuite)
    if public.alg is not Algorithm.EDDSA:
        raise SignatureError(f"{cryptosuite} proofs verify only with Ed25519 keys")
    signature = ed25519_proof_value(proof["proofValue"])
    if not public.verify(signature, hash_data(_unsecured(document), proof, loader)):
        raise SignatureError("the Data Integrity signature does not verify")


def ed25519_proof_value(value: str) -> bytes:
    """The 64-byte Ed25519 signature in a ``proofValue`` (multibase base58btc, ``z``).

    Raises ProofError for anything else.
    """
    try:
        signature = multibase_decode(value)
    except Exception as exc:
        raise ProofError("the proofValue is not multibase") from exc
    if value[:1] != "z" or len(signature) != 64:
        raise ProofError("the proofValue is not a base58btc Ed25519 signature")
    return signature
