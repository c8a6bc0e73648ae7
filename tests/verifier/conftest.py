"""Verifier app fixtures: a school published on a loopback site, the app, an API checker.

No database. The school (did:web:school.example) is served by tests/conftest.py's ``Site``
on 127.0.0.1; the verifier reaches it through VERIFIER_URL_MAP (https://school.example/ →
the site) and VERIFIER_ALLOWED_HOSTS (the site's host:port, for plain-http links to it).
Name resolution is replaced for every test here: only IP literals and ``localhost``
resolve, so no lookup or connection ever leaves the machine.
"""

from __future__ import annotations

import io
import ipaddress
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import png
import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator, FormatChecker

import badges.fetch
from badges.issuing import SignedCredential, sign_credential
from badges.keys import KeyPair
from badges.status import bitstring_status_list as bsl
from tests.conftest import ISSUED, SCHOOL, SCHOOL_DID, Site, build_credential
from verifier import create_app

METHOD = f"{SCHOOL_DID}#key-1"
OB2 = "https://w3id.org/openbadges/v2"
EXPIRED = datetime(2026, 10, 1, tzinfo=UTC)  # after ISSUED, before any day these tests run
SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
    b'<circle cx="32" cy="32" r="30" fill="#1b6ec2"/></svg>\n'
)


def loopback_only(host: str, port: int) -> list[str]:
    """A resolver for tests: IP literals and localhost only; any other name fails."""
    if host.lower().rstrip(".") == "localhost":
        return ["127.0.0.1"]
    try:
        return [ipaddress.ip_address(host).compressed]
    except ValueError:
        raise OSError(f"no name resolution in tests ({host})") from None


@pytest.fixture(autouse=True)
def _no_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(badges.fetch, "_default_resolver", loopback_only)


def png_image(side: int = 16) -> bytes:
    """A small opaque RGB PNG made with pypng."""
    rows = [[(x * 16) % 256 for x in range(side * 3)] for _ in range(side)]
    out = io.BytesIO()
    png.Writer(side, side, greyscale=False).write(out, rows)
    return out.getvalue()


# --- the school on the loopback site ----------------------------------------------------------


