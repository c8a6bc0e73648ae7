"""Linked Data proofs of the legacy type ``Ed25519Signature2020`` (verify only).

The suite (W3C Credentials Community Group, 2020; kept in an appendix of the W3C EdDSA
cryptosuites as a stable reference) that the Digital Credentials Consortium's issuer and
wallet used before Data Integrity. What is signed: the proof options (the proof without
``proofValue``, under the document's ``@context``) and the document without its proof are
canonicalised with URDNA2015, each hashed with SHA-256, the proof options' hash first; an
Ed25519 signature over those 64 bytes is the multibase base58btc ``proofValue``. Apart from
the proof's type (and its lack of a ``cryptosuite``) that is the eddsa-rdfc-2022 recipe.

The verification method is an ``Ed25519VerificationKey2020`` with ``publicKeyMultibase``
(for did:key the same key as a Multikey); like any key, it counts only when the issuer
published it (``badges.resolve``).
"""

from __future__ import annotations

from typing import Any

from ..errors import ProofError, SignatureError
from ..jsonld.loader import FrozenDocumentLoader
from ..keys import Algorithm, PublicKey
from .eddsa_rdfc_2022 import check_common_proof_fields, ed25519_proof_value, hash_data

PROOF_TYPE = "Ed25519Signature2020"
SUITE_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"


def check_proof_shape(
    document: dict[str, Any], proof: Any, *, expected_purpose: str = "assertionMethod"
) -> None:
    """Raise ProofError unless ``proof`` is an Ed25519Signature2020 proof ``document`` can carry."""
    if not isinstance(proof, dict):
        raise ProofError("a proof must be a JSON object")
    if proof.get("type") != PROOF_TYPE:
        raise ProofError(f"unsupported proof type {proof.get('type')!r}")
    contexts = document.get("@context")
    if SUITE_CONTEXT not in (contexts if isinstance(contexts, list) else [contexts]):
        # Only this context defines the suite's terms; signing libraries add it to the
        # document before they sign, so a proof without it was not made by one.
        raise ProofError(
            f"the proof type {PROOF_TYPE!r} needs the context {SUITE_CONTEXT} "
            "in the credential's @context"
        )
    if "cryptosuite" in proof:
        raise ProofError(f"the proof type {PROOF_TYPE!r} takes no cryptosuite")
    check_common_proof_fields(proof, expected_purpose)


def verify_ed25519_signature_2020(
    document: dict[str, Any],
    proof: dict[str, Any],
    public: PublicKey,
    *,
    expected_purpose: str = "assertionMethod",
    loader: FrozenDocumentLoader | None = None,
) -> None:
    """Check one Ed25519Signature2020 proof of ``document`` with a key bound to its issuer.

    Raises ProofError (shape, purpose, missing suite context), SignatureError (does not
    verify), and ContextError/CanonicalizationError (document not canonicalisable).
    """
    check_proof_shape(document, proof, expected_purpose=expected_purpose)
    if public.alg is not Algorithm.EDDSA:
        raise SignatureError(f"{PROOF_TYPE} proofs verify only with Ed25519 keys")
    signature = ed25519_proof_value(proof["proofValue"])
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if not public.verify(signature, hash_data(unsecured, proof, loader)):
        raise SignatureError(f"the {PROOF_TYPE} signature does not verify")
