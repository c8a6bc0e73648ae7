"""A third party is not fooled: the page and the API lead with who actually signed the badge,
mark what the badge merely asserts about its issuer, say whether a trusted registry knows the
signer, and show a badge whose signature fails as untrusted content with no "passed" checks
that mean nothing. They also show what a third party needs: the recipient, the revocation
reason, Markdown rendered and sanitised, dates as dates and the image."""

from __future__ import annotations

import base64
import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from badges.errors import RegistryError
from badges.identity import hashed_email
from badges.status import bitstring_status_list as bsl
from badges.status import revocation_list_1edtech as rl
from tests.conftest import SCHOOL, SCHOOL_DID, build_credential
from tests.verifier.conftest import Api, page, png_image
from verifier import create_app

REGISTRY = {
    "name": "Lithuanian ASPnet coordination centre",
    "url": "https://aspnet.example/lt",
    "issuers": {
        SCHOOL_DID: {"name": "Vilniaus licėjus", "url": "https://school.example/"},
        "did:web:gimnazija.example": "Kauno gimnazija",
    },
}


def _text(response: Any) -> str:
    """The page's visible text, tags removed and whitespace collapsed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" .", ".").replace(" ,", ",")


def _verdict_box(response: Any) -> str:
    html = response.get_data(as_text=True)
    match = re.search(r'<section class="verdict[^"]*".*?</section>', html, re.S)
    assert match, html[:500]
    return match.group(0)


@pytest.fixture
def forged(sign_did_key, other_key) -> str:
    """Signed with someone's own key (a did:key), naming the real school and its site."""
    signed = sign_did_key(key=other_key, proof="jwt")
    assert signed.jwt is not None
    return signed.jwt


@pytest.fixture
def registry_file(tmp_path: Path) -> Path:
    path = tmp_path / "aspnet-lt.json"
    path.write_text(json.dumps(REGISTRY, ensure_ascii=False), "utf-8")
    return path


# --- who signed it ------------------------------------------------------------------------------


def test_a_badge_signed_with_its_own_key_naming_a_real_school_leads_with_the_real_signer(
    forged, client, api: Api
):
    response = client.post("/verify", data={"input": forged})
    shown = page(response)
    assert shown.verdict == "valid"  # the signature is sound: it is what it is
    box = _verdict_box(response)
    text = _text(response)
    # the verdict box leads with who signed it: a key, not a web address
    assert box.index("Signed by") < box.index("Vilniaus licėjus")
    assert "Signed by a key of its own, not tied to any web address" in text
    # the school's name is marked as the badge's own claim, and its site is not linked
    assert "The badge names its issuer “Vilniaus licėjus”" in text
    assert "stated by the badge" in box
    assert 'href="https://school.example/"' not in response.get_data(as_text=True)
    assert "Issued by Vilniaus" not in text
    assert "Not in any registry you trust" in text

    report = api.post({"jwt": forged}).get_json()
    assert report["signature"] == "verified"
    assert report["signer"]["kind"] == "did:key" and report["signer"]["domain"] is None
    assert report["signer"]["id"].startswith("did:key:z6Mk")
    assert report["assertedIssuer"] == {
        "id": report["signer"]["id"],
        "name": "Vilniaus licėjus",
        "url": "https://school.example/",
        "urlOnSignerDomain": False,
    }
    assert report["registry"]["known"] is False


def test_the_schools_own_badge_names_its_domain_and_links_the_matching_site(
    school, client, api: Api
):
    link = school.publish("own", school.issue())["json"]
    response = client.post("/verify", data={"input": link})
    text = _text(response)
    assert "Signed by school.example" in text
    assert f"Proven by the signature: {SCHOOL_DID}" in text
    assert '<a href="https://school.example/" rel="noopener noreferrer">' in _verdict_box(response)
    report = api.post({"url": link}).get_json()
    assert report["signer"] == {
        "id": SCHOOL_DID,
        "kind": "did:web",
        "domain": "school.example",
        "description": "school.example",
    }
    assert report["assertedIssuer"]["urlOnSignerDomain"] is True


