"""A hostile-input sweep over every form of the issuer app: every form field and file the
views read set to each hostile value, one hostile field among good ones, no or a wrong
CSRF token, bodies that are not forms; and the login form without a session
(tests/issuer/sweep.py)."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote_plus

import pytest
from werkzeug.datastructures import MultiDict

from tests.hostile_inputs import (
    FILES,
    FORM_TYPE,
    HOSTILE,
    RAW_BODIES,
    Sweep,
    encode_form,
    sweep_client,
)
from tests.issuer.sweep import (
    FILE_NAMES,
    FOCUSED,
    FORM_BASELINE,
    FORM_NAMES,
    path_for,
    routes,
    sweep_for,
    world,  # noqa: F401 (the fixture)
)

pytestmark = pytest.mark.slow

# Every form below is the same on every route: each is encoded once (``encode_form``, the
# test client's own encoding), and each route gets the same bytes the client would send.
CSRF = {"csrf_token": "sweep-csrf"}
KEY_MARK = "\x01request-key\x01"  # where each request's own request_key goes


def _hostile_forms() -> list[tuple[Any, bytes]]:
    """For each hostile value: every field set to it; then a field given twice and
    list-valued fields with the hostile value among good ones."""
    forms: list[Any] = []
    for value in HOSTILE:
        forms.append(dict.fromkeys(FORM_NAMES, value) | CSRF)
        forms.append(
            MultiDict(
                [
                    ("csrf_token", "sweep-csrf"),
                    ("alignment_ids", "1"),
                    ("alignment_ids", value),
                    ("name", value),
                    ("name", "x"),
                ]
            )
        )
    return [(form, encode_form(form)) for form in forms]


def _focused_forms() -> list[tuple[dict[str, str], str, bool]]:
    """One hostile field among good ones: (the form, its encoding, whether its request_key
    is the sweep's own, a fresh one per request, put in at the mark)."""
    forms = []
    for field in FORM_NAMES:
        for value in FOCUSED:
            form = FORM_BASELINE | {field: value} | CSRF
            fresh = field != "request_key"
            if fresh:
                form["request_key"] = KEY_MARK
            forms.append((form, encode_form(form).decode("ascii"), fresh))
    return forms


def test_hostile_form_fields_and_files_on_every_form(app, database, world):
    failures: list[str] = []
    hostile_forms = _hostile_forms()
    focused_forms = _focused_forms()
    mark = quote_plus(KEY_MARK, safe="")
    for rule, methods in routes(app):
        if "POST" not in methods or rule.rule.startswith("/api/") or rule.endpoint == "auth.logout":
            continue
        sweep = sweep_for(app, database, world, rule)
        path = path_for(rule, world)
        for form, body in hostile_forms:
            sweep.send("POST", path, data=body, content_type=FORM_TYPE, form=form)
        for form, encoded, fresh in focused_forms:
            key = f"r{sweep.sent}"
            sweep.send(
                "POST",
                path,
                data=encoded.replace(mark, key).encode("ascii") if fresh else encoded.encode(),
                content_type=FORM_TYPE,
                form=form | {"request_key": key} if fresh else form,
            )
        for content in FILES:
            form = dict.fromkeys(FORM_NAMES, "x") | {"csrf_token": "sweep-csrf"}
            for name in FILE_NAMES:
                form[name] = (io.BytesIO(content), "upload.svg")
            sweep.send("POST", path, data=form, content_type="multipart/form-data")
        # no or a wrong CSRF token, and bodies that are not forms
        sweep.send("POST", path, data={"name": "x"})
        sweep.send("POST", path, data={"csrf_token": "\x00" * 3})
        for body, content_type in RAW_BODIES:
            sweep.send(
                "POST",
                path,
                data=body,
                content_type=content_type,
                headers={"X-CSRF-Token": "sweep-csrf"},
            )
        failures += sweep.failures
    # and the login form, with no session at all
    anonymous = Sweep(app, sweep_client(app))
    for value in HOSTILE:
        with anonymous.client.session_transaction() as sess:
            sess["csrf"] = "c"
        anonymous.send(
            "POST",
            "/login",
            data={"email": value, "password": value, "csrf_token": "c"},
            environ_base={"REMOTE_ADDR": "198.51.100.99"},
        )
    failures += anonymous.failures
    assert not failures, "\n".join(failures[:40])
