"""Safety: escaped content, only safe images, the recipient's address kept in memory, caches
that never turn "revoked" into "valid", and no connection to loopback by default."""

from __future__ import annotations

import base64
import json
import logging
import threading

import pytest

from badges.identity import hashed_email
from badges.status import bitstring_status_list as bsl
from tests.conftest import SCHOOL_DID, build_credential
from tests.verifier.conftest import Api, failed, page, png_image

SCRIPT = "<script>alert('badge')</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'


# --- content from a credential is text ----------------------------------------------------------


def test_credential_content_is_shown_escaped(school, client):
    unsigned = build_credential(SCHOOL_DID, name=SCRIPT)
    unsigned["credentialSubject"]["achievement"]["description"] = ATTRIBUTE
    unsigned["issuer"]["name"] = "</h1><h1>Forged verdict"
    unsigned["evidence"] = [
        {
            "id": 'https://school.example/e?q="><script>x</script>',
            "type": ["Evidence"],
            "name": SCRIPT,
            "narrative": ATTRIBUTE,
        }
    ]
    signed = school.sign(unsigned)
    for form in (json.dumps(signed.json), signed.jwt):
        response = client.post("/verify", data={"input": form})
        html = response.get_data(as_text=True)
        shown = page(response)
        assert shown.verdict == "valid"  # a valid badge with hostile text, shown as text
        assert "<script" not in html.lower()
        assert "<img src=x" not in html
        assert shown.tags.count("h1") == 1 and "Forged verdict" not in shown.h1[0]
        assert "&lt;script&gt;alert(&#39;badge&#39;)&lt;/script&gt;" in html
        assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
        assert "&lt;/h1&gt;&lt;h1&gt;Forged verdict" in html


@pytest.mark.parametrize(
    ("image", "shown"),
    [
        ("data:image/png;base64," + base64.b64encode(png_image(4)).decode(), True),
        (
            "data:image/svg+xml;base64,"
            + base64.b64encode(b"<svg xmlns='http://www.w3.org/2000/svg'/>").decode(),
            True,
        ),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("http://school.example/images/water.png", False),
        ("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", False),
        ("data:image/svg+xml,<svg onload=alert(1)>", False),
        ("//school.example/images/water.png", False),
        (" https://school.example/x.png", False),
    ],
)
def test_only_data_images_are_rendered_as_given(image, shown, school, client):
    unsigned = build_credential(SCHOOL_DID)
    unsigned["credentialSubject"]["achievement"]["image"] = {"id": image, "type": "Image"}
    signed = school.sign(unsigned, proof="jwt")
    response = client.post("/verify", data={"input": signed.jwt})
    images = page(response).images
    assert images == ([image] if shown else [])
    # the policy forbids script anyway, and any image but data: (nothing is hot-linked)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "img-src data:;" in csp and "script-src" not in csp
    assert "https:" not in csp


def test_an_https_image_is_fetched_by_the_verifier_and_inlined_never_hot_linked(school, client):
    """(Changed: https images used to be hot-linked, which tells the image's host who looked
    at the badge.) The verifier fetches the image through its guarded fetcher and shows it as
    a data: URI when the bytes are an image; otherwise it offers a link, and shows no <img>."""
    picture = png_image(6)
    school.site.raw("/images/water.png", picture, "image/png")
    school.site.raw("/images/page.png", b"<html><script>alert(1)</script></html>", "image/png")
    cases = {
        "https://school.example/images/water.png": "data:image/png;base64,"
        + base64.b64encode(picture).decode(),
        "https://school.example/images/page.png": None,  # not an image, whatever its type says
        "https://school.example/images/missing.png": None,  # 404
    }
    for url, inlined in cases.items():
        unsigned = build_credential(SCHOOL_DID)
        unsigned["credentialSubject"]["achievement"]["image"] = {"id": url, "type": "Image"}
        response = client.post("/verify", data={"input": school.sign(unsigned, proof="jwt").jwt})
        html = response.get_data(as_text=True)
        assert page(response).images == ([inlined] if inlined else []), url
        assert f'src="{url}"' not in html
        if inlined is None:
            assert f'href="{url}"' in html and 'rel="nofollow noopener noreferrer"' in html
    # the image was fetched by the verifier (once: cached), from the school's site
    assert school.site.requests.count("/images/water.png") == 1
    again = build_credential(SCHOOL_DID)
    again["credentialSubject"]["achievement"]["image"] = {
        "id": "https://school.example/images/water.png",
        "type": "Image",
    }
    client.post("/verify", data={"input": school.sign(again, proof="jwt").jwt})
    assert school.site.requests.count("/images/water.png") == 1


