"""The portfolio's whole loop in the browser (issue 13): a teacher awards a class from a CSV;
a learner opens the claim link from the outbox, creates an account, sees the competence map
and the timeline, writes a reflection and shares a collection; a stranger opens the share
link and the verifier says valid; the teacher revokes one badge and the shared page says so."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LEARNER = "milda@learners.example"
CLASS_CSV = (
    "name,email,level\n"
    f"Milda Rimkutė,{LEARNER},Proficient\n"
    "Tomas Jonaitis,tomas@learners.example,Developing\n"
).encode()
REFLECTION = "We sampled the **Danė** river six times; the spring samples surprised me most."


def _award_class_and_one_more(page: Any, stack: dict[str, Any]) -> None:
    login(page, stack)
    page.get_by_role("heading", name="Klaipėda Baltic Gymnasium").wait_for()
    row = page.get_by_role("row").filter(has_text="Baltic Sea Project")
    row.get_by_role("link", name="Award a class").click()
    page.get_by_label("CSV file").set_input_files(
        {"name": "class-7b.csv", "mimeType": "text/csv", "buffer": CLASS_CSV}
    )
    page.get_by_role("button", name="Check the file (dry run)").click()
    page.get_by_role("button", name="Sign and award all 2").click()
    page.get_by_role("status").filter(has_text="All 2 badges were awarded").wait_for()
    # and a second badge to the same address, one at a time
    page.goto(f"{stack['issuer']}/staff/klaipeda-gymnasium")
    row = page.get_by_role("row").filter(has_text="World Heritage in Young Hands")
    row.get_by_role("link", name="Award", exact=True).click()
    page.get_by_label("Learner name").fill("Milda Rimkutė")
    page.get_by_label("Learner email").fill(LEARNER)
    page.get_by_role("button", name="Sign and award").click()
    page.locator(".notice").filter(has_text="The badge is signed").wait_for()


def _claim_link(page: Any, stack: dict[str, Any]) -> str:
    """The claim link of Milda's class award, read from the staff outbox (no mail server
    here, so the message was not sent and staff see its link to pass it on)."""
    page.goto(f"{stack['issuer']}/staff/klaipeda-gymnasium/outbox")
    message = (
        page.locator("article.message")
        .filter(has_text=LEARNER)
        .filter(has_text="Baltic Sea Project")
        .first
    )
    found = re.search(r"http://\S+/claim/[A-Za-z0-9_-]+", message.locator("pre").inner_text())
    assert found, message.inner_text()
    return found.group(0)


def test_claim_reflect_share_verify_then_revoke(browser: Any, stack: dict[str, Any]) -> None:
    contexts = [browser.new_context() for _ in range(3)]
    teacher, learner, stranger = (context.new_page() for context in contexts)
    for page in (teacher, learner, stranger):
        page.set_default_timeout(15_000)
    try:
        _award_class_and_one_more(teacher, stack)
        claim = _claim_link(teacher, stack)

        # the learner opens the link and creates an account from it
        learner.goto(claim)
        assert learner.get_by_label("Your name").input_value() == "Milda Rimkutė"
        learner.get_by_label("Password (optional)").fill("milda-portfolio-2026")
        learner.get_by_role("button", name="Create my account and add the badge").click()
        learner.get_by_role("heading", level=1, name="Baltic Sea Project: water monitor").wait_for()
        # the badge page leads to the reflection page; she writes one
        learner.get_by_role("link", name="Write a reflection or add my evidence").click()
        learner.get_by_label("Write my reflection").fill(REFLECTION)
        learner.get_by_role("button", name="Save reflection").click()
        learner.get_by_role("status").filter(has_text="Your reflection is saved").wait_for()
        # both badges are in the portfolio: the claimed one and the later one to her address
        learner.goto(f"{stack['issuer']}/portfolio/")
        assert learner.locator("li.portfolio-card").count() == 2
        body = learner.locator("main").inner_text()
        assert "World Heritage in Young Hands: guide" in body and "Proficient" in body

        # the competence map and the timeline, drawn on the server
        learner.goto(f"{stack['issuer']}/portfolio/competences")
        learner.get_by_role("heading", level=1, name="Competences").wait_for()
        main = learner.locator("main")
        assert main.locator("svg").count() >= 1
        text = main.inner_text()
        assert "Learning to do" in text and "Sustainable development" in text
        learner.goto(f"{stack['issuer']}/portfolio/timeline")
        learner.get_by_role("heading", level=1, name="Timeline").wait_for()
        assert learner.locator("main svg").count() >= 1
        assert "Baltic Sea Project: water monitor" in learner.locator("main").inner_text()

        # she shares a collection of both badges, with her reflections
        learner.goto(f"{stack['issuer']}/portfolio/shares")
        learner.get_by_label("Title").fill("Summer school application")
        learner.get_by_label("Only the badges I choose below").check()
        learner.get_by_label(re.compile("Baltic Sea Project: water monitor")).check()
        learner.get_by_label(re.compile("World Heritage in Young Hands: guide")).check()
        learner.get_by_label("My reflections").check()
        learner.get_by_role("button", name="Create share link").click()
        share_url = learner.locator("input[id^='link-']").first.input_value()
        assert re.fullmatch(rf"{re.escape(stack['issuer'])}/s/\S+", share_url), share_url

        # a stranger opens it: her badges, her reflection, and the verifier says valid
        stranger.goto(share_url)
        assert stranger.locator("li.shared-badge").count() == 2
        assert "the spring samples surprised me most" in stranger.locator("main").inner_text()
        baltic = stranger.locator("li.shared-badge").filter(has_text="Baltic Sea Project")
        baltic.get_by_role("link", name="Verify", exact=True).click()
        heading = stranger.get_by_role("heading", level=1)
        heading.wait_for()
        assert stranger.url.startswith(stack["verifier"])
        assert "genuine and valid" in heading.inner_text()

        # the teacher revokes the heritage badge; the shared page marks it, keeps the other
        teacher.goto(f"{stack['issuer']}/staff/klaipeda-gymnasium/awards?q=Rimkut")
        teacher.get_by_role("row").filter(has_text="World Heritage").get_by_role(
            "link", name="Milda Rimkutė"
        ).click()
        teacher.get_by_label(re.compile("Revoke this badge")).fill("Awarded to the wrong pupil")
        teacher.get_by_role("button", name="Revoke").click()
        teacher.get_by_text("Revoked on").wait_for()
        stranger.goto(share_url)
        badges = stranger.locator("li.shared-badge")
        assert badges.count() == 2  # marked, never hidden
        heritage = badges.filter(has_text="World Heritage")
        assert "Revoked" in heritage.locator(".status").inner_text()
        assert "The issuer revoked this badge" in heritage.inner_text()
        assert (
            badges.filter(has_text="Baltic Sea Project").locator(".status").inner_text() == "Active"
        )
    finally:
        for context in contexts:
            context.close()
