"""The ``status`` check: the issuer has not revoked or suspended the credential.

Bitstring Status List (and its predecessor StatusList2021) entries are read from the
list credential, itself verified (its issuer's key, signature and dates) and kept for
its time to live; a 1EdTech revocation list is read likewise. When a check has already
failed, the lists are not fetched: the status is skipped, the verdict being settled.

What a bitstring list must be (W3C Bitstring Status List v1.0):

- a credential whose own proof verifies with a key its own issuer publishes; that issuer
  need not be the badge's: the specification leaves issuer validation to the use case,
  and the badge's issuer, by signing the entry that names the list, chose it (issuers run
  status services under keys of their own);
- its ``id`` may differ from the URL it was fetched from: "The verifiable credential that
  contains the status list MAY express an id property that matches the value specified in
  statusListCredential for the corresponding BitstringStatusListEntry" (§2.2,
  https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistcredential);
- a list shorter than the specification's 131,072 entries is read and reported as a
  warning: the minimum protects the holders' herd privacy, the issuer's duty, and says
  nothing of whether the badge's bit is set.

Only a set bit in a list whose ``statusPurpose`` is "revocation" or "suspension" makes a
badge not valid. The specification's other purposes are reported, not held against it:
"refresh" (an updated credential is available through its refresh service; it "does not
invalidate the verifiable credential") is a note on a passed check, "message" (the
entry's ``statusMessage`` gives the text of each status value) and any purpose unknown
here are a warning. A status value of more than one bit (``statusSize`` > 1) is not read:
a revocation or suspension entry of that kind leaves the status undecided, another is a
warning saying it was not read.

An unsigned 1EdTech revocation list has nothing but its issuer and id to vouch for it, so
those must still be the badge's issuer and the URL it came from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ... import jsonutil
from ...errors import BadgeError, FetchError, FetchSkippedError, StatusError
from ...fetch import FetchBudget
from ...status import bitstring_status_list as bsl
from ...status import revocation_list_1edtech as rl
from ..context import Engine, Run
from ..messages import M, Message
from ..parsing import JSON_ACCEPT, parse_source
from ..report import (
    REASON_SETTLED,
    CheckId,
    Checks,
    Outcome,
    as_list,
    fetch_error_for,
    issuer_id_of,
    noun_of,
    reason_of,
    short,
    types_of,
)
from .dates import check_dates
from .issuer import check_issuer
from .proof import check_proof


def check(run: Run) -> None:
    checks = run.checks
    if not run.check_status:
        checks.add(CheckId.STATUS, Outcome.SKIPPED, M("status.not_asked"))
    elif checks.failed:
        checks.skip_settled(CheckId.STATUS, run.noun)
    else:
        check_status(run.engine, run.credential, checks, run.now)


# Status entry types read as bitstring status lists, and the list credential each points to.
# StatusList2021 (VC 1.1 era) is the Bitstring Status List's predecessor: same entry members
# and encoding, except that its encodedList has no multibase prefix.
_LIST_TYPES = {
    bsl.ENTRY_TYPE: bsl.CREDENTIAL_TYPE,
    "StatusList2021Entry": "StatusList2021Credential",
}


def _status_entry(entry: Any) -> bsl.EntryRef:
    """A BitstringStatusListEntry or StatusList2021Entry, parsed. Raises StatusError."""
    if isinstance(entry, dict) and entry.get("type") in _LIST_TYPES:
        entry = {**entry, "type": bsl.ENTRY_TYPE}
    return bsl.parse_entry(entry)


# -- status ------------------------------------------------------------------------


def _distinct(messages: list[Message]) -> list[Message]:
    """``messages`` without repeats (two lists of the same size warn once)."""
    kept: list[Message] = []
    for message in messages:
        if message not in kept:
            kept.append(message)
    return kept


# What the purposes other than revocation and suspension mean (W3C Bitstring Status List
# v1.0, statusPurpose): "refresh" signals that an updated credential is available through
# its refresh service and "does not invalidate the verifiable credential"; "message" is a
# flexible status message whose values the entry's ``statusMessage`` spells out
# (``status`` a hexadecimal value, ``message`` its text), read with ``statusSize`` bits.
# Neither makes a badge invalid: only revocation and suspension do.
_INVALIDATING = ("revocation", "suspension")
_MESSAGE_CHARS = 300  # an issuer's message text is shown, cut to this length


def _set_bit(purpose: str, endorsement: bool) -> Message:
    """What the credential's bit set in a revocation or suspension list says."""
    if purpose == "revocation":
        return M("status.withdrawn_endorsement" if endorsement else "status.revoked_badge")
    return M("status.suspended_endorsement" if endorsement else "status.suspended_badge")


def _status_size(entry: Any) -> int | None:
    """The entry's ``statusSize`` (1 when absent), or None when it is no positive integer."""
    size = entry.get("statusSize", 1) if isinstance(entry, dict) else 1
    if isinstance(size, str) and size.isascii() and size.isdigit():
        size = int(size)
    if isinstance(size, int) and not isinstance(size, bool) and size > 0:
        return size
    return None


