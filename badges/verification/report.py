"""What a verification reports: named checks, their outcomes, the verdict and its JSON.

``CheckId`` names every check once: its member's value is the name the report's JSON
carries (``"format"``, ``"proof"``...), its ``label`` the title people read, and the
order of its members the order of the checks in every report. ``Checks`` collects the
checks of one verification while its steps run (see ``badges.verification.pipeline``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ..errors import FetchBudgetError, FetchError, FetchSkippedError
from ..fetch import FetchBudget
from ..timeutil import format_datetime


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


@dataclass
class Check:
    """One named check: its outcome, a plain-language message and optional detail.

    ``reason`` is a machine-readable code for a check that could not be completed or was
    not run (``deadline_exceeded``, ``fetch_limit_reached``, ``verdict_settled``), or for
    a failed format check, ``not_a_badge``: a credential, but not an Open Badge; it
    appears in ``to_dict`` only when set, so the report of a check that ran is unchanged.
    """

    name: str  # a CheckId (a str) when the pipeline made it
    outcome: Outcome
    message: str
    detail: str | None = None
    undecided: bool = False
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "name": str(self.name),
            "title": CHECK_TITLES.get(self.name, self.name),
            "outcome": self.outcome.value,
            "message": self.message,
            "detail": self.detail,
            "undecided": self.undecided,
        }
        if self.reason is not None:
            shown["reason"] = self.reason
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
    def message(self) -> str:
        verdict = self.verdict
        noun = noun_of(self.credential)
        if verdict is Verdict.VALID:
            return f"This {noun} is genuine and valid."
        if verdict is Verdict.UNDECIDED:
            return f"This {noun} cannot be fully checked right now."
        failed = next(c for c in self.checks if c.outcome is Outcome.FAILED)
        return f"This {noun} is not valid: {failed.message}"

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON: the one shape the CLI, the page and the API share."""
        return {
            "verified": self.verified,
            "verdict": self.verdict.value,
            "message": self.message,
            "format": self.format,
            "verifiedAt": format_datetime(self.verified_at) if self.verified_at else None,
            "checks": [c.to_dict() for c in self.checks],
            "endorsements": [e.to_dict() for e in self.endorsements],
            "credential": self.credential,
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
        self.budget = budget
        self._settles = settles

    def add(
        self,
        name: CheckId,
        outcome: Outcome,
        message: str,
        detail: str | None = None,
        *,
        undecided: bool = False,
        reason: str | None = None,
    ) -> None:
        self.put(Check(name, outcome, message, detail, undecided, reason))

    def put(self, check: Check) -> None:
        """Add ``check`` (replacing an earlier one of its name)."""
        self._by_name[check.name] = check
        if check.outcome is Outcome.FAILED and self._settles and self.budget is not None:
            self.budget.settle()

    def unfetched(self, name: CheckId, message: str, exc: FetchError, noun: str = "badge") -> None:
        """Report check ``name`` that a fetch error kept from completing: skipped when the
        fetch was not made because the verdict is settled, else undecided (``message``).

        A skipped check is undecided too: an endorsement checked on behalf of a badge found
        not valid must not pass for want of the fetches it was not given.
        """
        if isinstance(exc, FetchSkippedError):
            self.add(
                name,
                Outcome.SKIPPED,
                SETTLED_MESSAGE.format(noun=noun),
                short(exc),
                undecided=True,
                reason=REASON_SETTLED,
            )
        else:
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
        self.add(name, Outcome.SKIPPED, SETTLED_MESSAGE.format(noun=noun), reason=REASON_SETTLED)

    def has(self, name: CheckId) -> bool:
        return name in self._by_name

    def get(self, name: CheckId) -> Check | None:
        return self._by_name.get(name)

    def ordered(self, reason: str) -> list[Check]:
        return [
            self._by_name.get(name) or Check(name, Outcome.SKIPPED, reason) for name in CHECK_NAMES
        ]


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
    """What a person calls this credential: "endorsement" or "badge"."""
    if isinstance(credential, dict) and "EndorsementCredential" in types_of(credential):
        return "endorsement"
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
