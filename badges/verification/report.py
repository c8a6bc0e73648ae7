"""What a verification reports: named checks, their outcomes, the verdict and its JSON.

``CheckId`` names every check once: its member's value is the name the report's JSON
carries (``"format"``, ``"proof"``...), its ``label`` the title people read, and the
order of its members the order of the checks in every report. ``Checks`` collects the
checks of one verification while its steps run (see ``badges.verification.pipeline``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ..errors import FetchBudgetError, FetchError, FetchSkippedError
from ..fetch import FetchBudget
from ..timeutil import format_datetime
from .messages import M, Message


class CheckId(StrEnum):
    """Every check of the report, in the report's order, each with its title.

    A ``StrEnum``: ``CheckId.STATUS == "status"``, and the JSON carries the plain name.
    """

    label: str

    def __new__(cls, value: str, label: str) -> CheckId:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    FORMAT = "format", "Format"
    CONTEXT = "context", "JSON-LD context"
    SCHEMA = "schema", "Open Badges schema"
    PROOF = "proof", "Signature"
    ISSUER = "issuer", "Issuer's key"
    DATES = "dates", "Validity dates"
    STATUS = "status", "Revocation status"
    RECIPIENT = "recipient", "Recipient"
    ENDORSEMENTS = "endorsements", "Endorsements"


class Outcome(StrEnum):
    """How one check ended."""

    PASSED = "passed"
    FAILED = "failed"
    WARNING = "warning"
    SKIPPED = "skipped"


class Verdict(StrEnum):
    """The overall answer."""

    VALID = "valid"
    INVALID = "invalid"
    UNDECIDED = "undecided"


CHECK_NAMES: tuple[CheckId, ...] = tuple(CheckId)
CHECK_TITLES: dict[str, str] = {check.value: check.label for check in CheckId}


class RecordCheckId(StrEnum):
    """The checks only a credential that carries others (a CLR 2.0 ``ClrCredential``) has.

    Kept apart from ``CheckId``: every report lists every ``CheckId`` check, and the
    report of a badge stays as it was; a record's report lists these after them.
    """

    label: str

    def __new__(cls, value: str, label: str) -> RecordCheckId:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    CREDENTIALS = "credentials", "Credentials inside"


RECORD_CHECK_TITLES: dict[str, str] = {check.value: check.label for check in RecordCheckId}

# Reason codes a check carries when it could not be completed for want of budget, or was
# not run because the verdict was already settled.
REASON_DEADLINE = "deadline_exceeded"
REASON_FETCH_LIMIT = "fetch_limit_reached"
REASON_SETTLED = "verdict_settled"
# The format check's reason when the input is a credential (a verifiable credential, an
# Open Badges 2.0 document) but not one this verifier checks as a badge: it fails
# verification (``badges verify`` exits 1), unlike input that is no credential at all (2).
REASON_NOT_A_BADGE = "not_a_badge"
SETTLED_MESSAGE = "Not checked: the {noun} is already known not to be valid."


def settled(noun: str) -> Message:
    """The message of a check not run because the verdict on the ``noun`` is settled."""
    return M(f"settled.{noun.replace(' ', '_')}")


class _English:
    """``Check.message``: the English given, or else ``text``'s, rendered when first read.

    A report's messages are mostly shown in the reader's language from ``text`` (the
    apps) or not at all (a caller that wants the verdict): rendering every check's
    English while the steps run would be wasted work for them."""

    def __get__(self, check: Check | None, owner: type | None = None) -> str:
        if check is None:
            raise AttributeError("message")  # a dataclass field without a default
        fields = check.__dict__
        english = fields["_message"]
        if english is None:
            english = fields["_message"] = str(check.text)
        return english  # type: ignore[no-any-return]

    def __set__(self, check: Check, english: str | None) -> None:
        check.__dict__["_message"] = english


@dataclass
class Check:
    """One named check: its outcome, a plain-language message and optional detail.

    ``reason`` is a machine-readable code for a check that could not be completed or was
    not run (``deadline_exceeded``, ``fetch_limit_reached``, ``verdict_settled``), or for
    a failed format check, ``not_a_badge``: a credential, but not an Open Badge; it
    appears in ``to_dict`` only when set, so the report of a check that ran is unchanged.

    ``text`` is the message as a code with its parameters (``messages.Message``), which
    the apps render in their reader's language; ``message`` is its English. Every check
    the pipeline makes has one (``Check.of``); ``to_dict`` adds them as ``code`` and
    ``params``.
    """

    name: str  # a CheckId (a str) when the pipeline made it
    outcome: Outcome
    message: _English = _English()  # str; None: text's English, rendered when first read
    detail: str | None = None
    undecided: bool = False
    reason: str | None = None
    text: Message | None = None
    # a detail made of report messages (an endorsement's or a credential's verdict, what a
    # status list warns of): each in the reader's language, joined by ``detail_separator``;
    # ``detail`` is their English
    detail_text: tuple[Message, ...] = ()
    detail_separator: str = "; "

    @classmethod
    def of(
        cls,
        name: str,
        outcome: Outcome,
        text: Message,
        detail: str | Sequence[Message] | None = None,
        *,
        undecided: bool = False,
        reason: str | None = None,
        separator: str = "; ",
    ) -> Check:
        """The check saying ``text`` (its English is the ``message``); a ``detail`` of
        messages is kept as they are, and its English joined by ``separator``."""
        if detail is None or isinstance(detail, str):
            return cls(name, outcome, None, detail, undecided, reason, text)
        parts = tuple(detail)
        english = separator.join(str(part) for part in parts) or None
        return cls(name, outcome, str(text), english, undecided, reason, text, parts, separator)

    def to_dict(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "name": str(self.name),
            "title": CHECK_TITLES.get(self.name) or RECORD_CHECK_TITLES.get(self.name, self.name),
            "outcome": self.outcome.value,
            "message": self.message,
            "detail": self.detail,
            "undecided": self.undecided,
        }
        if self.reason is not None:
            shown["reason"] = self.reason
        if self.text is not None:
            shown.update(self.text.to_dict())
        return shown


@dataclass
class VerificationReport:
    """What verification found: the checks in a fixed order and the verdict."""

    checks: list[Check]
    credential: dict[str, Any] | None = None
    format: str | None = None
    verified_at: datetime | None = None
    # Every endorsement the credential carries, each verified on its own (see
    # ``badges.verification.steps.endorsements``); empty for a credential without them.
    endorsements: list[EndorsementResult] = field(default_factory=list)
    # True when the status check found the credential revoked, suspended or withdrawn
    # (not when its status could not be read).
    revoked: bool = False
    # The issuer identifier the signature proved (the issuer published the key that made
    # a proof that verifies), else None. The badge's issuer name and url are only what
    # that key holder wrote; see badges/registry.py.
    verified_issuer: str | None = None
    # The reason the issuer published for revoking it, when its status method carries one
    # (the 1EdTech revocation list, OB 2.0 lists); a Bitstring Status List has none.
    revocation_reason: str | None = None
    # A CLR: each credential it carries, verified on its own (see
    # ``badges.verification.steps.credentials``); None for any other credential.
    credentials: list[CredentialResult] | None = None

    @property
    def verdict(self) -> Verdict:
        if any(c.outcome is Outcome.FAILED for c in self.checks):
            return Verdict.INVALID
        if any(c.undecided for c in self.checks):
            return Verdict.UNDECIDED
        return Verdict.VALID

    @property
    def verified(self) -> bool:
        return self.verdict is Verdict.VALID

    def check(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    @property
    def text(self) -> Message:
        """The one-sentence answer as a code: valid, undecided, or not valid for the first
        failed check's reason."""
        verdict = self.verdict
        noun = noun_of(self.credential).replace(" ", "_")
        if verdict is Verdict.VALID:
            return M(f"verdict.valid.{noun}")
        if verdict is Verdict.UNDECIDED:
            return M(f"verdict.undecided.{noun}")
        failed = next(c for c in self.checks if c.outcome is Outcome.FAILED)
        return M(f"verdict.invalid.{noun}", reason=failed.text or failed.message)

    @property
    def message(self) -> str:
        return str(self.text)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON: the one shape the CLI, the page and the API share.

        A CLR's report adds ``credentials``: the report of each credential inside."""
        shown: dict[str, Any] = {
            "verified": self.verified,
            "verdict": self.verdict.value,
            "message": self.message,
            **self.text.to_dict(),
            "format": self.format,
            "verifiedAt": format_datetime(self.verified_at) if self.verified_at else None,
            "checks": [c.to_dict() for c in self.checks],
            "endorsements": [e.to_dict() for e in self.endorsements],
        }
        if self.credentials is not None:
            shown["credentials"] = [c.to_dict() for c in self.credentials]
        shown["credential"] = self.credential
        return shown


