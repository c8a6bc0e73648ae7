"""The ``recipient`` check: the badge was awarded to the person named (when one is named).

The recipient is matched against the subject's ``id`` or its hashed ``identifier``s.
"""

from __future__ import annotations

from typing import Any

from ...identity import identity_matches
from ..context import Run
from ..messages import M
from ..report import CheckId, Checks, Outcome, as_list


def check(run: Run) -> None:
    check_recipient(run.credential, run.checks, run.recipient)


def check_recipient(credential: dict[str, Any], checks: Checks, recipient: str | None) -> None:
    if not recipient:
        checks.add(CheckId.RECIPIENT, Outcome.SKIPPED, M("recipient.not_given"))
        return
    for subject in as_list(credential.get("credentialSubject")):
        if not isinstance(subject, dict):
            continue
        if subject.get("id") == recipient:
            checks.add(CheckId.RECIPIENT, Outcome.PASSED, M("recipient.ok"))
            return
        for identity in as_list(subject.get("identifier")):
            if not isinstance(identity, dict):
                continue
            value = identity.get("identityHash")
            salt = identity.get("salt")
            if isinstance(value, str) and identity_matches(
                value, salt if isinstance(salt, str) else None, recipient
            ):
                checks.add(CheckId.RECIPIENT, Outcome.PASSED, M("recipient.ok"))
                return
    checks.add(CheckId.RECIPIENT, Outcome.FAILED, M("recipient.other"))
