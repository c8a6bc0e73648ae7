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

from ...clr_shape import clr_entries, entry_source, is_clr
from ...errors import FormatError
from ..context import Run
from ..messages import M, Message
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
            M("credentials.nested_record"),
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
        text = M("credentials.not_a_credential", problem=str(exc))
        return CredentialResult(position, Verdict.INVALID, str(text), text=text)
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
        text=report.text,
    )
    if report.credential is not None and not OB_TYPES & set(types_of(credential)):
        result.verdict = Verdict.INVALID
        result.text = M("credentials.not_a_badge")
        result.message = str(result.text)
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
    forged = [r for r in results if _not_genuine(r)]
    ended = [r for r in results if r.verdict is Verdict.INVALID and not _not_genuine(r)]
    unsure = [r for r in results if r.verdict is Verdict.UNDECIDED]
    lines = [
        M("detail.line", who=r.label_text, message=r.text or r.message)
        for r in forged + ended + unsure
    ]
    detail = lines[:10]
    if forged:
        first = forged[0]
        if len(forged) > 1:
            what = M("credentials.forged", forged=len(forged), count=count, reason=_reason(first))
        else:
            what = M(
                "credentials.one_forged", label=first.label_text, count=count, reason=_reason(first)
            )
        run.checks.add(RecordCheckId.CREDENTIALS, Outcome.FAILED, what, detail)
    elif ended or unsure:
        parts: list[Message] = []
        revoked = [r for r in ended if r.revoked]
        expired = [r for r in ended if not r.revoked]
        if revoked:
            labels = _labels(revoked[:3])
            parts.append(
                M("credentials.revoked_of_one", labels=labels)
                if count == 1
                else M("credentials.revoked", num=len(revoked), count=count, labels=labels)
            )
        if expired:
            parts.append(M("credentials.expired", num=len(expired), labels=_labels(expired[:3])))
        if unsure:
            parts.append(M("credentials.unsure", num=len(unsure)))
        run.checks.add(
            RecordCheckId.CREDENTIALS,
            Outcome.WARNING,
            M("credentials.summary", parts=_joined(parts, "; ")),
            detail,
            undecided=bool(unsure),
            reason=next(
                (c.reason for r in unsure if r.report for c in r.report.checks if c.reason), None
            ),
        )
    elif not results:
        run.checks.add(RecordCheckId.CREDENTIALS, Outcome.FAILED, M("credentials.none"))
    else:
        run.checks.add(
            RecordCheckId.CREDENTIALS,
            Outcome.PASSED,
            M("credentials.all_ok", count=count) if count > 1 else M("credentials.one_ok"),
        )


def _reason(result: CredentialResult) -> Message | str:
    """The first failed check of an entry, in its words."""
    if result.report is not None:
        for check in result.report.checks:
            if check.outcome is Outcome.FAILED:
                return check.text or check.message
    return result.text or result.message


def _labels(results: list[CredentialResult]) -> Message:
    return _joined([r.label_text for r in results], ", ")


def _joined(parts: list[Message], separator: str) -> Message:
    """``parts`` one after the other (each in the reader's language), as one message."""
    return M(
        f"join.{len(parts)}",
        **{f"part{i}": part for i, part in enumerate(parts)},
        separator=separator,
    )
