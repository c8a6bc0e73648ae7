"""Recipient identifiers: salted ``sha256$`` hashes of an email address (or other identity).

A fresh random salt per credential means two badges of the same learner cannot be
linked by their hashes, and the address itself never appears in a credential.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from .model import IdentityObject


def normalize_email(email: str) -> str:
    """The form an address is hashed in: trimmed and lower-cased."""
    return email.strip().lower()


def hash_identity(identity: str, salt: str) -> str:
    """``sha256$`` followed by the hex SHA-256 of identity + salt."""
    return "sha256$" + hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()


def hashed_email(email: str, *, salt: str | None = None) -> IdentityObject:
    """An IdentityObject for an email address, with a fresh random salt unless given."""
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
