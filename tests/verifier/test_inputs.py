"""Every way a badge comes in: link (form, API, ?url=), QR link, pasted JSON or JWT, an API
credential object or jwt, a baked PNG or SVG (form and multipart API)."""

from __future__ import annotations

import base64
import io
import json
from urllib.parse import quote

import pytest

from badges import baking
from tests.verifier.conftest import SVG, Api, failed, page, png_image, post_multipart


@pytest.fixture
def signed(school):
    return school.issue()


def _valid_page(response) -> None:
    assert response.status_code == 200, response.data[:300]
    assert page(response).verdict == "valid"


def _valid_report(response) -> dict:
    report = response.get_json()
    assert report["verdict"] == "valid", report["checks"]
    return report


def test_link_in_the_form(school, signed, client):
    link = school.publish("b", signed)["json"]
    _valid_page(client.post("/verify", data={"input": f"  {link}\n"}))
    assert "/credentials/b" in school.site.requests


def test_link_through_the_api_post_and_get(school, signed, api: Api):
    links = school.publish("b", signed)
    assert _valid_report(api.post({"url": links["json"]}))["format"] == "json"
    assert _valid_report(api.get(links["jwt"]))["format"] == "jwt"


def test_qr_link_as_the_issuer_prints_it(school, signed, client):
    """A QR code holds the verifier's /verify?url=<the badge's link, percent-encoded>."""
    link = school.publish("b", signed)["json"]
    _valid_page(client.get(f"/verify?url={quote(link, safe='')}"))
    # the QR code an issuer prints for that link is a real PNG of it
    from badges.qr import qr_png

    assert qr_png(f"https://verify.example/verify?url={quote(link, safe='')}").startswith(
        b"\x89PNG"
    )


def test_verify_without_a_url_shows_the_form(client):
    response = client.get("/verify")
    assert response.status_code == 200
    assert page(response).h1 == ["Is this badge genuine?"]


def test_pasted_json_and_pasted_jwt(signed, client):
    _valid_page(client.post("/verify", data={"input": json.dumps(signed.json, indent=2)}))
    _valid_page(client.post("/verify", data={"input": signed.jwt}))


def test_api_credential_object_credential_text_and_jwt(signed, api: Api):
    assert _valid_report(api.post({"credential": signed.json}))["format"] == "json"
    assert _valid_report(api.post({"credential": json.dumps(signed.json)}))["format"] == "json"
    assert _valid_report(api.post({"jwt": signed.jwt}))["format"] == "jwt"
    assert _valid_report(api.post({"credential": signed.jwt}))["format"] == "jwt"


@pytest.mark.parametrize("form", ["json", "jwt"])
def test_png_upload_in_the_form_and_the_api(signed, client, api: Api, form):
    payload = json.dumps(signed.json) if form == "json" else signed.jwt
    baked = baking.bake(png_image(), payload)
    assert baking.unbake(baked).payload.strip() == payload.strip()  # the bake round-trips
    response = client.post(
        "/verify",
        data={"image": (io.BytesIO(baked), "badge.png"), "input": ""},
        content_type="multipart/form-data",
    )
    _valid_page(response)
    assert "read from a baked PNG image" in response.get_data(as_text=True)
    report = _valid_report(
        api.post(
            data={"image": (io.BytesIO(baked), "badge.png")}, content_type="multipart/form-data"
        )
    )
    assert "baked PNG" in report["checks"][0]["message"]


@pytest.mark.parametrize("form", ["json", "jwt"])
def test_svg_upload_in_the_form_and_the_api(signed, client, api: Api, form):
    payload = json.dumps(signed.json) if form == "json" else signed.jwt
    baked = baking.bake(SVG, payload)
    assert baking.unbake(baked).payload.strip() == payload.strip()
    response = client.post(
        "/verify",
        data={"image": (io.BytesIO(baked), "badge.svg")},
        content_type="multipart/form-data",
    )
    _valid_page(response)
    assert "read from a baked SVG image" in response.get_data(as_text=True)
    _valid_report(
        api.post(
            data={"image": (io.BytesIO(baked), "badge.svg"), "recipient": "ona@example.org"},
            content_type="multipart/form-data",
        )
    )


