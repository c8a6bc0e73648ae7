"""Learners and their portfolio of competences.

A learner is a person, not an email address: an account with one or more addresses, each
confirmed before anything joins the account. The badges in a portfolio are the awards made
to the account's confirmed addresses (``Award.learner_email``, compared lower-cased), before
or after the address was added; nothing is copied out of the signed credentials, and nothing
a learner adds (reflections, own evidence, goals, share links) ever alters them.

Learner sessions are their own table and cookie key: a staff login grants nothing in a
portfolio, and a learner login grants nothing in the staff pages.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, created, intpk, name_str, public_key


class Learner(Base):
    __tablename__ = "learner"

    id: Mapped[intpk]
    public_id: Mapped[public_key]
    name: Mapped[name_str]
    # None: the learner signs in only with one-time links sent by email
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # The learner's name on public badge pages (/credentials/<id>); otherwise "a learner of
    # <school>". The signed credential is never changed by this.
    name_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # For the schools' guardian-consent rule (Organisation.consent_age); None: not given,
    # which counts as a minor wherever a school asks for consent.
    birth_date: Mapped[date | None]
    # The language the learner chose with the switcher (issuer/i18n.py); None: not chosen
    # (their school's default language then)
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[created]

    emails: Mapped[list[LearnerEmail]] = relationship(
        back_populates="learner", order_by="LearnerEmail.id", cascade="all, delete-orphan"
    )


class LearnerEmail(Base):
    """An address of a learner. It joins the account (and brings its badges) only once
    confirmed; a confirmed address belongs to one account at most (a partial unique index),
    while several accounts may have it pending (nobody can block an address by adding it)."""

    __tablename__ = "learner_email"
    __table_args__ = (
        UniqueConstraint("learner_id", "email"),
        Index(
            "uq_learner_email_confirmed",
            "email",
            unique=True,
            sqlite_where=text("confirmed_at IS NOT NULL"),
            postgresql_where=text("confirmed_at IS NOT NULL"),
        ),
    )

    id: Mapped[intpk]
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320))  # stored stripped and lower-cased
    confirmed_at: Mapped[datetime | None]
    created_at: Mapped[created]

    learner: Mapped[Learner] = relationship(back_populates="emails")


class LearnerTokenPurpose(StrEnum):
    CONFIRM_EMAIL = "confirm-email"  # confirms LearnerToken.email for the learner
    SIGN_IN = "sign-in"  # a one-time sign-in link
    RESET_PASSWORD = "reset-password"  # noqa: S105 (a purpose, not a password)


class LearnerToken(Base):
    """A one-time link sent to a learner's address (stored hashed, expiring, single use)."""

    __tablename__ = "learner_token"

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[created]


class LearnerSession(Base):
    """A browser signed in as a learner (cookie key "learner"; the token is stored hashed)."""

    __tablename__ = "learner_session"

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[created]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class ClaimToken(Base):
    """The claim link in an award message: single use, unguessable, stored hashed, expiring.
    Claiming adds the badge's address (confirmed: the link reached it) to the account."""

    __tablename__ = "claim_token"

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("learner.id", ondelete="SET NULL"))
    created_at: Mapped[created]


class Reflection(Base):
    """A learner's reflection on one of their badges (Markdown, sanitised when shown).
    Private unless a share link includes reflections."""

    __tablename__ = "reflection"
    __table_args__ = (UniqueConstraint("learner_id", "award_id"),)

    id: Mapped[intpk]
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True
    )
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id", ondelete="CASCADE"))
    body_md: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created]
    updated_at: Mapped[datetime | None]


class LearnerEvidence(Base):
    """Evidence a learner adds to a badge: a link or a file, kept beside the credential."""

    __tablename__ = "learner_evidence"

    id: Mapped[intpk]
    public_id: Mapped[public_key]
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True
    )
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id", ondelete="CASCADE"), index=True)
    title: Mapped[name_str]
    url: Mapped[str | None] = mapped_column(String(2000))  # a link, or
    filename: Mapped[str | None] = mapped_column(String(200))  # a file
    content_type: Mapped[str | None] = mapped_column(String(100))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[created]


