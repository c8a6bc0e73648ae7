"""One verification pipeline: a credential in, a report of named checks out.

``verify()`` takes a JSON credential (text or object), a compact VC-JWT, or a URL, and
returns a ``VerificationReport``: the checks ``format``, ``context``, ``schema``,
``proof``, ``issuer``, ``dates``, ``status``, ``recipient`` and ``endorsements``, each
passed, failed, warning or skipped with a plain-language message, and a verdict:
valid, invalid, or undecided (it cannot be decided now, e.g. a status list that
cannot be fetched). It never raises for bad input and never says "valid" when a
check could not be completed.

One verification has one fetch budget (``FetchBudget``: one deadline and a cap on the
number of fetches) that every fetch it makes draws on: the credential's link, keys and DID
documents, status lists, endorsements and their keys, OB 2.0 documents. A check whose
fetch the spent budget refused is undecided, with the reason code ``deadline_exceeded``
or ``fetch_limit_reached``. Once a check has failed, the fetches that can no longer
change the verdict are not made: the checks that needed them are skipped with the reason
code ``verdict_settled``.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from . import baking, jsonutil, standards
from .errors import (
    BadgeError,
    ContextError,
    FetchBudgetError,
    FetchError,
    FetchSkippedError,
    FormatError,
    ImageError,
    KeyResolutionError,
    NoBakedBadgeError,
    ProofError,
    SignatureError,
    StatusError,
)
from .fetch import DEFAULT_DEADLINE, DEFAULT_MAX_FETCHES, FetchBudget, Fetcher
from .identity import identity_matches
from .jsonld import expand_strict
from .jsonld.loader import FrozenDocumentLoader, default_loader
from .jsonld.shape import shape_key
from .jsonld.terms import context_certainly_ok
from .jsonutil import content_key
from .keys import PublicKey
from .memo import LruMemo
from .proofs import vc_jwt
from .proofs.embedded import verify_embedded_proof
from .resolve import PRIVATE_JWK_MEMBERS, KeyResolver, ResolvedKey
from .schema import content_sensitive_terms, is_bundled, schema_errors
from .status import bitstring_status_list as bsl
from .status import revocation_list_1edtech as rl
from .timeutil import format_datetime, parse_datetime, utcnow
from .vc11 import as_vc20_shape, date_fields, is_vc11, with_schema_arrays


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


CHECK_NAMES = (
    "format",
    "context",
    "schema",
    "proof",
    "issuer",
    "dates",
    "status",
    "recipient",
    "endorsements",
)
CHECK_TITLES = {
    "format": "Format",
    "context": "JSON-LD context",
    "schema": "Open Badges schema",
    "proof": "Signature",
    "issuer": "Issuer's key",
    "dates": "Validity dates",
    "status": "Revocation status",
    "recipient": "Recipient",
    "endorsements": "Endorsements",
}
OB_TYPES = {"OpenBadgeCredential", "AchievementCredential"}
OB_CONTEXTS = {standards.OB_V3_CONTEXT, *standards.OB_V3_OLDER_CONTEXTS}
MAX_ENDORSEMENTS = 20
STATUS_TTL = 300.0
JSON_ACCEPT = "application/vc+ld+json, application/vc+jwt;q=0.9, application/json;q=0.8, */*;q=0.1"


# Reason codes a check carries when it could not be completed for want of budget, or was
# not run because the verdict was already settled.
REASON_DEADLINE = "deadline_exceeded"
REASON_FETCH_LIMIT = "fetch_limit_reached"
REASON_SETTLED = "verdict_settled"
SETTLED_MESSAGE = "Not checked: the {noun} is already known not to be valid."


@dataclass
class Check:
    """One named check: its outcome, a plain-language message and optional detail.

    ``reason`` is a machine-readable code for a check that could not be completed or was
    not run (``deadline_exceeded``, ``fetch_limit_reached``, ``verdict_settled``); it
    appears in ``to_dict`` only when set, so the report of a check that ran is unchanged.
    """

    name: str
    outcome: Outcome
    message: str
    detail: str | None = None
    undecided: bool = False
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "name": self.name,
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
    # ``Verifier._check_endorsements``); empty for a credential without endorsements.
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
        noun = _noun(self.credential)
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


class _Checks:
    """Collects checks by name and fills the ones never reached as skipped.

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
        name: str,
        outcome: Outcome,
        message: str,
        detail: str | None = None,
        *,
        undecided: bool = False,
        reason: str | None = None,
    ) -> None:
        self._by_name[name] = Check(name, outcome, message, detail, undecided, reason)
        if outcome is Outcome.FAILED and self._settles and self.budget is not None:
            self.budget.settle()

    def unfetched(self, name: str, message: str, exc: FetchError, noun: str = "badge") -> None:
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
                _short(exc),
                undecided=True,
                reason=REASON_SETTLED,
            )
        else:
            self.add(
                name, Outcome.WARNING, message, _short(exc), undecided=True, reason=_reason(exc)
            )

    @property
    def failed(self) -> bool:
        """True once a check has failed: the verdict is settled (not valid)."""
        return any(c.outcome is Outcome.FAILED for c in self._by_name.values())

    def skip_settled(self, name: str, noun: str = "badge") -> None:
        """Check ``name`` not run: an earlier check already failed, and its fetches could
        not change the verdict."""
        self.add(name, Outcome.SKIPPED, SETTLED_MESSAGE.format(noun=noun), reason=REASON_SETTLED)

    def has(self, name: str) -> bool:
        return name in self._by_name

    def get(self, name: str) -> Check | None:
        return self._by_name.get(name)

    def ordered(self, reason: str) -> list[Check]:
        return [
            self._by_name.get(name) or Check(name, Outcome.SKIPPED, reason) for name in CHECK_NAMES
        ]


