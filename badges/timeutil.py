"""UTC timestamps as credentials write them: ``2026-11-23T19:35:07Z``, second precision."""

from __future__ import annotations

from datetime import UTC, datetime

from .errors import FormatError


def utcnow() -> datetime:
    """The current UTC time, truncated to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def format_datetime(value: datetime) -> str:
    """XML Schema dateTime in UTC with a ``Z``, seconds precision."""
    if value.tzinfo is None:
        raise FormatError("datetimes must be timezone-aware")
    value = value.astimezone(UTC)
    if value.year >= 1000:  # isoformat's four-digit year is strftime's "%Y" from 1000 on
        return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    return value.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(value: object) -> datetime:
    """Parse an XML Schema dateTime with a timezone. Raises FormatError otherwise."""
    if not isinstance(value, str) or len(value) > 64:
        raise FormatError(f"not a date-time: {value!r}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise FormatError(f"not a date-time: {value!r}") from exc
    if parsed.tzinfo is None:
        raise FormatError(f"date-time {value!r} has no timezone")
    try:
        return parsed.astimezone(UTC)
    except OverflowError as exc:  # e.g. 0001-01-01T00:00:00+01:00: before year 1 in UTC
        raise FormatError(f"date-time {value!r} is out of range") from exc


def epoch(value: datetime) -> int:
    """Seconds since the epoch, as JWT ``nbf``/``exp`` carry them."""
    return int(value.timestamp())
