"""The ``dates`` check: the credential is valid now (validFrom/validUntil, or VC 1.1's names)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...errors import FormatError
from ...timeutil import format_datetime, parse_datetime
from ...vc11 import date_fields
from ..context import Run
from ..messages import M
from ..report import CheckId, Checks, Outcome, short


def check(run: Run) -> None:
    check_dates(run.credential, run.checks, run.now)


def check_dates(credential: dict[str, Any], checks: Checks, now: datetime) -> None:
    start, end = date_fields(credential)  # validFrom/validUntil, or VC 1.1's names
    try:
        if start not in credential:
            raise FormatError(f"the credential has no {start}")
        valid_from = parse_datetime(credential.get(start))
        until_raw = credential.get(end)
        valid_until = parse_datetime(until_raw) if until_raw is not None else None
    except FormatError as exc:
        checks.add(CheckId.DATES, Outcome.FAILED, M("dates.unreadable"), short(exc))
        return
    if valid_from > now:
        checks.add(
            CheckId.DATES,
            Outcome.FAILED,
            M("dates.not_yet", date=format_datetime(valid_from)),
        )
    elif valid_until is not None and valid_until <= now:
        checks.add(
            CheckId.DATES, Outcome.FAILED, M("dates.expired", date=format_datetime(valid_until))
        )
    elif valid_until is not None:
        checks.add(
            CheckId.DATES,
            Outcome.PASSED,
            M(
                "dates.valid_until",
                start=format_datetime(valid_from),
                end=format_datetime(valid_until),
            ),
        )
    else:
        checks.add(
            CheckId.DATES, Outcome.PASSED, M("dates.no_expiry", start=format_datetime(valid_from))
        )
