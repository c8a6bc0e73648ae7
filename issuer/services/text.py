"""User-written Markdown, rendered and then sanitised (the core's helper, shared with the verifier)."""

from __future__ import annotations

from datetime import date, datetime

from badges import localdates
from badges.text import render_markdown

from ..translate import current_language

__all__ = ["render_markdown"]


def local_day(value: date | datetime) -> str:
    """A date in the current language (badges/localdates.py)."""
    return localdates.day(value, current_language())


def local_moment(value: datetime) -> str:
    """A date and time (UTC) in the current language."""
    return localdates.moment(value, current_language())
