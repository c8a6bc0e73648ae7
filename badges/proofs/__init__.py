"""Both proof formats of Open Badges 3.0: VC-JWT and Data Integrity eddsa-rdfc-2022.

Older credentials are verified too: VC-JWTs with the credential in a ``vc`` claim (VC 1.1),
and the legacy embedded proof suites ``eddsa-2022`` and ``Ed25519Signature2020``.
"""

from .eddsa_rdfc_2022 import add_data_integrity_proof, verify_data_integrity_proof
from .embedded import verify_embedded_proof
from .vc_jwt import decode_jwt, looks_like_jwt, sign_jwt, verify_jwt_signature

__all__ = [
    "add_data_integrity_proof",
    "decode_jwt",
    "looks_like_jwt",
    "sign_jwt",
    "verify_data_integrity_proof",
    "verify_embedded_proof",
    "verify_jwt_signature",
]
