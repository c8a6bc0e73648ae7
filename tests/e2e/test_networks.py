"""The network pages in a real browser: the coordination centre's network view and CSV,
endorsements from the form to the verifier, API tokens, the audit log, key rotation and
compromise with re-issue, and the same pages on a phone.

The tests share one stack (the demo network: the Lithuanian centre over the Klaipėda and
Šiauliai schools) and run in file order: the network numbers are read before anything is
awarded here, and the phone test runs last, when every page has rows to show.
"""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CENTRE = "lt-aspnet"
SCHOOL = "klaipeda-gymnasium"
CENTRE_NAME = "Lithuanian ASPnet Coordination Centre"
SCHOOL_ADMIN = ("vilma.admin@klaipeda.example", "Vilma Navickienė", "klaipeda-admin-2026")

# The demo's badges as issuer/demo.py awards them: (days ago, school, revoked).
DEMO_AWARDS = [
    *[(0, "klaipeda-gymnasium", False)] * 4,
    (300, "klaipeda-gymnasium", False),
    (200, "klaipeda-gymnasium", False),
    (120, "klaipeda-gymnasium", False),
    # the demo learner's own (seed_demo_learner): her school address a year earlier (the
    # Baltic Sea Project at Developing), her personal and her school address
    (420, "klaipeda-gymnasium", False),
    (400, "klaipeda-gymnasium", False),
    (120, "klaipeda-gymnasium", False),
    (400, "siauliai-gymnasium", False),
    (330, "siauliai-gymnasium", False),
    (250, "siauliai-gymnasium", False),
    (150, "siauliai-gymnasium", True),
    (60, "siauliai-gymnasium", False),
]


# -- helpers -----------------------------------------------------------------------------------


