"""Malformed requests are 400s, oversized ones 413s, too many 429s with Retry-After; never a 500.

Every API answer here is checked against the OpenAPI document (the Api helper)."""

from __future__ import annotations

import io
import json
import random
from typing import Any

import pytest

from tests.verifier.conftest import SVG, Api, page, png_image, post_multipart

TWO_MB = 2 * 1024 * 1024


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.data[:300]
    body = response.get_json()
    assert body["error"]["code"] == code
    assert body["error"]["message"] and "\n" not in body["error"]["message"]
    return body


# --- 400 ----------------------------------------------------------------------------------------

BAD_JSON_REQUESTS = {
    "not json: text/plain": dict(data="eyJhbGciOiJFZERTQSJ9.e30.c2ln", content_type="text/plain"),
    "not json: form": dict(data={"url": "https://school.example/b"}),
    "invalid json": dict(data=b'{"url": ', content_type="application/json"),
    "json with a duplicate key": dict(
        data=b'{"url": "https://a.example/", "url": "https://b.example/"}',
        content_type="application/json",
    ),
    "NaN": dict(data=b'{"credential": NaN}', content_type="application/json"),
    "not utf-8": dict(data=b'{"jwt": "\xff\xfe"}', content_type="application/json"),
    "nested too deep": dict(
        data=b'{"credential": ' + b"[" * 5000 + b"]" * 5000 + b"}", content_type="application/json"
    ),
    "empty body": dict(data=b"", content_type="application/json"),
    "null": dict(json=None, data=b"null", content_type="application/json"),
    "an array": dict(json=[{"url": "https://school.example/b"}]),
    "a string": dict(json="https://school.example/b"),
    "no key": dict(json={}),
    "only a recipient": dict(json={"recipient": "ona@example.org"}),
    "an unknown key": dict(json={"badge": "https://school.example/b"}),
    "two keys": dict(json={"url": "https://school.example/b", "jwt": "a.b.c"}),
    "three keys": dict(json={"url": "https://school.example/b", "jwt": "a.b.c", "credential": {}}),
    "credential a number": dict(json={"credential": 5}),
    "credential a list": dict(json={"credential": [{"type": "VerifiableCredential"}]}),
    "credential empty text": dict(json={"credential": "   "}),
    "jwt a number": dict(json={"jwt": 12}),
    "jwt an object": dict(json={"jwt": {"alg": "none"}}),
    "jwt empty": dict(json={"jwt": ""}),
    "url a list": dict(json={"url": ["https://school.example/b"]}),
    "url not a link": dict(json={"url": "ftp://school.example/b"}),
    "url javascript": dict(json={"url": "javascript:alert(1)"}),
    "recipient a number": dict(json={"jwt": "a.b.c", "recipient": 42}),
    "recipient a list": dict(json={"jwt": "a.b.c", "recipient": ["ona@example.org"]}),
}


@pytest.mark.parametrize("case", list(BAD_JSON_REQUESTS))
def test_malformed_api_requests_are_400(case, api: Api):
    kwargs = dict(BAD_JSON_REQUESTS[case])
    if "json" in kwargs and kwargs["json"] is None:
        kwargs.pop("json")
    _error(api.post(**kwargs), 400, "bad_request")


def test_malformed_multipart_and_query_requests_are_400(api: Api, client):
    _error(
        api.post(data={"recipient": "ona@example.org"}, content_type="multipart/form-data"),
        400,
        "bad_request",
    )
    _error(
        api.post(
            data={"image": (io.BytesIO(b""), "empty.png")}, content_type="multipart/form-data"
        ),
        400,
        "bad_request",
    )
    _error(api.get(), 400, "bad_request")
    _error(api.get("not a link"), 400, "bad_request")
    _error(api.get("javascript:alert(1)"), 400, "bad_request")
    # the pages answer the same mistakes with the form and a one-line message
    for response in (
        client.post("/verify", data={"input": "   "}),
        client.post("/verify", data={}),
        client.post("/verify", data={"image_b64": "not base64!"}),
        client.get("/verify", query_string={"url": "javascript:alert(1)"}),
        client.get("/verify", query_string={"url": '{"not": "a link"}'}),
    ):
        assert response.status_code == 400
        shown = page(response)
        assert shown.h1 == ["Is this badge genuine?"]
        assert 'role="alert"' in response.get_data(as_text=True)


def test_api_errors_outside_the_documented_routes_are_json_too(api: Api, client):
    for response, status in (
        (client.put("/api/v1/verify"), 405),
        (client.get("/api/v1/nothing"), 404),
    ):
        assert response.status_code == status and response.mimetype == "application/json"
        errors = list(
            api.validator({"$ref": "#/components/schemas/Error"}).iter_errors(response.get_json())
        )
        assert not errors


# --- 413 ----------------------------------------------------------------------------------------