@dataclass
class _Parsed:
    credential: dict[str, Any]
    format: str
    jwt: vc_jwt.DecodedJwt | None = None
    token: str | None = None  # an OB 2.0 signed assertion: the compact JWS as given
    fetched_from: str | None = None  # the link the document was fetched from
    image: str | None = None  # "png" or "svg": the baked image it was read from


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _issuer_id(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    value = issuer.get("id") if isinstance(issuer, dict) else issuer
    return value if isinstance(value, str) and value else None


def _types(credential: dict[str, Any]) -> list[str]:
    return [t for t in _as_list(credential.get("type")) if isinstance(t, str)]


def _noun(credential: Any) -> str:
    """What a person calls this credential: "endorsement" or "badge"."""
    if isinstance(credential, dict) and "EndorsementCredential" in _types(credential):
        return "endorsement"
    return "badge"


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:300]


def _reason(exc: BaseException) -> str | None:
    """The reason code of a fetch the budget refused or skipped, else None."""
    if isinstance(exc, (FetchBudgetError, FetchSkippedError)):
        return exc.code
    return None


def _fetch_error_for(check: Check) -> FetchError:
    """A fetch error standing for an undecided (or settled) ``check``, keeping its reason."""
    text = check.detail or check.message
    if check.reason == REASON_SETTLED:
        return FetchSkippedError(text)
    if check.reason in (REASON_DEADLINE, REASON_FETCH_LIMIT):
        return FetchBudgetError(text, code=check.reason)
    return FetchError(text)


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


_PROOF_MESSAGES = {
    "eddsa-rdfc-2022": "The eddsa-rdfc-2022 Data Integrity proof verifies.",
    "eddsa-2022": (
        "The eddsa-2022 Data Integrity proof verifies (the older name of eddsa-rdfc-2022)."
    ),
    "Ed25519Signature2020": "The Ed25519Signature2020 proof verifies (an older proof suite).",
}


def _proofs_message(suites: list[str]) -> str:
    if len(suites) == 1:
        return _PROOF_MESSAGES.get(suites[0], f"The {suites[0]} proof verifies.")
    return f"Every embedded proof verifies ({', '.join(suites)})."


@dataclass
class _CachedList:
    expires: float
    value: Any
    started: float = 0.0  # when the fetch that produced it began


