"""A hostile-input sweep over every form of the issuer app: every form field and file the
views read set to each hostile value, one hostile field among good ones, no or a wrong
CSRF token, bodies that are not forms; and the login form without a session
(tests/issuer/sweep.py)."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote_plus

import pytest
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from tests.hostile_inputs import (
    FILES,
    FORM_TYPE,
    HOSTILE,
    MULTIDICT_BY_NAME,
    MULTIDICT_WHOLE,
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
    """For each hostile value, every field set to it."""
    forms = [dict.fromkeys(FORM_NAMES, value) | CSRF for value in HOSTILE]
    return [(form, encode_form(form)) for form in forms]


# the fields the forms below give twice, the hostile value among good ones
REPEATED = ("alignment_ids", "name")


def _repeated_forms() -> list[tuple[Any, bytes]]:
    """For each hostile value, a field given twice and a list-valued field with the
    hostile value among good ones (``REPEATED``)."""
    forms = [
        MultiDict(
            [
                ("csrf_token", "sweep-csrf"),
                ("alignment_ids", "1"),
                ("alignment_ids", value),
                ("name", value),
                ("name", "x"),
            ]
        )
        for value in HOSTILE
    ]
    return [(form, encode_form(form)) for form in forms]


def _focused_forms() -> list[tuple[str, dict[str, str], str, bool]]:
    """One hostile field among good ones: (the field, the form, its encoding, whether its
    request_key is the sweep's own, a fresh one per request, put in at the mark)."""
    forms = []
    for field in FORM_NAMES:
        for value in FOCUSED:
            form = FORM_BASELINE | {field: value} | CSRF
            fresh = field != "request_key"
            if fresh:
                form["request_key"] = KEY_MARK
            forms.append((field, form, encode_form(form).decode("ascii"), fresh))
    return forms


class Reads:
    """The names of the form fields and files the route's own code read: what its blueprint's hooks, its view, its error handlers and its templates asked
    for, after the app's NUL and CSRF checks (which read every field of every form alike).
    ``everything``: it went through all of them (a loop over the form, a copy of it)."""

    def __init__(self) -> None:
        self.active = False
        self.names: set[str] = set()
        self.everything = False

    def __contains__(self, name: str) -> bool:
        return self.everything or name in self.names


def _recording(reads: Reads) -> type[ImmutableMultiDict[str, Any]]:
    """The request's fields as werkzeug makes them, telling ``reads`` each name of the
    body's fields and files asked for while ``reads.active``; it answers exactly as
    werkzeug's does."""

    def named(method: str) -> Any:
        real = getattr(ImmutableMultiDict, method)

        def asked(self: Any, key: Any, *args: Any, **kwargs: Any) -> Any:
            if reads.active and self.__dict__.get("body"):
                reads.names.add(key)
            return real(self, key, *args, **kwargs)

        return asked

    def whole(method: str) -> Any:
        real = getattr(ImmutableMultiDict, method)

        def walked(self: Any, *args: Any, **kwargs: Any) -> Any:
            if reads.active and self.__dict__.get("body"):
                reads.everything = True
            return real(self, *args, **kwargs)

        return walked

    body: dict[str, Any] = {m: named(m) for m in MULTIDICT_BY_NAME}
    for method in MULTIDICT_WHOLE:
        body[method] = whole(method)
    return type("RecordingMultiDict", (ImmutableMultiDict,), body)


def _record_reads(app: Any) -> Reads:
    """From now on ``app`` tells the returned Reads what each request's own code reads:
    recording starts after the app's own before-request hooks (the NUL and CSRF checks)."""
    reads = Reads()

    class RecordingRequest(app.request_class):  # type: ignore[name-defined,misc]
        parameter_storage_class = _recording(reads)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            reads.active = False  # a new request: its hooks have not run yet
            super().__init__(*args, **kwargs)

        def _load_form_data(self) -> None:
            """The body's fields and files are the ones told (the query's are not swept
            here: a form sent to every route goes in the body)."""
            super()._load_form_data()
            for fields in (self.form, self.files):
                if isinstance(fields, ImmutableMultiDict):
                    fields.__dict__["body"] = True

    def start() -> None:
        reads.active = True

    def stop(_error: BaseException | None) -> None:
        reads.active = False  # the answer is made: the teardown closes the uploads

    app.request_class = RecordingRequest
    # appended directly: Flask's before_request() refuses once the app has served a request
    # (the teardown functions run last first: ``stop`` before the app's own)
    app.before_request_funcs.setdefault(None, []).append(start)
    app.teardown_request_funcs.setdefault(None, []).append(stop)
    return reads


def test_hostile_form_fields_and_files_on_every_form(app, database, world):
    """The forms with one hostile field among good ones go to a route for each field its
    code reads (``Reads``): the same form with a hostile value in a field nothing reads is
    the good form again, sent once per route (about nine in ten of the 188 a route got
    before took that one path again). A field first read by one of them gets its own.
    Likewise the forms that repeat a field and the uploads go in full only to a route that
    reads those fields (its first of each to every route)."""
    failures: list[str] = []
    hostile_forms = _hostile_forms()
    repeated_forms = _repeated_forms()
    focused_forms = _focused_forms()
    mark = quote_plus(KEY_MARK, safe="")
    reads = _record_reads(app)
    good = FORM_BASELINE | CSRF | {"request_key": KEY_MARK}
    good_form = ("", good, encode_form(good).decode("ascii"), True)
    focused_sent = repeated_to = files_to = 0
    for rule, methods in routes(app):
        if "POST" not in methods or rule.rule.startswith("/api/") or rule.endpoint == "auth.logout":
            continue
        sweep = sweep_for(app, database, world, rule)
        path = path_for(rule, world)
        reads.names, reads.everything = set(), False
        for form, body in hostile_forms:
            sweep.send("POST", path, data=body, content_type=FORM_TYPE, form=form)
        # the good form, then each field read so far (and each read by those, in turn)
        pending, sent_fields = [good_form, *focused_forms], 0
        while pending:
            left = []
            for field, form, encoded, fresh in pending:
                if field and field not in reads:
                    left.append((field, form, encoded, fresh))
                    continue
                key = f"r{sweep.sent}"
                sweep.send(
                    "POST",
                    path,
                    data=encoded.replace(mark, key).encode("ascii") if fresh else encoded.encode(),
                    content_type=FORM_TYPE,
                    form=form | {"request_key": key} if fresh else form,
                )
                sent_fields += 1
            if len(left) == len(pending):
                break
            pending = left
        focused_sent += sent_fields
        # the repeated fields: the first form to every route (the fields it reads missing);
        # the others only where the route reads one of them, as elsewhere they hold their
        # hostile value in fields nothing reads (the form with every field set to it met
        # the app's own NUL check on this route already)
        repeated_read = any(name in reads for name in REPEATED)
        for form, body in repeated_forms if repeated_read else repeated_forms[:1]:
            sweep.send("POST", path, data=body, content_type=FORM_TYPE, form=form)
        repeated_to += repeated_read
        # the uploads: each to a route that reads a file; the first only to one that reads
        # none (the others differ only in content that nothing but the form parser, the
        # same on every route, reads)
        files_read = any(name in reads for name in FILE_NAMES)
        files_to += files_read
        for content in FILES if files_read else FILES[:1]:
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
    # the reads were seen: routes read fields, and more than one field each on the whole
    assert focused_sent > 500, focused_sent
    assert repeated_to > 5, repeated_to
    assert files_to > 3, files_to