def test_an_issuer_url_on_another_host_is_not_linked(school, client):
    unsigned = build_credential(SCHOOL_DID)
    unsigned["issuer"]["url"] = "https://www.real-school.example/"
    response = client.post("/verify", data={"input": school.sign(unsigned, proof="jwt").jwt})
    html = response.get_data(as_text=True)
    assert 'href="https://www.real-school.example/"' not in html
    assert "not linked: that address is not on school.example" in _text(response)


# --- registries of trusted issuers -------------------------------------------------------------


def test_a_registry_file_says_known_for_its_schools_and_unknown_for_anyone_else(
    school, make_app, registry_file, forged
):
    app = make_app(VERIFIER_REGISTRIES=[str(registry_file)])
    client, api = app.test_client(), Api(app.test_client())
    link = school.publish("known", school.issue())["json"]
    known = _text(client.post("/verify", data={"input": link}))
    assert "Issued by a school known to Lithuanian ASPnet coordination centre" in known
    assert "listed there as Vilniaus licėjus" in known
    # the forged badge names the same school, but the registry matches identifiers, not names
    unknown = _text(client.post("/verify", data={"input": forged}))
    assert "Not in any registry you trust." in unknown
    assert "known to Lithuanian" not in unknown

    report = api.post({"url": link}).get_json()["registry"]
    assert report["known"] is True and report["consulted"] == 1
    assert report["registries"] == [
        {
            "registry": "Lithuanian ASPnet coordination centre",
            "registryUrl": "https://aspnet.example/lt",
            "name": "Vilniaus licėjus",
            "url": "https://school.example/",
            "domain": None,
        }
    ]
    assert api.post({"jwt": forged}).get_json()["registry"]["known"] is False


def test_a_registry_is_only_consulted_for_a_verified_signer(
    school, make_app, registry_file, other_key
):
    """A badge signed by another key that claims the school's own did:web is not the school."""
    app = make_app(VERIFIER_REGISTRIES=[str(registry_file)])
    link = school.publish("wrong-key", school.issue(key=other_key))["json"]
    report = Api(app.test_client()).post({"url": link}).get_json()
    assert report["signature"] == "failed" and report["signer"] is None
    assert report["registry"]["known"] is False and report["registry"]["issuerId"] is None
    text = _text(app.test_client().post("/verify", data={"input": link}))
    assert "known to" not in text


def test_a_registry_at_an_https_url_is_fetched_through_the_guarded_fetcher_and_cached(
    school, make_app
):
    school.site.json("/aspnet/registry.json", REGISTRY)
    app = make_app(VERIFIER_REGISTRIES=[f"{SCHOOL}/aspnet/registry.json"])
    api = Api(app.test_client())
    link = school.publish("known", school.issue())["json"]
    for _ in range(3):
        assert api.post({"url": link}).get_json()["registry"]["known"] is True
    assert school.site.requests.count("/aspnet/registry.json") == 1


def test_a_registry_that_cannot_be_fetched_is_reported_not_trusted(school, make_app):
    app = make_app(VERIFIER_REGISTRIES=[f"{SCHOOL}/nowhere.json", "https://10.0.0.1/registry.json"])
    link = school.publish("known", school.issue())["json"]
    report = Api(app.test_client()).post({"url": link}).get_json()["registry"]
    assert report["known"] is False and len(report["unavailable"]) == 2
    assert report["message"] == "Not in any registry you trust that could be read now."


def test_registries_come_from_the_environment_too(monkeypatch, registry_file, tmp_path):
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"name": "Other", "issuers": {}}), "utf-8")
    monkeypatch.setenv("VERIFIER_REGISTRIES", f"{registry_file},{other}")
    registries = create_app().extensions["verifier.registries"]
    assert len(registries) == 2
    assert registries.lookup(SCHOOL_DID).known[0].name == "Vilniaus licėjus"


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ([], "not a JSON object"),
        ({"issuers": {}}, "name must be"),
        (
            {"name": "X", "issuers": {"Vilniaus licėjus": "a name as a key"}},
            "is not a DID or an http(s) URL",
        ),
        (
            {"name": "X", "issuers": {SCHOOL_DID: {"url": "https://school.example/"}}},
            "name must be",
        ),
        (
            {"name": "X", "issuers": {SCHOOL_DID: {"name": "S", "url": "javascript:alert(1)"}}},
            "must be an http(s) URL",
        ),
        ({"name": "X", "issuers": {SCHOOL_DID: "S"}, "trusted": True}, "unknown member"),
    ],
)
def test_a_malformed_registry_file_stops_the_verifier_with_a_clear_error(tmp_path, document, words):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), "utf-8")
    with pytest.raises(RegistryError, match=re.escape(words)):
        create_app({"VERIFIER_REGISTRIES": [str(path)]})


