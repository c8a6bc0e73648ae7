"""VC-JWT as Open Badges 3.0 section 8.2 defines it.

The JWT payload is the credential itself plus the registered claims ``iss`` (issuer
id), ``jti`` (credential id), ``sub`` (credentialSubject.id, when there is one),
``nbf`` (validFrom) and ``exp`` (validUntil, when there is one). The JOSE header
carries ``alg`` and a ``kid`` that dereferences to the issuer's published key.

Older tokens (VC Data Model 1.1 section 6.3, and the OB 3.0 drafts built on it) carry the
credential in a ``vc`` claim instead, with ``nbf``/``exp`` standing for ``issuanceDate``/
``expirationDate``. They are read (never written) here: properties the ``vc`` claim leaves
out are taken from the registered claims, as VC 1.1 decoding says, and those it repeats
must agree with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .. import jsonutil
from ..errors import FormatError, InputTooLargeError, ProofError, SignatureError
from ..keys import Algorithm, KeyPair, PublicKey
from ..multibase import b64url_decode, b64url_encode
from ..timeutil import epoch, format_datetime, parse_datetime

MAX_TOKEN_CHARS = 1024 * 1024
# the VC-JWT of a CLR 2.0 record (its payload up to jsonutil.MAX_RECORD_BYTES, base64url)
MAX_RECORD_TOKEN_CHARS = jsonutil.MAX_RECORD_BYTES * 4 // 3 + 64 * 1024
ALLOWED_ALGS = {
    "EdDSA": Algorithm.EDDSA,
    "Ed25519": Algorithm.EDDSA,
    "ES256": Algorithm.ES256,
    "RS256": Algorithm.RS256,
}
ALLOWED_TYPS = {None, "JWT", "vc+jwt", "vc+ld+jwt"}


@dataclass(frozen=True)
class DecodedJwt:
    """A compact JWT split and parsed, its signature not yet checked."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes

    @property
    def alg(self) -> Algorithm:
        return ALLOWED_ALGS[self.header["alg"]]


_BASE64URL = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def looks_like_jwt(text: str) -> bool:
    """True for a string with the shape of a compact JWS (three base64url parts, the
    last one possibly empty): ``[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*``.

    Tested on bytes rather than with that regular expression: deleting the alphabet from
    the token is one C pass, where the pattern costs a step per character."""
    text = text.strip()
    if not text.isascii():
        return False
    data = text.encode("ascii")
    if data.translate(None, _BASE64URL) != b"..":
        return False  # a character outside the alphabet, or not exactly two dots
    return 0 < data.index(b".") < data.rindex(b".") - 1


def _date_fields(credential: dict[str, Any]) -> tuple[str, str]:
    """The names of the start and end dates: VC 2.0's, or VC 1.1's when only those are there."""
    if "validFrom" not in credential and "issuanceDate" in credential:
        return "issuanceDate", "expirationDate"
    return "validFrom", "validUntil"


def registered_claims(credential: dict[str, Any]) -> dict[str, Any]:
    """The JWT claims OB 3.0 derives from the credential's own fields.

    ``nbf``/``exp`` come from ``validFrom``/``validUntil``, or from VC 1.1's
    ``issuanceDate``/``expirationDate`` in a credential that has only those.
    """
    start, end = _date_fields(credential)
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    claims: dict[str, Any] = {"iss": issuer_id, "jti": credential.get("id")}
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    if isinstance(subject, dict) and subject.get("id"):
        claims["sub"] = subject["id"]
    claims["nbf"] = epoch(parse_datetime(credential.get(start)))
    if credential.get(end) is not None:
        claims["exp"] = epoch(parse_datetime(credential[end]))
    return claims


def sign_jwt(credential: dict[str, Any], key: KeyPair, *, kid: str) -> str:
    """The compact VC-JWT of ``credential`` signed with ``key``, naming ``kid``.

    Raises FormatError when the credential lacks ``issuer``, ``id`` or ``validFrom``.
    """
    if not credential.get("id") or not credential.get("issuer"):
        raise FormatError("a credential needs an id and an issuer to be signed")
    header = {"alg": key.alg.value, "kid": kid, "typ": "JWT"}
    payload = {**credential, **registered_claims(credential)}
    signing_input = (
        b64url_encode(jsonutil.compact_bytes(header))
        + "."
        + b64url_encode(jsonutil.compact_bytes(payload))
    )
    return signing_input + "." + b64url_encode(key.sign(signing_input.encode("ascii")))


