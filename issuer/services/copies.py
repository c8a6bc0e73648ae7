"""A new signed copy of an award that keeps the claims of the original, as it was signed.

Shared by the re-issue after a key compromise (``services.reissue``: the same claims and
validity, a new key) and by renewal (``services.renewal``: the same claims, a new
validity). The claims are read from the original's stored signed text: the learner
identifier, the achievement as it was awarded (not as it may have been edited since),
the result (the level), evidence, narrative, activity dates and ``awardedDate``. The
issuer profile, the status entry and the signature are the new ones, and the embedded
achievement carries the endorsements active now, as in any badge issued now.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from copy import deepcopy
from datetime import datetime
from typing import Any

from badges.errors import BadgeError
from badges.timeutil import format_datetime, parse_datetime

from ..models import Award
from .awards import AwardInput, IssueContext, _signed_award

# The claims of the original credential that a copy keeps as they were signed.
KEPT_CLAIMS = ("name", "description", "credentialSubject", "evidence", "validUntil", "awardedDate")


def _achievement_of(credential: dict[str, Any]) -> dict[str, Any] | None:
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    return achievement if isinstance(achievement, dict) else None


def keep_claims(
    original: dict[str, Any],
    kept: Sequence[str] = KEPT_CLAIMS,
    *,
    valid_until: datetime | None = None,
) -> Callable[[dict[str, Any]], None]:
    """Put the original's ``kept`` claims into a freshly built credential (issuer, status
    entry and contexts stay the new ones; ``valid_until``, when given, is the new
    ``validUntil``). The achievement carries the endorsements active now."""

    def revise(unsigned: dict[str, Any]) -> None:
        built = _achievement_of(unsigned)
        endorsements = built.get("endorsement") if built is not None else None
        for name in kept:
            if name in original:
                unsigned[name] = deepcopy(original[name])
            else:
                unsigned.pop(name, None)
        if valid_until is not None:
            unsigned["validUntil"] = format_datetime(valid_until)
        achievement = _achievement_of(unsigned)
        if achievement is not None:
            if endorsements:
                achievement["endorsement"] = endorsements
            else:
                achievement.pop("endorsement", None)

    return revise


def awarded_date_of(original: dict[str, Any], award: Award) -> datetime:
    """When the original was awarded: its ``awardedDate``, else when it was issued."""
    value = original.get("awardedDate")
    if isinstance(value, str):
        try:
            return parse_datetime(value)
        except BadgeError:
            pass  # unreadable (never, for what this issuer signed): the issue time
    return award.issued_at


def signed_copy(
    ctx: IssueContext,
    old: Award,
    *,
    status_index: int,
    now: datetime,
    awarded_by: int | None,
    request_key: str,
    kept: Sequence[str] = KEPT_CLAIMS,
    valid_until: datetime | None = None,
) -> Award:
    """A new signed award (unsaved) for ``old``'s learner with ``old``'s ``kept`` claims."""
    original = json.loads(old.credential_json)
    return _signed_award(
        ctx,
        AwardInput(learner_name=old.learner_name, learner_email=old.learner_email),
        status_index=status_index,
        now=now,
        awarded_by=awarded_by,
        request_key=request_key,
        awarded_date=awarded_date_of(original, old),
        revise=keep_claims(original, kept, valid_until=valid_until),
    )
