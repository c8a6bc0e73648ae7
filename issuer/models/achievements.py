"""Achievements (badge classes) and the competence frameworks they align to."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, created, intpk, name_str, public_key


class Framework(Base):
    """A competence framework: seeded (four pillars, ASPnet themes), custom, or external."""

    __tablename__ = "framework"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[intpk]
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))  # None: everyone's
    name: Mapped[name_str]
    url: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")

    items: Mapped[list[FrameworkItem]] = relationship(
        back_populates="framework", order_by="FrameworkItem.id"
    )


class FrameworkItem(Base):
    __tablename__ = "framework_item"

    id: Mapped[intpk]
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id", ondelete="CASCADE"))
    code: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[name_str]
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(500))

    framework: Mapped[Framework] = relationship(back_populates="items")


class Achievement(Base):
    """A badge class. Editing it never touches credentials already signed (they are text)."""

    __tablename__ = "achievement"

    id: Mapped[intpk]
    public_id: Mapped[public_key]
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[name_str]
    description: Mapped[str] = mapped_column(Text)
    criteria_md: Mapped[str] = mapped_column(Text, default="")
    achievement_type: Mapped[str] = mapped_column(String(64), default="Badge")
    # Images are stored by content hash and never changed, so a badge signed with one
    # keeps showing it after the achievement gets a new image.
    image_sha256: Mapped[str | None] = mapped_column(ForeignKey("stored_image.sha256"))
    image_caption: Mapped[str | None] = mapped_column(String(300))
    tags: Mapped[list[str]] = mapped_column(default=list)
    levels: Mapped[list[str]] = mapped_column(default=list)
    # What each level means for this achievement ("Proficient: leads a beach clean-up..."),
    # parallel to ``levels``; signed as each rubricCriterionLevel's description.
    level_descriptions: Mapped[list[str]] = mapped_column(default=list)
    alignment_ids: Mapped[list[int]] = mapped_column(default=list)  # FrameworkItem ids
    external_alignments: Mapped[list[dict[str, str]]] = mapped_column(
        default=list
    )  # {"name", "url"}
    validity_days: Mapped[int | None]
    # A pathway: an achievement that requires others. None for a plain achievement; else
    # {"op": "all" | "any" | "n", "n": int (for "n"), "items": [{"achievement": id} | rule]}
    # (rules nest), with achievement ids of the same organisation.
    requirement: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    language: Mapped[str] = mapped_column(String(16), default="en")
    # A language version of another achievement names the first one of its group (None:
    # this is no version of another). Each version is signed as its own achievement with
    # its ``inLanguage``, naming the others in ``related[]`` (services.achievements).
    language_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("achievement.id"), index=True, default=None
    )
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[created]


class StoredImage(Base):
    """An immutable image, addressed by the SHA-256 of its bytes."""

    __tablename__ = "stored_image"

    id: Mapped[intpk]
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[created]