def test_a_missing_registry_file_is_a_clear_error(tmp_path):
    with pytest.raises(RegistryError, match="cannot be read"):
        create_app({"VERIFIER_REGISTRIES": [str(tmp_path / "missing.json")]})


# --- a failed signature -------------------------------------------------------------------------


@pytest.fixture
def tampered(school) -> str:
    """A real badge of the school (with a status list and a data: image), changed after signing."""
    url = school.status_list("/status/revocation", set_bits=(7,))
    unsigned = build_credential(SCHOOL_DID, status=[bsl.status_entry(url, 4242)])
    image = "data:image/png;base64," + base64.b64encode(png_image(4)).decode()
    unsigned["credentialSubject"]["achievement"]["image"] = {"id": image, "type": "Image"}
    changed = copy.deepcopy(school.sign(unsigned, proof="data-integrity").json)
    changed["credentialSubject"]["achievement"]["name"] = "World Heritage in Young Hands: guide"
    return json.dumps(changed)


def test_a_tampered_badge_is_shown_as_untrusted_content_without_meaningless_passes(
    tampered, client, api: Api
):
    response = client.post("/verify", data={"input": tampered, "recipient": "ona@example.org"})
    shown = page(response)
    assert shown.verdict == "invalid"
    assert shown.h1 == ["✘ This badge is not genuine"]
    assert shown.checks["Signature"] == "failed"
    # dates and recipient were "passed" in the core report; here they mean nothing
    for title in ("Validity dates", "Recipient"):
        assert shown.checks[title] == "not-meaningful", (title, shown.checks)
    assert "passed" not in [
        shown.checks[t] for t in ("Validity dates", "Revocation status", "Recipient")
    ]
    # once the signature failed, the status list is not fetched: it could not change the verdict
    assert shown.checks["Revocation status"] == "skipped"
    assert shown.checks["Endorsements"] == "skipped"
    html = response.get_data(as_text=True)
    text = _text(response)
    # the content is in its own, labelled block, with no image and no issuer link
    assert '<section class="untrusted"' in html
    untrusted = html[html.index('<section class="untrusted"') :]
    assert "Untrusted content" in text and "World Heritage in Young Hands: guide" in untrusted
    assert shown.images == []
    assert 'href="https://school.example/"' not in html
    assert "Signed by nobody proven" in text
    assert f"nothing shows that {SCHOOL_DID} made it" in text

    report = api.post(
        {"credential": json.loads(tampered), "recipient": "ona@example.org"}
    ).get_json()
    assert report["signature"] == "failed" and report["signer"] is None
    assert report["notMeaningful"] == ["dates", "recipient"]
    by_name = {c["name"]: c["outcome"] for c in report["checks"]}
    assert by_name["dates"] == "passed"  # the core's answer is kept; notMeaningful qualifies it


def test_a_genuine_badge_has_no_untrusted_block_and_its_checks_pass(school, client):
    response = client.post("/verify", data={"input": school.publish("ok", school.issue())["json"]})
    shown = page(response)
    assert shown.checks["Validity dates"] == "passed"
    assert '<section class="untrusted"' not in response.get_data(as_text=True)


# --- what a third party needs -------------------------------------------------------------------


