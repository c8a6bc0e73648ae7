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
from ..messages import M, Message
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
            M(f"endorsements.none.{noun_of(credential).replace(' ', '_')}"),
        )
        return
    if depth > 0:
        checks.add(CheckId.ENDORSEMENTS, Outcome.SKIPPED, M("endorsements.nested"))
        return
    results = [
        _verify_endorsement(engine, location, about, item, now, check_status, checks.budget)
        for location, about, item in endorsements[:MAX_ENDORSEMENTS]
    ]
    checks.endorsements = results
    bad = [r for r in results if r.verdict is Verdict.INVALID]
    unsure = [r for r in results if r.verdict is Verdict.UNDECIDED]
    count = len(results)
    lines = [
        M(
            "detail.line",
            who=r.endorser or M("endorsements.unnamed"),
            message=r.text or r.message,
        )
        for r in bad + unsure
    ]
    if len(endorsements) > MAX_ENDORSEMENTS:
        lines.append(
            M(
                "endorsements.first_only",
                max=str(MAX_ENDORSEMENTS),
                count=str(len(endorsements)),
            )
        )
    detail = lines[:5]
    if bad:
        withdrawn = sum(1 for r in bad if r.withdrawn)
        what = "endorsements.withdrawn" if withdrawn == len(bad) else "endorsements.invalid"
        checks.add(
            CheckId.ENDORSEMENTS,
            Outcome.WARNING,
            M(f"{what}_of_one") if count == 1 else M(what, num=len(bad), count=count),
            detail,
        )
    elif unsure:
        reasons = [c.reason for r in unsure for c in r.checks if c.reason is not None]
        if reasons and all(r == REASON_SETTLED for r in reasons):
            checks.add(
                CheckId.ENDORSEMENTS,
                Outcome.WARNING,
                M("endorsements.settled"),
                detail,
                reason=REASON_SETTLED,
            )
        else:
            budget_reasons = [r for r in reasons if r != REASON_SETTLED]
            checks.add(
                CheckId.ENDORSEMENTS,
                Outcome.WARNING,
                M("endorsements.undecided"),
                detail,
                reason=budget_reasons[0] if budget_reasons else None,
            )
    else:
        names = ", ".join(dict.fromkeys(r.endorser for r in results if r.endorser))
        checks.add(
            CheckId.ENDORSEMENTS,
            Outcome.PASSED,
            M("endorsements.ok", num=count),
            [M("endorsements.by", names=names)] if names else None,
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
        return _result(location, M("endorsement.not_jwt"))
    if not jwt_form and not isinstance(source, dict):
        # never a link to follow: an embedded endorsement is the credential itself
        return _result(location, M("endorsement.not_embedded"))
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
        text=report.text,
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
        result.text = M("endorsement.wrong_type")
        result.message = str(result.text)
    elif result.verdict is not Verdict.INVALID and about is not None and result.subject_id != about:
        # a genuine endorsement of something else, copied onto this badge
        result.verdict = Verdict.INVALID
        where = M(f"location.{location}")
        if result.subject_id:
            result.text = M("endorsement.about_other", subject=result.subject_id, location=where)
        else:
            result.text = M("endorsement.about_nothing", location=where)
        result.message = str(result.text)
    return result


def _result(location: str, text: Message) -> EndorsementResult:
    """An entry that is no endorsement at all: not valid, for the reason ``text``."""
    return EndorsementResult(location, Verdict.INVALID, str(text), text=text)
