"""Shared fixtures: static keys, a fixed clock, credential factories and a loopback issuer.

Network fixtures listen on 127.0.0.1 only. A made-up issuer origin
(https://school.example/) is answered from the local server through the fetcher's
URL-prefix map, so no test ever reaches another address.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from badges.dids import did_key, did_key_verification_method, did_web_document
from badges.fetch import Fetcher, FetchPolicy
from badges.identity import hashed_email
from badges.issuing import sign_credential
from badges.keys import KeyPair
from badges.model import (
    Achievement,
    AchievementSubject,
    Alignment,
    Criteria,
    Evidence,
    Image,
    OpenBadgeCredential,
    Profile,
    Result,
    ResultDescription,
    RubricCriterionLevel,
)
from badges.resolve import KeyResolver
from badges.verification import Verifier

TESTS = Path(__file__).parent
KEYS = TESTS / "keys"
FIXTURES = TESTS / "fixtures"
VECTORS = TESTS / "vectors"  # the W3C and 1EdTech test vectors (see its README)
NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
ISSUED = datetime(2026, 9, 1, 8, 0, 0, tzinfo=UTC)
SCHOOL = "https://school.example"
SCHOOL_DID = "did:web:school.example"

# a skipped interop or browser test fails where its tools are installed and CI asks for it
pytest_plugins = ["tests.require_peers"]


def pytest_configure(config: pytest.Config) -> None:
    _keep_rewritten_tests()
    _share_url_builders()


def _keep_rewritten_tests() -> None:
    """pytest rewrites the asserts of every test module it imports (some 50,000 lines: about
    six CPU-seconds in each pytest-xdist worker) and keeps the result in the modules'
    ``__pycache__`` folders (which git ignores) for the next run, unless bytecode writing
    is off: ``PYTHONDONTWRITEBYTECODE`` is set on some machines, and then every run, in
    every worker, rewrote the whole suite again. The suite keeps its compiled modules
    there all the same (Python reads bytecode whatever that setting says; a module whose
    source changed is compiled again)."""
    import sys

    sys.dont_write_bytecode = False


def _share_url_builders() -> None:
    """Each test makes an app of its own, and werkzeug writes and compiles Python source for
    two URL builders per route of each one (most of creating an issuer app: ~0.1 s a test).
    A builder is a pure function of its route (the rule's text and parts, its defaults, its
    converters' classes), bound to the rule afterwards: here each one is compiled once per
    process and handed to every later rule just like it. What the apps build is unchanged.
    Installed once per process: an in-process runner (mutmut) starts several pytest
    sessions, each configured again, and a second installation wrapped the first (the rule
    parsing's then removed its own recorder twice: AttributeError in every app)."""
    from werkzeug.routing.rules import Rule

    if getattr(Rule, "_shared_by_the_tests", False):
        return
    Rule._shared_by_the_tests = True  # type: ignore[attr-defined]
    compile_builder = Rule._compile_builder
    builders: dict[Any, Any] = {}

    def shared(self: Rule, append_unknown: bool = True) -> Any:
        key = (
            self.rule,
            append_unknown,
            tuple(self._trace),
            repr(sorted((self.defaults or {}).items())),
            tuple(sorted((name, type(c)) for name, c in self._converters.items())),
        )
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = compile_builder(self, append_unknown)
        return builder

    Rule._compile_builder = shared  # type: ignore[method-assign]
    _share_rule_parsing()


def _share_rule_parsing() -> None:
    """The other half of adding a route (the rest of creating an app): werkzeug parses the
    rule's text into its parts (the pieces the matcher compares, each with its regular
    expression and weight) and its converters. The parts are a pure function of the text,
    the map's converter classes and the slash and host settings: here each rule is parsed
    once per process, and each later rule just like it gets the same parts and converters
    of its own, made for its own map as werkzeug makes them."""
    from werkzeug.routing.rules import Rule

    compile_rule = Rule.compile
    parsed: dict[Any, tuple[list[Any], list[Any], list[tuple[Any, ...]]]] = {}

    def compile_once(self: Rule) -> None:
        assert self.map is not None
        rules_map = self.map
        key = (
            self.rule,
            self.host if rules_map.host_matching else self.subdomain,
            rules_map.host_matching,
            self.merge_slashes,
            tuple(sorted(rules_map.converters.items())),
        )
        found = parsed.get(key)
        if found is None:
            made: list[tuple[Any, ...]] = []
            get_converter = self.get_converter

            def recorded(name: str, converter: str, args: Any, kwargs: Any) -> Any:
                made.append((name, converter, args, kwargs))
                return get_converter(name, converter, args, kwargs)

            self.get_converter = recorded  # type: ignore[method-assign]
            try:
                compile_rule(self)
            finally:
                del self.get_converter
            parsed[key] = (list(self._parts), list(self._trace), made)
            return
        parts, trace, made = found
        self._parts = list(parts)
        self._trace = list(trace)
        self._converters = {}
        for name, converter, args, kwargs in made:
            self._converters[name] = self.get_converter(name, converter, args, kwargs)
            self.arguments.add(name)
        self._build = self._compile_builder(False).__get__(self, None)
        self._build_unknown = self._compile_builder(True).__get__(self, None)

    Rule.compile = compile_once  # type: ignore[method-assign]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The session's verify.mjs process (tests/peers, ``Peer``), if one was started, ends
    with the session."""
    from tests.peers import Peer

    Peer.close()


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The order and the grouping of the tests for pytest-xdist (``-n auto --dist loadgroup
    --no-loadscope-reorder``): the tests are handed out one at a time, in this order, to
    whichever worker is free, except that the tests of a module that share a module-scoped
    fixture (the browser tests' stack, a module's loopback site) are one unit, run in one
    worker. The long ones first: modules whose every test is slow or interop (the
    hostile-input sweeps, the browser tests, the interop suite), then other modules with
    tests that run independent verifiers (node processes), then other modules with slow
    tests, then the rest, each module's tests in their own order. The long units then run
    beside the many short tests, and both workers finish within a short test of each
    other: neither waits alone at the end for a long module the other could have shared.
    Every browser test (``e2e``) is marked slow here, whether or not its module says so."""

    def module(item: pytest.Item) -> str:
        return item.nodeid.split("::", 1)[0]

    def long(item: pytest.Item) -> bool:
        return any(item.get_closest_marker(name) for name in ("slow", "interop"))

    def shares_a_fixture(item: pytest.Item) -> bool:
        info = getattr(item, "_fixtureinfo", None)
        return info is not None and any(
            definition.scope in ("module", "class", "package")
            for definitions in info.name2fixturedefs.values()
            for definition in definitions
        )

    for item in items:  # every browser test is slow: the README's test command leaves it to CI
        if item.get_closest_marker("e2e") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)
    modules = {module(item) for item in items}
    whole = modules - {module(item) for item in items if not long(item)}
    interop = {module(item) for item in items if item.get_closest_marker("interop")}
    slow = {module(item) for item in items if item.get_closest_marker("slow")}

    def rank(item: pytest.Item) -> int:
        name = module(item)
        return 0 if name in whole else 1 if name in interop else 2 if name in slow else 3

    items.sort(key=rank)
    for item in items:
        if shares_a_fixture(item):
            item.add_marker(pytest.mark.xdist_group(module(item)))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """An interop test runs, and starts its verifier processes, at a lower CPU priority
    (nice 10): under pytest-xdist the tests beside it keep the CPU they need (no test
    asserts how fast anything ran: speed is measured in benchmarks). Only where
    the priority can be restored afterwards (root, as in CI); on Linux it is per thread,
    and the verifier processes and worker threads the test starts inherit it."""
    if (
        item.get_closest_marker("interop") is None
        or not hasattr(os, "setpriority")
        or os.geteuid() != 0
    ):
        return (yield)
    before = os.getpriority(os.PRIO_PROCESS, 0)
    os.setpriority(os.PRIO_PROCESS, 0, min(before + 10, 19))
    try:
        return (yield)
    finally:
        os.setpriority(os.PRIO_PROCESS, 0, before)


def load_key(name: str) -> KeyPair:
    return KeyPair.from_jwk(json.loads((KEYS / f"{name}.jwk").read_text()))


@pytest.fixture(scope="session")
def ed_key() -> KeyPair:
    return load_key("eddsa")


@pytest.fixture(scope="session")
def other_key() -> KeyPair:
    return load_key("eddsa-other")


@pytest.fixture(scope="session")
def es_key() -> KeyPair:
    return load_key("es256")


@pytest.fixture(scope="session")
def rsa_key() -> KeyPair:
    return load_key("rs256")


@pytest.fixture
def now() -> datetime:
    return NOW


def build_credential(
    issuer_id: str,
    *,
    name: str = "Baltic Sea Project: water monitor",
    email: str | None = "ona@example.org",
    valid_until: datetime | None = None,
    status: list[dict[str, Any]] | None = None,
    endorsements: list[dict[str, Any]] | None = None,
    extensions: bool = True,
) -> dict[str, Any]:
    """A realistic unsigned ASPnet badge as JSON."""
    levels = [
        RubricCriterionLevel(id=f"urn:uuid:0000000{i}-0000-4000-8000-000000000000", name=n)
        for i, n in enumerate(["Emerging", "Developing", "Proficient", "Mastered"], 1)
    ]
    achievement = Achievement(
        id="urn:uuid:7c1f3e4a-2b1d-4c6e-9f00-1a2b3c4d5e6f",
        name=name,
        description="Monitored water quality on the Baltic coast with the Baltic Sea Project.",
        criteria=Criteria(narrative="Take **ten** samples over a season and report them."),
        achievement_type="Competency",
        image=Image(id="https://school.example/images/water.png", caption="A wave and a test tube"),
        alignment=[
            Alignment(
                target_name="Learning to do",
                target_url="https://school.example/frameworks/pillars#to-do",
                target_framework="Four pillars of learning",
            )
        ],
        result_description=[
            ResultDescription(
                id="urn:uuid:5d0c7a1e-0000-4000-8000-0000000000aa",
                name="Level",
                rubric_criterion_level=levels,
            )
        ],
        tag=["environment", "Baltic Sea Project"],
        in_language="lt",
        endorsement=endorsements or [],
    )
    subject = AchievementSubject(
        achievement=achievement,
        identifier=[hashed_email(email)] if email else [],
        result=[
            Result(
                result_description=achievement.result_description[0].id, achieved_level=levels[3].id
            )
        ],
        activity_start_date=datetime(2026, 4, 1, tzinfo=UTC),
        activity_end_date=datetime(2026, 6, 15, tzinfo=UTC),
    )
    credential = OpenBadgeCredential(
        id="urn:uuid:3f1e6d2c-9a8b-4c7d-8e6f-5a4b3c2d1e0f",
        name=name,
        issuer=Profile(
            id=issuer_id,
            name="Vilniaus licėjus",
            url="https://school.example/",
            parent_org=Profile(id="https://aspnet.example/lt", name="Lithuanian ASPnet"),
        ),
        valid_from=ISSUED,
        valid_until=valid_until,
        credential_subject=subject,
        evidence=[Evidence(name="Season report", narrative="Samples from Palanga and Nida.")],
        credential_status=status or [],
    )
    data = credential.to_json()
    if not extensions:
        data["@context"] = data["@context"][:2]
        data.pop("credentialSchema")
    return data


@pytest.fixture
def make_credential() -> Callable[..., dict[str, Any]]:
    return build_credential


@pytest.fixture
def sign_did_key(ed_key: KeyPair) -> Callable[..., Any]:
    """Sign a fresh credential issued by the Ed25519 test key's did:key."""

    def sign(key: KeyPair | None = None, proof: str = "both", **kwargs: Any) -> Any:
        key = key or ed_key
        unsigned = build_credential(did_key(key.public), **kwargs)
        return sign_credential(
            unsigned,
            key,
            verification_method=did_key_verification_method(key.public),
            proof=proof,
            created=ISSUED,
        )

    return sign


# --- a loopback issuer ----------------------------------------------------------------


class Site:
    """A tiny web server on 127.0.0.1 serving fixed routes and counting requests."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        self.requests: list[str] = []
        self.accepts: list[tuple[str, str | None]] = []  # (path, its Accept header)
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append(self.path)
                site.accepts.append((self.path, self.headers.get("Accept")))
                status, ctype, body = site.routes.get(self.path, (404, "text/plain", b"not found"))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def json(self, path: str, document: Any, status: int = 200) -> None:
        self.routes[path] = (status, "application/json", json.dumps(document).encode())

    def text(self, path: str, text: str, ctype: str = "application/vc+jwt") -> None:
        self.routes[path] = (200, ctype, text.encode())

    def raw(self, path: str, body: bytes, ctype: str = "application/json") -> None:
        self.routes[path] = (200, ctype, body)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    yield server
    server.close()


@pytest.fixture
def school_fetcher(site: Site) -> Fetcher:
    """A fetcher answering https://school.example/ from the loopback site."""
    return Fetcher(FetchPolicy(url_map=((f"{SCHOOL}/", f"{site.base}/"),), timeout=5.0))


@pytest.fixture
def school_verifier(school_fetcher: Fetcher) -> Verifier:
    return Verifier(fetcher=school_fetcher, key_resolver=KeyResolver(school_fetcher))


@pytest.fixture
def publish_did_web(site: Site) -> Callable[..., str]:
    """Publish the did:web document of did:web:school.example with the given keys."""

    def publish(*keys: KeyPair, ids: list[str] | None = None) -> str:
        ids = ids or [f"key-{i}" for i in range(1, len(keys) + 1)]
        document = did_web_document(
            SCHOOL_DID, [(i, k.public) for i, k in zip(ids, keys, strict=True)]
        )
        site.json("/.well-known/did.json", document)
        return f"{SCHOOL_DID}#{ids[0]}"

    return publish
