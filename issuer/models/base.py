"""The declarative base and shared column types."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from sqlalchemy import JSON, DateTime, Integer, MetaData, String, Text, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # JSON columns hold what their annotation says: a dict, or a plain list (never a list
    # wrapped in a dict)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
        list[int]: JSON,
        list[dict[str, str]]: JSON,
    }


def public_id() -> str:
    """An unguessable identifier for URLs (128 bits)."""
    return secrets.token_urlsafe(16)


def now_utc() -> datetime:
    return datetime.now(UTC)


# The largest value of an Integer column on every database (PostgreSQL's integer is 32-bit):
# an id from a URL or form above it names no row, and must not reach the driver.
MAX_ID = 2**31 - 1
intpk = Annotated[int, mapped_column(Integer, primary_key=True)]
name_str = Annotated[str, mapped_column(String(200))]
text = Annotated[str, mapped_column(Text)]
created = Annotated[datetime, mapped_column(UTCDateTime(), default=now_utc)]
public_key = Annotated[str, mapped_column(String(32), unique=True, default=public_id)]
