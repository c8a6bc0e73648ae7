"""Awards: each is one issued credential, stored as the exact signed text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .achievements import Achievement
from .base import Base, created, intpk, name_str, public_key

ERASED_ADDRESS = "(erased at the learner's request)"
"""What replaces the address of a learner who erased their account (services.data_rights):
no address at all (it has no "@"), so no form accepts it, nothing is sent to it and no
account can ever confirm it."""


class Award(Base):
    __tablename__ = "award"
    __table_args__ = (
        # Named here: the naming convention would call both "uq_award_org_id", which
        # PostgreSQL refuses (constraint names are index names there, unique per schema).
        UniqueConstraint("org_id", "status_index", name="uq_award_org_id_status_index"),
        UniqueConstraint("org_id", "request_key", name="uq_award_org_id_request_key"),
        # a learner's portfolio: the awards to their confirmed addresses, compared lower-cased
        Index("ix_award_learner_email_lower", func.lower(text("learner_email"))),
        # a school's awards searched by name (issuer.services.search)
        Index("ix_award_org_id_learner_name_search", "org_id", "learner_name_search"),
    )

    id: Mapped[intpk]
    public_id: Mapped[public_key]
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievement.id"), index=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("signing_key.id"))
    awarded_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("award_batch.id"), index=True)
    # A retried or double-submitted request carries the same key: it never issues twice.
    request_key: Mapped[str | None] = mapped_column(String(200))
    learner_name: Mapped[name_str]
    # the name as searched: case and diacritics folded (issuer.services.search.fold), written
    # with the name; a search looks for the folded words it is given in here
    learner_name_search: Mapped[str] = mapped_column(Text)
    learner_email: Mapped[str] = mapped_column(String(320))  # for the message only; never published
    credential_json: Mapped[str] = mapped_column(Text)  # exactly as signed
    credential_jwt: Mapped[str | None] = mapped_column(Text)
    status_index: Mapped[int]
    issued_at: Mapped[datetime]
    valid_until: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(String(500))
    suspended: Mapped[bool] = mapped_column(default=False)
    # The purpose of the credential's one status entry: "revocation" (bitstring),
    # "suspension" (bitstring: suspension can be lifted; revoking sets the bit for good)
    # or "1edtech" (1EdTech Revocation List).
    status_purpose: Mapped[str] = mapped_column(
        String(20), default="revocation", server_default="revocation"
    )
    # A badge re-issued (e.g. after its signing key was compromised) names the one it replaces.
    reissue_of_id: Mapped[int | None] = mapped_column(ForeignKey("award.id"), index=True)
    # A renewed badge (new validity, same award) names the expired or expiring one it
    # renews; that one stays as it was, verifiable as expired once its validUntil passes.
    renewal_of_id: Mapped[int | None] = mapped_column(ForeignKey("award.id"), index=True)
    created_at: Mapped[created]
    # What the learner's portfolio card shows, copied from the signed credential when it is
    # signed (issuer.services.card_fields; never signed or served, the credential stays the
    # truth): so a portfolio of hundreds reads these columns instead of parsing every
    # credential. ``awarded_at`` None: not filled yet (a row written some other way), and
    # readers then read the credential.
    awarded_at: Mapped[datetime | None]  # the credential's awardedDate
    school_year: Mapped[int | None]  # of awarded_at: 2025 is 2025/26 (1 September on)
    card_name: Mapped[str | None] = mapped_column(Text)
    card_issuer: Mapped[str | None] = mapped_column(Text)
    card_image: Mapped[str | None] = mapped_column(Text)
    card_image_alt: Mapped[str | None] = mapped_column(Text)
    level_id: Mapped[str | None] = mapped_column(Text)  # the rubric level reached, if any
    level_name: Mapped[str | None] = mapped_column(Text)
    level_description: Mapped[str | None] = mapped_column(Text)
    level_rank: Mapped[int | None]  # 1 = the rubric's first (lowest) level, of level_of
    level_of: Mapped[int | None]
    # the framework areas as signed: [[framework, code, name], ...]; None: unreadable
    card_alignment: Mapped[list[list[str]] | None] = mapped_column(JSON)
    card_description: Mapped[str | None] = mapped_column(Text)  # the achievement's, as signed
    # the evidence entries as signed: [[id, name, narrative], ...] (each string or null)
    card_evidence: Mapped[list[list[str | None]] | None] = mapped_column(JSON)

    achievement: Mapped[Achievement] = relationship()


class AwardBatch(Base):
    """A class awarded from one CSV: all its awards commit together or not at all."""

    __tablename__ = "award_batch"
    __table_args__ = (UniqueConstraint("org_id", "request_key"),)

    id: Mapped[intpk]
    request_key: Mapped[str | None] = mapped_column(String(200))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievement.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[created]


class EvidenceFile(Base):
    __tablename__ = "evidence_file"

    id: Mapped[intpk]
    public_id: Mapped[public_key]
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[created]


class OutboxMessage(Base):
    """A message to a learner: sent by SMTP when configured, else kept for staff to print."""

    __tablename__ = "outbox_message"

    id: Mapped[intpk]
    # None: a message to a learner's account (a confirmation or sign-in link), no school's
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    award_id: Mapped[int | None] = mapped_column(ForeignKey("award.id"))
    to_email: Mapped[str] = mapped_column(String(320))
    to_name: Mapped[name_str]
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created]
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(500))