@dataclass
class Verifier:
    """Verifies Open Badges 3.0 credentials. Reuse one instance to keep its caches warm.

    ``fetcher`` is the guarded fetcher for every remote document (none: only what the
    credential itself carries, and did:key issuers, can be checked). Each verification
    may spend ``deadline`` seconds and ``max_fetches`` fetches on remote documents, in
    all (see ``FetchBudget``).
    """

    fetcher: Fetcher | None = None
    key_resolver: KeyResolver | None = None
    loader: FrozenDocumentLoader = field(default_factory=default_loader)
    status_ttl: float = STATUS_TTL
    clock: Callable[[], float] = time.monotonic
    deadline: float = DEFAULT_DEADLINE
    max_fetches: int = DEFAULT_MAX_FETCHES
    _status_cache: dict[str, _CachedList] = field(default_factory=dict, init=False, repr=False)
    _structure_memo: LruMemo[bytes, tuple[Check, ...]] = field(
        default_factory=lambda: LruMemo(maxsize=1024), init=False, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.key_resolver is None:
            self.key_resolver = KeyResolver(self.fetcher, clock=self.clock)
        FetchBudget(self.deadline, self.max_fetches)  # FetchError now for unusable limits

    def budget(self) -> FetchBudget:
        """A fresh budget for one verification, with this verifier's limits."""
        return FetchBudget(self.deadline, self.max_fetches)

    # -- entry point -------------------------------------------------------------------

    def verify(
        self,
        source: Any,
        *,
        now: datetime | None = None,
        recipient: str | None = None,
        check_status: bool = True,
        budget: FetchBudget | None = None,
        _depth: int = 0,
    ) -> VerificationReport:
        """Verify ``source`` (dict, JSON text or bytes, compact JWT, or https URL).

        Every fetch draws on ``budget``, this verification's (by default a fresh one with
        this verifier's ``deadline`` and ``max_fetches``); the first failed check settles it.
        """
        now = now or utcnow()
        if budget is None:
            budget = self.budget()
        # an endorsement verified on a badge's behalf shares the badge's budget, but its
        # own failure settles nothing: the badge's verdict does not depend on it
        checks = _Checks(budget, settles=_depth == 0)
        report = VerificationReport(checks=[], verified_at=now)
        try:
            parsed = self._parse(source, checks)
            if parsed is not None:
                report.credential = parsed.credential
                report.format = parsed.format
                self._verify_parsed(parsed, checks, now, recipient, check_status, _depth)
        except Exception as exc:  # last resort: never raise, never "valid"
            name = next((n for n in CHECK_NAMES if not checks.has(n)), "format")
            checks.add(name, Outcome.FAILED, "The badge could not be verified.", _short(exc))
        reason = "Not checked, because an earlier check failed."
        report.checks = checks.ordered(reason)
        report.revoked = checks.revoked
        report.endorsements = checks.endorsements
        report.verified_issuer = checks.verified_issuer
        report.revocation_reason = checks.revocation_reason
        return report

    # -- parsing -----------------------------------------------------------------------

    def _parse(self, source: Any, checks: _Checks) -> _Parsed | None:
        try:
            parsed = self._parse_source(source, checks.budget)
        except FetchError as exc:
            from . import ob2

            if ob2.report_gone(exc, checks):  # 410 Gone: a revoked OB 2.0 hosted badge
                return None
            checks.add(
                "format",
                Outcome.FAILED,
                "The badge could not be fetched from its link.",
                _short(exc),
                undecided=True,
                reason=_reason(exc),
            )
            return None
        except ProofError as exc:
            checks.add("format", Outcome.PASSED, "A VC-JWT.")
            checks.add(
                "proof", Outcome.FAILED, "The signature is of a kind that is refused.", _short(exc)
            )
            return None
        except ImageError as exc:
            if isinstance(exc, NoBakedBadgeError):
                message = "This image carries no baked badge."
            else:
                message = "This image cannot be read as a baked badge."
            checks.add("format", Outcome.FAILED, message, _short(exc))
            return None
        except BadgeError as exc:
            checks.add("format", Outcome.FAILED, "This is not a badge credential.", _short(exc))
            return None
        credential = parsed.credential
        from . import ob2

        if parsed.token is not None or ob2.is_assertion(credential):
            parsed.format = ob2.FORMAT  # Open Badges 2.0: badges/ob2.py checks it, format too
            return parsed
        types = _types(credential)
        if "VerifiableCredential" not in types:
            checks.add(
                "format",
                Outcome.FAILED,
                "This is not a verifiable credential.",
                f"type is {credential.get('type')!r}",
            )
            return None
        kind = "VC-JWT" if parsed.jwt else "JSON-LD with an embedded proof"
        if parsed.image:
            kind += f", read from a baked {parsed.image.upper()} image"
        if OB_TYPES & set(types):
            checks.add("format", Outcome.PASSED, f"An Open Badges 3.0 credential ({kind}).")
        elif "EndorsementCredential" in types:
            checks.add("format", Outcome.PASSED, f"An endorsement credential ({kind}).")
        else:
            checks.add(
                "format",
                Outcome.FAILED,
                "This verifiable credential is not an Open Badge.",
                f"type is {types!r}",
            )
            return None
        return parsed

    def _parse_source(self, source: Any, budget: FetchBudget | None = None) -> _Parsed:
        if isinstance(source, dict):
            jsonutil.check_value(source)
            return _Parsed(source, "json")
        if isinstance(source, str) and source.lstrip().startswith("<"):
            source = source.encode("utf-8")  # SVG markup given as text
        if isinstance(source, (bytes, bytearray)) and baking.sniff_image_type(source):
            return self._parse_baked(bytes(source), budget)
        if isinstance(source, (bytes, bytearray)):
            if len(source) > jsonutil.MAX_JSON_BYTES:
                raise FormatError("the input is too large")
            try:
                source = bytes(source).decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise FormatError("the input is not text (a baked image?)") from exc
        if not isinstance(source, str):
            raise FormatError("give a credential as JSON, a JWT or a URL")
        text = source.strip()
        if not text:
            raise FormatError("the input is empty")
        if text.startswith("{"):
            data = jsonutil.loads(text)
            if not isinstance(data, dict):
                raise FormatError("the JSON is not an object")
            return _Parsed(data, "json")
        if text.startswith(("https://", "http://")):
            return self._parse_fetched(text, budget)
        if vc_jwt.looks_like_jwt(text):
            return self._parse_jwt(text)
        raise FormatError("expected a credential as JSON, a compact JWT, or a link")

    def _parse_baked(self, image: bytes, budget: FetchBudget | None = None) -> _Parsed:
        """Unbake a PNG or SVG, then parse what it carries (JSON, a JWT or a link)."""
        baked = baking.unbake(image)
        if baked is None:
            kind = str(baking.sniff_image_type(image)).upper()
            raise NoBakedBadgeError(
                f"the {kind} image carries no Open Badge (no openbadgecredential or openbadges data)"
            )
        parsed = self._parse_source(baked.payload, budget)
        parsed.image = baked.image_type.value
        return parsed

    def _parse_jwt(self, token: str) -> _Parsed:
        from . import ob2

        assertion = ob2.jws_assertion(token)
        if assertion is not None:
            return _Parsed(assertion, ob2.FORMAT, token=token.strip())
        decoded = vc_jwt.decode_jwt(token)
        credential = vc_jwt.credential_from_payload(decoded.payload)
        return _Parsed(credential, "jwt", decoded)

    def _parse_fetched(self, url: str, budget: FetchBudget | None = None) -> _Parsed:
        if self.fetcher is None:
            raise FetchError("links cannot be followed: this verifier has no fetcher")
        response = self.fetcher.get(url, accept=JSON_ACCEPT, budget=budget)
        body = response.body.strip()
        if body.startswith(b"{"):
            data = jsonutil.loads(body)
            if not isinstance(data, dict):
                raise FormatError("the link did not return a JSON object")
            return _Parsed(data, "json", fetched_from=url)
        try:
            text = body.decode("ascii")
        except UnicodeDecodeError as exc:
            raise FormatError("the link returned neither JSON nor a JWT") from exc
        if vc_jwt.looks_like_jwt(text):
            return self._parse_jwt(text)
        raise FormatError(
            f"the link returned {response.content_type or 'something'} that is neither JSON nor a JWT"
        )

    # -- the checks --------------------------------------------------------------------

    def _verify_parsed(
        self,
        parsed: _Parsed,
        checks: _Checks,
        now: datetime,
        recipient: str | None,
        check_status: bool,
        depth: int,
    ) -> None:
        credential = parsed.credential
        if parsed.format == "ob2":
            from . import ob2

            ob2.verify_assertion(self, parsed, checks, now, recipient, check_status)
            return
        structure = self._structure_checks(parsed)
        for check in structure:
            checks.add(check.name, check.outcome, check.message, check.detail)
        if structure[0].outcome is Outcome.FAILED:
            return
        key = self._check_issuer(parsed, checks)
        if key is not None:
            self._check_proof(parsed, key, checks)
            proof = checks.get("proof")
            if proof is not None and proof.outcome is Outcome.PASSED:
                checks.verified_issuer = _issuer_id(credential)
        elif not checks.has("proof"):
            issuer = checks.get("issuer")
            if issuer is not None and issuer.reason == REASON_SETTLED:
                checks.skip_settled("proof", _noun(credential))
            else:
                checks.add("proof", Outcome.SKIPPED, "Not checked: the issuer's key is not known.")
        self._check_dates(credential, checks, now)
        # the checks that need no fetch come first: once one fails, the fetches of the
        # status and endorsement checks could no longer change the verdict
        self._check_recipient(credential, checks, recipient)
        if not check_status:
            checks.add("status", Outcome.SKIPPED, "Status was not checked (as asked).")
        elif checks.failed:
            checks.skip_settled("status", _noun(credential))
        else:
            self._check_status(credential, checks, now)
        # endorsements are still read when the verdict is settled, but fetch nothing more
        self._check_endorsements(credential, checks, now, depth, check_status)

    def _structure_checks(self, parsed: _Parsed) -> tuple[Check, ...]:
        """The context and schema checks, remembered when they pass.

        They depend on nothing but the document, so a document seen before is not checked
        again (keyed by its content), nor is another learner's badge of an achievement seen
        before (keyed by its shape: the same terms, types and IRI kinds, other values; see
        ``badges.jsonld.shape``). Failures are never remembered.
        """
        credential = parsed.credential
        try:
            if parsed.jwt is not None:
                content: bytes | None = hashlib.sha256(parsed.jwt.signing_input).digest()
            else:
                content = content_key(credential)
        except FormatError:
            content = None
        if content is not None:
            hit = self._structure_memo.get(content)
            if hit is not None:
                return hit
        shape = self._shape_key(credential)
        if shape is not None:
            hit = self._structure_memo.get(shape)
            if hit is not None:
                return hit
        scratch = _Checks()
        if self._check_context(credential, scratch):
            self._check_schema(credential, scratch)
        result = tuple(c for c in (scratch.get("context"), scratch.get("schema")) if c is not None)
        if all(c.outcome is not Outcome.FAILED for c in result):
            for key in (content, shape):
                if key is not None:
                    self._structure_memo.put(key, result)
        return result

    def _shape_key(self, credential: dict[str, Any]) -> bytes | None:
        """The credential's shape for the structure checks, or None when it has none."""
        contexts = _as_list(credential.get("@context"))
        if not all(isinstance(c, str) for c in contexts):
            return None  # an inline context could redefine terms: never shaped
        urls = tuple(self._schema_urls(credential))
        kept: set[str] = set()
        for url in urls:
            terms = content_sensitive_terms(url) if is_bundled(url) else frozenset()
            if terms is None:
                return None
            kept |= terms
        try:
            return shape_key(credential, frozenset(kept), extra=["shape", urls])
        except (TypeError, ValueError, RecursionError):
            return None

    @staticmethod
    def _schema_urls(credential: dict[str, Any]) -> list[str]:
        urls = [
            entry["id"]
            for entry in _as_list(credential.get("credentialSchema"))
            if isinstance(entry, dict) and isinstance(entry.get("id"), str)
        ]
        types = set(_types(credential))
        default = (
            standards.ENDORSEMENT_CREDENTIAL_SCHEMA
            if "EndorsementCredential" in types
            else standards.ACHIEVEMENT_CREDENTIAL_SCHEMA
        )
        if default not in urls:
            urls.insert(0, default)
        return urls

    def _check_context(self, credential: dict[str, Any], checks: _Checks) -> bool:
        contexts = _as_list(credential.get("@context"))
        first = contexts[0] if contexts else None
        if first not in (standards.VC_V2, standards.VC_V1):
            checks.add(
                "context",
                Outcome.FAILED,
                "The credential does not start with the W3C Verifiable Credentials context "
                "(2.0, or 1.1 for older badges).",
                f"the first @context is {first!r}",
            )
            return False
        # An older OB 3.0 credential is on VC 1.1 (with issuanceDate/expirationDate); the two
        # base contexts define the same terms differently, so one credential never has both.
        vc11 = first == standards.VC_V1
        if (standards.VC_V2 if vc11 else standards.VC_V1) in contexts:
            checks.add(
                "context",
                Outcome.FAILED,
                "The credential mixes the W3C Verifiable Credentials 1.1 and 2.0 contexts.",
                f"the first @context is {first!r}",
            )
            return False
        later = [name for name in ("validFrom", "validUntil") if name in credential]
        if vc11 and later:
            # The 1.1 context defines these for forward compatibility, but a VC 1.1 credential
            # is dated by issuanceDate/expirationDate; one that carries 2.0 dates is neither.
            checks.add(
                "context",
                Outcome.FAILED,
                f"The credential has VC 2.0 dates ({', '.join(later)}) under the VC 1.1 context.",
                "a VC 1.1 credential is dated with issuanceDate and expirationDate",
            )
            return False
        shape_note = " (an older credential in the VC 1.1 shape)" if vc11 else ""
        for context in contexts:
            if not isinstance(context, str):
                checks.add(
                    "context",
                    Outcome.FAILED,
                    "The credential carries an inline @context, which could redefine its terms.",
                )
                return False
            if not self.loader.knows(context):
                checks.add(
                    "context",
                    Outcome.FAILED,
                    "The credential names a JSON-LD context this verifier does not know.",
                    context[:200],
                )
                return False
        types = set(_types(credential))
        if (OB_TYPES | {"EndorsementCredential"}) & types and not OB_CONTEXTS & set(contexts):
            checks.add(
                "context", Outcome.FAILED, "The Open Badges 3.0 context is missing from @context."
            )
            return False
        document = {k: v for k, v in credential.items() if k != "proof"}
        try:
            # The compiled-context walk settles the usual cases in microseconds; anything
            # else (and every failure, for its message) goes through strict expansion.
            if not context_certainly_ok(document, self.loader):
                expand_strict(document, self.loader)
        except ContextError as exc:
            checks.add(
                "context",
                Outcome.FAILED,
                "The credential has properties or types its contexts do not define.",
                _short(exc) + shape_note,
            )
            return False
        checks.add(
            "context", Outcome.PASSED, f"Every term is defined by a known context{shape_note}."
        )
        return True

    def _check_schema(self, credential: dict[str, Any], checks: _Checks) -> None:
        urls = self._schema_urls(credential)
        unknown = [u for u in urls if not is_bundled(u)]
        problems: list[str] = []
        compacted: list[str] = []
        # The bundled 1EdTech schemas are plain JSON for the VC 2.0 shape.
        # * A VC 1.1 credential is checked after mapping it onto that shape (base context,
        #   issuanceDate/expirationDate as validFrom/validUntil, single values as one-element
        #   arrays): every rule of the schema still applies to its content. What remains is
        #   a warning, not a failure: the schemas of the 1.1 era (1EdTech's "json-ld"
        #   variants) are not bundled, its terms have passed strict JSON-LD expansion, and
        #   its signature still decides whether it was changed.
        # * A VC 2.0 credential that fails only because it writes single values where the
        #   schema lists arrays ("proof": {...}, as Data Integrity libraries emit) holds the
        #   same JSON-LD data: a warning, as 1EdTech's own validator reports it. Anything
        #   else it breaks is a failure.
        vc11 = is_vc11(credential)
        for url in urls:
            if url in unknown:
                continue
            if vc11:
                problems.extend(schema_errors(as_vc20_shape(credential, url), url))
                continue
            found = schema_errors(credential, url)
            if found and not schema_errors(with_schema_arrays(credential, url), url):
                compacted.extend(found)
            else:
                problems.extend(found)
        if problems and vc11:
            checks.add(
                "schema",
                Outcome.WARNING,
                "This older (VC 1.1) credential does not fully follow today's Open Badges 3.0 "
                "schema.",
                "; ".join(problems[:5]),
            )
        elif problems:
            checks.add(
                "schema",
                Outcome.FAILED,
                "The credential does not follow the Open Badges 3.0 schema.",
                "; ".join(problems[:5]),
            )
        elif compacted:
            checks.add(
                "schema",
                Outcome.WARNING,
                "The credential follows the Open Badges 3.0 schema once single values are read "
                "as the one-element lists the schema asks for.",
                "; ".join([*compacted[:5], *(f"not checked: {u[:120]}" for u in unknown[:3])]),
            )
        elif unknown:
            checks.add(
                "schema",
                Outcome.WARNING,
                "The Open Badges schema passed; another schema it names could not be checked.",
                ", ".join(u[:120] for u in unknown[:3]),
            )
        elif vc11:
            checks.add(
                "schema",
                Outcome.PASSED,
                "The credential follows the Open Badges 3.0 schema (read from its older VC 1.1 "
                "shape).",
            )
        else:
            checks.add(
                "schema", Outcome.PASSED, "The credential follows the Open Badges 3.0 schema."
            )

    def _method_id(self, parsed: _Parsed) -> str | None:
        if parsed.jwt is not None:
            kid = parsed.jwt.header.get("kid")
            issuer_id = _issuer_id(parsed.credential) or ""
            if isinstance(kid, str) and kid:
                return kid
            if issuer_id.startswith("did:key:"):
                return issuer_id  # a did:key names its one key
            return None
        proofs = _as_list(parsed.credential.get("proof"))
        if proofs and isinstance(proofs[0], dict):
            method = proofs[0].get("verificationMethod")
            return method if isinstance(method, str) else None
        return None

    def _check_issuer(self, parsed: _Parsed, checks: _Checks) -> ResolvedKey | None:
        issuer_id = _issuer_id(parsed.credential)
        if issuer_id is None:
            checks.add("issuer", Outcome.FAILED, "The credential names no issuer.")
            return None
        if parsed.jwt is None and not _as_list(parsed.credential.get("proof")):
            checks.add("proof", Outcome.FAILED, "The credential has no proof: it is not signed.")
            return None
        header_jwk = parsed.jwt.header.get("jwk") if parsed.jwt is not None else None
        kid = parsed.jwt.header.get("kid") if parsed.jwt is not None else None
        if header_jwk is not None and not (isinstance(kid, str) and kid):
            return self._check_header_key(header_jwk, issuer_id, checks, _noun(parsed.credential))
        method_id = self._method_id(parsed)
        if method_id is None:
            checks.add(
                "issuer",
                Outcome.FAILED,
                "The signature does not say which of the issuer's keys made it.",
            )
            return None
        assert self.key_resolver is not None
        try:
            key = self.key_resolver.resolve(method_id, issuer_id=issuer_id, budget=checks.budget)
        except FetchError as exc:
            checks.unfetched(
                "issuer",
                "The issuer's published keys could not be fetched right now.",
                exc,
                _noun(parsed.credential),
            )
            return None
        except KeyResolutionError as exc:
            checks.add(
                "issuer",
                Outcome.FAILED,
                "The signing key is not one the issuer published.",
                _short(exc),
            )
            return None
        if parsed.jwt is not None:
            header_jwk = parsed.jwt.header.get("jwk")
            if header_jwk is not None:
                try:
                    same = (
                        isinstance(header_jwk, dict)
                        and not PRIVATE_JWK_MEMBERS & set(header_jwk)
                        and PublicKey.from_jwk(header_jwk).to_jwk() == key.public.to_jwk()
                    )
                except BadgeError:
                    same = False
                if not same:
                    checks.add(
                        "issuer",
                        Outcome.FAILED,
                        "The key in the token's header is not the issuer's published key.",
                    )
                    return None
        checks.add(
            "issuer",
            Outcome.PASSED,
            f"Signed with a key the issuer published ({key.source}).",
            key.method_id,
        )
        return key

    def _check_header_key(
        self, header_jwk: Any, issuer_id: str, checks: _Checks, noun: str
    ) -> ResolvedKey | None:
        """A token that names no ``kid`` but carries its key (``jwk``) in its header.

        That key is the issuer's only when the issuer is a DID whose document lists the
        very same key for assertion; the verification method listing it is the signer.
        """
        if not issuer_id.startswith(("did:key:", "did:web:")):
            checks.add(
                "issuer",
                Outcome.FAILED,
                "The signature does not say which of the issuer's keys made it.",
                "the token carries a key in its header, which proves nothing by itself; "
                "only an issuer's DID document can vouch for such a key",
            )
            return None
        assert self.key_resolver is not None
        try:
            key = self.key_resolver.resolve_header_key(
                header_jwk, issuer_id=issuer_id, budget=checks.budget
            )
        except FetchError as exc:
            checks.unfetched(
                "issuer", "The issuer's published keys could not be fetched right now.", exc, noun
            )
            return None
        except KeyResolutionError as exc:
            checks.add(
                "issuer",
                Outcome.FAILED,
                "The key in the token's header is not the issuer's published key.",
                _short(exc),
            )
            return None
        checks.add(
            "issuer",
            Outcome.PASSED,
            "Signed with the key in the token's header, which the issuer's DID document "
            f"lists for assertion ({key.source}).",
            key.method_id,
        )
        return key

    def _check_proof(
        self, parsed: _Parsed, key: ResolvedKey, checks: _Checks, *, require_claims: bool = True
    ) -> None:
        credential = parsed.credential
        issuer_id = _issuer_id(credential) or ""
        try:
            if parsed.jwt is not None:
                vc_jwt.verify_jwt_signature(parsed.jwt, key.public)
                mismatches = vc_jwt.claim_mismatches(parsed.jwt.payload, required=require_claims)
                if mismatches:
                    checks.add(
                        "proof",
                        Outcome.FAILED,
                        "The JWT's claims disagree with the credential inside it.",
                        "; ".join(mismatches),
                    )
                    return
            embedded = _as_list(credential.get("proof"))
            suites: list[str] = []
            for proof in embedded:
                method = proof.get("verificationMethod") if isinstance(proof, dict) else None
                proof_key = key
                if parsed.jwt is not None or method != key.method_id:
                    assert self.key_resolver is not None
                    proof_key = self.key_resolver.resolve(
                        str(method), issuer_id=issuer_id, budget=checks.budget
                    )
                suite = verify_embedded_proof(
                    credential, proof, proof_key.public, loader=self.loader
                )
                if suite not in suites:
                    suites.append(suite)
        except FetchError as exc:
            checks.unfetched(
                "proof", "A key for the embedded proof could not be fetched.", exc, _noun(credential)
            )
            return
        except (SignatureError, KeyResolutionError) as exc:
            checks.add(
                "proof",
                Outcome.FAILED,
                "The signature does not match: the badge was changed or forged.",
                _short(exc),
            )
            return
        except BadgeError as exc:
            checks.add("proof", Outcome.FAILED, "The proof cannot be checked.", _short(exc))
            return
        if parsed.jwt is not None and embedded:
            message = "The JWT signature and the embedded proof both verify."
        elif parsed.jwt is not None:
            message = f"The {parsed.jwt.header['alg']} JWT signature verifies."
        else:
            message = _proofs_message(suites)
        checks.add("proof", Outcome.PASSED, message)

    def _check_dates(self, credential: dict[str, Any], checks: _Checks, now: datetime) -> None:
        start, end = date_fields(credential)  # validFrom/validUntil, or VC 1.1's names
        try:
            if start not in credential:
                raise FormatError(f"the credential has no {start}")
            valid_from = parse_datetime(credential.get(start))
            until_raw = credential.get(end)
            valid_until = parse_datetime(until_raw) if until_raw is not None else None
        except FormatError as exc:
            checks.add("dates", Outcome.FAILED, "The validity dates are unreadable.", _short(exc))
            return
        if valid_from > now:
            checks.add(
                "dates",
                Outcome.FAILED,
                f"The badge is not valid yet: it becomes valid on {format_datetime(valid_from)}.",
            )
        elif valid_until is not None and valid_until <= now:
            checks.add(
                "dates", Outcome.FAILED, f"The badge expired on {format_datetime(valid_until)}."
            )
        elif valid_until is not None:
            checks.add(
                "dates",
                Outcome.PASSED,
                f"Valid from {format_datetime(valid_from)} until {format_datetime(valid_until)}.",
            )
        else:
            checks.add(
                "dates", Outcome.PASSED, f"Valid since {format_datetime(valid_from)}; no expiry."
            )

    # -- status ------------------------------------------------------------------------

    def _check_status(self, credential: dict[str, Any], checks: _Checks, now: datetime) -> None:
        entries = _as_list(credential.get("credentialStatus"))
        endorsement = _noun(credential) == "endorsement"
        if not entries:
            checks.add(
                "status", Outcome.SKIPPED,
                "The endorser publishes no status for this endorsement." if endorsement
                else "The issuer publishes no status for this badge.",
            )
            return
        issuer_id = _issuer_id(credential) or ""
        findings: list[str] = []
        undecided: list[str] = []
        reasons: list[str] = []
        budget = checks.budget
        for entry in entries[:4]:
            if findings:
                break  # revoked or suspended: the other entries cannot change the verdict
            kind = entry.get("type") if isinstance(entry, dict) else None
            try:
                if kind in _LIST_TYPES:
                    ref = _status_entry(entry)
                    bits = self._status_bits(
                        ref, issuer_id, now, list_type=_LIST_TYPES[kind], budget=budget
                    )
                    if bits.get(ref.index):
                        word = "revoked" if ref.purpose == "revocation" else ref.purpose
                        if ref.purpose == "suspension":
                            word = "suspended"
                        if endorsement:
                            word = "withdrawn" if ref.purpose == "revocation" else word
                            findings.append(f"The endorser has {word} this endorsement.")
                        else:
                            findings.append(f"The issuer has {word} this badge.")
                elif kind == rl.ENTRY_TYPE:
                    url = entry.get("id")
                    if not isinstance(url, str):
                        raise StatusError("the revocation list entry has no id")
                    document = self._revocation_list(url, budget)
                    result = rl.lookup(
                        document, str(credential.get("id")), list_url=url, issuer_id=issuer_id
                    )
                    if result.revoked:
                        reason = f" Reason: {result.reason}" if result.reason else ""
                        checks.revocation_reason = result.reason or checks.revocation_reason
                        if endorsement:
                            findings.append(f"The endorser has withdrawn this endorsement.{reason}")
                        else:
                            findings.append(f"The issuer has revoked this badge.{reason}")
                else:
                    undecided.append(f"unknown status type {kind!r}")
            except FetchSkippedError as exc:
                checks.unfetched("status", "", exc, _noun(credential))
                return
            except FetchError as exc:
                undecided.append(_short(exc))
                code = _reason(exc)
                if code is not None:
                    reasons.append(code)
            except BadgeError as exc:
                checks.add(
                    "status",
                    Outcome.FAILED,
                    "The badge's status list is not trustworthy.",
                    _short(exc),
                )
                return
        if findings:
            checks.revoked = True
            checks.add("status", Outcome.FAILED, findings[0], " ".join(findings[1:]) or None)
        elif undecided:
            checks.add(
                "status",
                Outcome.WARNING,
                "Whether the endorsement was withdrawn cannot be checked right now." if endorsement
                else "Whether the badge was revoked cannot be checked right now.",
                "; ".join(undecided),
                undecided=True,
                reason=reasons[0] if reasons else None,
            )
        elif endorsement:
            checks.add("status", Outcome.PASSED, "The endorser has not withdrawn this endorsement.")
        else:
            checks.add(
                "status", Outcome.PASSED, "The issuer has not revoked or suspended this badge."
            )

    def _cached(self, url: str) -> Any | None:
        with self._lock:
            hit = self._status_cache.get(url)
        if hit is not None and hit.expires > self.clock():
            return hit.value
        return None

    def _remember(self, url: str, value: Any, ttl: float, *, started: float | None = None) -> Any:
        """Keep ``value`` for ``ttl`` seconds, unless a fetch begun later already answered.

        ``started`` is when this value's fetch began: a slow fetch of an older list that
        ends after a newer one must not replace it (a revoked badge would turn valid
        again). Returns the value kept, the newer one in that case.
        """
        with self._lock:
            now = self.clock()
            began = now if started is None else started
            current = self._status_cache.get(url)
            if current is not None and current.started > began and current.expires > now:
                return current.value
            if len(self._status_cache) > 1024:
                self._status_cache.clear()
            self._status_cache[url] = _CachedList(now + ttl, value, began)
            return value

    def _status_bits(
        self,
        ref: bsl.EntryRef,
        issuer_id: str,
        now: datetime,
        *,
        list_type: str = bsl.CREDENTIAL_TYPE,
        budget: FetchBudget | None = None,
    ) -> bsl.BitstringStatusList:
        cache_key = f"{ref.list_url}\n{ref.purpose}\n{list_type}"
        cached = self._cached(cache_key)
        if cached is not None:
            owner, bits = cached
            if owner != issuer_id:
                raise StatusError("the status list was published by someone else")
            if ref.index >= bits.size:
                raise StatusError(f"status index {ref.index} is outside the list of {bits.size}")
            return bits  # type: ignore[no-any-return]
        if self.fetcher is None:
            raise FetchError("status lists cannot be fetched: this verifier has no fetcher")
        started = self.clock()
        response = self.fetcher.get(ref.list_url, accept=JSON_ACCEPT, budget=budget)
        body = response.body.strip()
        source: Any = (
            jsonutil.loads(body) if body.startswith(b"{") else body.decode("ascii", "replace")
        )
        list_report = self._verify_status_list(source, now, list_type=list_type, budget=budget)
        if list_report is None:
            raise StatusError("the status list is not a signed credential")
        credential, list_issuer = list_report
        if list_issuer != issuer_id:
            raise StatusError("the status list was published by someone else")
        if credential.get("id") not in (None, ref.list_url):
            raise StatusError("the status list's id is not the URL it came from")
        bits = bsl.read_list_credential(credential, ref)
        ttl = self.status_ttl
        subject_ttl = credential.get("credentialSubject", {}).get("ttl")
        if isinstance(subject_ttl, int) and subject_ttl >= 0:
            ttl = min(ttl, subject_ttl / 1000)
        owner, bits = self._remember(cache_key, (list_issuer, bits), ttl, started=started)
        if owner != issuer_id:  # a newer copy, fetched for another credential meanwhile
            raise StatusError("the status list was published by someone else")
        if ref.index >= bits.size:
            raise StatusError(f"status index {ref.index} is outside the list of {bits.size}")
        return bits  # type: ignore[no-any-return]

    def _verify_status_list(
        self,
        source: Any,
        now: datetime,
        *,
        list_type: str = bsl.CREDENTIAL_TYPE,
        budget: FetchBudget | None = None,
    ) -> tuple[dict[str, Any], str] | None:
        """Verify a status list credential (JSON with an embedded proof, or a VC-JWT).

        Returns the list credential and its issuer. Raises StatusError when it is not a
        ``list_type`` credential or does not verify, FetchError when a key cannot be had now.
        """
        checks = _Checks(budget)  # the list's own checks settle nothing
        try:
            parsed = self._parse_source(source, budget)
        except FetchError:
            raise
        except BadgeError as exc:
            raise StatusError(f"the status list is unreadable: {exc}") from exc
        credential = parsed.credential
        if list_type not in _types(credential):
            raise StatusError(f"the status list is not a {list_type}")
        contexts = _as_list(credential.get("@context"))
        if not contexts or not all(isinstance(c, str) and self.loader.knows(c) for c in contexts):
            raise StatusError("the status list uses an unknown @context")
        key = self._check_issuer(parsed, checks)
        if key is None:
            check = checks.get("issuer") or checks.get("proof")
            if check is not None and (check.undecided or check.reason == REASON_SETTLED):
                raise _fetch_error_for(check)
            raise StatusError(
                "the status list's signature cannot be checked: "
                + (check.detail or check.message if check else "no key")
            )
        # A status list is no OB 3.0 credential: its JWT's registered claims are optional,
        # but those it has must agree with the list.
        self._check_proof(parsed, key, checks, require_claims=False)
        proof = checks.get("proof")
        if proof is None or proof.outcome is not Outcome.PASSED:
            if proof is not None and (proof.undecided or proof.reason == REASON_SETTLED):
                raise _fetch_error_for(proof)
            raise StatusError(
                "the status list's signature does not verify"
                + (f": {proof.detail}" if proof and proof.detail else "")
            )
        self._check_dates(credential, checks, now)
        dates = checks.get("dates")
        if dates is not None and dates.outcome is Outcome.FAILED:
            raise StatusError(f"the status list is out of date: {dates.message}")
        return credential, _issuer_id(credential) or ""

    def _revocation_list(self, url: str, budget: FetchBudget | None = None) -> Any:
        cached = self._cached(url)
        if cached is not None:
            return cached
        if self.fetcher is None:
            raise FetchError("revocation lists cannot be fetched: this verifier has no fetcher")
        started = self.clock()
        document = self.fetcher.get_json(url, budget=budget)
        return self._remember(url, document, self.status_ttl, started=started)

    # -- recipient and endorsements ----------------------------------------------------

    def _check_recipient(
        self, credential: dict[str, Any], checks: _Checks, recipient: str | None
    ) -> None:
        if not recipient:
            checks.add("recipient", Outcome.SKIPPED, "No recipient was given to check.")
            return
        for subject in _as_list(credential.get("credentialSubject")):
            if not isinstance(subject, dict):
                continue
            if subject.get("id") == recipient:
                checks.add("recipient", Outcome.PASSED, "The badge was awarded to this recipient.")
                return
            for identity in _as_list(subject.get("identifier")):
                if not isinstance(identity, dict):
                    continue
                value = identity.get("identityHash")
                salt = identity.get("salt")
                if isinstance(value, str) and identity_matches(
                    value, salt if isinstance(salt, str) else None, recipient
                ):
                    checks.add(
                        "recipient", Outcome.PASSED, "The badge was awarded to this recipient."
                    )
                    return
        checks.add("recipient", Outcome.FAILED, "The badge was not awarded to this recipient.")

    def _endorsements(self, credential: dict[str, Any]) -> Iterator[tuple[str, str | None, Any]]:
        """Every embedded endorsement as (where it is, the id it must be about, itself)."""
        issuer = credential.get("issuer")
        holders: list[tuple[str, Any]] = [("credential", credential), ("issuer", issuer)]
        for subject in _as_list(credential.get("credentialSubject")):
            if isinstance(subject, dict):
                holders.append(("achievement", subject.get("achievement")))
        for location, holder in holders:
            if not isinstance(holder, dict) or not (
                "endorsement" in holder or "endorsementJwt" in holder
            ):
                continue
            about = holder.get("id") if isinstance(holder.get("id"), str) else None
            for item in _as_list(holder.get("endorsement")):
                yield location, about, item
            for item in _as_list(holder.get("endorsementJwt")):
                yield location, about, ("jwt", item)

    def _check_endorsements(
        self,
        credential: dict[str, Any],
        checks: _Checks,
        now: datetime,
        depth: int,
        check_status: bool = True,
    ) -> None:
        """Verify each embedded endorsement with the whole pipeline (proof, issuer key,
        dates, status), and report each one. A failed, withdrawn or misplaced endorsement
        is a warning: it is a third party's claim, and the badge stands without it."""
        endorsements = list(self._endorsements(credential))
        if not endorsements:
            checks.add("endorsements", Outcome.SKIPPED, "The badge carries no endorsements.")
            return
        if depth > 0:
            checks.add(
                "endorsements", Outcome.SKIPPED, "Endorsements of endorsements are not checked."
            )
            return
        results = [
            self._verify_endorsement(location, about, item, now, check_status, checks.budget)
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
                "endorsements", Outcome.WARNING, f"{what} (the badge itself is not affected).",
                detail,
            )
        elif unsure:
            reasons = [c.reason for r in unsure for c in r.checks if c.reason is not None]
            if reasons and all(r == REASON_SETTLED for r in reasons):
                checks.add(
                    "endorsements",
                    Outcome.WARNING,
                    "Some endorsements were not fully checked: the badge is already known not "
                    "to be valid.",
                    detail,
                    reason=REASON_SETTLED,
                )
            else:
                budget_reasons = [r for r in reasons if r != REASON_SETTLED]
                checks.add(
                    "endorsements",
                    Outcome.WARNING,
                    "Some endorsements could not be checked right now (the badge itself is not "
                    "affected).",
                    detail,
                    reason=budget_reasons[0] if budget_reasons else None,
                )
        else:
            names = ", ".join(dict.fromkeys(r.endorser for r in results if r.endorser))
            checks.add(
                "endorsements",
                Outcome.PASSED,
                f"{count} {noun} verified.",
                f"Endorsed by {names}." if names else None,
            )

    def _verify_endorsement(
        self,
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
        report = self.verify(source, now=now, check_status=check_status, budget=budget, _depth=1)
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
            endorser=issuer_name if isinstance(issuer_name, str) else _issuer_id(endorsement),
            endorser_id=_issuer_id(endorsement),
            subject_id=subject.get("id") if isinstance(subject.get("id"), str) else None,
            comment=comment if isinstance(comment, str) else None,
            withdrawn=report.revoked,
            checks=report.checks,
        )
        if report.credential is not None and "EndorsementCredential" not in _types(endorsement):
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


def verify(source: Any, *, fetcher: Fetcher | None = None, **kwargs: Any) -> VerificationReport:
    """Verify one credential with a one-off ``Verifier`` (see ``Verifier.verify``)."""
    return Verifier(fetcher=fetcher).verify(source, **kwargs)
