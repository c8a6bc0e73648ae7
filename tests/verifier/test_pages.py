"""The pages work without JavaScript, have one h1 and a label for every input, fit a phone and
print cleanly."""

from __future__ import annotations

import re

import pytest

from badges.status import bitstring_status_list as bsl
from tests.verifier.conftest import EXPIRED, Page, page


@pytest.fixture
def every_page(school, make_app):
    """One of each page the verifier serves: form, valid, invalid, undecided, and the errors."""
    app = make_app(VERIFIER_BURST=12, VERIFIER_RATE_PER_MINUTE=1, MAX_CONTENT_LENGTH=100_000)
    client = app.test_client()
    valid = school.publish("valid", school.issue())["json"]
    expired = school.issue(valid_until=EXPIRED, proof="jwt").jwt
    undecided = school.publish(
        "u", school.issue(status=[bsl.status_entry("https://school.example/none", 3)])
    )["json"]
    responses = {
        "form": client.get("/"),
        "verify without url": client.get("/verify"),
        "valid": client.post("/verify", data={"input": valid, "recipient": "ona@example.org"}),
        "valid from a QR link": client.get("/verify", query_string={"url": valid}),
        "invalid": client.post("/verify", data={"input": expired}),
        "undecided": client.post("/verify", data={"input": undecided}),
        "not a badge": client.post("/verify", data={"input": "hello"}),
        "400": client.post("/verify", data={"input": ""}),
        "413": client.post("/verify", data={"input": "x" * 200_000}),
        "404": client.get("/nowhere"),
    }
    while (throttled := client.post("/verify", data={"input": "hello"})).status_code != 429:
        pass
    responses["429"] = throttled
    expected = {"400": 400, "413": 413, "404": 404, "429": 429}
    for name, response in responses.items():
        assert response.status_code == expected.get(name, 200), name
    return responses


def test_no_page_has_script_or_event_handlers(every_page):
    for name, response in every_page.items():
        html = response.get_data(as_text=True)
        assert "<script" not in html.lower(), name
        assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE), name
        assert "javascript:" not in html.lower(), name
        # everything is a plain form post or a link: it works with scripting off (the
        # language switcher is a plain form post too)
        for form in re.findall(r"<form[^>]*>", html):
            assert 'method="post"' in form, (name, form)
            assert 'action="/verify"' in form or 'action="/language"' in form, (name, form)


def test_every_page_has_one_h1_and_a_label_for_every_input(every_page):
    for name, response in every_page.items():
        shown = page(response)
        assert len(shown.h1) == 1, (name, shown.h1)
        visible = [i for i in shown.inputs if i.get("type") not in ("hidden", "submit")]
        ids = [i.get("id") for i in visible]
        assert all(ids), (name, visible)
        assert len(set(ids)) == len(ids), name
        for input_id in ids:
            assert shown.labels.count(input_id) == 1, (name, input_id)
        assert shown.tags.count("html") == 1


def test_the_verdict_is_in_the_heading_and_the_title(every_page):
    for name, verdict in (
        ("valid", "valid"),
        ("valid from a QR link", "valid"),
        ("invalid", "invalid"),
        ("undecided", "undecided"),
        ("not a badge", "invalid"),
    ):
        response = every_page[name]
        assert page(response).verdict == verdict, name
        title = re.search(r"<title>(.*?)</title>", response.get_data(as_text=True)).group(1)
        assert {
            "valid": "Valid badge",
            "invalid": "Not valid",
            "undecided": "Cannot be checked now",
        }[verdict] in title


def test_pages_fit_a_phone_and_print_cleanly(every_page, client):
    for name, response in every_page.items():
        html = response.get_data(as_text=True)
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html, name
        shown = page(response)
        assert shown.stylesheets == ["/static/style.css"], name
    css = client.get("/static/style.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    text = css.get_data(as_text=True)
    css.close()
    print_rules = " ".join(re.findall(r"@media print\s*\{(.*?)\}\s*\}", text, re.DOTALL))
    assert ".noprint" in print_rules and "display: none" in print_rules
    # the recipient form, the raw credential and the "check another" link stay off paper
    html = every_page["valid"].get_data(as_text=True)
    assert re.search(r'<form[^>]*class="recipient noprint"', html)
    assert '<details class="noprint"><summary>The raw credential' in html
    assert '<p class="noprint"><a href="/">Check another badge</a>' in html


def test_security_headers_on_every_page(every_page):
    for name, response in every_page.items():
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert "script-src" not in headers["Content-Security-Policy"]
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        assert headers["Cache-Control"] == "no-store"


def test_page_parser_reads_a_verdict():
    """The tests' own reader fails on a page without a verdict heading."""
    with pytest.raises(AssertionError):
        _ = Page("<h1>Is this badge genuine?</h1>").verdict
    assert Page("<h1>✘ This badge is not valid</h1>").verdict == "invalid"
