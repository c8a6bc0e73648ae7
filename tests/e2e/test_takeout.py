"""Taking everything out, in the browser (issue 14): the demo learner asks for her archive,
waits on its job's page and downloads it,
opens its index.html from disk with the network cut off (it shows every badge with its
picture, fits a phone), downloads her data, then erases her account; her share link
answers 404 and her badges still verify in the verifier.

Set SCREENSHOTS=<folder> to keep screenshots of each page at 375 and 1280 px."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

from issuer.demo import DEMO_LEARNER

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WIDTHS = (375, 1280)


def _shot(page: Any, name: str, width: int) -> None:
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)


def _fits(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_archive_data_and_erasure(browser: Any, stack: dict[str, Any], tmp_path: Path) -> None:
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{stack['issuer']}/learner/login")
        page.locator("#f-email").fill(DEMO_LEARNER)
        page.get_by_label("Password", exact=True).fill(stack["password"])
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.get_by_role("link", name="Download all").click()
        page.get_by_role("heading", level=1, name="Download everything").wait_for()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            _fits(page, width)
            _shot(page, "export", width)

        # the archive: made by a job (a thread of the app here), its page asks for the
        # job's state and offers the zip when it is ready; its index.html opened offline
        page.get_by_role("button", name="Make the zip file").click()
        page.get_by_role("heading", level=1, name="Your zip file").wait_for()
        assert "/portfolio/export/jobs/" in page.url
        ready = page.locator("[aria-live=polite]").get_by_text("is ready")
        ready.wait_for(timeout=60_000)
        with page.expect_download() as info:
            page.get_by_role("link", name="Download the zip file").click()
        path = tmp_path / "badges.zip"
        info.value.save_as(path)
        folder = tmp_path / "archive"
        with zipfile.ZipFile(path) as archive:
            archive.extractall(folder)
            badges = {name.rsplit("/", 1)[0] for name in archive.namelist() if "/badge." in name}
        offline = browser.new_context(offline=True)
        index = offline.new_page()
        try:
            index.goto((folder / "index.html").as_uri())
            assert index.locator("li.badge").count() == len(badges) >= 3
            pictures = index.locator("li.badge img")
            for n in range(pictures.count()):  # each picture drawn from the zip
                assert pictures.nth(n).evaluate("img => img.naturalWidth") > 0
            for width in WIDTHS:
                index.set_viewport_size({"width": width, "height": 900})
                _fits(index, width)
                _shot(index, "archive-index", width)
        finally:
            offline.close()

        # her data, as JSON
        page.get_by_role("link", name="Back to Download everything").click()
        page.get_by_role("heading", level=1, name="Download everything").wait_for()
        with page.expect_download() as info:
            page.get_by_role("link", name="Download your data (JSON)").click()
        data = json.loads(Path(info.value.path()).read_text())
        assert data["addresses"][0]["email"] == DEMO_LEARNER and data["shareLinks"]
        share = data["shareLinks"][0]["url"]
        held = [
            badge["url"]
            for badge in data["badges"]
            if not badge["revokedAt"] and not badge["suspended"] and not badge["validUntil"]
        ]

        # erasing: the warning, then the password
        page.get_by_role("link", name="What erasing does, and how").click()
        page.get_by_role("heading", level=1, name="Erase your account").wait_for()
        page.get_by_role("button", name="Erase my account").click()
        page.locator("#e-understood").wait_for()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            _fits(page, width)
            _shot(page, "erase", width)
        page.get_by_label("I understand").check()
        page.get_by_label("Your password").fill(stack["password"])
        page.get_by_role("button", name="Erase my account").click()
        page.get_by_role("heading", level=1, name="Your account is erased").wait_for()
        _shot(page, "erased", 1280)
        assert page.request.get(share).status == 404
        assert held
        for url in held[:2]:
            assert page.request.get(url).status == 200
            page.goto(f"{stack['verifier']}/verify?url={url}")
            assert page.locator(".verdict.valid").count() == 1, page.locator("main").inner_text()
    finally:
        context.close()
