"""Importing a badge in the browser, on a phone (issue 14): the demo learner pastes a badge
another school signed (a did:key issuer: nothing to fetch), sees it checked and in her
portfolio marked "imported, issued by ...", and a forged copy is refused at the field she
used. Every page fits 375 CSS pixels without scrolling sideways."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from badges.dids import did_key, did_key_verification_method
from badges.issuing import sign_credential
from tests.conftest import ISSUED, build_credential, load_key

pytestmark = [pytest.mark.e2e]

ONA = "ona@learners.example"  # the demo learner


def _signed_elsewhere() -> dict[str, Any]:
    key = load_key("eddsa")
    unsigned = build_credential(did_key(key.public), name="Youth exchange: Gdańsk", email=ONA)
    signed = sign_credential(
        unsigned,
        key,
        verification_method=did_key_verification_method(key.public),
        proof="data-integrity",
        created=ISSUED,
    )
    assert signed.json is not None
    return signed.json


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_learner_imports_a_badge_on_a_phone(phone: Any, stack: dict[str, Any]) -> None:
    phone.goto(f"{stack['issuer']}/learner/login")
    phone.locator("#f-email").fill(ONA)
    phone.locator("#f-password").fill(stack["password"])
    phone.get_by_role("button", name="Sign in").click()
    phone.get_by_role("heading", name="My badges").wait_for()
    phone.get_by_role("link", name="Import a badge").click()
    phone.get_by_role("heading", name="Import a badge").wait_for()
    _fits(phone)
    badge = _signed_elsewhere()
    forged = copy.deepcopy(badge)
    forged["credentialSubject"]["achievement"]["name"] = "Youth exchange: Paris"
    phone.get_by_label("Or paste its JSON or JWT").fill(json.dumps(forged))
    phone.get_by_role("button", name="Check and import").click()
    error = phone.locator("#e-text")
    error.wait_for()
    assert "not valid" in error.inner_text() and "Nothing was imported" in error.inner_text()
    assert phone.get_by_label("Or paste its JSON or JWT").get_attribute("aria-invalid") == "true"
    _fits(phone)
    phone.get_by_label("Or paste its JSON or JWT").fill(json.dumps(badge))
    phone.get_by_role("button", name="Check and import").click()
    phone.get_by_role("heading", name="Youth exchange: Gdańsk").wait_for()
    assert "Imported, issued by" in phone.locator("article.badge").inner_text()
    _fits(phone)
    phone.get_by_role("link", name="My badges").first.click()
    card = phone.locator("li.portfolio-card.imported").filter(has_text="Youth exchange: Gdańsk")
    card.wait_for()
    assert "imported, issued by Vilniaus licėjus" in card.inner_text()
    _fits(phone)