# --- the recipient's address --------------------------------------------------------------------


def test_recipient_check_answers_yes_or_no_with_the_credentials_salt(school, client, api: Api):
    identity = hashed_email("ona.petraityte@pupils.example")
    unsigned = build_credential(SCHOOL_DID, email=None)
    unsigned["credentialSubject"]["identifier"] = [identity.to_json()]
    signed = school.sign(unsigned)
    link = school.publish("ona", signed)["json"]
    assert identity.salt and identity.salt in json.dumps(signed.json)  # the credential's own salt
    for candidate, answer in (
        ("ona.petraityte@pupils.example", "passed"),
        ("  Ona.Petraityte@Pupils.example ", "passed"),
        ("jonas@pupils.example", "failed"),
    ):
        report = api.post({"url": link, "recipient": candidate}).get_json()
        assert (
            report["checks"][7]["name"] == "recipient" and report["checks"][7]["outcome"] == answer
        )
        assert report["verdict"] == ("valid" if answer == "passed" else "invalid")
        shown = page(client.post("/verify", data={"input": link, "recipient": candidate}))
        assert shown.checks["Recipient"] == answer


def test_the_recipient_address_never_leaves_the_verifier(school, client, api: Api, caplog):
    email = "secret.learner@pupils.example"
    signed = school.issue(email=email)
    links = school.publish("secret", signed)
    caplog.set_level(logging.DEBUG)
    responses = [
        client.post("/verify", data={"input": links["json"], "recipient": email}),
        client.post("/verify", data={"input": signed.jwt, "recipient": email}),
        api.post({"url": links["jwt"], "recipient": email}),
        api.post({"credential": signed.json, "recipient": email}),
    ]
    for response in responses:
        assert response.status_code == 200
        assert email not in response.get_data(as_text=True)
        assert all(email not in value for value in response.headers.values())
        assert "Location" not in response.headers
    assert [r.get_json()["verdict"] for r in responses[2:]] == ["valid", "valid"]
    assert [page(r).checks["Recipient"] for r in responses[:2]] == ["passed", "passed"]
    assert email not in caplog.text
    assert not any(email in path or "pupils" in path for path in school.site.requests)
    # the form posts it (never a GET query), and it is not written back into the page
    for response in responses[:2]:
        recipient_inputs = [i for i in page(response).inputs if i.get("name") == "recipient"]
        assert len(recipient_inputs) == 1 and recipient_inputs[0].get("value") is None
        assert (
            '<form method="post" action="/verify" class="recipient noprint">'
            in response.get_data(as_text=True)
        )


# --- caches never turn "revoked" into "valid" ----------------------------------------------------


def test_a_cached_status_list_says_valid_only_within_its_ttl_then_revoked_for_good(
    school, app, client, api: Api, monkeypatch
):
    # the verifier's cache reads its own clock: moved by hand here, so a loaded machine
    # cannot stretch a verification past the list's ttl
    now = [1000.0]
    monkeypatch.setattr(app.extensions["verifier.verifier"], "clock", lambda: now[0])
    ttl = 1.0
    path = "/status/short"
    url = school.status_list(path, set_bits=(), ttl_ms=int(ttl * 1000))
    link = school.publish("watched", school.issue(status=[bsl.status_entry(url, 31337)]))["json"]

    assert api.post({"url": link}).get_json()["verdict"] == "valid"
    assert school.site.requests.count(path) == 1

    school.status_list(path, set_bits=(31337,), ttl_ms=int(ttl * 1000))  # the school revokes it
    now[0] += ttl / 2
    # within the list's ttl the cached list still answers, without a fetch
    assert api.post({"url": link}).get_json()["verdict"] == "valid"
    assert school.site.requests.count(path) == 1

    now[0] += ttl / 2 + 0.05
    verdicts = []
    for i in range(6):
        if i % 2:
            verdicts.append(page(client.post("/verify", data={"input": link})).verdict)
        else:
            response = api.post({"url": link})
            verdicts.append(response.get_json()["verdict"])
            assert failed(response.get_json()) == ["status"]
    assert verdicts == ["invalid"] * 6
    assert school.site.requests.count(path) == 2  # fetched again once the ttl was over, then cached

    # the list stays revoked; once the cached copy expires again, a refetch still says revoked
    now[0] += ttl + 0.05
    assert api.post({"url": link}).get_json()["verdict"] == "invalid"
    assert school.site.requests.count(path) == 3


