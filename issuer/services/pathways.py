"""Pathways: an achievement that requires others (all of, any of, or n of a set, nested).

A pathway's rule is ``Achievement.requirement``::

    {"op": "all" | "any" | "n", "n": int (for "n" only), "items": [item, ...]}

where each item is ``{"achievement": <achievement id>}`` or another rule (a sub-group). The
first half of this module is pure (no database): ``check_rule`` says what is wrong with a
rule's shape and ``evaluate`` measures a learner's progress from the set of achievement ids
they hold. The checks that need the database (same organisation, no cycles) are in
issuer/services/achievements.py (``validated_requirement``); the learner's and the
teachers' views in issuer/services/steering.py.

Which badges count as held (``counts_as_held``): not revoked and not suspended. An expired
badge counts: it still shows the learning was done, and a pathway records what a learner
achieved, not what is current. A pathway another pathway requires counts once it has been
awarded (its own rule is not evaluated in its place): the award is the school's word.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Achievement, Award
from ..translate import N_, _

OPS = ("all", "any", "n")
MAX_DEPTH = 3  # the rule, a sub-group, and a sub-group of that
MAX_ITEMS = 50  # items in one group
MAX_LEAVES = 200  # achievements named in the whole rule
OP_LABELS = {"all": N_("All of"), "any": N_("Any one of"), "n": N_("At least %(n)s of")}


# -- the rule's shape (pure) -------------------------------------------------------------------


def check_rule(rule: Any) -> tuple[dict[str, Any] | None, str | None]:
    """The rule in its normal form (``n`` only for "n", items in order) and None, or None
    and a message saying what is wrong. Checks the shape only: ids are whole numbers, each
    group has 1 to MAX_ITEMS items and no achievement twice, ``n`` is within 1..len(items),
    groups nest at most MAX_DEPTH deep, at most MAX_LEAVES achievements in all."""
    leaves = 0

    def walk(node: Any, depth: int) -> dict[str, Any]:
        nonlocal leaves
        if depth > MAX_DEPTH:
            raise ValueError(_("Groups nest at most %(max)s deep.", max=MAX_DEPTH))
        if not isinstance(node, dict) or node.get("op") not in OPS:
            raise ValueError(_('Each group needs an "op": "all", "any" or "n".'))
        if set(node) - {"op", "n", "items"}:
            raise ValueError(_('A group has only "op", "n" and "items".'))
        items = node.get("items")
        if not isinstance(items, list) or not items:
            raise ValueError(_("Each group needs at least one required achievement."))
        if len(items) > MAX_ITEMS:
            raise ValueError(_("A group lists at most %(max)s items.", max=MAX_ITEMS))
        out: list[dict[str, Any]] = []
        seen: set[int] = set()
        for item in items:
            if isinstance(item, dict) and "achievement" in item:
                ident = item["achievement"]
                if set(item) != {"achievement"} or not _is_id(ident):
                    raise ValueError(_('An item is {"achievement": <id>} or a group.'))
                if ident in seen:
                    raise ValueError(_("A group names each achievement once."))
                seen.add(ident)
                leaves += 1
                out.append({"achievement": ident})
            else:
                out.append(walk(item, depth + 1))
        if leaves > MAX_LEAVES:
            raise ValueError(_("A pathway names at most %(max)s achievements.", max=MAX_LEAVES))
        normal: dict[str, Any] = {"op": node["op"], "items": out}
        if node["op"] == "n":
            n: Any = node.get("n")
            if not _is_int(n) or not 1 <= n <= len(out):
                raise ValueError(_("“At least n of” needs n from 1 to %(max)s.", max=len(out)))
            normal["n"] = n
        return normal

    try:
        return walk(rule, 1), None
    except ValueError as exc:
        return None, str(exc)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_id(value: Any) -> bool:
    return _is_int(value) and 1 <= value <= 2**31 - 1


def achievement_ids(rule: Mapping[str, Any] | None) -> list[int]:
    """Every achievement the rule names, in order, each once."""
    found: list[int] = []

    def walk(node: Mapping[str, Any]) -> None:
        for item in node.get("items", []):
            if "achievement" in item:
                if item["achievement"] not in found:
                    found.append(item["achievement"])
            else:
                walk(item)

    if rule:
        walk(rule)
    return found


def depth(rule: Mapping[str, Any]) -> int:
    """How deep groups nest: 1 for a rule without sub-groups."""
    return 1 + max((depth(item) for item in rule["items"] if "op" in item), default=0)


# -- progress (pure) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """A node's progress. A leaf (``achievement`` set): held or not. A group: ``done`` of
    ``total`` (``total`` is how many of its items it needs: all of them, one, or n; ``done``
    is how many of those are satisfied, at most ``total``). ``fraction`` is from 0 to 1 and
    is 1 exactly when the node is satisfied: the mean of the items' fractions for "all",
    the largest for "any", the mean of the n largest for "n" (a smooth progress bar)."""

    satisfied: bool
    done: int
    total: int
    fraction: float
    op: str | None = None
    n: int | None = None
    achievement: int | None = None
    items: tuple[Progress, ...] = field(default_factory=tuple)

    @property
    def percent(self) -> int:
        return int(self.fraction * 100)


def evaluate(rule: Mapping[str, Any], held: Iterable[int]) -> Progress:
    """The progress towards ``rule`` of a learner who holds the achievements ``held``
    (the ids of their badges that count: see ``counts_as_held``). Pure: no database."""
    have = held if isinstance(held, set | frozenset) else set(held)
    return _evaluate(rule, have)


def _evaluate(node: Mapping[str, Any], held: set[int] | frozenset[int]) -> Progress:
    if "achievement" in node:
        got = node["achievement"] in held
        return Progress(
            satisfied=got,
            done=int(got),
            total=1,
            fraction=1.0 if got else 0.0,
            achievement=node["achievement"],
        )
    items = tuple(_evaluate(item, held) for item in node["items"])
    op = node["op"]
    count = sum(1 for item in items if item.satisfied)
    fractions = sorted((item.fraction for item in items), reverse=True)
    if op == "all":
        needed = len(items)
    elif op == "any":
        needed = 1
    else:
        needed = int(node["n"])
    fraction = sum(fractions[:needed]) / needed
    satisfied = count >= needed
    return Progress(
        satisfied=satisfied,
        done=min(count, needed),
        total=needed,
        # exactly 1 when satisfied, below 1 otherwise (no rounding past either way)
        fraction=1.0 if satisfied else min(fraction, 0.999),
        op=op,
        n=needed if op == "n" else None,
        items=items,
    )


def describe(rule: Mapping[str, Any], names: Mapping[int, str]) -> str:
    """The rule in words: "All of: A, B and any one of (C, D)"."""

    def walk(node: Mapping[str, Any], top: bool) -> str:
        parts = [
            names.get(item["achievement"], _("achievement %(id)s", id=item["achievement"]))
            if "achievement" in item
            else walk(item, False)
            for item in node["items"]
        ]
        label = _(OP_LABELS[node["op"]], n=node.get("n"))
        if top:
            return f"{label}: {'; '.join(parts)}"
        return f"{label.lower()} ({'; '.join(parts)})"

    return walk(rule, True)


def reaches(graph: Mapping[int, Iterable[int]], start: Iterable[int], target: int) -> bool:
    """Whether ``target`` is reachable from ``start`` along ``graph`` (pathway -> the
    achievements it requires): a new rule that reaches its own pathway makes a circle."""
    seen: set[int] = set()
    stack = list(start)
    while stack:
        node = stack.pop()
        if node == target:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(graph.get(node, ()))
    return False


# -- reading the database -------------------------------------------------------------------


def counts_as_held(award: Award) -> bool:
    """Whether a badge counts towards pathways: not revoked, not suspended (expired counts:
    see the module's notes)."""
    return award.revoked_at is None and not award.suspended


def names_of(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {
        ident: name
        for ident, name in session.execute(
            select(Achievement.id, Achievement.name).where(Achievement.id.in_(wanted))
        )
    }


def org_pathways(session: Session, org_ids: Iterable[int]) -> list[Achievement]:
    """The pathways of these organisations, by organisation and name. (Told apart in
    Python: a plain achievement's ``requirement`` may be SQL NULL or JSON null.)"""
    wanted = sorted(set(org_ids))
    if not wanted:
        return []
    rows = session.scalars(
        select(Achievement)
        .where(Achievement.org_id.in_(wanted))
        .order_by(Achievement.org_id, Achievement.name, Achievement.id)
    )
    return [row for row in rows if row.requirement]
