"""Organisations (issuers), their signing keys and status lists."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, created, intpk, name_str


class OrgKind(StrEnum):
    SCHOOL = "school"
    CENTRE = "centre"  # a national or regional coordination centre
    NETWORK = "network"
    # The deployment itself, as an issuer of its own: it signs learners' CLR exports with
    # the did:web of the base URL. One row at most, made on first use (services.platform).
    PLATFORM = "platform"


class StatusMethod(StrEnum):
    BITSTRING = "bitstring"  # W3C Bitstring Status List, purpose revocation
    # W3C Bitstring Status List, purpose suspension: badges can be suspended and restored;
    # a revoked one stays suspended for good (the schema allows one status entry).
    BITSTRING_SUSPENSION = "bitstring-suspension"
    REVOCATION_LIST = "1edtech"  # 1EdTech Revocation List: revocation with reasons


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[name_str]
    kind: Mapped[str] = mapped_column(String(20), default=OrgKind.SCHOOL)
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(500))
    country: Mapped[str | None] = mapped_column(String(2))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    status_method: Mapped[str] = mapped_column(String(20), default=StatusMethod.BITSTRING)
    key_alg: Mapped[str] = mapped_column(String(10), default="EdDSA")
    # Learners younger than this need a guardian's consent before their share links work
    # (and before their name shows on public badge pages); None: the school asks none.
    consent_age: Mapped[int | None]
    # The language of its pages for a reader who chose none and whose browser asks for none
    # of ours, and of messages to its learners who chose none (issuer/i18n.py: "en", "lt"...)
    default_language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    created_at: Mapped[created]

    parent: Mapped[Organisation | None] = relationship(remote_side="Organisation.id")
    keys: Mapped[list[SigningKey]] = relationship(
        back_populates="organisation", order_by="SigningKey.id"
    )


class SigningKey(Base):
    """One key of an organisation. Retired keys stay published while their badges live."""

    __tablename__ = "signing_key"

    id: Mapped[intpk]
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    kid: Mapped[str] = mapped_column(String(64))  # the fragment: "key-1"
    alg: Mapped[str] = mapped_column(String(10))
    public_jwk: Mapped[dict[str, Any]]
    private_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[created]
    retired_at: Mapped[datetime | None]
    compromised_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(back_populates="keys")
