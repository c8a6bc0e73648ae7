"""The dates step, exactly: each outcome with its message, at the edges of the validity.

Written to kill the mutants tests/mutation/run.py found alive in
badges/verification/steps/dates.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from badges.verification.report import CheckId, Checks, Outcome
from badges.verification.steps.dates import check_dates

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def outcome(credential, now=NOW):
    checks = Checks()
    check_dates(credential, checks, now)
    result = checks.get(CheckId.DATES)
    assert result is not None and result.name == CheckId.DATES
    return result.outcome, result.message, result.detail


def test_valid_since_a_date_without_expiry():
    assert outcome({"validFrom": "2026-09-01T08:00:00Z"}) == (
        Outcome.PASSED,
        "Valid since 2026-09-01T08:00:00Z; no expiry.",
        None,
    )


def test_valid_from_exactly_now():
    assert outcome({"validFrom": "2026-11-23T12:00:00Z"})[0] is Outcome.PASSED


def test_valid_between_two_dates_until_exactly_the_end():
    credential = {"validFrom": "2026-09-01T08:00:00Z", "validUntil": "2026-11-23T12:00:01Z"}
    assert outcome(credential) == (
        Outcome.PASSED,
        "Valid from 2026-09-01T08:00:00Z until 2026-11-23T12:00:01Z.",
        None,
    )
    assert outcome(credential, NOW + SECOND) == (
        Outcome.FAILED,
        "The badge expired on 2026-11-23T12:00:01Z.",
        None,
    )


def test_not_valid_yet():
    assert outcome({"validFrom": "2026-11-23T12:00:01Z"}) == (
        Outcome.FAILED,
        "The badge is not valid yet: it becomes valid on 2026-11-23T12:00:01Z.",
        None,
    )


@pytest.mark.parametrize(
    ("credential", "detail"),
    [
        ({}, "the credential has no validFrom"),
        ({"validUntil": "2030-01-01T00:00:00Z"}, "the credential has no validFrom"),
        ({"validFrom": "yesterday"}, None),
        ({"validFrom": "2026-09-01T08:00:00Z", "validUntil": 7}, None),
    ],
)
def test_unreadable_dates_fail_saying_why(credential, detail):
    result, message, said = outcome(credential)
    assert (result, message) == (Outcome.FAILED, "The validity dates are unreadable.")
    assert said
    if detail is not None:
        assert said == detail