def test_requests_over_max_content_length_are_413(make_app):
    small = make_app(MAX_CONTENT_LENGTH=200_000)
    client = small.test_client()
    api = Api(client)
    big = b"x" * 250_000
    _error(
        api.post(data=b'{"jwt": "' + big + b'"}', content_type="application/json"), 413, "too_large"
    )
    _error(
        api.post(data={"image": (io.BytesIO(big), "huge.png")}, content_type="multipart/form-data"),
        413,
        "too_large",
    )
    response = client.post(
        "/verify", data={"image": (io.BytesIO(big), "huge.png")}, content_type="multipart/form-data"
    )
    assert response.status_code == 413 and page(response).h1 == ["Is this badge genuine?"]
    assert "larger than the verifier takes" in response.get_data(as_text=True)
    # under the limit the same routes answer normally
    assert api.post({"jwt": "a.b.c"}).status_code == 200


def test_pasted_text_over_2_mb_is_413(client, api: Api):
    text = "{" + " " * TWO_MB + "}"
    response = post_multipart(client, "/verify", {"input": text, "image": (b"", "")})
    assert response.status_code == 413
    assert "larger than 2 MB" in response.get_data(as_text=True)
    _error(api.post({"jwt": "e" * (TWO_MB + 1)}), 413, "too_large")
    _error(api.post({"credential": text}), 413, "too_large")
    _error(api.post({"credential": {"name": "x" * (TWO_MB + 10)}}), 413, "too_large")
    _error(api.get("https://school.example/" + "a" * (TWO_MB + 1)), 413, "too_large")


# --- 429 ----------------------------------------------------------------------------------------


def test_throttling_is_429_with_retry_after(make_app, signed_jwt):
    # three per 30-second window (6 a minute on average, 3 at once)
    app = make_app(VERIFIER_BURST=3, VERIFIER_RATE_PER_MINUTE=6)
    client = app.test_client()
    api = Api(client)
    for _ in range(3):
        assert api.post({"jwt": signed_jwt}).status_code == 200
    body = _error(api.post({"jwt": signed_jwt}), 429, "too_many_requests")
    assert "Too many" in body["error"]["message"]
    response = api.get("https://school.example/b")
    # Retry-After: the end of the window the three opened, not more than its 30 seconds
    assert response.status_code == 429 and 1 <= int(response.headers["Retry-After"]) <= 30
    page_response = client.post("/verify", data={"input": signed_jwt})
    assert page_response.status_code == 429
    assert 1 <= int(page_response.headers["Retry-After"]) <= 30
    assert page(page_response).h1 == ["Is this badge genuine?"]
    # the form itself, the OpenAPI document and other clients are not held back
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
    other = client.post(
        "/api/v1/verify", json={"jwt": signed_jwt}, environ_base={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert other.status_code == 200


# --- never a 500 ----------------------------------------------------------------------------------


@pytest.fixture
def signed_jwt(school) -> str:
    return school.issue(proof="jwt").jwt


def _garbage() -> list[Any]:
    """A few dozen inputs that are not badges, or badges of the wrong shape."""
    rng = random.Random(20261123)
    vc = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": "did:key:z6Mk",
        "validFrom": "2026-09-01T00:00:00Z",
    }
    shapes: list[Any] = [
        "",
        " ",
        "\x00",
        "{",
        "}",
        "[]",
        "null",
        "0",
        "-1e999",
        "\ud800",
        "\u202e",
        "<svg",
        "<svg xmlns='http://www.w3.org/2000/svg'>",
        "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><svg>&a;</svg>",
        "a.b.c",
        "e30.e30.",
        "eyJhbGciOiJub25lIn0.e30.",
        "eyJhbGciOiJFZERTQSJ9." + "A" * 500 + ".sig",
        "https://",
        "https://[::1",
        "https://127.0.0.1:0/",
        "https://user:pw@127.0.0.1/",
        "http://0/",
        "https://%00/",
        "https://10.0.0.1/badge",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::ffff:127.0.0.1]/",
        json.dumps(
            {
                "type": "Assertion",
                "@context": "https://w3id.org/openbadges/v2",
                "badge": 5,
                "recipient": [],
            }
        ),
        json.dumps(
            {
                **vc,
                "credentialSubject": "x",
                "evidence": 5,
                "endorsement": {"a": 1},
                "image": ["javascript:x"],
            }
        ),
        json.dumps(
            {
                **vc,
                "credentialSubject": {
                    "achievement": {
                        "resultDescription": "abc",
                        "criteria": 3,
                        "endorsement": "x",
                        "image": {"id": 5},
                    },
                    "result": "r",
                },
                "issuer": {"id": 5, "name": ["x"]},
            }
        ),
        json.dumps(
            {
                **vc,
                "credentialSubject": [{"achievement": []}],
                "evidence": [1, None, {"id": 5}],
                "validUntil": 7,
            }
        ),
        json.dumps(
            {
                **vc,
                "credentialSubject": {
                    "achievement": {"resultDescription": [None, 5, {"rubricCriterionLevel": "x"}]},
                    "result": [None, {"achievedLevel": {}}],
                },
            }
        ),
        json.dumps(
            {
                **vc,
                "proof": [
                    {
                        "type": "DataIntegrityProof",
                        "cryptosuite": "eddsa-rdfc-2022",
                        "verificationMethod": 5,
                    }
                ],
            }
        ),
        json.dumps(
            {
                **vc,
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusListCredential": "https://127.0.0.1/x",
                    "statusListIndex": "1",
                    "statusPurpose": "revocation",
                },
            }
        ),
        json.dumps(
            {
                "type": "VerifiableCredential",
                "name": "<script>",
                "badge": {"name": 1, "criteria": "x", "issuer": 5},
            }
        ),
        json.dumps(
            {
                "a": [
                    [
                        [
                            [
                                [
                                    [
                                        [
                                            [
                                                [
                                                    [
                                                        [
                                                            [
                                                                [
                                                                    [
                                                                        [
                                                                            [
                                                                                [
                                                                                    [
                                                                                        [
                                                                                            [
                                                                                                [
                                                                                                    [
                                                                                                        [
                                                                                                            [
                                                                                                                [
                                                                                                                    [
                                                                                                                        [
                                                                                                                            [
                                                                                                                                [
                                                                                                                                    [
                                                                                                                                        [
                                                                                                                                            [
                                                                                                                                                [
                                                                                                                                                    [
                                                                                                                                                        [
                                                                                                                                                            [
                                                                                                                                                                [
                                                                                                                                                                    [
                                                                                                                                                                        [
                                                                                                                                                                            [
                                                                                                                                                                                [
                                                                                                                                                                                    [
                                                                                                                                                                                        [
                                                                                                                                                                                            [
                                                                                                                                                                                                [
                                                                                                                                                                                                    [
                                                                                                                                                                                                        [
                                                                                                                                                                                                            [
                                                                                                                                                                                                                [
                                                                                                                                                                                                                    [
                                                                                                                                                                                                                        [
                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                                                                                            1
                                                                                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                ]
                                                                                                                                                                                                            ]
                                                                                                                                                                                                        ]
                                                                                                                                                                                                    ]
                                                                                                                                                                                                ]
                                                                                                                                                                                            ]
                                                                                                                                                                                        ]
                                                                                                                                                                                    ]
                                                                                                                                                                                ]
                                                                                                                                                                            ]
                                                                                                                                                                        ]
                                                                                                                                                                    ]
                                                                                                                                                                ]
                                                                                                                                                            ]
                                                                                                                                                        ]
                                                                                                                                                    ]
                                                                                                                                                ]
                                                                                                                                            ]
                                                                                                                                        ]
                                                                                                                                    ]
                                                                                                                                ]
                                                                                                                            ]
                                                                                                                        ]
                                                                                                                    ]
                                                                                                                ]
                                                                                                            ]
                                                                                                        ]
                                                                                                    ]
                                                                                                ]
                                                                                            ]
                                                                                        ]
                                                                                    ]
                                                                                ]
                                                                            ]
                                                                        ]
                                                                    ]
                                                                ]
                                                            ]
                                                        ]
                                                    ]
                                                ]
                                            ]
                                        ]
                                    ]
                                ]
                            ]
                        ]
                    ]
                ]
            }
        ),
        "{" * 3000 + "}" * 3000,
        '{"a": ' + "9" * 5000 + "}",
    ]
    for _ in range(8):
        shapes.append(
            bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))).decode("latin-1")
        )
    return shapes


