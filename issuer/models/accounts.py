"""Accounts: people who log in, and their roles in organisations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, created, intpk, name_str

if TYPE_CHECKING:
    from .orgs import Organisation


class Role(StrEnum):
    ADMIN = "admin"  # manages the organisation: staff, keys, settings; awards too
    TEACHER = "teacher"  # creates achievements and awards them


class User(Base):
    __tablename__ = "user"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[name_str]
    password_hash: Mapped[str] = mapped_column(String(200))
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # The language this person chose with the switcher (issuer/i18n.py); None: not chosen
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[created]

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")


class Membership(Base):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "org_id"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[created]

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship()


class LoginThrottle(Base):
    """Login attempts counted per key ("pair:<address>|<email>", "account:<email>" or
    "address:<address>") in a fixed window; one row per key, raised atomically before the
    password is checked (kept in the database: every worker process sees the same count)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(index=True)
    count: Mapped[int] = mapped_column(Integer)


class Invitation(Base):
    """A one-time link that lets someone join an organisation (stored hashed)."""

    __tablename__ = "invitation"

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(20))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[created]


class LoginSession(Base):
    """A logged-in browser. Its cookie carries a random token (only the hash is kept here);
    logging out ends the row, so a copied cookie stops working at once."""

    __tablename__ = "login_session"

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[created]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
