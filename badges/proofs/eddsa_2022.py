"""Data Integrity proofs with ``eddsa-2022``, the pre-standard name of ``eddsa-rdfc-2022``.

Drafts of the W3C EdDSA cryptosuites (2022 to mid 2023) named the suite ``eddsa-2022``; it
became ``eddsa-rdfc-2022`` when the JCS variant was split off and the suites were renamed
(w3c/vc-di-eddsa pull request 53). The algorithm did not change: the proof options (the
proof without ``proofValue``, under the document's ``@context``) and the document without
its proof are canonicalised with URDNA2015 (whose output RDFC-1.0 keeps), each hashed with
SHA-256, the proof options' hash first, and Ed25519 signs those 64 bytes; ``proofValue`` is
base58btc multibase. Digital Bazaar's ``eddsa-2022-cryptosuite`` issued it, mostly on VC 1.1
credentials that list the data-integrity v1 context.

Verify only: new proofs are made with ``eddsa-rdfc-2022``.
"""

from __future__ import annotations

from typing import Any

from .. import standards
from ..errors import ProofError
from ..jsonld.loader import FrozenDocumentLoader
from ..keys import PublicKey
from . import eddsa_rdfc_2022

PROOF_TYPE = eddsa_rdfc_2022.PROOF_TYPE
CRYPTOSUITE = "eddsa-2022"
DATA_INTEGRITY_V1 = "https://w3id.org/security/data-integrity/v1"
# A document whose @context lacks all of these does not define the proof's terms; the
# signing libraries add one of them to the document before they sign.
SUITE_CONTEXTS = (DATA_INTEGRITY_V1, standards.DATA_INTEGRITY_V2, standards.VC_V2)


def verify_eddsa_2022_proof(
    document: dict[str, Any],
    proof: dict[str, Any],
    public: PublicKey,
    *,
    expected_purpose: str = "assertionMethod",
    loader: FrozenDocumentLoader | None = None,
) -> None:
    """Check one ``eddsa-2022`` DataIntegrityProof of ``document`` with a key bound to its issuer.

    Raises ProofError (shape, purpose, suite, missing context), SignatureError (does not
    verify), and ContextError/CanonicalizationError (document not canonicalisable).
    """
    eddsa_rdfc_2022.check_proof_shape(
        proof, expected_purpose=expected_purpose, cryptosuite=CRYPTOSUITE
    )
    contexts = document.get("@context")
    listed = contexts if isinstance(contexts, list) else [contexts]
    if not any(url in listed for url in SUITE_CONTEXTS):
        raise ProofError(
            f"the cryptosuite {CRYPTOSUITE!r} needs the data-integrity context "
            f"({DATA_INTEGRITY_V1}) in the credential's @context"
        )
    eddsa_rdfc_2022.verify_data_integrity_proof(
        document,
        proof,
        public,
        expected_purpose=expected_purpose,
        loader=loader,
        cryptosuite=CRYPTOSUITE,
    )
