"""Organisation signing keys: created, sealed at rest, rotated, published."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.orm import Session

from badges import keys as core_keys
from badges.keys import KeyPair

from ..errors import ConfigurationError, IssuerError
from ..models import Organisation, SigningKey
from ..models.base import now_utc

_SEAL_VERSION = b"k1"


@dataclass(frozen=True)
class Sealer:
    """AES-256-GCM with the key-encryption key from the environment."""

    key: bytes

    @classmethod
    def from_config(cls, value: str | None) -> Sealer:
        """Parse ``ISSUER_KEY_ENCRYPTION_KEY`` (32 bytes, base64url). Raises ConfigurationError."""
        if not value:
            raise ConfigurationError(
                "ISSUER_KEY_ENCRYPTION_KEY is not set: the issuer refuses to sign without it "
                "(generate one with `badges secret`, or run with --demo)"
            )
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except ValueError as exc:
            raise ConfigurationError("ISSUER_KEY_ENCRYPTION_KEY is not base64url") from exc
        if len(raw) != 32:
            raise ConfigurationError("ISSUER_KEY_ENCRYPTION_KEY must be 32 bytes (base64url)")
        return cls(raw)

    @staticmethod
    def new_secret() -> str:
        return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")

    def seal(self, data: bytes, context: bytes) -> bytes:
        nonce = os.urandom(12)
        return _SEAL_VERSION + nonce + AESGCM(self.key).encrypt(nonce, data, context)

    def unseal(self, sealed: bytes, context: bytes) -> bytes:
        if sealed[:2] != _SEAL_VERSION:
            raise IssuerError("a stored key is in an unknown format")
        try:
            return AESGCM(self.key).decrypt(sealed[2:14], sealed[14:], context)
        except Exception as exc:
            raise ConfigurationError(
                "a stored private key cannot be decrypted: wrong ISSUER_KEY_ENCRYPTION_KEY?"
            ) from exc


def _context(org: Organisation, kid: str) -> bytes:
    return f"org:{org.id}:{kid}".encode()


def create_signing_key(
    session: Session, *, org: Organisation, sealer: Sealer, alg: str | None = None
) -> SigningKey:
    """A new active key for ``org``; the previous active key is retired (kept published)."""
    alg = alg or org.key_alg
    pair = KeyPair.generate(alg)
    existing = session.scalars(select(SigningKey).where(SigningKey.org_id == org.id)).all()
    for old in existing:
        if old.retired_at is None:
            old.retired_at = now_utc()
    kid = f"key-{len(existing) + 1}"
    row = SigningKey(
        org_id=org.id,
        kid=kid,
        alg=pair.alg.value,
        public_jwk=pair.public.to_jwk(),
        private_sealed=sealer.seal(
            json.dumps(pair.to_private_jwk()).encode(), _context(org, kid)
        ),
    )
    session.add(row)
    session.flush()
    return row


def active_key(session: Session, org: Organisation) -> SigningKey:
    """The key new badges are signed with. Raises IssuerError when the org has none."""
    row = session.scalars(
        select(SigningKey)
        .where(SigningKey.org_id == org.id, SigningKey.retired_at.is_(None))
        .where(SigningKey.compromised_at.is_(None))
        .order_by(SigningKey.id.desc())
    ).first()
    if row is None:
        raise IssuerError(f"{org.name} has no active signing key")
    return row


def private_key(row: SigningKey, org: Organisation, sealer: Sealer) -> KeyPair:
    jwk = json.loads(sealer.unseal(row.private_sealed, _context(org, row.kid)))
    return KeyPair.from_jwk(jwk)


def published_keys(session: Session, org: Organisation) -> list[tuple[SigningKey, Any]]:
    """Every key that still vouches for badges (all but compromised ones), oldest first."""
    rows = session.scalars(
        select(SigningKey)
        .where(SigningKey.org_id == org.id, SigningKey.compromised_at.is_(None))
        .order_by(SigningKey.id)
    ).all()
    return [(row, core_keys.PublicKey.from_jwk(row.public_jwk)) for row in rows]
