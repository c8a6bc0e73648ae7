"""A hostile-input sweep over every route of the issuer app: every query parameter the
views read set to each hostile value, on every rule and method (tests/issuer/sweep.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

from tests.hostile_inputs import HOSTILE, MULTIDICT_BY_NAME, MULTIDICT_WHOLE
from tests.issuer.sweep import (
    QUERY_NAMES,
    path_for,
    routes,
    sweep_for,
    world,  # noqa: F401 (the fixture)
)

pytestmark = pytest.mark.slow


class QueryReads:
    """Whether the route's own code read anything of the request's query: a parameter,
    the parameters as a whole, or the query string itself (a page's full path or URL).
    Recorded after the app's own before-request hooks (the NUL check reads every query
    parameter of every request alike), up to the end of the answer."""

    def __init__(self) -> None:
        self.active = False
        self.read = False


# every way of reading the parameters: by name, and as a whole
_READS = MULTIDICT_BY_NAME + MULTIDICT_WHOLE


def _record_query_reads(app: Any) -> QueryReads:
    """From now on ``app`` tells the returned QueryReads whether each request's own code
    read its query (its answer is the same: werkzeug's parameters and query string)."""
    reads = QueryReads()

    def told(method: str) -> Any:
        real = getattr(ImmutableMultiDict, method)

        def asked(self: Any, *args: Any, **kwargs: Any) -> Any:
            if reads.active and self.__dict__.get("query"):
                reads.read = True
            return real(self, *args, **kwargs)

        return asked

    parameters = type("RecordingMultiDict", (ImmutableMultiDict,), {m: told(m) for m in _READS})

    class RecordingRequest(app.request_class):  # type: ignore[name-defined,misc]
        parameter_storage_class = parameters

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            reads.active = False  # a new request: its hooks have not run yet
            super().__init__(*args, **kwargs)

        @cached_property
        def args(self) -> Any:
            """The query's parameters (the body's fields are the same class: only these
            are told)."""
            value = super().args
            value.__dict__["query"] = True
            return value

        @property
        def query_string(self) -> bytes:  # full_path and url read it too
            if reads.active:
                reads.read = True
            return self.__dict__["_query_string"]  # type: ignore[no-any-return]

        @query_string.setter
        def query_string(self, value: bytes) -> None:
            self.__dict__["_query_string"] = value

    def start() -> None:
        reads.active = True

    def stop(_error: BaseException | None) -> None:
        reads.active = False

    app.request_class = RecordingRequest
    # appended directly: Flask's before_request() refuses once the app has served a request
    # (the teardown functions run last first: ``stop`` before the app's own)
    app.before_request_funcs.setdefault(None, []).append(start)
    app.teardown_request_funcs.setdefault(None, []).append(stop)
    return reads


def test_hostile_query_parameters_on_every_route(app, database, world):
    """A rule and method whose code read nothing of the query with the first value (the
    views, hooks of blueprints, error handlers and templates: ``QueryReads``) answer every
    other the same way: the other values went only to the app's own NUL check, which
    every value meets on the routes that read their query. Those get every value."""
    failures: list[str] = []
    reads = _record_query_reads(app)
    # each value's query is the same on every route: encoded once
    queries = [urlencode(dict.fromkeys(QUERY_NAMES, value)) for value in HOSTILE]
    read_by = 0
    for rule, methods in routes(app):
        sweep = sweep_for(app, database, world, rule)
        path = path_for(rule, world)
        for method in methods:
            reads.read = False
            for query in queries:
                sweep.send(
                    method,
                    f"{path}?{query}",
                    data={"csrf_token": "sweep-csrf"}
                    if method == "POST" and not rule.rule.startswith("/api/")
                    else None,
                )
                if not reads.read:
                    break  # nothing of the query was read: the other values change nothing
            read_by += reads.read
        failures += sweep.failures
    assert not failures, "\n".join(failures[:40])
    # the reads were seen: every page reads its query (its language switch keeps the path)
    assert read_by > 80, read_by