def test_the_recipient_is_shown_plain_or_as_a_hashed_email_to_check(school, client, api: Api):
    hashed = client.post("/verify", data={"input": school.issue(proof="jwt").jwt})
    assert "Awarded to A hashed email: enter an email to check" in _text(hashed)
    assert 'href="#f-recipient"' in hashed.get_data(as_text=True)

    unsigned = build_credential(SCHOOL_DID, email=None)
    unsigned["credentialSubject"]["identifier"] = [
        {
            "type": "IdentityObject",
            "identityType": "emailAddress",
            "hashed": False,
            "identityHash": "ona@example.org",
        },
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": "Ona Petraitytė",
        },
    ]
    plain = _text(client.post("/verify", data={"input": school.sign(unsigned, proof="jwt").jwt}))
    assert "Awarded to Email: ona@example.org Name: Ona Petraitytė" in plain

    unsigned = build_credential(SCHOOL_DID, email=None)
    unsigned["credentialSubject"]["id"] = "did:example:ona"
    shown = _text(client.post("/verify", data={"input": school.sign(unsigned, proof="jwt").jwt}))
    assert "Awarded to Identifier: did:example:ona" in shown


def test_a_revocation_reason_from_the_1edtech_list_is_shown(school, client, api: Api):
    list_url = f"{SCHOOL}/revocations"
    unsigned = build_credential(SCHOOL_DID, status=[rl.status_entry(list_url)])
    school.site.json(
        "/revocations",
        rl.revocation_list(
            list_url=list_url,
            issuer_id=SCHOOL_DID,
            revoked=[(unsigned["id"], "Awarded to the wrong learner by mistake.")],
        ),
    )
    link = school.publish("revoked-1edtech", school.sign(unsigned))["json"]
    response = client.post("/verify", data={"input": link})
    assert page(response).verdict == "invalid"
    box = _text(response)
    assert "The issuer has revoked this badge." in box
    assert "The issuer's reason: “Awarded to the wrong learner by mistake.”" in box
    report = api.post({"url": link}).get_json()
    assert report["revocationReason"] == "Awarded to the wrong learner by mistake."


def test_a_bitstring_revocation_says_the_issuer_gave_no_reason(school, client, api: Api):
    url = school.status_list("/status/revocation", set_bits=(4242,))
    unsigned = build_credential(SCHOOL_DID, status=[bsl.status_entry(url, 4242)])
    unsigned["id"] = f"{SCHOOL}/credentials/revoked-bits"
    link = school.publish("revoked-bits", school.sign(unsigned))["json"]
    response = client.post("/verify", data={"input": link})
    text = _text(response)
    assert "The issuer gave no reason (its status list carries none)." in text
    # the badge's own page at the issuer (on the signer's domain) may say more
    assert (
        f'<a href="{SCHOOL}/credentials/revoked-bits" rel="noopener noreferrer">'
        in _verdict_box(response)
    )
    assert api.post({"url": link}).get_json()["revocationReason"] is None


def test_markdown_is_rendered_and_sanitised(school, client):
    unsigned = build_credential(SCHOOL_DID)
    achievement = unsigned["credentialSubject"]["achievement"]
    achievement["description"] = (
        "Monitored **water quality** with [the Baltic Sea Project](https://bsp.example/).\n\n"
        "<script>alert('badge')</script>\n\n- Palanga\n- Nida"
    )
    achievement["criteria"] = {
        "narrative": "1. Take samples\n2. Report them <img src=x onerror=alert(1)>"
    }
    response = client.post("/verify", data={"input": school.sign(unsigned, proof="jwt").jwt})
    html = response.get_data(as_text=True)
    assert "<strong>water quality</strong>" in html
    assert (
        '<a href="https://bsp.example/" rel="nofollow noopener noreferrer">the Baltic Sea Project</a>'
        in html
    )
    assert "<li>Palanga</li>" in html and "<li>Take samples</li>" in html
    assert "<script" not in html and "alert(" not in html.split("The raw credential")[0]
    assert "onerror" not in html.split("The raw credential")[0] and "<img src=x" not in html


def test_dates_are_shown_as_dates(school, client):
    unsigned = build_credential(SCHOOL_DID)
    unsigned["awardedDate"] = "2026-06-15T10:30:00Z"
    response = client.post("/verify", data={"input": school.sign(unsigned, proof="jwt").jwt})
    text = _text(response)
    assert "Awarded 15 June 2026" in text and "Valid from 1 September 2026" in text
    assert '<time datetime="2026-06-15T10:30:00Z">15 June 2026</time>' in response.get_data(
        as_text=True
    )


