"""The N-degree work of RDFC-1.0 (pyld's canonicaliser), counted, for the poison-graph tests.

Speed is measured in benchmarks, never in timed tests: a test that a crafted graph of blank
nodes cannot make canonicalisation do unbounded work counts that work instead of timing it.
``counting_n_degree_work`` wraps pyld's Hash N-Degree Quads (every call) and the deep copies
of the identifier issuer that it makes for every permutation it tries (each weighted as
``badges.jsonld.canon`` weighs it: the identifiers the copy holds, plus one), per run of the
algorithm. Past ``trip_calls`` calls or ``trip_cost`` copy cost in one run it raises
``WorkExceeded``, so that a canonicaliser without its budget fails the test at once instead
of running for ever (the verifier turns any exception into a failed check: ``tripped`` says
it happened all the same).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any


class WorkExceeded(AssertionError):
    """One run of RDFC-1.0 went past the work the test allows."""


@dataclass
class NDegreeWork:
    """What each run of RDFC-1.0 (``URDNA2015.main``) did: N-degree calls and copy cost."""

    trip_calls: int
    trip_cost: int
    calls: list[int] = field(default_factory=list)  # per run
    cost: list[int] = field(default_factory=list)  # per run
    tripped: str | None = None

    @property
    def runs(self) -> int:
        return len(self.calls)

    @property
    def most_calls(self) -> int:
        return max(self.calls, default=0)

    @property
    def most_cost(self) -> int:
        return max(self.cost, default=0)

    def _check(self) -> None:
        if self.calls[-1] > self.trip_calls or self.cost[-1] > self.trip_cost:
            self.tripped = (
                f"one RDFC-1.0 run made {self.calls[-1]} N-degree calls (tripwire "
                f"{self.trip_calls}) and copied issuers at a cost of {self.cost[-1]} "
                f"(tripwire {self.trip_cost})"
            )
            raise WorkExceeded(self.tripped)

    def summary(self) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "most_calls": self.most_calls,
            "most_cost": self.most_cost,
            "tripped": self.tripped,
        }


@contextmanager
def counting_n_degree_work(trip_calls: int, trip_cost: int) -> Iterator[NDegreeWork]:
    """Count pyld's N-degree work while the block runs (see the module's docstring)."""
    from pyld import canon

    work = NDegreeWork(trip_calls, trip_cost)
    main = canon.URDNA2015.main
    hash_n_degree_quads = canon.URDNA2015.hash_n_degree_quads

    def counted_main(self: Any, dataset: Any, options: Any) -> Any:
        work.calls.append(0)
        work.cost.append(0)
        return main(self, dataset, options)

    def counted_hash_n_degree_quads(self: Any, id_: str, issuer: Any) -> Any:
        work.calls[-1] += 1
        work._check()
        return hash_n_degree_quads(self, id_, issuer)

    def deepcopy(value: Any, memo: Any = None) -> Any:
        if isinstance(value, canon.IdentifierIssuer):
            work.cost[-1] += len(value.existing) + 1
            work._check()
        return copy.deepcopy(value, memo)

    canon.URDNA2015.main = counted_main
    canon.URDNA2015.hash_n_degree_quads = counted_hash_n_degree_quads
    canon.copy = SimpleNamespace(deepcopy=deepcopy)
    try:
        yield work
    finally:
        canon.URDNA2015.main = main
        canon.URDNA2015.hash_n_degree_quads = hash_n_degree_quads
        canon.copy = copy
