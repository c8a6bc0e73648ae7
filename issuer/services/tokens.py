"""API tokens: bearer secrets for one organisation's JSON API.

A token's secret ("ob_" and 43 base64url characters: 32 random bytes) is shown once, when
it is created; only its SHA-256 is stored, with its first characters (the prefix) so that
staff can tell tokens apart. Creating and revoking write audit entries (never the secret).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidInput, NotFound, Unauthorized
from ..models import ApiToken, Organisation
from ..models.base import now_utc
from ..translate import _
from . import audit
from .audit import Actor, AuditAction
from .audit_summaries import Summary

SECRET_PREFIX = "ob_"  # noqa: S105 (the public start of every token, not a secret)
PREFIX_LENGTH = 10  # "ob_" and 7 characters of the secret: enough to tell tokens apart
MAX_NAME = 100
# last_used_at is written at most this often per token (a busy client would otherwise
# turn every read into a write)
TOUCH_INTERVAL = timedelta(minutes=1)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    session: Session,
    *,
    org: Organisation,
    name: str,
    created_by: int | None = None,
    actor: Actor | None = None,
) -> tuple[ApiToken, str]:
    """A new token of ``org`` and its secret (to show once). Raises InvalidInput."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(
            _("Please correct the marked fields."),
            fields={
                "name": _(
                    "Give the token a name of at most %(max_name)s characters (e.g. Moodle).",
                    max_name=MAX_NAME,
                )
            },
        )
    taken = session.scalar(
        select(ApiToken.id).where(
            ApiToken.org_id == org.id, ApiToken.name == name, ApiToken.revoked_at.is_(None)
        )
    )
    if taken is not None:
        raise InvalidInput(
            _("Please correct the marked fields."),
            fields={"name": _("A token with this name is in use; choose another name.")},
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        org_id=org.id,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        token_hash=token_hash(secret),
        created_by=created_by,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action=AuditAction.TOKEN_CREATE,
        subject=f"token:{token.prefix}",
        summary=Summary("token.create", {"name": name, "prefix": token.prefix}),
        details={"name": name, "prefix": token.prefix},
    )
    return token, secret


def tokens_of(session: Session, org: Organisation) -> list[ApiToken]:
    """``org``'s tokens, the live ones first, newest first."""
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.org_id == org.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
        )
    )


def revoke_token(
    session: Session,
    *,
    org: Organisation,
    token_id: int,
    actor: Actor | None = None,
    now: datetime | None = None,
) -> ApiToken:
    """Stop a token working at once. Raises NotFound (another org's too) or Conflict."""
    token = session.get(ApiToken, token_id)
    if token is None or token.org_id != org.id:
        raise NotFound(_("No such token."))
    if token.revoked_at is not None:
        raise Conflict(_("This token is already revoked."))
    token.revoked_at = now or now_utc()
    session.flush()
    audit.record(
        session,
        org_id=org.id,
        actor=actor,
        action=AuditAction.TOKEN_REVOKE,
        subject=f"token:{token.prefix}",
        summary=Summary("token.revoke", {"name": token.name, "prefix": token.prefix}),
        details={"name": token.name, "prefix": token.prefix},
    )
    return token


def authenticate(session: Session, secret: str) -> ApiToken:
    """The live token with this secret. Raises Unauthorized (unknown or revoked)."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        raise Unauthorized(_("The API token is not valid."))
    digest = token_hash(secret)
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        raise Unauthorized(_("The API token is not valid."))
    if token.revoked_at is not None:
        raise Unauthorized(_("The API token was revoked."))
    return token


def touch(token: ApiToken, now: datetime | None = None) -> None:
    """Note that the token was used (at most once a minute)."""
    now = now or now_utc()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL:
        token.last_used_at = now
