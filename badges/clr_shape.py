"""What a CLR 2.0 record looks like from outside: its type, contexts and entries.

Split from ``badges.clr`` (which builds and signs records with the data model, the
issuing code and the signing suites) so that a verifier reading a badge does not import
any of that: ``badges verify`` of a local file loads only what verifying needs (issue 15).
``badges.clr`` re-exports all of it.
"""

from __future__ import annotations

from typing import Any

from . import standards
from .errors import FormatError
from .proofs import vc_jwt

CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
CLR_CONTEXTS = frozenset({CLR_CONTEXT, "https://purl.imsglobal.org/spec/clr/v2p0/context.json"})
CLR_TYPE = "ClrCredential"
CLR_SUBJECT_TYPE = "ClrSubject"
ENVELOPED_TYPE = "EnvelopedVerifiableCredential"
JWT_DATA_URL = "data:application/vc+jwt,"


def enveloped(token: str) -> dict[str, Any]:
    """A compact VC-JWT as a VC 2.0 ``EnvelopedVerifiableCredential`` (the token unchanged)."""
    token = token.strip()
    if not vc_jwt.looks_like_jwt(token):
        raise FormatError("an enveloped credential must be a compact JWT")
    return {"@context": standards.VC_V2, "id": JWT_DATA_URL + token, "type": ENVELOPED_TYPE}


def entry_source(entry: Any) -> dict[str, Any] | str:
    """What one ``verifiableCredential`` entry holds, for a verifier: the credential object,
    or the compact JWT of an envelope (or of a bare token). Raises FormatError otherwise."""
    if isinstance(entry, str):
        if vc_jwt.looks_like_jwt(entry):
            return entry.strip()
        raise FormatError("an entry is a string that is not a compact JWT")
    if not isinstance(entry, dict):
        raise FormatError("an entry is neither a credential object nor a JWT")
    types = entry.get("type")
    types = types if isinstance(types, list) else [types]
    if ENVELOPED_TYPE in types:
        ident = entry.get("id")
        if not isinstance(ident, str) or not ident.startswith(JWT_DATA_URL):
            raise FormatError(
                f"an {ENVELOPED_TYPE} must carry its token as a {JWT_DATA_URL}… URL in its id"
            )
        token = ident[len(JWT_DATA_URL) :]
        if not vc_jwt.looks_like_jwt(token):
            raise FormatError(f"the {ENVELOPED_TYPE}'s data URL holds no compact JWT")
        return token
    return entry


def looks_like_record(text: str) -> bool:
    """True when ``text`` is a ``ClrCredential`` as JSON or as a compact VC-JWT, read within
    the record limits (``jsonutil.MAX_RECORD_BYTES``) and not verified: for a caller that
    takes larger input for a record than for a badge. Never raises."""
    from . import jsonutil
    from .errors import BadgeError

    text = text.strip()
    try:
        if text.startswith("{"):
            return is_clr(jsonutil.loads(text, max_bytes=jsonutil.MAX_RECORD_BYTES))
        if vc_jwt.looks_like_jwt(text):
            payload = vc_jwt.decode_jwt(text, record=True).payload
            return is_clr(vc_jwt.credential_from_payload(payload))
    except (BadgeError, ValueError):
        return False
    return False


def clr_entries(clr: dict[str, Any]) -> list[Any]:
    """The raw ``verifiableCredential`` entries of a CLR's subject, in order."""
    subject = clr.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    if not isinstance(subject, dict):
        return []
    entries = subject.get("verifiableCredential")
    if entries is None:
        return []
    return list(entries) if isinstance(entries, list) else [entries]


def is_clr(credential: Any) -> bool:
    """True for a JSON object whose ``type`` names ``ClrCredential``."""
    if not isinstance(credential, dict):
        return False
    types = credential.get("type")
    return CLR_TYPE in (types if isinstance(types, list) else [types])
