"""What the steps of one verification share: the ``Run``, and the ``Engine`` running it.

A step is a function of the ``Run``: it reads the parsed credential, adds its check to
``run.checks``, and may leave something for a later step (the issuer's key for the proof
step) or end the run (``run.stopped``). The ``Engine`` is what a step may use of the
verifier: its fetcher, key resolver, JSON-LD loader, caches, and ``verify`` itself (for
the endorsements, each verified like any credential). ``Verifier`` is the one engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ..fetch import FetchBudget, Fetcher
from ..jsonld.loader import FrozenDocumentLoader
from ..memo import LruMemo
from ..resolve import KeyResolver, ResolvedKey
from .cache import DocumentCache
from .parsing import Parsed
from .report import Check, Checks, VerificationReport, noun_of


class Engine(Protocol):
    """What the steps use of the verifier running them."""

    @property
    def fetcher(self) -> Fetcher | None: ...

    @property
    def key_resolver(self) -> KeyResolver | None: ...

    @property
    def loader(self) -> FrozenDocumentLoader: ...

    @property
    def status_ttl(self) -> float: ...

    @property
    def clock(self) -> Callable[[], float]: ...

    @property
    def documents(self) -> DocumentCache: ...

    @property
    def structure_memo(self) -> LruMemo[bytes, tuple[Check, ...]]: ...

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
    ) -> VerificationReport: ...


@dataclass
class Run:
    """One verification of one parsed credential, while its steps run."""

    engine: Engine
    parsed: Parsed
    checks: Checks
    now: datetime
    recipient: str | None = None
    check_status: bool = True
    depth: int = 0  # 1 for an endorsement verified on a badge's behalf
    in_record: bool = False  # a credential carried by a CLR, verified on the CLR's behalf
    key: ResolvedKey | None = None  # the issuer's key, once the issuer step found it
    stopped: bool = False  # a step whose check failed ended the run: later ones not reached

    @property
    def credential(self) -> dict[str, Any]:
        return self.parsed.credential

    @property
    def budget(self) -> FetchBudget | None:
        return self.checks.budget

    @property
    def noun(self) -> str:
        return noun_of(self.parsed.credential)


Step = Callable[[Run], None]