@dataclass
class CredentialResult:
    """One credential carried by a CLR, verified on its own like any credential.

    ``position`` counts from 1 in the CLR's ``verifiableCredential`` list; ``report`` is
    its whole report (None when the entry is not a credential at all). Its own
    ``credential`` is left out of ``to_dict``: the CLR's report carries it already.
    """

    position: int
    verdict: Verdict
    message: str
    form: str | None = None  # "json" (an embedded proof) or "jwt" (a VC-JWT)
    id: str | None = None
    name: str | None = None
    issuer: str | None = None  # the issuer's name, else its id
    issuer_id: str | None = None
    revoked: bool = False
    report: VerificationReport | None = None
    text: Message | None = None  # the message as a code (``message`` is its English)

    @property
    def label_text(self) -> Message:
        """How a person tells this credential apart: its position, name and issuer."""
        if self.name and self.issuer:
            return M(
                "credentials.label_named_from",
                position=self.position,
                name=self.name,
                issuer=self.issuer,
            )
        if self.name:
            return M("credentials.label_named", position=self.position, name=self.name)
        if self.id:
            return M("credentials.label_id", position=self.position, id=self.id)
        return M("credentials.label", position=self.position)

    @property
    def label(self) -> str:
        return self.label_text._render(None, "en")

    def to_dict(self) -> dict[str, Any]:
        report = None
        if self.report is not None:
            report = {k: v for k, v in self.report.to_dict().items() if k != "credential"}
        return {
            "position": self.position,
            "verdict": self.verdict.value,
            "message": self.message,
            "form": self.form,
            "id": self.id,
            "name": self.name,
            "issuer": self.issuer,
            "issuerId": self.issuer_id,
            "revoked": self.revoked,
            "report": report,
            **(self.text.to_dict() if self.text is not None else {}),
        }


