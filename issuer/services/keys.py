"""Organisation signing keys: created, sealed at rest, rotated, published.

A key is published (in the organisation's DID document and JWKS) while it is the active
key, or while a badge or endorsement it signed is still valid; a compromised key never.
Marking a key compromised is in ``services.reissue``.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from badges import keys as core_keys
from badges.keys import KeyPair

from ..errors import ConfigurationError, InvalidInput, IssuerError
from ..models import Award, Endorsement, Organisation, SigningKey
from ..models.base import now_utc
from ..translate import _
from .audit import Actor, AuditAction, record
from .audit_summaries import Summary

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
            raise IssuerError(_("a stored key is in an unknown format"))
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
    existing = session.scalars(
        select(SigningKey).where(SigningKey.org_id == org.id).order_by(SigningKey.id)
    ).all()
    if existing:
        # a wrong key-encryption key (say, on the command line) would seal a key that the
        # server cannot open, and every badge after it would fail: refuse it now
        private_key(existing[-1], org, sealer)
    for old in existing:
        if old.retired_at is None:
            old.retired_at = now_utc()
    kid = f"key-{len(existing) + 1}"
    row = SigningKey(
        org_id=org.id,
        kid=kid,
        alg=pair.alg.value,
        public_jwk=pair.public.to_jwk(),
        private_sealed=sealer.seal(json.dumps(pair.to_private_jwk()).encode(), _context(org, kid)),
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
        raise IssuerError(_("%(name)s has no active signing key", name=org.name))
    return row


def private_key(row: SigningKey, org: Organisation, sealer: Sealer) -> KeyPair:
    jwk = json.loads(sealer.unseal(row.private_sealed, _context(org, row.kid)))
    return KeyPair.from_jwk(jwk)


def _vouches(now: datetime) -> ColumnElement[bool]:
    """True for a key that still signs something a verifier may check: a badge neither
    revoked nor expired, or an endorsement not withdrawn."""
    live_award = (
        select(Award.id)
        .where(Award.key_id == SigningKey.id, Award.revoked_at.is_(None))
        .where(or_(Award.valid_until.is_(None), Award.valid_until > now))
        .exists()
    )
    live_endorsement = (
        select(Endorsement.id)
        .where(Endorsement.key_id == SigningKey.id, Endorsement.withdrawn_at.is_(None))
        .exists()
    )
    return or_(live_award, live_endorsement)


def published_keys(
    session: Session, org: Organisation, *, now: datetime | None = None
) -> list[tuple[SigningKey, Any]]:
    """The keys in the DID document and JWKS, oldest first: the active key, and each
    retired key while a badge or endorsement it signed is still valid. Compromised keys
    are never published."""
    now = now or now_utc()
    rows = session.scalars(
        select(SigningKey)
        .where(SigningKey.org_id == org.id, SigningKey.compromised_at.is_(None))
        .where(or_(SigningKey.retired_at.is_(None), _vouches(now)))
        .order_by(SigningKey.id)
    ).all()
    return [(row, core_keys.PublicKey.from_jwk(row.public_jwk)) for row in rows]


@dataclass(frozen=True)
class KeyInfo:
    """One key as the staff page shows it."""

    row: SigningKey
    valid_awards: int  # badges it signed that are neither revoked nor expired
    live_endorsements: int  # endorsements it signed that are not withdrawn
    published: bool
    active: bool


def key_overview(
    session: Session, org: Organisation, *, now: datetime | None = None
) -> list[KeyInfo]:
    """Every key of ``org``, newest first, with what it still vouches for."""
    now = now or now_utc()
    awards = dict(
        session.execute(
            select(Award.key_id, func.count())
            .where(Award.org_id == org.id, Award.revoked_at.is_(None))
            .where(or_(Award.valid_until.is_(None), Award.valid_until > now))
            .group_by(Award.key_id)
        ).all()
    )
    endorsements = dict(
        session.execute(
            select(Endorsement.key_id, func.count())
            .where(Endorsement.endorser_id == org.id, Endorsement.withdrawn_at.is_(None))
            .group_by(Endorsement.key_id)
        ).all()
    )
    published = {row.id for row, _when in published_keys(session, org, now=now)}
    try:
        active_id: int | None = active_key(session, org).id
    except IssuerError:
        active_id = None
    rows = session.scalars(
        select(SigningKey).where(SigningKey.org_id == org.id).order_by(SigningKey.id.desc())
    ).all()
    return [
        KeyInfo(
            row=row,
            valid_awards=awards.get(row.id, 0),
            live_endorsements=endorsements.get(row.id, 0),
            published=row.id in published,
            active=row.id == active_id,
        )
        for row in rows
    ]


def _sqlite_write_lock(session: Session) -> bool:
    """On SQLite, take the database's one write lock now (BEGIN IMMEDIATE, opened by
    ``issuer.db`` before a savepoint), so that what is read next stays current until the
    commit; True when done. A plain SELECT takes no lock there, and FOR UPDATE is ignored."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    with session.begin_nested():
        session.connection()  # the SAVEPOINT is lazy: make it (and the BEGIN IMMEDIATE) now
    return True


def lock_keys(session: Session, org: Organisation) -> None:
    """Serialise key changes of ``org`` and what must see them settled (endorsing): a row
    lock on PostgreSQL, the write lock on SQLite. Held until the transaction ends."""
    if not _sqlite_write_lock(session):
        session.execute(select(Organisation.id).where(Organisation.id == org.id).with_for_update())


def hold_keys(session: Session, org: Organisation) -> None:
    """Keep ``org``'s keys as they are until the transaction ends, before reading the
    active key to sign with: a key change (``lock_keys``) waits for the signing to commit,
    so a compromise revokes what was signed, and the signing never starts with a key a
    compromise is retiring. Signers do not wait for each other on PostgreSQL (FOR KEY
    SHARE); SQLite has one writer."""
    if not _sqlite_write_lock(session):
        session.execute(
            select(Organisation.id)
            .where(Organisation.id == org.id)
            .with_for_update(read=True, key_share=True)
        )


def rotate_key(
    session: Session,
    *,
    org: Organisation,
    sealer: Sealer,
    actor: Actor | None,
    alg: str | None = None,
) -> SigningKey:
    """A new active key for new badges; the previous one is retired and stays published
    while anything it signed is valid. ``alg`` switches the organisation to another key
    type (EdDSA, ES256, RS256) for this and later keys. Audited as "key.rotate".

    Raises InvalidInput for an unknown algorithm.
    """
    if alg is not None and alg not in {a.value for a in core_keys.Algorithm}:
        raise InvalidInput(
            _("Choose EdDSA, ES256 or RS256."), fields={"alg": _("Choose EdDSA, ES256 or RS256.")}
        )
    lock_keys(session, org)
    try:
        previous: SigningKey | None = active_key(session, org)
    except IssuerError:
        previous = None
    if alg is not None:
        org.key_alg = alg
    row = create_signing_key(session, org=org, sealer=sealer)
    summary = (
        Summary("key.rotate", {"kid": row.kid, "alg": row.alg})
        if previous is None
        else Summary(
            "key.rotate.retired", {"kid": row.kid, "alg": row.alg, "retired": previous.kid}
        )
    )
    record(
        session,
        org_id=org.id,
        actor=actor,
        action=AuditAction.KEY_ROTATE,
        subject=f"key:{row.kid}",
        summary=summary,
        details={"kid": row.kid, "alg": row.alg, "retired": previous.kid if previous else None},
    )
    session.flush()
    return row
