"""Dates and times as a reader of a language writes them (Babel's CLDR data).

English keeps the ISO form the platform has always shown (2026-12-07, 2026-12-07 14:30):
unambiguous for readers of every English-speaking country. Other languages get their own
medium date (lt "2026-12-07", ru "7 дек. 2026 г.", kk "2026 ж. 7 жел."), and times stay
UTC on a 24-hour clock. Pure: the apps pass the language of the request or message.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache


def day(value: date | datetime, language: str) -> str:
    if language == "en":
        return value.strftime("%Y-%m-%d")
    # the day alone is written (Babel's format_date reads a datetime's date)
    return _babel_day(value.date() if isinstance(value, datetime) else value, language)


@lru_cache(maxsize=256)
def _babel_day(value: date, language: str) -> str:
    """Babel's medium date, kept for the days asked again (a class award's messages all
    name the same day: writing it was most of the cost of each message)."""
    from babel.dates import format_date  # imported here: the `badges` command starts lighter

    return format_date(value, format="medium", locale=language)


def moment(value: datetime, language: str) -> str:
    """A date with its hour and minute (the value's own time zone, UTC in this platform)."""
    return f"{day(value, language)} {value.strftime('%H:%M')}"
