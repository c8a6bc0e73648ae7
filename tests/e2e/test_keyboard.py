"""The key flows by keyboard alone (Tab, Shift+Tab, typing, Enter, Space), with a visible
focus indicator on every element the focus passes: a teacher signs in and awards a badge,
anyone verifies it (from the badge page's button, and by pasting its link into the
verifier's form), a learner signs in to her portfolio.

"Visible" is measured: every element Tab reaches must look different focused and not
focused (its computed outline or box-shadow), compared when the focus has moved on.

The key flows run in English and in Lithuanian (issue 12: everything works by keyboard in
every language): the page chosen by the ``lang`` cookie, as the switcher sets it, and each
button found by its label in that language, read from the apps' own catalogues.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from issuer.translate import CATALOGUES as ISSUER_CATALOGUES
from verifier.translate import CATALOGUES as VERIFIER_CATALOGUES

from .conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# the languages the key flows run in (each flow once per language)
FLOW_LANGUAGES = ("en", "lt")


def issuer_text(lang: str, message: str) -> str:
    """A message of the issuer's pages as a reader of ``lang`` sees it."""
    return str(ISSUER_CATALOGUES.catalogue(lang).gettext(message))


def verifier_text(lang: str, message: str) -> str:
    return str(VERIFIER_CATALOGUES.catalogue(lang).gettext(message))


