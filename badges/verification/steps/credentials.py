"""The ``credentials`` check of a CLR 2.0 ``ClrCredential``: each credential inside on its own.

Every entry of ``credentialSubject.verifiableCredential`` (a credential with its own
embedded proof, or a VC-JWT in an ``EnvelopedVerifiableCredential``) goes through the
whole pipeline, with the CLR's fetch budget, and is reported in ``report.credentials``.

What the record is worth follows from why an entry fails:

* an entry that is not a genuine Open Badge (its signature, issuer key, format, context or
  schema fails) fails the check: a record that vouches for it is not valid, and the
  message names the entry;
* a badge its issuer has revoked or suspended, or that has expired or is not valid yet,
  is a warning: the record is genuine, and that badge is reported as what it is;
* an entry that cannot be fully checked now leaves the record undecided.

Any other credential (a badge, an endorsement) has no such check: nothing is added.
"""

from __future__ import annotations

from ...clr import clr_entries, entry_source, is_clr
from ...errors import FormatError
from ..context import Run
from ..parsing import OB_TYPES
from ..report import (
    CheckId,
    CredentialResult,
    Outcome,
    RecordCheckId,
    Verdict,
    issuer_id_of,
    types_of,
)

# Failed checks that say what became of a genuine badge, not that it is not genuine.
LIFECYCLE_CHECKS = frozenset({CheckId.DATES.value, CheckId.STATUS.value})


def check(run: Run) -> None:
    if not is_clr(run.credential):
        return
    if run.depth > 0 or run.in_record:
        run.checks.add(
            RecordCheckId.CREDENTIALS,
            Outcome.FAILED,
            "A learner record inside another credential is not checked.",
        )
        return
    entries = clr_entries(run.credential)
    results = [_verify_entry(run, position, entry) for position, entry in enumerate(entries, 1)]
    run.checks.credentials = results
    summarise(run, results)


def _verify_entry(run: Run, position: int, entry: object) -> CredentialResult:
    try:
        source = entry_source(entry)
    except FormatError as exc:
        return CredentialResult(
            position, Verdict.INVALID, f"This entry is not a credential: {exc}."
        )
    report = run.engine.verify(
        source,
        now=run.now,
        check_status=run.check_status,
        budget=run.budget,
        _in_record=True,
    )
    credential = report.credential or {}
    issuer = credential.get("issuer")
    issuer_name = issuer.get("name") if isinstance(issuer, dict) else None
    name = credential.get("name")
    ident = credential.get("id")
    result = CredentialResult(
        position,
        report.verdict,
        report.message,
        form="jwt" if isinstance(source, str) else "json",
        id=ident if isinstance(ident, str) else None,
        name=name if isinstance(name, str) else None,
        issuer=issuer_name if isinstance(issuer_name, str) else issuer_id_of(credential),
        issuer_id=issuer_id_of(credential),
        revoked=report.revoked,
        report=report,
    )
    if report.credential is not None and not OB_TYPES & set(types_of(credential)):
        result.verdict = Verdict.INVALID
        result.message = "This is not an Open Badges achievement credential."
    return result


def _not_genuine(result: CredentialResult) -> bool:
    """True for an entry that fails for a reason other than what became of a genuine badge."""
    if result.verdict is not Verdict.INVALID:
        return False
    if result.report is None:
        return True
    failed = {str(c.name) for c in result.report.checks if c.outcome is Outcome.FAILED}
    return not failed or not failed <= LIFECYCLE_CHECKS


def summarise(run: Run, results: list[CredentialResult]) -> None:
    """The one ``credentials`` check of the record, naming each entry at fault."""
    count = len(results)
    noun = "credential" if count == 1 else "credentials"
    forged = [r for r in results if _not_genuine(r)]
    ended = [r for r in results if r.verdict is Verdict.INVALID and not _not_genuine(r)]
    unsure = [r for r in results if r.verdict is Verdict.UNDECIDED]
    lines = [f"{r.label[:1].upper()}{r.label[1:]}: {r.message}" for r in forged + ended + unsure]
    detail = "; ".join(lines[:10]) or None
    if forged:
        first = forged[0]
        what = f"{first.label[:1].upper()}{first.label[1:]} of {count} is not genuine"
        if len(forged) > 1:
            what = f"{len(forged)} of the {count} {noun} inside are not genuine"
        run.checks.add(
            RecordCheckId.CREDENTIALS,
            Outcome.FAILED,
            f"{what}: {_reason(first)}",
            detail,
        )
    elif ended or unsure:
        parts = []
        revoked = [r for r in ended if r.revoked]
        expired = [r for r in ended if not r.revoked]
        if revoked:
            parts.append(
                f"{len(revoked)} of {count} {noun} inside "
                f"{'was' if len(revoked) == 1 else 'were'} revoked by the issuer "
                f"({', '.join(r.label for r in revoked[:3])})"
            )
        if expired:
            parts.append(
                f"{len(expired)} {'is' if len(expired) == 1 else 'are'} not valid at this "
                f"date ({', '.join(r.label for r in expired[:3])})"
            )
        if unsure:
            parts.append(f"{len(unsure)} could not be fully checked right now")
        run.checks.add(
            RecordCheckId.CREDENTIALS,
            Outcome.WARNING,
            "; ".join(parts) + ". The record itself is genuine.",
            detail,
            undecided=bool(unsure),
            reason=next(
                (c.reason for r in unsure if r.report for c in r.report.checks if c.reason), None
            ),
        )
    elif not results:
        run.checks.add(
            RecordCheckId.CREDENTIALS, Outcome.FAILED, "The learner record carries no credentials."
        )
    else:
        run.checks.add(
            RecordCheckId.CREDENTIALS,
            Outcome.PASSED,
            f"All {count} {noun} inside verify on their own."
            if count > 1
            else "The credential inside verifies on its own.",
        )


def _reason(result: CredentialResult) -> str:
    """The first failed check of an entry, in its words."""
    if result.report is not None:
        for check in result.report.checks:
            if check.outcome is Outcome.FAILED:
                return check.message
    return result.message