@dataclass
class EndorsementResult:
    """One endorsement carried by a credential, verified on its own like any credential.

    An endorsement is a claim by a third party: one that fails (forged, withdrawn by its
    endorser, about something else) is reported here and in the ``endorsements`` check as
    a warning, and never makes the credential carrying it invalid.
    """

    location: str  # where it was carried: "achievement", "issuer" or "credential"
    verdict: Verdict
    message: str
    id: str | None = None
    endorser: str | None = None  # the endorser's name, else its id
    endorser_id: str | None = None
    subject_id: str | None = None
    comment: str | None = None
    withdrawn: bool = False  # its endorser has withdrawn (revoked) it
    checks: list[Check] = field(default_factory=list)
    text: Message | None = None  # the message as a code (``message`` is its English)

    def to_dict(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "verdict": self.verdict.value,
            "message": self.message,
            "id": self.id,
            "endorser": self.endorser,
            "endorserId": self.endorser_id,
            "subjectId": self.subject_id,
            "comment": self.comment,
            "withdrawn": self.withdrawn,
            "checks": [c.to_dict() for c in self.checks],
            **(self.text.to_dict() if self.text is not None else {}),
        }


class Checks:
    """Collects the checks of one verification by name; fills those never reached.

    ``budget`` is the verification's fetch budget; with ``settles`` (the credential being
    verified, not a status list or an endorsement checked on its behalf) the first failed
    check settles it, so that no later fetch is made that could not change the verdict.
    """

    def __init__(self, budget: FetchBudget | None = None, *, settles: bool = False) -> None:
        self._by_name: dict[str, Check] = {}
        self.revoked = False  # the status check found the credential's bit set
        self.endorsements: list[EndorsementResult] = []
        self.verified_issuer: str | None = None
        self.revocation_reason: str | None = None
        self.credentials: list[CredentialResult] | None = None  # a CLR's, once verified
        self.budget = budget
        self._settles = settles

    def keep_fetching(self) -> None:
        """A failed check no longer settles the budget: the credentials a CLR carries are
        each verified (and fetched for) even when the CLR itself is known not valid, so
        that the report can say which of them is at fault."""
        self._settles = False

    def add(
        self,
        name: CheckId | RecordCheckId,
        outcome: Outcome,
        message: Message,
        detail: str | Sequence[Message] | None = None,
        *,
        undecided: bool = False,
        reason: str | None = None,
        separator: str = "; ",
    ) -> None:
        self.put(
            Check.of(
                name,
                outcome,
                message,
                detail,
                undecided=undecided,
                reason=reason,
                separator=separator,
            )
        )

    def put(self, check: Check) -> None:
        """Add ``check`` (replacing an earlier one of its name)."""
        self._by_name[check.name] = check
        if check.outcome is Outcome.FAILED and self._settles and self.budget is not None:
            self.budget.settle()

    def unfetched(
        self, name: CheckId, message: Message | None, exc: FetchError, noun: str = "badge"
    ) -> None:
        """Report check ``name`` that a fetch error kept from completing: skipped when the
        fetch was not made because the verdict is settled, else undecided (``message``).

        A skipped check is undecided too: an endorsement checked on behalf of a badge found
        not valid must not pass for want of the fetches it was not given.
        """
        if isinstance(exc, FetchSkippedError):
            self.add(
                name,
                Outcome.SKIPPED,
                settled(noun),
                short(exc),
                undecided=True,
                reason=REASON_SETTLED,
            )
        else:
            assert message is not None  # only a skipped fetch comes without one
            self.add(
                name, Outcome.WARNING, message, short(exc), undecided=True, reason=reason_of(exc)
            )

    @property
    def failed(self) -> bool:
        """True once a check has failed: the verdict is settled (not valid)."""
        return any(c.outcome is Outcome.FAILED for c in self._by_name.values())

    def skip_settled(self, name: CheckId, noun: str = "badge") -> None:
        """Check ``name`` not run: an earlier check already failed, and its fetches could
        not change the verdict."""
        self.add(name, Outcome.SKIPPED, settled(noun), reason=REASON_SETTLED)

    def has(self, name: CheckId | RecordCheckId) -> bool:
        return name in self._by_name

    def get(self, name: CheckId | RecordCheckId) -> Check | None:
        return self._by_name.get(name)

    def ordered(self, reason: Message) -> list[Check]:
        """Every ``CheckId`` check in order (those never reached skipped for ``reason``),
        then the record checks that were made."""
        checks = [
            self._by_name.get(name) or Check.of(name, Outcome.SKIPPED, reason)
            for name in CHECK_NAMES
        ]
        checks.extend(self._by_name[name] for name in RecordCheckId if name in self._by_name)
        return checks


