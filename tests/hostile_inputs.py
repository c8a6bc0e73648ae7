"""Hostile inputs for the sweeps over every route of the issuer and verifier apps, and
the sender that keeps every answer that is a 500 or shows a traceback."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import run_wsgi_app
from werkzeug.urls import _urlencode
from werkzeug.wsgi import get_current_url

# every way werkzeug's MultiDict lets code read a request's fields or parameters: by name
# (the first four), and as a whole (the rest). The sweeps record which of them a route's
# own code calls, to send a route only the values it reads (test_hostile_sweep_forms,
# test_hostile_sweep_queries).
MULTIDICT_BY_NAME = ("__getitem__", "get", "getlist", "__contains__")
MULTIDICT_WHOLE = (
    "__iter__",
    "__len__",
    "keys",
    "items",
    "values",
    "lists",
    "listvalues",
    "to_dict",
    "copy",
    "deepcopy",
    "__copy__",
    "__deepcopy__",
    "__eq__",
    "__reduce_ex__",
    "__getstate__",
)


HUGE = "9" * 30
# strings for path parts, query parameters and form fields
HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    HUGE,
    str(2**63),
    str(2**31),
    str(-(2**63) - 1),
    "-" + HUGE,
    "1e400",
    "NaN",
    "１２",
    "²",
    "٣",
    "\x00",
    "a\x00b",
    "\r\nSet-Cookie: x=1",
    "\t",
    "\x1b\x07\x7f\x85",
    "\u202e\u200b\ufeff",
    "😀",
    "%",
    "%00",
    "%ZZ",
    "../../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR '1'='1",
    "{{7*7}}",
    "x" * 10_000,
    "ą" * 3_000,
    "=1+1;=cmd",
    "javascript:alert(1)",
    "//evil.example",
    "/%09/evil.example",
    "null",
    "[]",
    "{}",
    "true",
    "2026-02-30",
    "9999-12-31",
    "0000-00-00",
    "AAAA====",
    "@" * 300,
]
PATH_HOSTILE = [v for v in HOSTILE if len(v) < 5_000] + ["x" * 4_000]
# uploaded files: empty, binary, damaged PNG, broken and deeply nested SVG, formula CSV
FILES = [
    b"",
    b"\x00" * 64,
    b"\xff\xfe\x00<\x00s",
    b"\x89PNG\r\n\x1a\n" + b"\xff" * 40,
    b"<svg" * 100,
    b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g>" * 2000 + b"</g>" * 2000 + b"</svg>",
    b"name,email\r\n" + b"=1+1;=cmd," * 2000 + b"\r\n",
    "name;email\nÖ\x00;@\n".encode(),
]
# JSON values of every wrong type and size
JSON_HOSTILE: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**64,
    -(2**63) - 1,
    10**40,
    1e308,
    -1e308,
    3.5,
    "",
    "x" * 100_000,
    "\x00",
    "\ud800",
    "9" * 30,
    [],
    {},
    [None],
    [2**70],
    [[[]]],
    {"a": {"b": []}},
    ["x"] * 2_000,
]
RAW_BODIES = [
    (b"{", "application/json"),
    (b"[" * 100_000, "application/json"),
    (b'{"a":' * 5_000, "application/json"),
    (b"\xff\xfe{}", "application/json"),
    (b'{"name": NaN}', "application/json"),
    (b'{"a":1,"a":2}', "application/json"),
    (b"null", "application/json"),
    (b'"x"', "application/json"),
    (b"{}", "text/plain"),
    (b"name=x", "application/x-www-form-urlencoded"),
    (b"--x\r\n", "multipart/form-data; boundary=x"),
    (b"{}", "application/json; charset=utf-16"),
    (b"{}", "application/json; charset=nonsense"),
    (b"\x00" * 10, "application/octet-stream"),
]


def _host(environ: dict[str, Any]) -> str:
    return urlsplit(get_current_url(environ, host_only=True)).hostname or "localhost"


def _path(environ: dict[str, Any]) -> str:
    """The request's path as the test client matches cookies to it: an IRI, which takes
    percent-decoding the whole path again (a tenth of a second for a path of thousands of
    escaped characters under the profiler)."""
    return urlsplit(get_current_url(environ, strip_querystring=True)).path


class SweepClient(FlaskClient):
    """Flask's test client less a cost of its own: to match its cookies to a request it
    builds the request's whole URL as an IRI, query string included (percent-decoding it
    twice per request), and then uses only the host and the path. A sweep's query strings
    and paths hold up to a hundred thousand escapes, so that was a third of the sweep's
    time. Here the host comes from the host alone, and the path is worked out only when a
    cookie depends on it: a cookie whose path is ``/`` matches every path (each starts with
    ``/``), and a Set-Cookie that names its path needs none of the request's. The same
    cookies are sent and kept, and the app gets the same request."""

    def _add_cookies_to_wsgi(self, environ: dict[str, Any]) -> None:
        if self._cookies is None:
            return
        server_name = _host(environ)
        path = "/" if all(c.path == "/" for c in self._cookies.values()) else _path(environ)
        value = "; ".join(
            c._to_request_header()
            for c in self._cookies.values()
            if c._matches_request(server_name, path)
        )
        if value:
            environ["HTTP_COOKIE"] = value
        else:
            environ.pop("HTTP_COOKIE", None)

    def run_wsgi_app(self, environ: dict[str, Any], buffered: bool = False) -> Any:
        self._add_cookies_to_wsgi(environ)
        rv = run_wsgi_app(self.application, environ, buffered=buffered)
        headers = rv[2].getlist("Set-Cookie")
        if headers:
            named = all(_NAMES_PATH.search(h) for h in headers)
            path = "/" if named else _path(environ)  # the default path of one naming none
            self._update_cookies_from_response(_host(environ), path, headers)
        return rv


# a Set-Cookie header's Path attribute (werkzeug's parse_options_header reads the same)
_NAMES_PATH = re.compile(r";\s*path\s*=\s*[^;\s]", re.IGNORECASE)


def sweep_client(app: Flask) -> FlaskClient:
    """A test client of ``app`` (with cookies) for a sweep."""
    return SweepClient(app, app.response_class, use_cookies=True)


def encode_form(fields: Any) -> bytes:
    """A form body exactly as the test client encodes a dict or MultiDict of fields
    (``application/x-www-form-urlencoded``): a sweep sends the same form to every route,
    so it is encoded once, not once a request."""
    return _urlencode(fields).encode("ascii")


FORM_TYPE = "application/x-www-form-urlencoded"


class Sweep:
    """Sends requests and keeps every answer that is a 500 or shows a traceback."""

    def __init__(
        self,
        app: Flask,
        client: FlaskClient,
        headers: dict[str, str] | None = None,
        baseline: dict[str, str] | None = None,
    ) -> None:
        self.app = app
        self.baseline = baseline or {}
        self.client = client
        self.headers = headers or {}
        self.failures: list[str] = []
        self.sent = 0

    def send(self, method: str, url: str, *, form: Any = None, **kwargs: Any) -> None:
        """FORM: the fields of a body sent already encoded (see ``encode_form``), to name
        in a failure the fields that differ from the good form."""
        self.sent += 1
        headers = {**self.headers, **kwargs.pop("headers", {})}
        try:
            response = self.client.open(url, method=method, headers=headers, **kwargs)
            body = response.get_data()  # runs a streamed body to its end
            response.close()
        except Exception as exc:  # an error that escaped the app's own handlers
            self.failures.append(
                f"{method} {url[:150]!r}: raised {type(exc).__name__}: {exc}"[:400]
            )
            return
        if response.status_code >= 500 or b"Traceback (most recent call last)" in body:
            data = form if form is not None else kwargs.get("data", "")
            if isinstance(data, dict):  # the fields that differ from the good form
                data = {
                    k: v for k, v in data.items() if self.baseline.get(k) != v and k != "csrf_token"
                }
            self.failures.append(
                f"{method} {url[:150]!r} {str(data)[:200]}: {response.status_code}"
            )