def _status_message(entry: Any, value: int) -> str | None:
    """The entry's ``statusMessage`` text for status ``value`` ("0x1"...), if it gives one."""
    messages = entry.get("statusMessage") if isinstance(entry, dict) else None
    for item in as_list(messages):
        if not isinstance(item, dict) or not isinstance(item.get("message"), str):
            continue
        status = item.get("status")
        try:
            matches = isinstance(status, str) and int(status, 16) == value
        except ValueError:
            matches = False
        if matches:
            text = " ".join(item["message"].split())
            return text if len(text) <= _MESSAGE_CHARS else text[: _MESSAGE_CHARS - 1] + "…"
    return None


def _other_purpose(purpose: str, entry: Any) -> Message:
    """What a set bit in a list of another purpose than revocation or suspension says."""
    if purpose == "refresh":
        return M("status.refresh")
    if purpose == "message":
        text = _status_message(entry, 1)
        if text is not None:
            return M("status.message", message=text)
        return M("status.message_unnamed", status="0x1")
    return M("status.other_purpose", purpose=purpose)


def check_status(engine: Engine, credential: dict[str, Any], checks: Checks, now: datetime) -> None:
    entries = as_list(credential.get("credentialStatus"))
    endorsement = noun_of(credential) == "endorsement"
    if not entries:
        checks.add(
            CheckId.STATUS,
            Outcome.SKIPPED,
            M("status.none_endorsement" if endorsement else "status.none_badge"),
        )
        return
    issuer_id = issuer_id_of(credential) or ""
    findings: list[Message] = []
    undecided: list[str] = []
    reasons: list[str] = []
    notes: list[Message] = []  # what a passed check still warns of (a short list)
    info: list[Message] = []  # what it tells without a warning (an update is available)
    budget = checks.budget
    for entry in entries[:4]:
        if findings:
            break  # revoked or suspended: the other entries cannot change the verdict
        kind = entry.get("type") if isinstance(entry, dict) else None
        try:
            if kind in _LIST_TYPES:
                ref = _status_entry(entry)
                bits = status_bits(engine, ref, now, list_type=_LIST_TYPES[kind], budget=budget)
                if bits.below_minimum:
                    notes.append(M("status.short_list", size=bits.size, minimum=bsl.MIN_ENTRIES))
                size = _status_size(entry)
                if ref.purpose in _INVALIDATING:
                    if size != 1:  # one bit is read: refuse to guess a wider value
                        undecided.append(f"statusSize {entry.get('statusSize')!r} is not read")
                    elif bits.get(ref.index):
                        findings.append(_set_bit(ref.purpose, endorsement))
                elif size != 1:
                    # A value of several bits: where it sits and how it is read are not
                    # guessed; say so rather than report a wrong message.
                    wide = str(entry.get("statusSize"))[:20]
                    notes.append(M("status.wide_value", purpose=ref.purpose, size=wide))
                elif bits.get(ref.index):
                    said = _other_purpose(ref.purpose, entry)
                    (info if ref.purpose == "refresh" else notes).append(said)
            elif kind == rl.ENTRY_TYPE:
                url = entry.get("id")
                if not isinstance(url, str):
                    raise StatusError("the revocation list entry has no id")
                document = revocation_list(engine, url, budget)
                result = rl.lookup(
                    document, str(credential.get("id")), list_url=url, issuer_id=issuer_id
                )
                if result.revoked:
                    checks.revocation_reason = result.reason or checks.revocation_reason
                    what = "withdrawn_endorsement" if endorsement else "revoked_badge"
                    if result.reason:
                        findings.append(M(f"status.{what}_reason", reason=result.reason))
                    else:
                        findings.append(M(f"status.{what}"))
            else:
                undecided.append(f"unknown status type {kind!r}")
        except FetchSkippedError as exc:
            checks.unfetched(CheckId.STATUS, None, exc, noun_of(credential))
            return
        except FetchError as exc:
            undecided.append(short(exc))
            code = reason_of(exc)
            if code is not None:
                reasons.append(code)
        except BadgeError as exc:
            checks.add(
                CheckId.STATUS,
                Outcome.FAILED,
                M("status.untrustworthy"),
                short(exc),
            )
            return
    if findings:
        checks.revoked = True
        checks.add(
            CheckId.STATUS,
            Outcome.FAILED,
            findings[0],
            findings[1:],
            separator=" ",
        )
    elif undecided:
        checks.add(
            CheckId.STATUS,
            Outcome.WARNING,
            M("status.undecided_endorsement" if endorsement else "status.undecided_badge"),
            "; ".join(undecided),
            undecided=True,
            reason=reasons[0] if reasons else None,
        )
    elif endorsement:
        checks.add(
            CheckId.STATUS,
            Outcome.WARNING if notes else Outcome.PASSED,
            M("status.ok_endorsement"),
            _distinct(notes + info),
            separator=" ",
        )
    else:
        checks.add(
            CheckId.STATUS,
            Outcome.WARNING if notes else Outcome.PASSED,
            M("status.ok_badge"),
            _distinct(notes + info),
            separator=" ",
        )


