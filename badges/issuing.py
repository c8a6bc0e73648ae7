"""Signing credentials in either proof format (or both), and filling in what is missing."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from . import standards
from .dids import did_key, did_key_verification_method
from .errors import FormatError, UnsupportedAlgorithmError
from .identity import hashed_email
from .jsonld.loader import FrozenDocumentLoader
from .keys import Algorithm, KeyPair
from .model import default_context, schema_reference
from .proofs import add_data_integrity_proof, sign_jwt
from .schema import is_bundled, schema_errors, schema_urls
from .timeutil import format_datetime, utcnow


class ProofFormat(StrEnum):
    """How a credential is secured."""

    JWT = "jwt"
    DATA_INTEGRITY = "data-integrity"
    BOTH = "both"


@dataclass(frozen=True)
class SignedCredential:
    """The exact issued forms of one credential: JSON with an embedded proof, a JWT, or both."""

    json: dict[str, Any] | None
    jwt: str | None


def sign_credential(
    credential: dict[str, Any],
    key: KeyPair,
    *,
    verification_method: str,
    proof: ProofFormat | str = ProofFormat.BOTH,
    created: datetime | None = None,
    loader: FrozenDocumentLoader | None = None,
) -> SignedCredential:
    """Secure ``credential`` with ``key``.

    ``both`` adds the embedded eddsa-rdfc-2022 proof first, then makes the VC-JWT of
    that signed document. Data Integrity needs an Ed25519 key; raises
    UnsupportedAlgorithmError otherwise.
    """
    proof = ProofFormat(proof)
    if proof in (ProofFormat.DATA_INTEGRITY, ProofFormat.BOTH) and key.alg is not Algorithm.EDDSA:
        if proof is ProofFormat.DATA_INTEGRITY:
            raise UnsupportedAlgorithmError("Data Integrity (eddsa-rdfc-2022) needs an Ed25519 key")
        proof = ProofFormat.JWT  # ES256/RS256 keys sign the JWT form only
    signed_json = None
    if proof in (ProofFormat.DATA_INTEGRITY, ProofFormat.BOTH):
        signed_json = add_data_integrity_proof(
            credential, key, verification_method=verification_method, created=created, loader=loader
        )
    token = None
    if proof in (ProofFormat.JWT, ProofFormat.BOTH):
        token = sign_jwt(signed_json or credential, key, kid=verification_method)
    return SignedCredential(signed_json, token)


def complete_credential(
    data: dict[str, Any],
    *,
    key: KeyPair,
    now: datetime | None = None,
    recipient_email: str | None = None,
) -> dict[str, Any]:
    """Fill in what an unsigned OB 3.0 credential lacks, without touching what it has.

    Adds ``@context``, ``type``, ``id`` (urn:uuid), ``validFrom``, ``credentialSchema``;
    a missing ``issuer.id`` becomes the key's did:key; ``recipient_email`` becomes a
    salted hashed identifier. Raises FormatError for input that is not a credential.
    """
    if not isinstance(data, dict):
        raise FormatError("the credential must be a JSON object")
    credential = copy.deepcopy(data)
    if "proof" in credential:
        raise FormatError("the input already has a proof; give an unsigned credential")
    credential.setdefault("@context", default_context(extensions=True))
    credential.setdefault("type", ["VerifiableCredential", "OpenBadgeCredential"])
    credential.setdefault("id", f"urn:uuid:{uuid.uuid4()}")
    credential.setdefault("validFrom", format_datetime(now or utcnow()))
    credential.setdefault(
        "credentialSchema", [schema_reference(standards.ACHIEVEMENT_CREDENTIAL_SCHEMA)]
    )
    issuer = credential.get("issuer")
    if issuer is None:
        issuer = {"type": ["Profile"]}
    elif isinstance(issuer, str):
        issuer = {"id": issuer, "type": ["Profile"]}
    if not isinstance(issuer, dict):
        raise FormatError("issuer must be an object or an id")
    if not issuer.get("id"):
        if key.alg is Algorithm.RS256:
            raise FormatError("an RSA key has no did:key: give issuer.id and --kid")
        issuer = {"id": did_key(key.public), **issuer}
    credential["issuer"] = issuer
    if recipient_email:
        subject = credential.get("credentialSubject")
        if not isinstance(subject, dict):
            raise FormatError("credentialSubject must be an object to add a recipient")
        subject.setdefault("type", ["AchievementSubject"])
        subject["identifier"] = [hashed_email(recipient_email).to_json()]
    return credential


def schema_problems(credential: dict[str, Any]) -> tuple[str, list[str]] | None:
    """The first bundled 1EdTech schema the credential breaks and how, or None.

    Checks the bundled schemas the verifier would (``schema.schema_urls``), strictly: a single
    value where the schema asks for a list counts, since an issuer can write the list.
    """
    urls = [url for url in schema_urls(credential) if is_bundled(url)]
    for url in urls:
        errors = schema_errors(credential, url)
        if errors:
            return url, errors
    return None


def default_verification_method(credential: dict[str, Any], key: KeyPair) -> str:
    """The verification method to name when none is given: the did:key one, if it is the issuer's."""
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if key.alg is not Algorithm.RS256 and issuer_id == did_key(key.public):
        return did_key_verification_method(key.public)
    raise FormatError(
        "the issuer is not this key's did:key: name the verification method (--kid), "
        "e.g. did:web:school.example#key-1"
    )