def test_a_slow_fetch_of_the_old_list_never_replaces_a_newer_revoked_one(school, app, monkeypatch):
    """Two verifications at once: the first fetch (of the list before the revocation) ends
    after the second (of the revoked list). Neither the slow one's answer nor the next one
    may say valid."""
    path = "/status/race"
    url = school.status_list(path, set_bits=())  # no ttl: the verifier keeps it up to 300 s
    link = school.publish("race", school.issue(status=[bsl.status_entry(url, 77)]))["json"]
    fetcher = app.extensions["verifier.verifier"].fetcher
    real_get = fetcher.get
    fetched_old, release = threading.Event(), threading.Event()
    calls = []

    def slow_first(target, **kwargs):
        response = real_get(target, **kwargs)
        if target == url:
            calls.append(response)
            if len(calls) == 1:
                fetched_old.set()
                assert release.wait(60)
        return response

    monkeypatch.setattr(fetcher, "get", slow_first)
    slow: list[str] = []
    thread = threading.Thread(
        target=lambda: slow.append(
            app.test_client().post("/api/v1/verify", json={"url": link}).get_json()["verdict"]
        )
    )
    thread.start()
    assert fetched_old.wait(60)
    school.status_list(path, set_bits=(77,))  # revoked while the first fetch is in flight
    assert (
        app.test_client().post("/api/v1/verify", json={"url": link}).get_json()["verdict"]
        == "invalid"
    )
    release.set()
    thread.join(60)
    assert slow == ["invalid"]  # the slow request takes the newer list it finds cached
    assert (
        app.test_client().post("/api/v1/verify", json={"url": link}).get_json()["verdict"]
        == "invalid"
    )
    assert len(calls) == 2


def test_a_status_list_that_cannot_be_fetched_is_never_valid(school, client, api: Api):
    path = "/status/flaky"
    url = school.status_list(path, set_bits=(5,), ttl_ms=0)  # no caching at all
    link = school.publish("flaky", school.issue(status=[bsl.status_entry(url, 5)]))["json"]
    assert api.post({"url": link}).get_json()["verdict"] == "invalid"
    del school.site.routes[path]  # the list disappears
    report = api.post({"url": link}).get_json()
    assert report["verdict"] == "undecided" and not report["verified"]
    assert page(client.post("/verify", data={"input": link})).verdict == "undecided"


# --- loopback is refused by default, before any connection ----------------------------------------


def test_default_configuration_refuses_loopback_without_connecting(listener, school):
    from verifier import create_app

    port = listener.getsockname()[1]
    app = create_app({"TESTING": True})  # the defaults: no allowed hosts, no URL map
    client = app.test_client()
    api = Api(client)
    links = [
        f"http://127.0.0.1:{port}/credentials/1",
        f"https://127.0.0.1:{port}/credentials/1",
        f"https://localhost:{port}/credentials/1",
        f"https://[::ffff:127.0.0.1]:{port}/credentials/1",
        f"https://2130706433:{port}/credentials/1",
    ]
    # a credential that names loopback for its key and its status list
    loopback_did = f"did:web:127.0.0.1%3A{port}"
    unsigned = build_credential(
        loopback_did, status=[bsl.status_entry(f"https://127.0.0.1:{port}/status", 1)]
    )
    signed = school.sign(unsigned, proof="both")
    reports = []
    for link in links:
        reports.append(api.post({"url": link}).get_json())
        reports.append(api.get(link).get_json())
        for response in (
            client.post("/verify", data={"input": link}),
            client.get("/verify", query_string={"url": link}),
        ):
            assert response.status_code == 200 and page(response).verdict != "valid"
    reports.append(api.post({"credential": signed.json}).get_json())
    reports.append(api.post({"jwt": signed.jwt}).get_json())
    for report in reports:
        assert report["verdict"] != "valid"
    assert "refusing" in json.dumps(reports[0]["checks"])
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody ever connected
    assert school.site.requests == []