class Goal(Base):
    """An achievement (or pathway) a learner has pinned as a goal."""

    __tablename__ = "goal"
    __table_args__ = (UniqueConstraint("learner_id", "achievement_id"),)

    id: Mapped[intpk]
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True
    )
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievement.id", ondelete="CASCADE"))
    created_at: Mapped[created]


class ShareScope(StrEnum):
    PORTFOLIO = "portfolio"  # every badge, now and later
    COLLECTION = "collection"  # the awards in ShareLink.award_ids


class ShareLink(Base):
    """A share of a portfolio or of a collection of badges. Its ``public_id`` is the
    unguessable part of the URL (128 bits; kept so the learner can copy the link again).
    Withdrawn, expired, or (for a minor) without guardian consent: it answers 404.
    With ``org_id`` set it is also the learner's share with that school (its staff see it)."""

    __tablename__ = "share_link"

    id: Mapped[intpk]
    public_id: Mapped[public_key]
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[name_str]
    scope: Mapped[str] = mapped_column(String(20), default=ShareScope.PORTFOLIO)
    award_ids: Mapped[list[int]] = mapped_column(default=list)
    # a collection's imported badges (ImportedBadge ids; a portfolio share has them all)
    imported_ids: Mapped[list[int]] = mapped_column(default=list)
    include_reflections: Mapped[bool] = mapped_column(Boolean, default=False)
    include_evidence: Mapped[bool] = mapped_column(Boolean, default=False)
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    view_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[created]


class GuardianConsent(Base):
    """A guardian's consent for a minor's share links (asked by email with a one-time
    link, stored hashed). Share links of a minor work only while a consent is granted and
    not withdrawn."""

    __tablename__ = "guardian_consent"

    id: Mapped[intpk]
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True
    )
    guardian_email: Mapped[str] = mapped_column(String(320))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]  # of the link, not of the consent
    granted_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    created_at: Mapped[created]


class ImportedBadge(Base):
    """A badge a learner brought in from another issuer (issue 14), stored exactly as
    received (``received``: the bytes of the JSON, the JWT, the baked image, or the answer
    of the link) after the core verifier found it valid and awarded to one of the learner's
    confirmed addresses. The other columns are read from it at import, for the pages; the
    status is checked again when the badge is shown (``status``, ``status_checked_at``)."""

    __tablename__ = "imported_badge"
    __table_args__ = (UniqueConstraint("learner_id", "fingerprint"),)

    id: Mapped[intpk]
    public_id: Mapped[public_key]
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True
    )
    # the same badge again (by its id, else its content), whatever carried it: one row
    fingerprint: Mapped[str] = mapped_column(String(64))
    received: Mapped[bytes] = mapped_column(LargeBinary)
    received_type: Mapped[str] = mapped_column(String(100))
    source_url: Mapped[str | None] = mapped_column(String(2000))
    format: Mapped[str] = mapped_column(String(10))  # "ob3" or "ob2"
    format_label: Mapped[str] = mapped_column(String(300))  # the format check's message
    # the same as a report message (``Message.to_dict``: its code and parameters), shown in
    # the reader's language; None for a badge imported before the codes (0017)
    format_text: Mapped[dict[str, Any] | None]
    credential_id: Mapped[str | None] = mapped_column(String(2000))
    # the credential as parsed (OB 3.0), or {"assertion", "badgeClass", "issuer"} (OB 2.0)
    credential_json: Mapped[str] = mapped_column(Text)
    name: Mapped[name_str]
    issuer_id: Mapped[str] = mapped_column(String(2000))  # the verified issuer identifier
    issuer_name: Mapped[str] = mapped_column(String(300))  # as the badge states it
    awarded_at: Mapped[datetime]
    valid_until: Mapped[datetime | None]
    # "active", "expired", "revoked" or "invalid", as last checked; a check that could not
    # be decided keeps the last answer
    status: Mapped[str] = mapped_column(String(20), default="active")
    status_reason: Mapped[str | None] = mapped_column(String(500))  # in English
    # the same as report messages ({"reason": message, "detail": [messages] or text}), shown
    # in the reader's language; None while active, and for a reason stored before the codes
    status_text: Mapped[dict[str, Any] | None]
    status_checked_at: Mapped[datetime]
    created_at: Mapped[created]