class School:
    """did:web:school.example with one Ed25519 key, its badges and status lists on the site."""

    def __init__(self, site: Site, key: KeyPair) -> None:
        from badges.dids import did_web_document

        self.site = site
        self.key = key
        site.json("/.well-known/did.json", did_web_document(SCHOOL_DID, [("key-1", key.public)]))

    def sign(
        self, unsigned: dict[str, Any], *, key: KeyPair | None = None, proof: str = "both"
    ) -> SignedCredential:
        return sign_credential(
            unsigned, key or self.key, verification_method=METHOD, proof=proof, created=ISSUED
        )

    def issue(
        self, *, key: KeyPair | None = None, proof: str = "both", **kwargs: Any
    ) -> SignedCredential:
        """A badge of the school (build_credential's keywords: name, email, valid_until, status)."""
        return self.sign(build_credential(SCHOOL_DID, **kwargs), key=key, proof=proof)

    def publish(self, name: str, signed: SignedCredential) -> dict[str, str]:
        """Serve the badge's JSON and JWT; their links as the school names them and as loopback."""
        links = {}
        if signed.json is not None:
            self.site.json(f"/credentials/{name}", signed.json)
            links["json"] = f"{SCHOOL}/credentials/{name}"
        if signed.jwt is not None:
            self.site.text(f"/credentials/{name}.jwt", signed.jwt)
            links["jwt"] = f"{SCHOOL}/credentials/{name}.jwt"
        links["loopback"] = f"{self.site.base}/credentials/{name}"
        return links

    def status_list(
        self,
        path: str,
        purpose: str = "revocation",
        *,
        set_bits: tuple[int, ...] = (),
        ttl_ms: int | None = None,
    ) -> str:
        """Publish a signed Bitstring status list at ``path``; returns its URL."""
        bits = bsl.BitstringStatusList()
        for index in set_bits:
            bits.set(index)
        unsigned = bsl.status_list_credential(
            list_url=f"{SCHOOL}{path}",
            issuer=SCHOOL_DID,
            status_list=bits,
            purpose=purpose,
            valid_from=ISSUED,
            ttl_ms=ttl_ms,
        )
        self.site.json(path, self.sign(unsigned, proof="data-integrity").json)
        return f"{SCHOOL}{path}"

    # -- Open Badges 2.0 (hosted) ------------------------------------------------------------

    def ob2_hosted(self, name: str = "water", *, gone: bool = False) -> str:
        """A hosted OB 2.0 assertion with its badge class and issuer profile; returns its URL."""
        issuer = f"{SCHOOL}/ob2/issuer"
        badge = f"{SCHOOL}/ob2/badges/{name}"
        assertion = f"{SCHOOL}/ob2/assertions/{name}"
        self.site.json(
            "/ob2/issuer",
            {
                "@context": OB2,
                "type": "Issuer",
                "id": issuer,
                "name": "Vilniaus licėjus",
                "url": f"{SCHOOL}/",
                "email": "info@school.example",
            },
        )
        self.site.json(
            f"/ob2/badges/{name}",
            {
                "@context": OB2,
                "type": "BadgeClass",
                "id": badge,
                "name": "Baltic Sea Project (OB 2.0)",
                "description": "Monitored water quality on the Baltic coast.",
                "image": f"{SCHOOL}/ob2/badges/{name}.png",
                "criteria": {"narrative": "Take ten samples over a season."},
                "issuer": issuer,
            },
        )
        document = {
            "@context": OB2,
            "type": "Assertion",
            "id": assertion,
            "recipient": {"type": "email", "hashed": False, "identity": "ona@example.org"},
            "badge": badge,
            "issuedOn": "2026-09-01T08:00:00+00:00",
            "verification": {"type": "HostedBadge"},
        }
        if gone:
            self.site.json(f"/ob2/assertions/{name}", {"revoked": True}, status=410)
        else:
            self.site.json(f"/ob2/assertions/{name}", document)
        return assertion


@pytest.fixture
def school(site: Site, ed_key: KeyPair) -> School:
    return School(site, ed_key)


# --- the verifier app -------------------------------------------------------------------------


@pytest.fixture
def make_app(site: Site) -> Callable[..., Flask]:
    """The verifier allowed to reach the loopback site; keywords override its config."""

    def make(**config: Any) -> Flask:
        settings: dict[str, Any] = {
            "TESTING": True,
            "VERIFIER_ALLOWED_HOSTS": [f"127.0.0.1:{site.port}"],
            "VERIFIER_URL_MAP": [(f"{SCHOOL}/", f"{site.base}/")],
            "VERIFIER_FETCH_TIMEOUT": 5.0,
            "VERIFIER_BURST": 10_000,  # the throttling tests set their own
        }
        settings.update(config)
        return create_app(settings)

    return make


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# --- the API, checked against its own OpenAPI document --------------------------------------


def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


FORMATS = FormatChecker()
FORMATS.checks("date-time", raises=ValueError)(_date_time)


