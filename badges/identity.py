"""Recipient identifiers: salted ``sha256$`` hashes of an email address (or other identity).

A fresh random salt per credential means two badges of the same learner cannot be
linked by their hashes, and the address itself never appears in a credential.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the data model is imported to build one, not to match one
    from .model import IdentityObject


def normalize_email(email: str) -> str:
    """The form an address is hashed in: trimmed and lower-cased."""
    return email.strip().lower()


def hash_identity(identity: str, salt: str) -> str:
    """``sha256$`` followed by the hex SHA-256 of identity + salt."""
    return "sha256$" + hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()


def hashed_email(email: str, *, salt: str | None = None) -> IdentityObject:
    """An IdentityObject for an email address, with a fresh random salt unless given."""
    from .model import IdentityObject

    salt = salt if salt is not None else secrets.token_hex(16)
    return IdentityObject(
        identity_hash=hash_identity(normalize_email(email), salt),
        identity_type="emailAddress",
        hashed=True,
        salt=salt,
    )


def identity_matches(identity_hash: str, salt: str | None, candidate: str) -> bool:
    """True when ``candidate`` (as given, or normalised as an email) hashes to the value.

    Understands ``sha256$`` and ``md5$`` (OB 2.0) hashes and unhashed values.
    """
    salt = salt or ""
    # as given first, then normalised (a set's order would vary with the hash seed)
    forms = dict.fromkeys((candidate, normalize_email(candidate)))
    algorithm, sep, digest = identity_hash.partition("$")
    for form in forms:
        if not sep:
            if hmac.compare_digest(identity_hash, form):
                return True
            continue
        if algorithm.lower() == "sha256":
            computed = hashlib.sha256((form + salt).encode("utf-8")).hexdigest()
        elif algorithm.lower() == "md5":
            computed = hashlib.md5((form + salt).encode("utf-8"), usedforsecurity=False).hexdigest()
        else:
            return False
        if hmac.compare_digest(computed, digest.lower()):
            return True
    return False


# -- whose badge is it: a credential's recipient against a person's addresses -------------

_EMAIL_TYPES = frozenset(
    {"email", "emailAddress", "http://schema.org/email", "https://schema.org/email"}
)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _subject_names(subject: Mapping[str, Any], email: str) -> bool:
    """An Open Badges 3.0 subject: its ``id`` (a ``mailto:`` IRI) or one of its
    ``identifier`` IdentityObjects (an email address, hashed or plain) names ``email``."""
    subject_id = subject.get("id")
    if isinstance(subject_id, str) and subject_id[:7].lower() == "mailto:":
        if hmac.compare_digest(normalize_email(subject_id[7:]), email):
            return True
    for identity in _as_list(subject.get("identifier")):
        if not isinstance(identity, dict):
            continue
        value, salt = identity.get("identityHash"), identity.get("salt")
        kind = identity.get("identityType")
        if not isinstance(value, str) or (kind is not None and kind not in _EMAIL_TYPES):
            continue
        if identity.get("hashed") is False:
            if hmac.compare_digest(normalize_email(value), email):
                return True
            continue
        if identity_matches(value, salt if isinstance(salt, str) else None, email):
            return True
    return False


def _assertion_names(recipient: Mapping[str, Any], email: str) -> bool:
    """An Open Badges 2.0 assertion's ``recipient`` IdentityObject names ``email``."""
    identity, salt = recipient.get("identity"), recipient.get("salt")
    if not isinstance(identity, str) or recipient.get("type", "email") not in _EMAIL_TYPES:
        return False
    hashed = recipient.get("hashed")
    if hashed is False:
        return hmac.compare_digest(normalize_email(identity), email)
    return identity_matches(identity, salt if isinstance(salt, str) else None, email)


def recipient_address(credential: Mapping[str, Any], addresses: Iterable[str]) -> str | None:
    """The first of ``addresses`` (email addresses) the badge was awarded to, or None.

    An Open Badges 3.0 credential names its recipient by ``credentialSubject.id`` (a
    ``mailto:`` IRI counts) or ``identifier`` (email IdentityObjects, ``sha256$``/``md5$``
    salted or plain); an Open Badges 2.0 assertion by ``recipient``. Addresses are
    compared trimmed and lower-cased, as they are hashed.
    """
    recipient = credential.get("recipient")
    subjects = [s for s in _as_list(credential.get("credentialSubject")) if isinstance(s, dict)]
    for address in addresses:
        email = normalize_email(address)
        if isinstance(recipient, dict) and _assertion_names(recipient, email):
            return address
        if any(_subject_names(subject, email) for subject in subjects):
            return address
    return None


def recipient_description(credential: Mapping[str, Any]) -> str:
    """Who the badge names as its recipient, in a few words (for a refusal)."""
    recipient = credential.get("recipient")
    if isinstance(recipient, dict):
        identity = recipient.get("identity")
        if recipient.get("hashed") is False and isinstance(identity, str):
            return identity[:200]
        return "an address, hashed" if isinstance(identity, str) else "nobody it names"
    for subject in _as_list(credential.get("credentialSubject")):
        if not isinstance(subject, dict):
            continue
        if isinstance(subject.get("id"), str):
            return str(subject["id"])[:200]
        for identity in _as_list(subject.get("identifier")):
            if isinstance(identity, dict) and isinstance(identity.get("identityHash"), str):
                if identity.get("hashed") is False:
                    return str(identity["identityHash"])[:200]
                return "an address, hashed"
    return "nobody it names"
