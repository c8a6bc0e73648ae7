"""Browser tests: the issuer and the verifier served on loopback ports, driven in Chromium.

Debian's chromium is driven by Playwright with the executable path given (no browser
download); the tests skip, saying why, where either is missing.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from issuer import create_app as create_issuer
from issuer.demo import DEMO_LEARNER, DEMO_PASSWORD, seed_demo
from issuer.migrate import upgrade
from issuer.seed import seed_frameworks
from issuer.services.keys import Sealer
from issuer.urls import PublicUrls
from verifier import create_app as create_verifier

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
KEK = "B" * 43
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # WebUIOmniboxPopup, WebUIOmniboxAimPopup: without them every context (a window of its
    # own) starts a renderer for the address bar's popup, which no test sees: about half of
    # what a new context costs
    "--disable-features=Translate,OptimizationHints,MediaRouter,"
    "WebUIOmniboxPopup,WebUIOmniboxAimPopup",
]


class Served:
    """A WSGI app on 127.0.0.1:<free port>. The port (so the URL) is the server's; the app it
    serves is set, and may be replaced, afterwards: one server for the session (its URL is in
    the seeded demo's credentials), a fresh app on it for each module."""

    def __init__(self) -> None:
        self.app: Callable[..., Any] | None = None
        self.server = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _dispatch(self, environ: Any, start_response: Any) -> Any:
        assert self.app is not None, f"{self.url} serves no app now"
        return self.app(environ, start_response)

    def start(self, app: Callable[..., Any] | None = None) -> None:
        self.app = app
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture(scope="session")
def servers() -> Iterator[tuple[Served, Served]]:
    """The issuer's and the verifier's addresses for the whole session (each module's
    ``stack`` puts apps of its own behind them)."""
    issuer_srv, verifier_srv = Served(), Served()
    issuer_srv.start()
    verifier_srv.start()
    yield issuer_srv, verifier_srv
    issuer_srv.stop()
    verifier_srv.stop()


def issuer_config(data: Path, issuer_url: str, verifier_url: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "e2e",
        "DATABASE_URL": f"sqlite:///{data / 'issuer.sqlite3'}",
        "BASE_URL": issuer_url,
        "VERIFIER_URL": verifier_url,
        "KEY_ENCRYPTION_KEY": KEK,
        "DATA_DIR": str(data),
    }


@pytest.fixture(scope="session")
def demo_data(
    tmp_path_factory: pytest.TempPathFactory, servers: tuple[Served, Served]
) -> tuple[Path, Any]:
    """The issuer's data folder (its SQLite file, its revocation journal) migrated and
    seeded with the demo once per session, for the session's issuer address, and the demo's
    logins: each module's ``stack`` starts from a copy of it, as if it had seeded its own."""
    issuer_srv, verifier_srv = servers
    data = tmp_path_factory.mktemp("e2e-demo")
    config = issuer_config(data, issuer_srv.url, verifier_srv.url)
    upgrade(config["DATABASE_URL"])
    issuer = create_issuer(config)
    database = issuer.extensions["issuer.db"]
    with database.transaction() as session:
        seed_frameworks(session)
        logins = seed_demo(session, sealer=Sealer.from_config(KEK), urls=PublicUrls(issuer_srv.url))
    database.dispose()  # the last connection closed: the WAL is folded into the file
    return data, logins


def demo_copy(tmp_path_factory: pytest.TempPathFactory, demo_data: tuple[Path, Any]) -> Path:
    """A fresh copy of the seeded demo's data folder."""
    data = tmp_path_factory.mktemp("e2e")
    shutil.copytree(demo_data[0], data, dirs_exist_ok=True)
    return data


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    servers: tuple[Served, Served],
    demo_data: tuple[Path, Any],
) -> Iterator[dict[str, Any]]:
    """The whole loop on one machine, as `badges serve --demo` runs it: a freshly seeded
    demo issuer and a verifier of the module's own."""
    issuer_srv, verifier_srv = servers
    data = demo_copy(tmp_path_factory, demo_data)
    issuer = create_issuer(issuer_config(data, issuer_srv.url, verifier_srv.url))
    verifier = create_verifier(
        {
            "VERIFIER_ALLOWED_HOSTS": [f"127.0.0.1:{issuer_srv.port}"],
            "VERIFIER_URL_MAP": [(f"https://127.0.0.1:{issuer_srv.port}/", f"{issuer_srv.url}/")],
            "VERIFIER_DOCUMENT_TTL": 0.0,
            "VERIFIER_STATUS_TTL": 0.0,  # so a revocation shows at the next check
            # as `badges serve` does: the local platform's organisations are known issuers
            "VERIFIER_REGISTRIES": [f"{issuer_srv.url}/registry.json"],
        }
    )
    issuer_srv.app, verifier_srv.app = issuer, verifier
    yield {
        "issuer": issuer_srv.url,
        "verifier": verifier_srv.url,
        "issuer_app": issuer,
        "logins": demo_data[1],
        "password": DEMO_PASSWORD,
    }
    issuer_srv.app = verifier_srv.app = None
    issuer.extensions["issuer.db"].dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the session (each test gets a fresh context of its own: ``page``,
    ``phone``): launching it costs more CPU than most browser tests."""
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def login(page: Any, stack: dict[str, Any], email: str = "teacher@demo.example") -> None:
    page.goto(f"{stack['issuer']}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(stack["password"])
    page.get_by_role("button", name="Log in").click()


def language_context(browser: Any, stack: dict[str, Any], lang: str, **options: Any) -> Any:
    """A browser context reading the apps in LANG, as the switcher chooses it (one cookie for
    both apps: the same host). bypass_csp: the pages' Content-Security-Policy allows no
    inline script, and the accessibility checks inject axe-core as one (the policy itself
    is tested in tests/issuer)."""
    # the browser's locale too: the fields it draws itself (a date's dd/mm/yyyy) follow it
    locale = {"en": "en-GB", "lt": "lt-LT", "ru": "ru-RU", "kk": "kk-KZ"}.get(lang, lang)
    context = browser.new_context(bypass_csp=True, locale=locale, **options)
    context.add_cookies([{"name": "lang", "value": lang, "url": stack["issuer"]}])
    context.set_default_timeout(15_000)
    return context


def sign_in(page: Any, stack: dict[str, Any], who: str) -> None:
    """Staff (the platform admin, or the demo teacher) or the demo learner signs in, by the
    forms' field names (the labels are in the page's language)."""
    email = {
        "staff": "admin@demo.example",
        "teacher": "teacher@demo.example",
        "learner": DEMO_LEARNER,
    }[who]
    page.goto(f"{stack['issuer']}{'/learner/login' if who == 'learner' else '/login'}")
    page.locator("main input[name=email]").first.fill(email)
    page.locator("main input[name=password]").fill(stack["password"])
    page.locator("main input[name=password]").press("Enter")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{who} could not sign in: {page.url}"
