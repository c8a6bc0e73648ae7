"""What organisations share with others and with machines: endorsements, API tokens,
idempotent API requests, and the audit log of what was done."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .achievements import Achievement
from .base import Base, created, intpk, public_key


class Endorsement(Base):
    """One organisation vouching for another's achievement or profile: a signed
    EndorsementCredential, stored as its exact text, withdrawable by its own status list."""

    __tablename__ = "endorsement"
    __table_args__ = (
        UniqueConstraint(
            "endorser_id", "status_index", name="uq_endorsement_endorser_id_status_index"
        ),
    )

    id: Mapped[intpk]
    public_id: Mapped[public_key]
    endorser_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # Exactly one of the two: the achievement endorsed, or the organisation (its profile).
    achievement_id: Mapped[int | None] = mapped_column(ForeignKey("achievement.id"), index=True)
    endorsed_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    key_id: Mapped[int] = mapped_column(ForeignKey("signing_key.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    credential_json: Mapped[str] = mapped_column(Text)  # exactly as signed
    credential_jwt: Mapped[str | None] = mapped_column(Text)
    status_index: Mapped[int]
    issued_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]
    withdrawal_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[created]

    achievement: Mapped[Achievement | None] = relationship()


class ApiToken(Base):
    """A bearer token for one organisation's API. Shown once; only its SHA-256 is kept."""

    __tablename__ = "api_token"

    id: Mapped[intpk]
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # the first characters, to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[created]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class IdempotencyRecord(Base):
    """An API request sent with an ``Idempotency-Key``: its body's hash and, once done, the
    response a retry gets back. A row still ``pending`` is a request in flight."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("org_id", "key", name="uq_idempotency_record_org_id_key"),)

    id: Mapped[intpk]
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))  # method, path and body
    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending | done
    response_status: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created]
    completed_at: Mapped[datetime | None]


class AuditEvent(Base):
    """Who did what, when, from where. Never a learner's email (see services.audit)."""

    __tablename__ = "audit_event"

    id: Mapped[intpk]
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[created]
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(
        String(200)
    )  # "Rūta (teacher@…)", "API token Moodle (ob_x1…)"
    via: Mapped[str] = mapped_column(String(10))  # web | api | cli | system
    ip: Mapped[str | None] = mapped_column(String(45))
    action: Mapped[str] = mapped_column(String(40), index=True)  # "award.revoke"
    subject: Mapped[str] = mapped_column(String(200))  # "award:Xy…", "key:key-2"
    summary: Mapped[str] = mapped_column(String(500))  # English (exports, the API)
    # the summary as a code of services.audit_summaries and its parameters, shown in the
    # reader's language; None in entries written before them (their English is shown)
    summary_code: Mapped[str | None] = mapped_column(String(60))
    summary_params: Mapped[dict[str, Any] | None] = mapped_column()
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