def decode_jwt(token: str, *, record: bool = False) -> DecodedJwt:
    """Split and parse a compact JWT and check its header is acceptable.

    ``record``: the token may be as long as a CLR 2.0 record's (MAX_RECORD_TOKEN_CHARS);
    the caller checks that it is one. Raises FormatError for malformed tokens,
    InputTooLargeError past the limits, and ProofError for refused algorithms (``none``,
    HMAC, anything not EdDSA/ES256/RS256) or unknown critical headers.
    """
    if not isinstance(token, str):
        raise FormatError("a JWT must be a string")
    token = token.strip()
    limit = MAX_RECORD_TOKEN_CHARS if record else MAX_TOKEN_CHARS
    if len(token) > limit:
        raise InputTooLargeError(f"the JWT is longer than {limit} characters")
    parts = token.split(".")
    if len(parts) != 3:
        raise FormatError("a compact JWT has three parts separated by dots")
    try:
        header = jsonutil.loads(b64url_decode(parts[0]), max_depth=8)
        payload = jsonutil.loads(
            b64url_decode(parts[1]),
            max_bytes=jsonutil.MAX_RECORD_BYTES if record else jsonutil.MAX_JSON_BYTES,
        )
    except FormatError as exc:
        raise FormatError(f"the JWT is malformed: {exc}") from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise FormatError("the JWT header and payload must be JSON objects")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ALLOWED_ALGS:
        raise ProofError(f"the JWT algorithm {alg!r} is not allowed (EdDSA, ES256 or RS256)")
    typ = header.get("typ")
    if not (typ is None or isinstance(typ, str)) or typ not in ALLOWED_TYPS:
        raise ProofError(f"unexpected JWT type {header.get('typ')!r}")
    if "crit" in header:
        raise ProofError("the JWT has critical header parameters this verifier does not know")
    if "jwk" in header and isinstance(header["jwk"], dict) and "d" in header["jwk"]:
        raise ProofError("the JWT header carries a private key")
    signature = b64url_decode(parts[2])
    return DecodedJwt(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def verify_jwt_signature(decoded: DecodedJwt, public: PublicKey) -> None:
    """Check the JWS signature with a key already bound to the issuer.

    Raises SignatureError when the key's algorithm differs from the header's or the
    signature does not verify.
    """
    if public.alg is not decoded.alg:
        raise SignatureError(
            f"the JWT says {decoded.header['alg']} but the issuer's key is {public.alg.value}"
        )
    if not public.verify(decoded.signature, decoded.signing_input):
        raise SignatureError("the JWT signature does not verify with the issuer's key")


REGISTERED_CLAIMS = frozenset({"iss", "jti", "sub", "nbf", "exp", "iat", "aud"})
# Members that belong to a credential: a payload with a ``vc`` claim must not carry them too.
_CREDENTIAL_MEMBERS = ("@context", "type", "credentialSubject", "issuer", "proof")
_MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z


def credential_from_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The credential a VC-JWT payload carries, without the registered JWT claims.

    For a VC 1.1 token (a ``vc`` claim) that is the ``vc`` claim, completed from the
    registered claims where it leaves properties out. Raises FormatError when the ``vc``
    claim is not an object or the payload also carries a credential of its own.
    """
    if "vc" in payload:
        return _credential_from_vc_claim(payload)
    return {k: v for k, v in payload.items() if k not in REGISTERED_CLAIMS}


def is_vc_claim_token(payload: dict[str, Any]) -> bool:
    """True for a VC 1.1 token, whose credential is in the ``vc`` claim."""
    return "vc" in payload


def _epoch_text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_EPOCH:
        return None
    return format_datetime(datetime.fromtimestamp(value, UTC))


def _credential_from_vc_claim(payload: dict[str, Any]) -> dict[str, Any]:
    vc = payload["vc"]
    if not isinstance(vc, dict):
        raise FormatError("the JWT's vc claim is not a JSON object")
    doubled = [k for k in _CREDENTIAL_MEMBERS if k in payload]
    if doubled:
        raise FormatError(
            f"the JWT carries a credential in its vc claim and {doubled[0]!r} beside it"
        )
    credential = dict(vc)
    # VC 1.1 section 6.3.2: registered claims stand for the properties they replace.
    restored = {
        "issuer": payload.get("iss") if isinstance(payload.get("iss"), str) else None,
        "id": payload.get("jti") if isinstance(payload.get("jti"), str) else None,
        "issuanceDate": _epoch_text(payload.get("nbf")),
        "expirationDate": _epoch_text(payload.get("exp")),
    }
    for name, value in restored.items():
        if name not in credential and value is not None:
            credential[name] = value
    subject = credential.get("credentialSubject")
    sub = payload.get("sub")
    if isinstance(subject, dict) and "id" not in subject and isinstance(sub, str):
        credential["credentialSubject"] = {**subject, "id": sub}
    return credential


def claim_mismatches(payload: dict[str, Any], *, required: bool = True) -> list[str]:
    """How the JWT claims disagree with the credential inside (empty when they agree).

    With ``required`` (OB 3.0 credentials) ``iss``, ``jti`` and ``nbf`` must be there, and
    ``sub``/``exp`` exactly when the credential has a subject id/an end date. Without it
    (e.g. a status list secured as a VC-JWT, for which the VC specifications make the
    registered claims optional) only the claims present must agree.
    """
    try:
        credential = credential_from_payload(payload)
    except FormatError as exc:
        return [str(exc)]
    try:
        expected = registered_claims(credential)
    except FormatError as exc:
        return [f"the credential's {_date_fields(credential)[0]} is unusable: {exc}"]
    problems = []
    for claim in ("iss", "jti", "nbf"):
        if claim not in payload:
            if required:
                problems.append(f"the '{claim}' claim is missing")
        elif payload[claim] != expected[claim]:
            problems.append(
                f"'{claim}' ({payload[claim]!r}) differs from the credential ({expected[claim]!r})"
            )
    for claim in ("sub", "exp"):
        if not required and claim not in payload:
            continue
        if payload.get(claim) != expected.get(claim):
            problems.append(
                f"'{claim}' ({payload.get(claim)!r}) differs from the credential ({expected.get(claim)!r})"
            )
    return problems