class Api:
    """Calls the JSON API and checks every answer against /api/v1/openapi.json.

    The status must be one the document lists for the operation, and the body must match
    that response's schema, with ``#/components`` references resolved in the document.
    """

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        response = client.get("/api/v1/openapi.json")
        assert response.status_code == 200
        self.spec: dict[str, Any] = response.get_json()
        for schema in self.spec["components"]["schemas"].values():
            Draft202012Validator.check_schema(schema)

    def validator(self, schema: dict[str, Any]) -> Draft202012Validator:
        root = {**schema, "components": self.spec["components"]}
        return Draft202012Validator(root, format_checker=FORMATS)

    def check(self, response: Any, method: str, path: str = "/api/v1/verify") -> Any:
        operation = self.spec["paths"][path][method]
        documented = operation["responses"]
        status = str(response.status_code)
        assert status in documented, f"undocumented {status}: {response.data[:300]!r}"
        assert response.mimetype == "application/json"
        schema = documented[status]["content"]["application/json"]["schema"]
        errors = sorted(self.validator(schema).iter_errors(response.get_json()), key=str)
        assert not errors, [e.message for e in errors[:5]]
        for header, spec in documented[status].get("headers", {}).items():
            assert header in response.headers, f"{status} without {header}"
            if spec["schema"].get("type") == "integer":
                assert response.headers[header].isdigit()
        return response

    def post(self, json_body: Any = None, **kwargs: Any) -> Any:
        if json_body is not None:
            kwargs["json"] = json_body
        return self.check(self.client.post("/api/v1/verify", **kwargs), "post")

    def get(self, url: str | None = None, **kwargs: Any) -> Any:
        if url is not None:
            kwargs["query_string"] = {"url": url}
        return self.check(self.client.get("/api/v1/verify", **kwargs), "get")


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


def failed(report: dict[str, Any]) -> list[str]:
    """The names of the failed checks in an API report."""
    return [c["name"] for c in report["checks"] if c["outcome"] == "failed"]


# --- reading the page -------------------------------------------------------------------------


class Page(HTMLParser):
    """What the tests read from a verifier page: headings, checks, inputs, labels, images."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.h1: list[str] = []
        self.checks: dict[str, str] = {}  # check title -> outcome (from the list's classes)
        self.inputs: list[dict[str, str | None]] = []
        self.labels: list[str] = []
        self.images: list[str] = []
        self.stylesheets: list[str] = []
        self.tags: list[str] = []
        self._stack: list[str] = []
        self._text: list[str] = []
        self._check_class: str | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append(tag)
        if tag in ("input", "textarea", "select"):
            self.inputs.append({"tag": tag, **attributes})
        elif tag == "label":
            self.labels.append(attributes.get("for") or "")
        elif tag == "img":
            self.images.append(attributes.get("src") or "")
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(attributes.get("href") or "")
        elif tag == "li" and "check" in (attributes.get("class") or "").split():
            self._check_class = (attributes.get("class") or "").split()[-1]
        if tag in ("h1", "strong"):
            self._stack.append(tag)
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if self._stack and tag == self._stack[-1]:
            self._stack.pop()
            text = " ".join("".join(self._text).split())
            if tag == "h1":
                self.h1.append(text)
            elif tag == "strong" and self._check_class:
                self.checks[text] = self._check_class
                self._check_class = None

    def handle_data(self, data: str) -> None:
        if self._stack:
            self._text.append(data)

    @property
    def verdict(self) -> str:
        """valid, invalid or undecided, read from the one h1 of a result page."""
        assert len(self.h1) == 1, self.h1
        heading = self.h1[0]
        if "genuine and valid" in heading:
            return "valid"
        if "not valid" in heading or "not genuine" in heading:
            return "invalid"
        if "cannot be checked" in heading:
            return "undecided"
        raise AssertionError(f"no verdict in {heading!r}")

    def failed_titles(self) -> list[str]:
        return [title for title, outcome in self.checks.items() if outcome == "failed"]


def page(response: Any) -> Page:
    assert response.mimetype == "text/html"
    return Page(response.get_data(as_text=True))


@pytest.fixture
def listener() -> Iterator[Any]:
    """A TCP listener on 127.0.0.1 that nobody should ever connect to."""
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    yield sock
    sock.close()


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def post_multipart(client: FlaskClient, path: str, fields: dict[str, Any]) -> Any:
    """POST a multipart body encoded in memory (the test client spools large bodies to a
    temporary file it never closes, which the suite's warnings-as-errors would report)."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    values = {
        name: FileStorage(io.BytesIO(value[0]), filename=value[1])
        if isinstance(value, tuple)
        else value
        for name, value in fields.items()
    }
    boundary, body = encode_multipart(values)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")
