"""The ``endorsements`` check: each embedded endorsement verified on its own.

Every endorsement (on the credential, its issuer or its achievement) goes through the
whole pipeline (proof, issuer key, dates, status) with the badge's fetch budget, and is
reported in ``report.endorsements``. A failed, withdrawn or misplaced endorsement is a
warning: it is a third party's claim, and the badge stands without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ...fetch import FetchBudget
from ...proofs import vc_jwt
from ..context import Engine, Run
from ..report import (
    REASON_SETTLED,
    CheckId,
    Checks,
    EndorsementResult,
    Outcome,
    Verdict,
    as_list,
    issuer_id_of,
    noun_of,
    types_of,
)

MAX_ENDORSEMENTS = 20


def check(run: Run) -> None:
    """Endorsements are still read when the verdict is settled, but fetch nothing more."""
    check_endorsements(run.engine, run.credential, run.checks, run.now, run.depth, run.check_status)


def _endorsements(credential: dict[str, Any]) -> Iterator[tuple[str, str | None, Any]]:
    """Every embedded endorsement as (where it is, the id it must be about, itself)."""
    issuer = credential.get("issuer")
    holders: list[tuple[str, Any]] = [("credential", credential), ("issuer", issuer)]
    for subject in as_list(credential.get("credentialSubject")):
        if isinstance(subject, dict):
            holders.append(("achievement", subject.get("achievement")))
    for location, holder in holders:
        if not isinstance(holder, dict) or not (
            "endorsement" in holder or "endorsementJwt" in holder
        ):
            continue
        about = holder.get("id") if isinstance(holder.get("id"), str) else None
        for item in as_list(holder.get("endorsement")):
            yield location, about, item
        for item in as_list(holder.get("endorsementJwt")):
            yield location, about, ("jwt", item)


def check_endorsements(
    engine: Engine,
    credential: dict[str, Any],
    checks: Checks,
    now: datetime,
    depth: int,
    check_status: bool = True,
) -> None:
    """Verify each embedded endorsement with the whole pipeline (proof, issuer key,
    dates, status), and report each one. A failed, withdrawn or misplaced endorsement
    is a warning: it is a third party's claim, and the badge stands without it."""
    endorsements = list(_endorsements(credential))
    if not endorsements:
        checks.add(
            CheckId.ENDORSEMENTS,
            Outcome.SKIPPED,
            f"The {noun_of(credential)} carries no endorsements.",
        )
        return
    if depth > 0:
        checks.add(
            CheckId.ENDORSEMENTS, Outcome.SKIPPED, "Endorsements of endorsements are not checked."
        )
        return
    results = [
        _verify_endorsement(engine, location, about, item, now, check_status, checks.budget)
        for location, about, item in endorsements[:MAX_ENDORSEMENTS]
    ]
    checks.endorsements = results
    bad = [r for r in results if r.verdict is Verdict.INVALID]
    unsure = [r for r in results if r.verdict is Verdict.UNDECIDED]
    count = len(results)
    noun = "endorsement" if count == 1 else "endorsements"
    lines = [f"{r.endorser or 'An unnamed endorser'}: {r.message}" for r in bad + unsure]
    if len(endorsements) > MAX_ENDORSEMENTS:
        lines.append(f"only the first {MAX_ENDORSEMENTS} of {len(endorsements)} were checked")
    detail = "; ".join(lines[:5]) or None
    if bad:
        withdrawn = sum(1 for r in bad if r.withdrawn)
        what = f"{len(bad)} of {count} {noun} on this badge {'is' if len(bad) == 1 else 'are'} not valid"
        if withdrawn == len(bad):
            what = (
                f"{len(bad)} of {count} {noun} on this badge "
                f"{'was' if len(bad) == 1 else 'were'} withdrawn by the endorser"
            )
        checks.add(
            CheckId.ENDORSEMENTS,
            Outcome.WARNING,
            f"{what} (the badge itself is not affected).",
            detail,
        )
    elif unsure:
        reasons = [c.reason for r in unsure for c in r.checks if c.reason is not None]
        if reasons and all(r == REASON_SETTLED for r in reasons):
            checks.add(
                CheckId.ENDORSEMENTS,
                Outcome.WARNING,
                "Some endorsements were not fully checked: the badge is already known not "
                "to be valid.",
                detail,
                reason=REASON_SETTLED,
            )
        else:
            budget_reasons = [r for r in reasons if r != REASON_SETTLED]
            checks.add(
                CheckId.ENDORSEMENTS,
                Outcome.WARNING,
                "Some endorsements could not be checked right now (the badge itself is not "
                "affected).",
                detail,
                reason=budget_reasons[0] if budget_reasons else None,
            )
    else:
        names = ", ".join(dict.fromkeys(r.endorser for r in results if r.endorser))
        checks.add(
            CheckId.ENDORSEMENTS,
            Outcome.PASSED,
            f"{count} {noun} verified.",
            f"Endorsed by {names}." if names else None,
        )


def _verify_endorsement(
    engine: Engine,
    location: str,
    about: str | None,
    item: Any,
    now: datetime,
    check_status: bool,
    budget: FetchBudget | None = None,
) -> EndorsementResult:
    jwt_form = isinstance(item, tuple)
    source = item[1] if jwt_form else item
    if jwt_form and not (isinstance(source, str) and vc_jwt.looks_like_jwt(source)):
        return EndorsementResult(
            location, Verdict.INVALID, "An endorsementJwt entry is not a compact JWT."
        )
    if not jwt_form and not isinstance(source, dict):
        # never a link to follow: an embedded endorsement is the credential itself
        return EndorsementResult(
            location, Verdict.INVALID, "An endorsement entry is not an embedded credential."
        )
    report = engine.verify(source, now=now, check_status=check_status, budget=budget, _depth=1)
    endorsement = report.credential or {}
    issuer = endorsement.get("issuer")
    subject = endorsement.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    comment = subject.get("endorsementComment")
    issuer_name = issuer.get("name") if isinstance(issuer, dict) else None
    result = EndorsementResult(
        location,
        report.verdict,
        report.message,
        id=endorsement.get("id") if isinstance(endorsement.get("id"), str) else None,
        endorser=issuer_name if isinstance(issuer_name, str) else issuer_id_of(endorsement),
        endorser_id=issuer_id_of(endorsement),
        subject_id=subject.get("id") if isinstance(subject.get("id"), str) else None,
        comment=comment if isinstance(comment, str) else None,
        withdrawn=report.revoked,
        checks=report.checks,
    )
    if report.credential is not None and "EndorsementCredential" not in types_of(endorsement):
        result.verdict = Verdict.INVALID
        result.message = "This is not an EndorsementCredential."
    elif result.verdict is not Verdict.INVALID and about is not None and result.subject_id != about:
        # a genuine endorsement of something else, copied onto this badge
        result.verdict = Verdict.INVALID
        result.message = (
            f"This endorsement is about {result.subject_id or 'nothing named'}, "
            f"not the {location} it is attached to."
        )
    return result
