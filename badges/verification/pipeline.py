"""One verification pipeline: a credential in, a report of named checks out.

``Verifier.verify`` takes a JSON credential (text or object), a compact VC-JWT, a URL or
a baked image, and returns a ``VerificationReport``: the checks ``format``, ``context``,
``schema``, ``proof``, ``issuer``, ``dates``, ``status``, ``recipient`` and
``endorsements`` (``CheckId``), each passed, failed, warning or skipped with a
plain-language message, and a verdict: valid, invalid, or undecided (it cannot be decided
now, e.g. a status list that cannot be fetched). It never raises for bad input and never
says "valid" when a check could not be completed.

The steps are declared once, below: ``STEPS`` for Open Badges 3.0 credentials (and their
endorsements), ``OB2_STEPS`` for Open Badges 2.0 assertions. Each is a function of the
``Run`` (``.context``) in a module of its own (``.steps``); the report lists the checks in
``CheckId``'s order, whatever order the steps run in.

One verification has one fetch budget (``FetchBudget``: one deadline and a cap on the
number of fetches) that every fetch it makes draws on: the credential's link, keys and DID
documents, status lists, endorsements and their keys, OB 2.0 documents. A check whose
fetch the spent budget refused is undecided, with the reason code ``deadline_exceeded``
or ``fetch_limit_reached``. Once a check has failed, the fetches that can no longer
change the verdict are not made: the checks that needed them are skipped with the reason
code ``verdict_settled``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..clr_shape import is_clr
from ..fetch import DEFAULT_DEADLINE, DEFAULT_MAX_FETCHES, FetchBudget, Fetcher
from ..jsonld.loader import FrozenDocumentLoader, default_loader
from ..memo import LruMemo
from ..resolve import KeyResolver
from ..sharedstore import SharedStore
from ..timeutil import utcnow
from .cache import DocumentCache
from .context import Run, Step
from .messages import M
from .parsing import OB2_FORMAT, read
from .report import CHECK_NAMES, Check, CheckId, Checks, Outcome, VerificationReport, short
from .steps import (
    credentials,
    dates,
    endorsements,
    issuer,
    ob2,
    proof,
    recipient,
    status,
    structure,
)
from .steps.ob2 import Ob2Step, verify_assertion

STATUS_TTL = 300.0

# Open Badges 3.0 (and endorsements). The checks that need no fetch come first: once one
# fails, the fetches of the status and endorsement checks could no longer change the
# verdict. A step may end the run (the structure step, when the contexts fail).
STEPS: tuple[Step, ...] = (
    structure.check,  # context, schema
    issuer.check,
    proof.check,
    dates.check,
    recipient.check,
    status.check,
    endorsements.check,
)

# What a CLR 2.0 ClrCredential is checked for after ``STEPS``: the credentials it carries,
# each verified on its own (their checks are ``RecordCheckId``, which a badge has none of).
RECORD_STEPS: tuple[Step, ...] = (credentials.check,)

# Open Badges 2.0 assertions (hosted or signed). A step that fails ends the run.
OB2_STEPS: tuple[Ob2Step, ...] = (
    ob2.recognise,  # format
    ob2.context,
    ob2.hosted_copy,
    ob2.vocabulary,  # schema: the assertion's own properties
    ob2.documents,  # the badge class and the issuer's profile
    ob2.proof,  # proof, issuer
    ob2.schema,
    ob2.dates,
    ob2.recipient,
    ob2.status,
    ob2.endorsements,
)


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
    # a store that other processes share (Redis, in the verifier app): the caches below and
    # the key resolver's documents are kept there too
    shared: SharedStore | None = None
    # status lists, revocation lists and OB 2.0 documents, kept for their time to live
    documents: DocumentCache = field(init=False, repr=False)
    # the structure checks of documents (and shapes) seen before; see steps/structure.py
    structure_memo: LruMemo[bytes, tuple[Check, ...]] = field(
        default_factory=lambda: LruMemo(maxsize=1024), init=False, repr=False
    )

    def __post_init__(self) -> None:
        if self.key_resolver is None:
            self.key_resolver = KeyResolver(self.fetcher, clock=self.clock, shared=self.shared)
        self.documents = DocumentCache(lambda: self.clock(), self.shared)
        FetchBudget(self.deadline, self.max_fetches)  # FetchError now for unusable limits

    def budget(self) -> FetchBudget:
        """A fresh budget for one verification, with this verifier's limits."""
        return FetchBudget(self.deadline, self.max_fetches)

    def verify(
        self,
        source: Any,
        *,
        now: datetime | None = None,
        recipient: str | None = None,
        check_status: bool = True,
        budget: FetchBudget | None = None,
        _depth: int = 0,
        _in_record: bool = False,
    ) -> VerificationReport:
        """Verify ``source`` (dict, JSON text or bytes, compact JWT, or https URL).

        Every fetch draws on ``budget``, this verification's (by default a fresh one with
        this verifier's ``deadline`` and ``max_fetches``); the first failed check settles it.
        A CLR 2.0 ``ClrCredential`` is checked like a badge, then each credential it
        carries on its own (``report.credentials``), with the same budget.
        """
        now = now or utcnow()
        if budget is None:
            budget = self.budget()
        # an endorsement verified on a badge's behalf, or a badge on a CLR's, shares its
        # budget, but its own failure settles nothing: the other's verdict does not hang on it
        checks = Checks(budget, settles=_depth == 0 and not _in_record)
        report = VerificationReport(checks=[], verified_at=now)
        try:
            parsed = read(source, checks, self.fetcher)
            if parsed is not None:
                report.credential = parsed.credential
                report.format = parsed.format
                if is_clr(parsed.credential):
                    checks.keep_fetching()  # to say which credential inside is at fault
                run = Run(self, parsed, checks, now, recipient, check_status, _depth, _in_record)
                if parsed.format == OB2_FORMAT:
                    verify_assertion(run, OB2_STEPS)
                else:
                    for step in STEPS:
                        step(run)
                        if run.stopped:
                            break
                    if is_clr(parsed.credential):
                        # even when the record's own checks ended the run: each credential
                        # inside still says whether it is the one at fault
                        for step in RECORD_STEPS:
                            step(run)
        except Exception as exc:  # last resort: never raise, never "valid"
            name = next((n for n in CHECK_NAMES if not checks.has(n)), CheckId.FORMAT)
            checks.add(name, Outcome.FAILED, M("unverifiable"), short(exc))
        report.checks = checks.ordered(M("not_reached"))
        report.revoked = checks.revoked
        report.endorsements = checks.endorsements
        report.verified_issuer = checks.verified_issuer
        report.revocation_reason = checks.revocation_reason
        report.credentials = checks.credentials
        return report


def verify(source: Any, *, fetcher: Fetcher | None = None, **kwargs: Any) -> VerificationReport:
    """Verify one credential with a one-off ``Verifier`` (see ``Verifier.verify``)."""
    return Verifier(fetcher=fetcher).verify(source, **kwargs)