def test_the_recipient_form_carries_a_dropped_image_back(signed, client):
    """The recipient check after an upload re-sends the image from the page's hidden field."""
    baked = baking.bake(png_image(), signed.jwt)
    first = client.post(
        "/verify",
        data={"image": (io.BytesIO(baked), "badge.png")},
        content_type="multipart/form-data",
    )
    carried = [i for i in page(first).inputs if i.get("name") == "image_b64"]
    assert len(carried) == 1 and base64.b64decode(carried[0]["value"]) == baked
    again = client.post(
        "/verify", data={"image_b64": carried[0]["value"], "recipient": "ona@example.org"}
    )
    _valid_page(again)
    assert page(again).checks["Recipient"] == "passed"


def test_a_large_pasted_badge_within_the_limit_is_taken_from_the_browser_form(school, client):
    """A credential of ~1 MB (a data: image) pasted into the multipart form is verified, not
    refused by Werkzeug's 500 kB per-field default."""
    image = "data:image/png;base64," + base64.b64encode(png_image(8) + b"\0" * 700_000).decode()
    from tests.conftest import SCHOOL_DID, build_credential

    unsigned = build_credential(SCHOOL_DID)
    unsigned["credentialSubject"]["achievement"]["image"] = {"id": image, "type": "Image"}
    signed = school.sign(unsigned)
    text = json.dumps(signed.json)
    assert 900_000 < len(text) < 2 * 1024 * 1024
    response = post_multipart(client, "/verify", {"input": text, "image": (b"", "")})
    assert response.status_code == 200
    shown = page(response)
    assert shown.verdict == "valid", shown.failed_titles()
    assert image in shown.images


def test_a_baked_image_without_a_badge_is_a_failed_format_check(client, api: Api):
    report = api.post(
        data={"image": (io.BytesIO(png_image()), "plain.png")}, content_type="multipart/form-data"
    ).get_json()
    assert failed(report) == ["format"] and "carries no baked badge" in report["message"]
    response = client.post(
        "/verify",
        data={"image": (io.BytesIO(SVG), "plain.svg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and page(response).verdict == "invalid"


def test_svg_with_the_standard_doctype_in_the_form_and_the_api(signed, client, api: Api):
    # issue 18: illustration tools write the SVG 1.1 DOCTYPE; a bare one is read
    doctype = (
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
    )
    declaration, _, rest = SVG.partition(b"?>")
    image = declaration + b"?>\n" + doctype + rest if rest else doctype + SVG
    baked = baking.bake(image, signed.jwt)
    assert doctype in baked
    response = client.post(
        "/verify",
        data={"image": (io.BytesIO(baked), "badge.svg")},
        content_type="multipart/form-data",
    )
    _valid_page(response)
    _valid_report(
        api.post(
            data={"image": (io.BytesIO(baked), "badge.svg")}, content_type="multipart/form-data"
        )
    )
    hostile = baked.replace(b'svg11.dtd">', b'svg11.dtd" [<!ENTITY a "b">]>', 1)
    report = api.post(
        data={"image": (io.BytesIO(hostile), "badge.svg")}, content_type="multipart/form-data"
    ).get_json()
    assert report["verdict"] == "invalid" and report["checks"][0]["outcome"] == "failed"


def test_the_api_tells_a_credential_that_is_no_badge_from_input_that_is_no_credential(
    signed, api: Api
):
    other = {**signed.json, "type": ["VerifiableCredential", "OtherCredential"]}
    report = api.post({"credential": other}).get_json()
    assert report["verdict"] == "invalid"
    assert report["checks"][0]["outcome"] == "failed"
    assert report["checks"][0]["reason"] == "not_a_badge"
    report = api.post({"credential": {"hello": "world"}}).get_json()
    assert report["verdict"] == "invalid" and report["checks"][0]["outcome"] == "failed"
    assert "reason" not in report["checks"][0]