def test_a_data_image_is_shown_and_the_recipient_email_is_still_checked(school, client):
    image = "data:image/png;base64," + base64.b64encode(png_image(4)).decode()
    unsigned = build_credential(SCHOOL_DID, email=None)
    unsigned["credentialSubject"]["identifier"] = [hashed_email("ona@example.org").to_json()]
    unsigned["credentialSubject"]["achievement"]["image"] = {"id": image, "type": "Image"}
    response = client.post(
        "/verify",
        data={"input": school.sign(unsigned, proof="jwt").jwt, "recipient": "ona@example.org"},
    )
    shown = page(response)
    assert shown.images == [image]
    assert shown.checks["Recipient"] == "passed"


def test_an_image_on_another_site_than_the_signers_is_neither_fetched_nor_shown(
    school, forged, client
):
    """The did:key badge names the school's picture: showing it would borrow the school's face."""
    school.site.raw("/images/water.png", png_image(6), "image/png")
    response = client.post("/verify", data={"input": forged})
    assert page(response).images == []
    assert "/images/water.png" not in school.site.requests
    assert "Its image is on another site than the signer's" in _text(response)
    # the school's own badge with the same picture: fetched and inlined
    own = client.post("/verify", data={"input": school.issue(proof="jwt").jwt})
    assert page(own).images == ["data:image/png;base64," + base64.b64encode(png_image(6)).decode()]


def test_a_badge_whose_signature_cannot_be_checked_now_is_not_shown_as_proven(
    client, ed_key, api: Api
):
    """The issuer's keys cannot be fetched (no such host here): undecided, and its content unproven."""
    from badges.issuing import sign_credential
    from tests.conftest import ISSUED

    unsigned = build_credential("did:web:elsewhere.example")
    signed = sign_credential(
        unsigned,
        ed_key,
        verification_method="did:web:elsewhere.example#key-1",
        proof="jwt",
        created=ISSUED,
    )
    response = client.post("/verify", data={"input": signed.jwt})
    shown = page(response)
    assert shown.verdict == "undecided"
    text = _text(response)
    assert "Signed by not known yet" in text
    assert "Untrusted content" in text and "none of this is proven yet" in text
    assert shown.checks["Validity dates"] == "not-meaningful" and shown.images == []
    report = api.post({"jwt": signed.jwt}).get_json()
    assert report["signature"] == "unchecked" and report["notMeaningful"] == ["dates"]


def test_a_key_the_issuer_does_not_publish_proves_nothing_and_its_status_is_not_fetched(
    school, client, other_key, api: Api
):
    """Signed with a key the school does not (or no longer) publish, e.g. a compromised one it
    withdrew: who signed it is not proven, its passes mean nothing, and its status list is not
    fetched (nothing it says could make the badge valid again)."""
    url = school.status_list("/status/revocation", set_bits=(4242,))
    from badges.issuing import sign_credential
    from tests.conftest import ISSUED

    unsigned = build_credential(SCHOOL_DID, status=[bsl.status_entry(url, 4242)])
    signed = sign_credential(
        unsigned, other_key, verification_method=f"{SCHOOL_DID}#key-2", created=ISSUED
    )
    link = school.publish("withdrawn-key", signed)["json"]
    response = client.post("/verify", data={"input": link})
    shown = page(response)
    assert shown.h1 == ["✘ This badge is not valid: nothing proves who signed it"]
    assert shown.checks["Issuer's key"] == "failed"
    assert shown.checks["Revocation status"] == "skipped"
    assert shown.checks["Validity dates"] == "not-meaningful"
    assert "The signing key is not one the issuer publishes" in _text(response)
    assert "Untrusted content" in _text(response)
    report = api.post({"url": link}).get_json()
    assert report["signature"] == "failed" and report["notMeaningful"] == ["dates"]


def test_an_ob2_hosted_badge_is_signed_by_its_issuers_host(school, client, api: Api):
    link = school.ob2_hosted()
    report = api.post({"url": link}).get_json()
    assert report["verdict"] == "valid"
    assert report["signer"] == {
        "id": f"{SCHOOL}/ob2/issuer",
        "kind": "url",
        "domain": "school.example",
        "description": "school.example",
    }
    text = _text(client.post("/verify", data={"input": link}))
    assert "Signed by school.example" in text and "Awarded to Email: ona@example.org" in text
    assert "Issued 1 September 2026" in text