GARBAGE = _garbage()
IMAGES = [
    b"\x89PNG\r\n\x1a\n",
    b"\x89PNG\r\n\x1a\n" + b"\0" * 40,
    png_image()[:-7],
    SVG[:40],
    b"<svg>" + b"<g>" * 5000,
    b"GIF89a",
    b"\xff\xd8\xff\xe0",
    b"%PDF-1.7",
    b"\x00" * 64,
    SVG.replace(b"<circle", b"<script>alert(1)</script><circle"),
]


def test_garbage_through_every_route_is_never_a_500(client, api: Api):
    statuses = set()
    for value in GARBAGE:
        text = value if isinstance(value, str) else str(value)
        raw = text.encode(
            "utf-8", "surrogatepass"
        )  # forms and queries carry bytes, lone surrogates too
        responses = [
            client.post("/verify", data={"input": raw}),
            client.post("/verify", data={"input": raw, "recipient": raw[:100]}),
            client.post("/verify", data={"image_b64": raw}),
            client.get("/verify", query_string={"url": raw}),
            api.post({"credential": text}),
            api.post({"jwt": text}),
            api.post({"url": text}),
            api.post({"credential": {"name": text, "type": text}}),
            api.post({"jwt": "a.b.c", "recipient": text}),
            api.post(data=raw, content_type="application/json"),
            api.check(client.get("/api/v1/verify", query_string={"url": raw}), "get"),
        ]
        for response in responses:
            statuses.add(response.status_code)
            assert response.status_code < 500, (value[:80], response.data[:300])
    for image in IMAGES:
        for response in (
            client.post(
                "/verify",
                data={"image": (io.BytesIO(image), "x.png")},
                content_type="multipart/form-data",
            ),
            api.post(
                data={"image": (io.BytesIO(image), "x.svg")}, content_type="multipart/form-data"
            ),
        ):
            statuses.add(response.status_code)
            assert response.status_code < 500, (image[:40], response.data[:300])
    assert {200, 400} <= statuses