@pytest.fixture(params=FLOW_LANGUAGES)
def lang(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def lang_page(browser: Any, stack: dict[str, Any], lang: str) -> Any:
    """A fresh page reading both apps in ``lang`` (one cookie: the same host)."""
    context = browser.new_context()
    context.add_cookies([{"name": "lang", "value": lang, "url": stack["issuer"]}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


# what distinguishes the focused look of an element (the focus indicator's properties)
FOCUS_LOOK = """el => { const s = getComputedStyle(el);
  return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join(' | '); }"""
DESCRIBE = """el => `${el.tagName.toLowerCase()}${el.name ? '[name=' + el.name + ']' : ''}`
  + ` "${(el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40)}"`"""


class Keyboard:
    """Tabs through a page to an element, checking on the way that each element the focus
    leaves looked different while it had the focus."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.invisible: list[str] = []
        self.visited = 0

    def _active(self) -> Any:
        return self.page.evaluate_handle("() => document.activeElement")

    def tab_to(self, predicate: str, what: str, limit: int = 120) -> None:
        """Press Tab until the focused element satisfies PREDICATE (a JS function of the
        element), at most LIMIT times."""
        for _ in range(limit):
            before = self._active()
            look = None
            if before.evaluate("el => el !== document.body"):
                look = before.evaluate(FOCUS_LOOK)
            self.page.keyboard.press("Tab")
            # (Tab moves inside some controls first: a date field's day, month, year)
            left = before.evaluate("el => el !== document.activeElement")
            if look is not None and left and before.evaluate(FOCUS_LOOK) == look:
                self.invisible.append(f"{self.page.url}: {before.evaluate(DESCRIBE)}")
            self.visited += 1
            if self._active().evaluate(predicate):
                return
        raise AssertionError(f"Tab did not reach {what} on {self.page.url} in {limit} presses")

    def type_into(self, name: str, text: str) -> None:
        self.tab_to(f"el => el.name === {name!r}", f"the field {name}")
        self.page.keyboard.type(text)

    def press_button(self, text: str) -> None:
        self.tab_to(
            f"el => (el.tagName === 'BUTTON' || el.tagName === 'A') "
            f"&& el.innerText.trim() === {text!r}",
            f"the button or link {text!r}",
        )
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def check(self) -> None:
        assert self.visited, "the focus moved nowhere"
        assert not self.invisible, "focused without a visible indicator:\n" + "\n".join(
            self.invisible
        )


def _skip_to_content(keys: Keyboard) -> None:
    """The first Tab reaches the skip link, which is then visible; Enter moves to main."""
    keys.page.keyboard.press("Tab")
    skip = keys.page.evaluate_handle("() => document.activeElement")
    assert skip.evaluate("el => el.classList.contains('skip')"), skip.evaluate(DESCRIBE)
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the skip link stays off-screen"
    keys.page.keyboard.press("Enter")
    assert keys.page.url.endswith("#main")


def test_sign_in_award_and_verify_by_keyboard(
    lang_page: Any, stack: dict[str, Any], lang: str
) -> None:
    page = lang_page
    keys = Keyboard(page)
    page.goto(f"{stack['issuer']}/login")
    assert page.evaluate("() => document.documentElement.lang") == lang
    _skip_to_content(keys)
    keys.type_into("email", "teacher@demo.example")
    keys.type_into("password", stack["password"])
    keys.press_button(issuer_text(lang, "Log in"))
    page.get_by_role("heading", name="Klaipėda Baltic Gymnasium").wait_for()

    # the "Award" link in the row of World Heritage in Young Hands
    award = issuer_text(lang, "Award")
    keys.tab_to(
        f"el => el.tagName === 'A' && el.innerText.trim() === {award!r} "
        "&& el.closest('tr') && el.closest('tr').innerText.includes('World Heritage')",
        "the row's Award link",
    )
    with page.expect_navigation():
        page.keyboard.press("Enter")
    keys.type_into("learner_name", "Gabija Šimkutė")
    keys.type_into("learner_email", f"gabija.{lang}@learners.example")
    keys.press_button(issuer_text(lang, "Sign and award"))
    notice = page.locator(".notice")
    notice.wait_for()

    # to the badge's public page, then its "Verify this badge" button, all by keyboard
    keys.tab_to("el => el.tagName === 'A' && el.closest('.notice')", "the badge link")
    badge_url = page.evaluate("() => document.activeElement.href")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == badge_url
    keys.press_button(issuer_text(lang, "Verify this badge"))
    # the verifier's heading: "✔ This badge is genuine and valid", in the reader's language
    valid = verifier_text(lang, "✔ This %(noun)s is genuine and valid") % {
        "noun": verifier_text(lang, "badge")
    }
    assert valid in page.get_by_role("heading", level=1).inner_text()
    assert page.evaluate("() => document.documentElement.lang") == lang

    # and the verifier's form: paste the link, Tab to the button, Enter
    page.goto(stack["verifier"])
    keys.type_into("input", badge_url)
    keys.press_button(verifier_text(lang, "Check the badge"))
    assert valid in page.get_by_role("heading", level=1).inner_text()
    keys.check()


def test_learner_signs_in_and_moves_around_by_keyboard(
    lang_page: Any, stack: dict[str, Any], lang: str
) -> None:
    page = lang_page
    keys = Keyboard(page)
    page.goto(f"{stack['issuer']}/learner/login")
    assert page.evaluate("() => document.documentElement.lang") == lang
    keys.type_into("email", stack["logins"].learner)
    keys.type_into("password", stack["password"])
    keys.press_button(issuer_text(lang, "Sign in"))
    assert re.search(r"/portfolio/$", page.url), page.url
    keys.tab_to(
        "el => el.tagName === 'A' && el.getAttribute('href') === '/portfolio/timeline'",
        "the timeline link",
    )
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_role("heading", level=1).wait_for()
    keys.check()


def test_staff_pages_show_focus_on_every_control(
    lang_page: Any, stack: dict[str, Any], lang: str
) -> None:
    """Tab through the whole of the award form and the awards list: each control the focus
    reaches has a visible indicator."""
    page = lang_page
    sign_in(page, stack, "teacher")
    page.get_by_role("heading", name="Klaipėda Baltic Gymnasium").wait_for()
    keys = Keyboard(page)
    for path in ("/staff/klaipeda-gymnasium", "/staff/klaipeda-gymnasium/awards"):
        page.goto(f"{stack['issuer']}{path}")
        # Tab until the focus leaves the page (back to the address bar: body)
        keys.tab_to("el => el.closest('footer') !== null || el === document.body", "the end")
    keys.check()


def test_the_focus_check_sees_a_missing_indicator(page: Any) -> None:
    """The check itself: on a page whose fields hide their focus, it reports them."""
    page.set_content(
        "<!doctype html><style>*:focus { outline: none }</style>"
        "<input name=a><input name=b><button>go</button>"
    )
    keys = Keyboard(page)
    keys.tab_to("el => el.tagName === 'BUTTON'", "the button")
    assert len(keys.invisible) == 2, keys.invisible
    with pytest.raises(AssertionError, match="without a visible indicator"):
        keys.check()
