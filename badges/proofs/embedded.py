"""Embedded proofs: find the suite a proof names and check it.

Accepted: ``DataIntegrityProof`` with ``eddsa-rdfc-2022`` (what this library issues) and
its pre-standard name ``eddsa-2022``, and the legacy ``Ed25519Signature2020``. Any other
proof type or cryptosuite is refused by name, never tried as a default.
"""

from __future__ import annotations

from typing import Any

from ..errors import ProofError
from ..jsonld.loader import FrozenDocumentLoader
from ..keys import PublicKey
from . import ed25519_signature_2020, eddsa_2022, eddsa_rdfc_2022


def verify_embedded_proof(
    document: dict[str, Any],
    proof: Any,
    public: PublicKey,
    *,
    expected_purpose: str = "assertionMethod",
    loader: FrozenDocumentLoader | None = None,
) -> str:
    """Check one embedded proof of ``document`` with a key bound to its issuer.

    Returns the suite's name. Raises ProofError (unknown type or cryptosuite, shape,
    purpose), SignatureError (does not verify), and ContextError/CanonicalizationError
    (document not canonicalisable).
    """
    if not isinstance(proof, dict):
        raise ProofError("a proof must be a JSON object")
    kind = proof.get("type")
    if kind == ed25519_signature_2020.PROOF_TYPE:
        ed25519_signature_2020.verify_ed25519_signature_2020(
            document, proof, public, expected_purpose=expected_purpose, loader=loader
        )
        return ed25519_signature_2020.PROOF_TYPE
    if kind == eddsa_rdfc_2022.PROOF_TYPE and proof.get("cryptosuite") == eddsa_2022.CRYPTOSUITE:
        eddsa_2022.verify_eddsa_2022_proof(
            document, proof, public, expected_purpose=expected_purpose, loader=loader
        )
        return eddsa_2022.CRYPTOSUITE
    # eddsa-rdfc-2022, or a refusal naming the unsupported type or cryptosuite
    eddsa_rdfc_2022.verify_data_integrity_proof(
        document, proof, public, expected_purpose=expected_purpose, loader=loader
    )
    return eddsa_rdfc_2022.CRYPTOSUITE
