"""A teacher awards a badge in the browser; the learner's page links to the verifier, which says valid."""

from __future__ import annotations

import re

import pytest

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_award_open_verify_then_revoke(page, stack):
    login(page, stack)
    page.get_by_role("heading", name="Klaipėda Baltic Gymnasium").wait_for()
    row = page.get_by_role("row").filter(has_text="World Heritage in Young Hands")
    row.get_by_role("link", name="Award", exact=True).click()
    page.get_by_label("Learner name").fill("Gabija Šimkutė")
    page.get_by_label("Learner email").fill("gabija@learners.example")
    page.get_by_label("A note to the learner").fill(
        "Led the tour of the Curonian Spit for the 5th grade."
    )
    page.get_by_role("button", name="Sign and award").click()
    badge_url = page.locator(".notice a").first.get_attribute("href")
    assert badge_url and badge_url.startswith(stack["issuer"])

    page.goto(badge_url)
    assert (
        page.get_by_role("heading", level=1).inner_text() == "World Heritage in Young Hands: guide"
    )
    body = page.locator("body").inner_text()
    # nobody has claimed the badge, so its learner has not chosen to show their name
    assert "Awarded to a learner of" in body
    assert "Gabija" not in body and "gabija@learners.example" not in body
    page.get_by_role("link", name="Verify this badge").click()
    page.get_by_role("heading", level=1).wait_for()
    assert "genuine and valid" in page.get_by_role("heading", level=1).inner_text()
    checks = page.locator("ol.checks li").all_inner_texts()
    assert len(checks) == 9 and not [text for text in checks if text.startswith("✘")], checks

    # the recipient check: the right email says yes, another says no
    page.get_by_label("Is this badge for…").fill("gabija@learners.example")
    page.get_by_role("button", name="Check the recipient").click()
    page.locator("li.check.passed").filter(has_text="awarded to this recipient").wait_for()
    assert "genuine and valid" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_label("Is this badge for…").fill("someone@else.example")
    page.get_by_role("button", name="Check the recipient").click()
    page.locator("li.check.failed").filter(has_text="not awarded to this recipient").wait_for()
    assert "not valid" in page.get_by_role("heading", level=1).inner_text()

    # revoke in the issuer; the verifier now says not valid, with the reason
    page.goto(f"{stack['issuer']}/staff/klaipeda-gymnasium/awards")
    page.get_by_role("link", name="Gabija Šimkutė").click()
    page.get_by_label(re.compile("Revoke this badge")).fill("Awarded to the wrong class by mistake")
    page.get_by_role("button", name="Revoke").click()
    page.get_by_text("Revoked on").wait_for()
    page.goto(badge_url)
    assert "Revoked" in page.locator(".status").inner_text()
    page.get_by_role("link", name="Verify this badge").click()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert "not valid" in heading
    # a Bitstring Status List carries no reasons; the issuer's page shows it
    assert "revoked" in page.locator("li.check.failed").inner_text().lower()


def test_bad_award_form_keeps_values_and_marks_fields(page, stack):
    login(page, stack)
    page.goto(f"{stack['issuer']}/staff/klaipeda-gymnasium")
    row = page.get_by_role("row").filter(has_text="Volunteer: 40 hours")
    row.get_by_role("link", name="Award", exact=True).click()
    page.get_by_label("Learner name").fill("Tomas")
    page.get_by_label("Learner email").fill("not-an-email")
    page.get_by_role("button", name="Sign and award").click()
    assert page.get_by_role("alert").is_visible()
    email = page.get_by_label("Learner email")
    assert email.get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Learner name").input_value() == "Tomas"
    assert "Give a valid email address." in page.locator("#e-learner_email").inner_text()


def test_badge_page_and_verifier_fit_a_phone(phone, stack):
    phone.goto(f"{stack['issuer']}/credentials/{stack['logins'].credential_ids[0]}")
    assert phone.get_by_role("heading", level=1).is_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the badge page scrolls sideways on a phone ({width}px)"
    phone.get_by_role("link", name="Verify this badge").click()
    assert "genuine and valid" in phone.get_by_role("heading", level=1).inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