def status_bits(
    engine: Engine,
    ref: bsl.EntryRef,
    now: datetime,
    *,
    list_type: str = bsl.CREDENTIAL_TYPE,
    budget: FetchBudget | None = None,
) -> bsl.BitstringStatusList:
    """The bits of the list ``ref`` names, verified (its own issuer's key, proof, dates).

    Its issuer may be another than the badge's, and its ``id`` another than its URL
    (see the module's docstring). Raises StatusError, FetchError.
    """
    cache_key = f"{ref.list_url}\n{ref.purpose}\n{list_type}"
    cached = engine.documents.get(cache_key)
    if cached is not None:
        bits = cached
        if ref.index >= bits.size:
            raise StatusError(f"status index {ref.index} is outside the list of {bits.size}")
        return bits  # type: ignore[no-any-return]
    if engine.fetcher is None:
        raise FetchError("status lists cannot be fetched: this verifier has no fetcher")
    started = engine.clock()
    response = engine.fetcher.get(ref.list_url, accept=JSON_ACCEPT, budget=budget)
    body = response.body.strip()
    source: Any = jsonutil.loads(body) if body.startswith(b"{") else body.decode("ascii", "replace")
    credential = _verify_status_list(engine, source, now, list_type=list_type, budget=budget)
    bits = bsl.read_list_credential(credential, ref)
    ttl = engine.status_ttl
    subject_ttl = credential.get("credentialSubject", {}).get("ttl")
    if isinstance(subject_ttl, int) and subject_ttl >= 0:
        ttl = min(ttl, subject_ttl / 1000)
    bits = engine.documents.put(cache_key, bits, ttl, started=started)
    if ref.index >= bits.size:
        raise StatusError(f"status index {ref.index} is outside the list of {bits.size}")
    return bits  # type: ignore[no-any-return]


def _verify_status_list(
    engine: Engine,
    source: Any,
    now: datetime,
    *,
    list_type: str = bsl.CREDENTIAL_TYPE,
    budget: FetchBudget | None = None,
) -> dict[str, Any]:
    """Verify a status list credential (JSON with an embedded proof, or a VC-JWT).

    Returns the list credential, signed with a key its own issuer publishes. Raises StatusError when it is not a
    ``list_type`` credential or does not verify, FetchError when a key cannot be had now.
    """
    checks = Checks(budget)  # the list's own checks settle nothing
    try:
        parsed = parse_source(source, engine.fetcher, budget)
    except FetchError:
        raise
    except BadgeError as exc:
        raise StatusError(f"the status list is unreadable: {exc}") from exc
    credential = parsed.credential
    if list_type not in types_of(credential):
        raise StatusError(f"the status list is not a {list_type}")
    contexts = as_list(credential.get("@context"))
    if not contexts or not all(isinstance(c, str) and engine.loader.knows(c) for c in contexts):
        raise StatusError("the status list uses an unknown @context")
    key = check_issuer(engine, parsed, checks)
    if key is None:
        check = checks.get(CheckId.ISSUER) or checks.get(CheckId.PROOF)
        if check is not None and (check.undecided or check.reason == REASON_SETTLED):
            raise fetch_error_for(check)
        raise StatusError(
            "the status list's signature cannot be checked: "
            + (check.detail or check.message if check else "no key")
        )
    # A status list is no OB 3.0 credential: its JWT's registered claims are optional,
    # but those it has must agree with the list.
    check_proof(engine, parsed, key, checks, require_claims=False)
    proof = checks.get(CheckId.PROOF)
    if proof is None or proof.outcome is not Outcome.PASSED:
        if proof is not None and (proof.undecided or proof.reason == REASON_SETTLED):
            raise fetch_error_for(proof)
        raise StatusError(
            "the status list's signature does not verify"
            + (f": {proof.detail}" if proof and proof.detail else "")
        )
    check_dates(credential, checks, now)
    dates = checks.get(CheckId.DATES)
    if dates is not None and dates.outcome is Outcome.FAILED:
        raise StatusError(f"the status list is out of date: {dates.message}")
    return credential


def revocation_list(engine: Engine, url: str, budget: FetchBudget | None = None) -> Any:
    """A 1EdTech (or OB 2.0) revocation list, from the cache or fetched and kept."""
    cached = engine.documents.get(url)
    if cached is not None:
        return cached
    if engine.fetcher is None:
        raise FetchError("revocation lists cannot be fetched: this verifier has no fetcher")
    started = engine.clock()
    document = engine.fetcher.get_json(url, budget=budget)
    return engine.documents.put(url, document, engine.status_ttl, started=started)


# -- recipient and endorsements ----------------------------------------------------
