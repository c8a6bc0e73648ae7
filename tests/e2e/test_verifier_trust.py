"""In the browser, a third party is not fooled: a genuine badge of the demo school names its
signer and the registry that knows it; a badge signed with someone's own key that names the
school says so and does not link the school; a changed badge is "not genuine", its content
set apart as untrusted. On a 1280 px screen and a 375 px phone (screenshots in
$VERIFIER_SCREENSHOTS when set, to look at)."""

from __future__ import annotations

import copy
import json
import os
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from badges.dids import did_key, did_key_verification_method
from badges.issuing import sign_credential
from badges.keys import KeyPair

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _badge_json(stack: dict[str, Any]) -> dict[str, Any]:
    url = f"{stack['issuer']}/credentials/{stack['logins'].credential_ids[0]}"
    request = urllib.request.Request(url, headers={"Accept": "application/vc+ld+json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        loaded: dict[str, Any] = json.loads(response.read())
    return loaded


def _forged(real: dict[str, Any]) -> str:
    """The real badge's content, issuer name and url, signed with another key as a did:key."""
    key = KeyPair.generate()
    unsigned = {
        k: v for k, v in copy.deepcopy(real).items() if k not in ("proof", "credentialStatus")
    }
    unsigned["issuer"] = {**unsigned["issuer"], "id": did_key(key.public)}
    unsigned["issuer"].pop("endorsement", None)
    unsigned["credentialSubject"]["achievement"].pop("endorsement", None)
    signed = sign_credential(
        unsigned, key, verification_method=did_key_verification_method(key.public), proof="jwt"
    )
    assert signed.jwt is not None
    return signed.jwt


def _shoot(page: Any, name: str) -> None:
    folder = os.environ.get("VERIFIER_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _paste(page: Any, stack: dict[str, Any], text: str) -> None:
    page.goto(f"{stack['verifier']}/")
    page.get_by_label("Badge link, JSON or JWT").fill(text)
    # the form's own page has a heading too: wait for the answer page, style sheet included,
    # before anything is read or measured from it
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Check the badge").click()
    page.get_by_role("heading", level=1).wait_for()


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_the_verifier_leads_with_the_real_signer(screen, browser, stack):
    size = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 740}}[
        screen
    ]
    context = browser.new_context(
        viewport=size, is_mobile=screen == "phone", has_touch=screen == "phone"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    host = stack["issuer"].removeprefix("http://")
    real = _badge_json(stack)
    school, school_url = real["issuer"]["name"], real["issuer"]["url"]
    try:
        # the school's own badge: its domain, the registry that knows it, its site linked
        page.goto(f"{stack['verifier']}/verify?url={real['id']}")
        assert "genuine and valid" in page.get_by_role("heading", level=1).inner_text()
        verdict = page.locator("section.verdict")
        assert f"Signed by {host}" in verdict.inner_text()
        assert f"Issued by a school known to ASPnet Badges at {host}" in verdict.inner_text()
        assert verdict.locator(f'p.asserted a[href="{school_url}"]').count() == 1  # on its domain
        assert page.locator("img.badge-image").count() == 1  # the school's image, inlined
        assert page.locator("img.badge-image").get_attribute("src").startswith("data:image/")
        _shoot(page, f"genuine-{screen}")
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]

        # someone's own key, naming the school: the key is who signed; the name is its claim
        _paste(page, stack, _forged(real))
        text = page.locator("section.verdict").inner_text()
        assert "Signed by a key of its own, not tied to any web address" in text
        assert f"“{school}”" in text and "stated by the badge" in text
        assert "Not in any registry you trust" in text
        assert page.locator(f'a[href="{school_url}"]').count() == 0
        _shoot(page, f"forged-{screen}")
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]

        # the school's badge, changed: not genuine, its content untrusted, no passes that mean nothing
        changed = copy.deepcopy(real)
        changed["credentialSubject"]["achievement"]["name"] = "Head of the school (changed)"
        _paste(page, stack, json.dumps(changed))
        assert page.get_by_role("heading", level=1).inner_text() == "✘ This badge is not genuine"
        untrusted = page.get_by_role("region", name="Untrusted content")
        assert "Head of the school (changed)" in untrusted.inner_text()
        assert page.locator("img").count() == 0
        dates = page.locator("ol.checks li").filter(has_text="Validity dates")
        assert dates.inner_text().startswith("– not meaningful"), dates.inner_text()
        # once the signature failed, the status list is not even fetched
        status = page.locator("ol.checks li").filter(has_text="Revocation status")
        assert status.inner_text().startswith("– not checked"), status.inner_text()
        assert "already known not to be valid" in status.inner_text()
        assert page.locator("ol.checks li.passed").filter(has_text="Validity dates").count() == 0
        _shoot(page, f"tampered-{screen}")
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    finally:
        context.close()
