"""A hostile-input sweep over every route of the verifier app: no input gets a 500.

Every rule of ``app.url_map`` (all its methods) gets hostile values in its query (``url``,
``recipient``), its form fields (pasted text, base64 image, recipient), uploaded files,
raw bodies of every content type and JSON of every wrong type. Links point nowhere but
loopback or names the tests cannot resolve (see conftest)."""

from __future__ import annotations

import io
import json
from urllib.parse import urlencode

import pytest

from tests.hostile_inputs import FILES, HOSTILE, JSON_HOSTILE, RAW_BODIES, Sweep, sweep_client

pytestmark = pytest.mark.slow

LINKS = [
    "https://evil.example/badge",
    "http://127.0.0.1:9/x",
    "https://[::1]:9/",
    "http://0x7f.1/",
    "ftp://x/",
    "https://school.example/" + "a" * 3000,
    "https://school.example/%00",
    "https://user:pw@school.example/",
]


def test_hostile_inputs_on_every_verifier_route(app):
    sweep = Sweep(app, sweep_client(app))
    rules = [
        (rule, sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}))
        for rule in app.url_map.iter_rules()
    ]
    for rule, methods in rules:
        path = rule.rule.replace("<path:filename>", "style.css")
        for value in [*HOSTILE, *LINKS]:
            query = urlencode({"url": value, "recipient": value, "format": value})
            for method in methods:
                sweep.send(method, f"{path}?{query}")
            if "POST" in methods:
                sweep.send(
                    "POST", path, data={"input": value, "recipient": value, "image_b64": value}
                )
                sweep.send("POST", path, data={"input": value, "recipient": "ona@pupils.example"})
                for key in ("credential", "jwt", "url"):
                    sweep.send(
                        "POST",
                        path,
                        data=json.dumps({key: value, "recipient": value}),
                        content_type="application/json",
                    )
        if "POST" not in methods:
            continue
        for content in FILES:
            for name in ("image", "file"):
                sweep.send(
                    "POST",
                    path,
                    data={name: (io.BytesIO(content), "badge.png"), "recipient": "x"},
                    content_type="multipart/form-data",
                )
        for body, content_type in RAW_BODIES:
            sweep.send("POST", path, data=body, content_type=content_type)
        for value in JSON_HOSTILE:
            for payload in (
                value,
                {"credential": value},
                {"jwt": value},
                {"url": value},
                {
                    "credential": {"@context": value, "type": value, "proof": value},
                    "recipient": value,
                },
                {"credential": {}, "jwt": "x"},
            ):
                sweep.send("POST", path, data=json.dumps(payload), content_type="application/json")
    assert sweep.sent > 1_000
    assert not sweep.failures, "\n".join(sweep.failures[:40])
