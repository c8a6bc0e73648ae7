"""Rows whose key is one of many values (a class's learners' addresses), without a plan
that grows with the table."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import Select, SQLColumnExpression, Text, bindparam, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

IN_LIST = 500  # values in one IN list (a bound parameter each, on SQLite)

Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])


def one_of(
    session: Session, key: SQLColumnExpression[str], values: Iterable[str]
) -> list[Callable[[Query], Query]]:
    """Filters that keep, between them, the rows of a query whose ``key`` is one of
    ``values``: each applied to a query of its own, and the rows of all of them together.

    On PostgreSQL one filter, joining the values as one array: one statement, and no plan
    that compares each row with every value. With an IN list of 500 parameters, the plan
    PostgreSQL reuses after five runs did so: a class award's look-up of earlier holders
    took 0.2 s once the badge had 10,000 awards (measured: benchmarks/bench_bulk.py), 14 ms
    this way. Elsewhere (SQLite) one IN list for each ``IN_LIST`` values."""
    wanted = sorted(set(values))
    if not wanted:
        return []
    if session.get_bind().dialect.name == "postgresql":
        given = func.unnest(bindparam("wanted", wanted, type_=ARRAY(Text)))
        table = given.table_valued("value").render_derived(name="wanted")

        def joined(query: Query) -> Query:
            return query.join(table, key == table.c.value)

        return [joined]
    return [
        _within(key, wanted[start : start + IN_LIST]) for start in range(0, len(wanted), IN_LIST)
    ]


def _within(key: SQLColumnExpression[str], chunk: list[str]) -> Callable[[Query], Query]:
    def where(query: Query) -> Query:
        return query.where(key.in_(chunk))

    return where