# -- small readings of a credential and of errors, shared by the steps -----------------


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def issuer_id_of(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    value = issuer.get("id") if isinstance(issuer, dict) else issuer
    return value if isinstance(value, str) and value else None


def types_of(credential: dict[str, Any]) -> list[str]:
    return [t for t in as_list(credential.get("type")) if isinstance(t, str)]


def noun_of(credential: Any) -> str:
    """What a person calls this credential: "endorsement", "learner record" (a CLR) or
    "badge"."""
    if not isinstance(credential, dict):
        return "badge"
    types = credential.get("type")
    # ``types_of`` without its list: only a string can equal these names
    names = types if isinstance(types, list) else (types,)
    if "EndorsementCredential" in names:
        return "endorsement"
    if "ClrCredential" in names:
        return "learner record"
    return "badge"


def short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:300]


def reason_of(exc: BaseException) -> str | None:
    """The reason code of a fetch the budget refused or skipped, else None."""
    if isinstance(exc, (FetchBudgetError, FetchSkippedError)):
        return exc.code
    return None


def fetch_error_for(check: Check) -> FetchError:
    """A fetch error standing for an undecided (or settled) ``check``, keeping its reason."""
    text = check.detail or check.message
    if check.reason == REASON_SETTLED:
        return FetchSkippedError(text)
    if check.reason in (REASON_DEADLINE, REASON_FETCH_LIMIT):
        return FetchBudgetError(text, code=check.reason)
    return FetchError(text)