def login(page: Any, stack: dict[str, Any], email: str, password: str | None = None) -> None:
    page.goto(f"{stack['issuer']}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password or stack["password"])
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for()


def school_term(when: datetime) -> tuple[str, str]:
    """(school year label, term) by the rules the network page states: the year starts on
    1 September; autumn is September to January, spring February to June, summer July and August."""
    year = when.year if when.month >= 9 else when.year - 1
    term = (
        "autumn"
        if when.month >= 9 or when.month == 1
        else "spring"
        if when.month <= 6
        else "summer"
    )
    return f"{year}/{(year + 1) % 100:02d}", term


def table_cells(page: Any, selector: str) -> list[dict[str, str]]:
    """The data-* attributes of the cells that carry counts."""
    cells: list[dict[str, str]] = page.eval_on_selector_all(
        selector, "cells => cells.map(c => Object.assign({}, c.dataset))"
    )
    return cells


def download_csv(page: Any) -> tuple[str, list[dict[str, str]]]:
    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    download = info.value
    with open(download.path(), "rb") as fh:
        raw = fh.read()
    assert raw.startswith(b"\xef\xbb\xbf"), "the CSV starts with a byte-order mark for Excel"
    return download.suggested_filename, list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def checks_of(page: Any) -> dict[str, tuple[str, str]]:
    """The verifier's checks: title -> (outcome, message)."""
    found = {}
    for item in page.locator("ol.checks li.check").all():
        outcome = item.get_attribute("class").split()[-1]
        text = item.inner_text()
        title = item.locator("strong").inner_text()
        found[title] = (outcome, text)
    return found


def verify(page: Any, badge_url: str) -> str:
    """Open a badge page, follow its verify link; the verifier's heading."""
    page.goto(badge_url)
    # the badge page has a heading too: read the verifier's once its page has loaded
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Verify this badge").click()
    heading: str = page.get_by_role("heading", level=1).inner_text()
    return heading


def api_get(stack: dict[str, Any], path: str, secret: str) -> int:
    request = urllib.request.Request(
        f"{stack['issuer']}{path}", headers={"Authorization": f"Bearer {secret}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            json.load(response)
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        body = json.load(exc)
        assert "code" in body.get("error", body), body
        return exc.code


OVERFLOW_JS = """() => {
  const vw = window.innerWidth;
  const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const wrapperOf = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) if (scrolls(p)) return p; return null; };
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const problems = [];
  for (const root of [document.documentElement, document.body]) {
    const o = getComputedStyle(root).overflowX;
    if (o === 'hidden' || o === 'clip') problems.push(describe(root) + ' hides its overflow (' + o + ')');
  }
  for (const table of document.querySelectorAll('table')) {
    const wrapper = wrapperOf(table);
    if (table.getBoundingClientRect().width > vw && !wrapper) problems.push(describe(table) + ' is wider than the screen and has no scrolling wrapper');
    if (wrapper && wrapper.getBoundingClientRect().right > vw + 1) problems.push(describe(wrapper) + ' (a table wrapper) is wider than the screen');
  }
  const sticking = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (wrapperOf(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width && r.right > vw + 1) sticking.push(describe(el) + ' ' + Math.round(r.right) + 'px');
  }
  return {viewport: vw, scrollWidth: document.scrollingElement.scrollWidth, problems, sticking: sticking.slice(0, 8)};
}"""

# Words of table cells split across lines: a table squeezed into the screen letter by letter
# ("Lear/ner") rather than scrolling inside its wrapper. Only words of letters count: a long
# link or identifier may wrap.
BROKEN_WORDS_JS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent.closest('td, th') || parent.closest('.visually-hidden') || parent.closest('details:not([open]) > :not(summary)')) continue;
    for (const match of node.textContent.matchAll(/(?<=^|[\\s(“"'])\\p{L}{2,24}(?=$|[\\s,;!?)”"'…]|[.:](?!\\S))/gu)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(match[0]);
    }
  }
  return Array.from(new Set(broken)).slice(0, 12);
}"""

UNNAMED_CONTROLS_JS = """() => {
  const text = el => el ? el.textContent.replace(/\\s+/g, ' ').trim() : '';
  const missing = [];
  for (const el of document.querySelectorAll('input, select, textarea, button')) {
    if (el.type === 'hidden') continue;
    let name = (el.getAttribute('aria-label') || '').trim();
    if (!name && el.getAttribute('aria-labelledby'))
      name = el.getAttribute('aria-labelledby').split(/\\s+/).map(id => text(document.getElementById(id))).join(' ').trim();
    if (!name && el.labels) name = Array.from(el.labels).map(text).join(' ').replace(/\\*/g, '').trim();
    if (!name && el.tagName === 'BUTTON') name = text(el);
    if (!name && ['submit', 'button', 'reset'].includes(el.type)) name = (el.value || '').trim();
    if (!name) name = (el.getAttribute('title') || '').trim();
    if (!name) missing.push(el.outerHTML.slice(0, 160));
  }
  return missing;
}"""


def assert_fits_and_named(page: Any, what: str) -> None:
    """No sideways scrolling of the page (wide tables scroll inside their own wrapper) and
    every form control has an accessible name."""
    page.get_by_role("heading", level=1).wait_for()
    layout = page.evaluate(OVERFLOW_JS)
    assert layout["viewport"] == page.viewport_size["width"], (
        f"{what} is laid out wider than the phone (no viewport meta, or content too wide to fit): {layout}"
    )
    assert layout["scrollWidth"] <= layout["viewport"], (
        f"{what} scrolls sideways on a phone: {layout}"
    )
    assert not layout["problems"], f"{what}: {layout['problems']}"
    broken = page.evaluate(BROKEN_WORDS_JS)
    assert not broken, f"{what}: a table is squeezed so that words break across lines: {broken}"
    unnamed = page.evaluate(UNNAMED_CONTROLS_JS)
    assert not unnamed, f"{what} has form controls without an accessible name: {unnamed}"


@pytest.fixture(scope="module")
def school_admin(browser: Any, stack: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """An admin of the Klaipėda school, invited by the platform admin and joined through the
    invitation link, both in the browser (the demo has no school admin)."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    login(page, stack, stack["logins"].admin)
    page.goto(f"{stack['issuer']}/staff/{SCHOOL}/people")
    page.get_by_label("Email").fill(SCHOOL_ADMIN[0])
    page.get_by_label("Role").select_option("admin")
    page.get_by_role("button", name="Create invitation link").click()
    link = page.locator(".notice code").inner_text()
    context.close()

    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(link)
    assert (
        "Join Klaipėda Baltic Gymnasium as admin"
        in page.get_by_role("heading", level=1).inner_text()
    )
    page.get_by_label("Your name").fill(SCHOOL_ADMIN[1])
    page.get_by_label("Choose a password").fill(SCHOOL_ADMIN[2])
    page.get_by_role("button", name="Accept the invitation").click()
    page.get_by_role("heading", name="Klaipėda Baltic Gymnasium").wait_for()
    context.close()
    yield SCHOOL_ADMIN


@pytest.fixture
def second_page(browser: Any) -> Iterator[Any]:
    """A second person's browser (its own cookies)."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


# -- 1. the network view and its CSV --------------------------------------------------------------


def test_network_view_filters_and_csv_match(page: Any, stack: dict[str, Any]) -> None:
    login(page, stack, stack["logins"].centre_admin)
    page.get_by_role("link", name="Network: member schools and badge counts").click()
    assert page.get_by_role("heading", level=1).inner_text() == f"Network of {CENTRE_NAME}"
    now = datetime.now(UTC)
    demo = [
        (school_term(now - timedelta(days=days)), school, revoked)
        for days, school, revoked in DEMO_AWARDS
    ]

    def totals(rows: list[tuple[Any, str, bool]]) -> tuple[int, int]:
        return len(rows), sum(revoked for _t, _s, revoked in rows)

    def check_page_against_csv(expected: list[tuple[Any, str, bool]]) -> list[dict[str, str]]:
        cells = table_cells(page, "#area-table td[data-term]")
        area_cells = {
            (c["area"], c["term"]): (int(c["issued"]), int(c["revoked"]))
            for c in cells
            if c["area"] != "total"
        }
        total_cells = {
            c["term"]: (int(c["issued"]), int(c["revoked"])) for c in cells if c["area"] == "total"
        }
        # the footer: every badge once, per term and in all, as the demo awarded them
        by_term = Counter(f"{year} {term}" for (year, term), _s, _r in expected)
        revoked_by_term = Counter(f"{year} {term}" for (year, term), _s, r in expected if r)
        assert total_cells.pop("all") == totals(expected)
        assert total_cells == {t: (n, revoked_by_term[t]) for t, n in by_term.items()}
        # the members table
        members = {
            c["school"]: (int(c["issued"]), int(c["revoked"]))
            for c in table_cells(page, "#member-table td[data-school]")
        }
        for school in {s for _t, s, _r in expected}:
            assert members[school] == totals([row for row in expected if row[1] == school])

        filename, rows = download_csv(page)
        assert filename.startswith(f"network-{CENTRE}") and filename.endswith(".csv")
        assert rows and list(rows[0]) == [
            "school_year",
            "term",
            "term_months",
            "school",
            "school_slug",
            "sub_centre",
            "framework",
            "area_code",
            "area",
            "issued",
            "revoked",
            "active",
        ]
        summed: dict[tuple[str, str], list[int]] = {}
        for row in rows:
            assert int(row["active"]) == int(row["issued"]) - int(row["revoked"])
            area = f"{row['framework']}: {row['area']}" if row["framework"] else row["area"]
            for key in ((area, f"{row['school_year']} {row['term']}"), (area, "all")):
                summed.setdefault(key, [0, 0])
                summed[key][0] += int(row["issued"])
                summed[key][1] += int(row["revoked"])
        shown = {key: value for key, value in area_cells.items() if value != (0, 0)}
        assert {key: tuple(value) for key, value in summed.items()} == shown
        assert "learners.example" not in "".join(json.dumps(row) for row in rows)
        return rows

    # all years: fifteen badges, one of them revoked; the chess badges are "Not aligned"
    assert page.locator('#area-table tfoot td[data-term="all"]').inner_text() == "15 · 1 revoked"
    rows = check_page_against_csv(demo)
    assert {row["school_slug"] for row in rows} == {"klaipeda-gymnasium", "siauliai-gymnasium"}
    not_aligned = page.locator('#area-table td[data-area="Not aligned"][data-term="all"]')
    assert (
        not_aligned.get_attribute("data-issued"),
        not_aligned.get_attribute("data-revoked"),
    ) == ("2", "1")
    assert "2 · 1 revoked" in not_aligned.inner_text()

    # this school year only
    this_year = school_term(now)[0]
    page.get_by_label("School year").select_option(label=this_year)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"year=\d{4}"))
    assert page.get_by_label("School year").locator("option:checked").inner_text() == this_year
    check_page_against_csv([row for row in demo if row[0][0] == this_year])

    # one school, all years
    page.get_by_label("School year").select_option("")
    page.get_by_label("School", exact=True).select_option(label="Šiauliai Saulės Gymnasium")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"school=siauliai-gymnasium"))
    assert "Šiauliai Saulės Gymnasium" in page.locator("#h-areas").inner_text()
    rows = check_page_against_csv([row for row in demo if row[1] == "siauliai-gymnasium"])
    assert {row["school_slug"] for row in rows} == {"siauliai-gymnasium"}
    assert page.locator('#area-table tfoot td[data-term="all"]').inner_text() == "5 · 1 revoked"


# -- 2. an endorsement, from the form to the verifier, and withdrawn -----------------------------


def test_endorse_award_verify_then_withdraw(
    page: Any, second_page: Any, stack: dict[str, Any]
) -> None:
    comment = "The centre endorses this badge: guides trained in **World Heritage in Young Hands** workshops."
    login(page, stack, stack["logins"].centre_admin)
    page.get_by_role("link", name="Endorsements given and received").click()
    page.get_by_role("link", name="Endorse a badge or an organisation").click()
    page.get_by_label("What you endorse").select_option(
        label="World Heritage in Young Hands: guide (Klaipėda Baltic Gymnasium)"
    )
    page.get_by_label("Comment").fill(comment)
    page.get_by_role("button", name="Sign and publish the endorsement").click()
    assert "signed and published" in page.get_by_role("status").first.inner_text()
    given = page.get_by_role("row").filter(has_text="World Heritage in Young Hands: guide")
    assert "Active" in given.inner_text()
    endorsement_url = given.get_by_role("link", name="The endorsement").get_attribute("href")

    # the school's teacher awards the endorsed badge
    teacher = second_page
    login(teacher, stack, stack["logins"].teacher)
    row = teacher.get_by_role("row").filter(has_text="World Heritage in Young Hands")
    row.get_by_role("link", name="Award", exact=True).click()
    teacher.get_by_label("Learner name").fill("Rokas Jankus")
    teacher.get_by_label("Learner email").fill("rokas@learners.example")
    teacher.get_by_role("button", name="Sign and award").click()
    badge_url = teacher.locator(".notice a").first.get_attribute("href")

    # the badge page shows the endorsement: who and the comment, with its own page
    teacher.goto(badge_url)
    section = teacher.get_by_role("region", name="Endorsed by")
    assert CENTRE_NAME in section.inner_text()
    assert (
        "guides trained in World Heritage in Young Hands workshops"
        in section.locator("blockquote").inner_text()
    )
    assert section.locator("blockquote strong").inner_text() == "World Heritage in Young Hands"
    section.get_by_role("link", name="The signed endorsement").click()
    assert teacher.get_by_role("heading", level=1).inner_text() == "Endorsement"
    assert teacher.url == f"{stack['issuer']}{endorsement_url}"
    body = teacher.locator("main").inner_text()
    assert (
        f"{CENTRE_NAME} endorses the badge “World Heritage in Young Hands: guide” of Klaipėda Baltic Gymnasium"
        in body
    )
    assert "Active" in teacher.locator(".status").inner_text()
    teacher.get_by_role("link", name="Verify this endorsement").click()
    assert "genuine and valid" in teacher.get_by_role("heading", level=1).inner_text()

    # the verifier: the badge is valid and so is its endorsement
    assert "genuine and valid" in verify(teacher, badge_url)
    endorsed = teacher.locator("ul.endorsement-results li")
    assert endorsed.count() == 1
    assert endorsed.inner_text().startswith("✔ verified") and CENTRE_NAME in endorsed.inner_text()
    outcome, text = checks_of(teacher)["Endorsements"]
    assert outcome == "passed" and "1 endorsement verified" in text, text

    # the coordinator withdraws it
    page.reload()
    given = page.get_by_role("row").filter(has_text="World Heritage in Young Hands: guide")
    given.get_by_label("Reason for withdrawing").fill("The workshop programme ended in 2026.")
    given.get_by_role("button", name="Withdraw").click()
    assert "is withdrawn" in page.get_by_role("status").first.inner_text()
    assert (
        "Withdrawn"
        in page.get_by_role("row")
        .filter(has_text="World Heritage in Young Hands: guide")
        .inner_text()
    )

    # the verifier: the endorsement is withdrawn, the badge stays valid
    assert "genuine and valid" in verify(teacher, badge_url)
    endorsed = teacher.locator("ul.endorsement-results li")
    assert endorsed.inner_text().startswith("✘ withdrawn"), endorsed.inner_text()
    outcome, text = checks_of(teacher)["Endorsements"]
    assert (
        outcome == "warning"
        and "withdrawn by the endorser" in text
        and "badge itself is not affected" in text
    ), text
    checks = checks_of(teacher)
    assert checks["Signature"][0] == checks["Revocation status"][0] == "passed", checks
    assert not [title for title, (outcome, _t) in checks.items() if outcome == "failed"], checks
    # the badge page and the endorsement's page say so too
    teacher.goto(badge_url)
    assert (
        "Withdrawn by the endorser on"
        in teacher.get_by_role("region", name="Endorsed by").inner_text()
    )
    teacher.goto(f"{stack['issuer']}{endorsement_url}")
    assert "Withdrawn on" in teacher.locator(".status").inner_text()
    assert "The workshop programme ended in 2026." in teacher.locator(".status").inner_text()


# -- 3. API tokens and the audit log --------------------------------------------------------------


def test_token_shown_once_revoked_and_audited(
    page: Any, stack: dict[str, Any], school_admin: tuple[str, str, str]
) -> None:
    email, name, password = school_admin
    login(page, stack, email, password)
    page.get_by_role("link", name="API tokens").click()
    assert page.get_by_role("heading", level=1).inner_text() == "API tokens"
    page.get_by_label("Name (what uses it").fill("Moodle e2e")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_label("New token").input_value()
    assert re.fullmatch(r"ob_[A-Za-z0-9_-]{43}", secret), secret
    row = page.get_by_role("row").filter(has_text="Moodle e2e")
    assert secret[:10] in row.inner_text() and "active" in row.inner_text()
    assert api_get(stack, "/api/v1/achievements", secret) == 200

    # reloading the answer (Chromium sends the POST again) neither shows the secret again
    # nor makes a second token
    page.reload()
    assert "already created" in page.get_by_role("status").first.inner_text()
    assert secret not in page.content()
    assert page.get_by_label("New token").count() == 0
    page.goto(f"{stack['issuer']}/staff/{SCHOOL}/tokens")
    assert secret not in page.content()
    assert page.get_by_role("row").filter(has_text="Moodle e2e").count() == 1

    page.get_by_role("button", name="Revoke the token Moodle e2e").click()
    assert "revoked" in page.get_by_role("row").filter(has_text="Moodle e2e").inner_text()
    assert api_get(stack, "/api/v1/achievements", secret) == 401

    # an award by the admin, so that the log has a learner's badge in it
    page.goto(f"{stack['issuer']}/staff/{SCHOOL}")
    page.get_by_role("row").filter(has_text="Volunteer: 40 hours").get_by_role(
        "link", name="Award", exact=True
    ).click()
    page.get_by_label("Learner name").fill("Ieva Kairytė")
    page.get_by_label("Learner email").fill("ieva.kairyte@learners.example")
    page.get_by_role("button", name="Sign and award").click()
    page.locator(".notice a").first.wait_for()

    page.goto(f"{stack['issuer']}/staff/{SCHOOL}")
    page.get_by_role("link", name="Audit log").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Audit log"
    log = page.get_by_role("region", name="Audit entries")
    assert "learners.example" not in page.content()
    issued = log.get_by_role("row").filter(has_text="award.issue").filter(has_text="Ieva Kairytė")
    assert issued.count() == 1 and name in issued.inner_text()
    page.get_by_label("Action").select_option("token")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"action=token"))
    rows = page.get_by_role("region", name="Audit entries").locator("tbody tr")
    entries = [rows.nth(i).inner_text() for i in range(rows.count())]
    actions = [re.search(r"token\.\w+", text).group(0) for text in entries]  # type: ignore[union-attr]
    assert actions == ["token.revoke", "token.create"], entries  # newest first
    for text in entries:
        assert name in text and "Moodle e2e" in text and secret not in text
        assert "127.0.0.1" in text  # from where
    assert secret not in page.content() and "learners.example" not in page.content()


# -- 4. key rotation, compromise and re-issue -------------------------------------------------------


def test_rotate_compromise_and_reissue(
    page: Any, second_page: Any, stack: dict[str, Any], school_admin: tuple[str, str, str]
) -> None:
    email, _name, password = school_admin
    login(page, stack, email, password)
    page.get_by_role("link", name="Signing keys").click()
    old_kid = page.locator("ul.cards li h3 code").first.inner_text()
    old_card = page.locator("ul.cards > li").filter(has_text=old_kid)
    assert "active" in old_card.locator("h3").inner_text()
    signed = int(old_card.locator("dt:text-is('Valid badges signed') + dd").inner_text())
    assert signed >= 7  # the demo's seven Klaipėda badges at least

    # an original to follow: the demo badge awarded 300 days ago
    page.goto(f"{stack['issuer']}/staff/{SCHOOL}/awards?q=Kamil%C4%97")
    page.get_by_role("link", name="Kamilė Paulauskaitė").click()
    original_url = page.locator(".notice a").first.get_attribute("href")
    page.goto(original_url)
    awarded = page.locator("dt:text-is('Issued') + dd").inner_text()
    assert awarded == (datetime.now(UTC) - timedelta(days=300)).strftime("%Y-%m-%d")

    # rotate: nothing happens until the box is ticked
    page.goto(f"{stack['issuer']}/staff/{SCHOOL}/keys")
    page.get_by_role("link", name="Rotate key").click()
    page.get_by_role("button", name="Rotate key").click()
    assert "/keys/rotate" in page.url
    assert page.get_by_label("Yes, create a new signing key").evaluate("el => !el.validity.valid")
    page.get_by_label("Yes, create a new signing key").check()
    page.get_by_role("button", name="Rotate key").click()
    page.wait_for_url(re.compile(r"/keys$"))
    assert "signs every badge from now on" in page.get_by_role("status").first.inner_text()
    old_card = page.locator("ul.cards > li").filter(has_text=old_kid)
    assert "retired" in old_card.locator("h3").inner_text()
    assert old_card.locator("dt:text-is('Published') + dd").inner_text() == "yes"
    new_card = page.locator("ul.cards > li").filter(has_not_text=old_kid)
    assert new_card.count() == 1 and "active" in new_card.locator("h3").inner_text()
    assert new_card.locator("h3 code").inner_text() != old_kid
    # before the compromise, the original still verifies (the retired key stays published)
    assert "genuine and valid" in verify(second_page, original_url)

    # mark the old key compromised, with a reason
    page.get_by_role("link", name=f"Mark {old_kid} compromised").click()
    page.get_by_label("What happened to the key?").fill(
        "The laptop holding a backup of the key was stolen."
    )
    page.get_by_label(f"Yes, revoke everything {old_kid} signed").check()
    page.get_by_role("button", name=f"Mark {old_kid} compromised").click()
    page.wait_for_url(re.compile(r"/keys$"))
    notice = page.get_by_role("status").first.inner_text()
    assert f"{signed} badges it signed were revoked" in notice, notice  # a plural, not "(s)"
    assert (
        "compromised"
        in page.locator("ul.cards > li").filter(has_text=old_kid).locator("h3").inner_text()
    )
    waiting = (
        page.locator("table")
        .filter(has=page.locator("caption", has_text="awaiting re-issue"))
        .locator("tbody tr")
    )
    assert waiting.count() == signed
    listed = waiting.all_inner_texts()
    assert any("Kamilė Paulauskaitė" in text and awarded in text for text in listed), listed
    assert all(old_kid in text for text in listed)

    # re-issue all: the progress streams, then the result
    page.get_by_role("button", name=f"Re-issue all {signed}").click()
    assert (
        page.get_by_role("heading", level=1).inner_text()
        == f"Re-issuing {signed} badges with the new key"
    )
    result = page.locator("p.ok[role=status]")
    result.wait_for()
    assert result.inner_text().startswith(f"{signed} badges were re-issued with the new key")
    progress = page.locator("ol.progress li").all_inner_texts()
    assert progress and progress[-1] == f"Signed {signed} of {signed}", progress
    result.get_by_role("link", name="Back to the keys").click()
    assert "None." in page.locator("h2:text-is('Badges awaiting re-issue') + p").inner_text()
    copy = page.get_by_role("row").filter(has_text="Kamilė Paulauskaitė")
    new_id = copy.get_by_role("link").inner_text()
    assert "replaces" in copy.inner_text()

    # the copy: same learner, badge and awarded date; valid in the verifier
    copy_url = f"{stack['issuer']}/credentials/{new_id}"
    second_page.goto(copy_url)
    assert (
        second_page.get_by_role("heading", level=1).inner_text()
        == "Baltic Sea Project: water monitor"
    )
    # the public page names no learner who has not made their name public (issue 13):
    # the demo's Kamilė has no learner account
    assert second_page.locator(".recipient").inner_text().startswith("Awarded to a learner of ")
    assert "Kamilė" not in second_page.locator(".recipient").inner_text()
    # signed today, with the date it was first awarded (awardedDate) kept and shown
    assert second_page.locator("dt:text-is('Awarded') + dd").inner_text() == awarded
    assert second_page.locator("dt:text-is('Issued') + dd").inner_text() == datetime.now(
        UTC
    ).strftime("%Y-%m-%d")
    assert "Active" in second_page.locator(".status").inner_text()
    assert "genuine and valid" in verify(second_page, copy_url)
    assert not [
        c for c in second_page.locator("ol.checks li").all_inner_texts() if c.startswith("✘")
    ]

    # the original: revoked on its page and in the verifier
    second_page.goto(original_url)
    assert "Revoked" in second_page.locator(".status").inner_text()
    assert "not valid" in verify(second_page, original_url)
    # its key is gone from the school's DID document, so nothing proves who signed it; the
    # status list is then not fetched (it could not make the badge valid again)
    failed = " ".join(second_page.locator("li.check.failed").all_inner_texts()).lower()
    assert "not one the issuer published" in failed, failed
    status = second_page.locator("ol.checks li").filter(has_text="Revocation status").inner_text()
    assert "already known not to be valid" in status, status


# -- 5. the same pages on a phone -----------------------------------------------------------------


def test_network_pages_fit_a_phone_and_name_their_controls(
    phone: Any, stack: dict[str, Any]
) -> None:
    login(phone, stack, stack["logins"].admin)
    issuer = stack["issuer"]
    pages = [
        ("the network view", f"{issuer}/staff/{CENTRE}/network"),
        (
            "the network view of one school",
            f"{issuer}/staff/{CENTRE}/network?school=klaipeda-gymnasium",
        ),
        ("the centre's endorsements", f"{issuer}/staff/{CENTRE}/endorsements"),
        ("the endorsement form", f"{issuer}/staff/{CENTRE}/endorsements/new"),
        ("the school's endorsements", f"{issuer}/staff/{SCHOOL}/endorsements"),
        ("the audit log", f"{issuer}/staff/{SCHOOL}/audit"),
        ("the keys", f"{issuer}/staff/{SCHOOL}/keys"),
        ("the rotation form", f"{issuer}/staff/{SCHOOL}/keys/rotate"),
        ("the tokens", f"{issuer}/staff/{SCHOOL}/tokens"),
    ]
    for what, url in pages:
        phone.goto(url)
        assert_fits_and_named(phone, what)

    # the compromise form of the active key (opened, not sent)
    phone.goto(f"{issuer}/staff/{SCHOOL}/keys")
    phone.locator("ul.cards a", has_text="compromised").first.click()
    assert_fits_and_named(phone, "the compromise form")

    # an endorsement's public page, and a badge page that carries an endorsement
    phone.goto(f"{issuer}/staff/{CENTRE}/endorsements")
    links = phone.get_by_role("link", name="The endorsement")
    if links.count():
        links.first.click()
        assert_fits_and_named(phone, "an endorsement's page")

    # a form with errors: the marked fields keep their names
    phone.goto(f"{issuer}/staff/{SCHOOL}/tokens")
    phone.get_by_role("button", name="Create token").click()
    phone.get_by_role("alert").wait_for()
    assert_fits_and_named(phone, "the token form with an error")


def test_the_phone_checks_catch_a_bad_page(phone: Any) -> None:
    """The helpers above fail on a page that scrolls sideways, squeezes a table or has an
    unnamed control (so that their passing means something)."""
    meta = "<meta name='viewport' content='width=device-width, initial-scale=1'>"
    phone.set_content("<h1>Desktop only</h1>")
    with pytest.raises(AssertionError, match="no viewport meta"):
        assert_fits_and_named(phone, "a page for desktops")
    phone.set_content(
        meta
        + "<h1>Bad</h1><table><tr><td>"
        + "Wide " * 5
        + "<span style='display:inline-block;width:600px'></span></td></tr></table>"
    )
    with pytest.raises(AssertionError, match=r"wider than the phone|scrolls sideways"):
        assert_fits_and_named(phone, "a wide table")
    phone.set_content(
        meta
        + "<h1>Squeezed</h1><table style='width:60px'><tr><td style='overflow-wrap:anywhere'>Navickienė Paulauskaitė</td></tr></table>"
    )
    with pytest.raises(AssertionError, match="words break across lines"):
        assert_fits_and_named(phone, "a squeezed table")
    phone.set_content(
        meta
        + "<h1>Form</h1><form><label>Name <input name='a'></label><select name='b'><option>x</option></select>"
        "<label for='c'>Comment</label><textarea id='c'></textarea><button aria-label='Send'></button></form>"
    )
    with pytest.raises(AssertionError, match='select name="b"'):
        assert_fits_and_named(phone, "a form")
