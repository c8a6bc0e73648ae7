"""Teachers in the browser: a second award is asked about, and the awards table reads on a
phone and on a laptop without words broken in the middle."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Screenshots go here when set (to look at them); otherwise into the test's temporary folder.
SHOTS = os.environ.get("BADGES_SCREENSHOTS")

# Every word of the table's cells, each measured where the browser laid it out: a word whose
# letters sit on more than one line was broken in the middle. Long tokens (addresses, ids:
# class "token") may wrap anywhere.
BROKEN_WORDS = """(selector) => {
  const clipped = (el) => {  // visually hidden text (for screen readers) is not laid out to be read
    for (let a = el; a; a = a.parentElement) {
      const clip = getComputedStyle(a).clip;
      if (clip && clip !== 'auto') return true;
    }
    return false;
  };
  const broken = [];
  for (const cell of document.querySelectorAll(selector)) {
    if (cell.closest('.token') || clipped(cell)) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest('.token') || clipped(node.parentElement)) continue;
      const re = /\\S+/g;
      let m;
      while ((m = re.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


def shot(page, tmp_path: Path, name: str) -> None:
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_a_second_award_of_the_same_badge_is_asked_about(page, stack, tmp_path):
    login(page, stack)
    page.get_by_role("heading", name="Klaipėda Baltic Gymnasium").wait_for()
    row = page.get_by_role("row").filter(has_text="Baltic Sea Project")
    row.get_by_role("link", name="Award", exact=True).click()
    page.get_by_label("Learner name").fill("Ona Petraitytė")
    page.get_by_label("Learner email").fill("Ona@Learners.example")  # awarded to her in the demo
    page.get_by_role("button", name="Sign and award").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert re.search(
        r"Ona Petraitytė was already awarded this badge on \d{4}-\d{2}-\d{2}\.", alert.inner_text()
    )
    assert page.get_by_label("Learner email").input_value() == "Ona@Learners.example"  # kept
    shot(page, tmp_path, "duplicate-warning-1280")
    # signing again without saying so awards nothing new: the browser asks for the tick
    again = page.get_by_role("button", name="Sign and award again")
    confirm = page.get_by_label(re.compile("Award it again"))
    assert confirm.get_attribute("required") is not None and not confirm.is_checked()
    confirm.check()
    again.click()
    page.locator(".notice").filter(has_text="The badge is signed").wait_for()
    page.goto(f"{stack['issuer']}/staff/klaipeda-gymnasium/awards?q=Petraityt")
    # the demo gave her two (a year apart: her portfolio shows her level grow), now a third
    assert page.get_by_role("row").filter(has_text="Baltic Sea Project").count() == 3


@pytest.mark.parametrize("width", [375, 1280])
def test_the_awards_table_breaks_no_word_in_the_middle(browser, stack, tmp_path, width):
    context = browser.new_context(
        viewport={"width": width, "height": 800}, is_mobile=width < 600, has_touch=width < 600
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, stack)
        page.goto(f"{stack['issuer']}/staff/klaipeda-gymnasium/awards")
        page.get_by_role("heading", name="Awards").wait_for()
        shot(page, tmp_path, f"awards-{width}")
        assert page.evaluate(BROKEN_WORDS, "main table td, main table th") == []
        # the page itself never scrolls sideways (a wide table scrolls inside its box)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # newest first: the dates never go up
        dates = [d for d in page.locator("main table tbody tr").all_inner_texts()]
        days = [re.search(r"\d{4}-\d{2}-\d{2}", text).group(0) for text in dates]
        assert days == sorted(days, reverse=True) and len(days) >= 4
        page.goto(f"{stack['issuer']}/staff/klaipeda-gymnasium")
        shot(page, tmp_path, f"org-home-{width}")
        assert page.evaluate(BROKEN_WORDS, "main table td, main table th") == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
