"""Screenshots of the key pages, in English and Lithuanian, on a desktop and on a 375 px
phone: the learner's portfolio, a badge's public page, the verifier's verdict, the award
form. The README shows them (docs/screenshots/), so a newcomer sees the product before
running it.

Every run takes them (and checks that no page is wider than the phone); they are written
into docs/screenshots/ when ``BADGES_UPDATE_SCREENSHOTS=1``, else into a temporary folder
(a test run leaves the checkout as it was: the pages show today's dates). The README's
"Screenshots" section says how to refresh them. A screenshot the README names must exist,
and each one this test takes must be in the repository.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from PIL import Image
from sqlalchemy import select

from issuer.demo import DEMO_LEARNER
from issuer.models import Award

from .conftest import language_context, sign_in

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
README = ROOT / "README.md"
LANGUAGES = ("en", "lt")
SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 860}},
    "phone": {
        "viewport": {"width": 375, "height": 740},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}
# name -> who looks (None: anyone), where (app, path over the seeded ids)
PAGES: dict[str, tuple[str | None, str, str]] = {
    "portfolio": ("learner", "issuer", "/portfolio/"),
    "badge": (None, "issuer", "/credentials/{award}"),
    "verifier-result": (None, "verifier", "/verify?url={award_https}"),
    "award-form": (
        "teacher",
        "issuer",
        "/staff/klaipeda-gymnasium/achievements/{achievement}/award",
    ),
}


def shot_name(page: str, lang: str, size: str) -> str:
    return f"{page}-{lang}-{size}.png"


EXPECTED = sorted(
    shot_name(page, lang, size) for page in PAGES for lang in LANGUAGES for size in SIZES
)


def test_the_readme_shows_screenshots_that_exist() -> None:
    named = re.findall(r"docs/screenshots/([\w.-]+\.png)", README.read_text("utf-8"))
    assert named, "the README shows no screenshot"
    missing = [name for name in named if not (SHOTS / name).is_file()]
    assert not missing, f"the README names screenshots that do not exist: {missing}"
    taken = sorted(path.name for path in SHOTS.glob("*.png"))
    assert taken == EXPECTED, "docs/screenshots/ is not what test_screenshots takes"
    for name in taken:  # each as this test takes it: the size's viewport, at its pixel ratio
        size = SIZES[name.removesuffix(".png").rsplit("-", 1)[1]]
        ratio = size.get("device_scale_factor", 1)
        with Image.open(SHOTS / name) as image:
            assert image.format == "PNG", name
            assert image.size == (
                size["viewport"]["width"] * ratio,
                size["viewport"]["height"] * ratio,
            ), name


@pytest.fixture(scope="module")
def ids(stack: dict[str, Any]) -> dict[str, str]:
    """The demo learner's latest badge (the Baltic Sea Project, with her reflection)."""
    with stack["issuer_app"].extensions["issuer.db"].transaction() as session:
        award = session.scalars(
            select(Award)
            .where(Award.learner_email == DEMO_LEARNER, Award.revoked_at.is_(None))
            .order_by(Award.issued_at.desc())
        ).first()
        assert award is not None
        https = stack["issuer"].replace("http://", "https://", 1)
        return {
            "award": award.public_id,
            "achievement": award.achievement.public_id,
            "award_https": quote(f"{https}/credentials/{award.public_id}", safe=""),
        }


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    if os.environ.get("BADGES_UPDATE_SCREENSHOTS", "").strip() in ("1", "true", "yes"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        yield SHOTS
    else:
        yield tmp_path_factory.mktemp("screenshots")


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("size", sorted(SIZES))
def test_screenshots_of_the_key_pages(
    browser: Any, stack: dict[str, Any], ids: dict[str, str], folder: Path, lang: str, size: str
) -> None:
    taken = []
    for who in (None, "learner", "teacher"):
        context = language_context(browser, stack, lang, **SIZES[size])
        page = context.new_page()
        try:
            if who is not None:
                sign_in(page, stack, who)
            for name, (viewer, app, path) in PAGES.items():
                if viewer != who:
                    continue
                response = page.goto(f"{stack[app]}{path.format(**ids)}")
                assert response is not None and response.status == 200, (name, lang, size)
                assert page.evaluate("() => document.documentElement.lang") == lang
                width = page.evaluate("() => document.documentElement.scrollWidth")
                viewport = SIZES[size]["viewport"]["width"]
                assert width <= viewport, f"{name} [{lang}] is {width}px wide at {viewport}px"
                target = folder / shot_name(name, lang, size)
                page.screenshot(path=str(target), full_page=False)
                assert target.stat().st_size > 10_000, target
                taken.append(target.name)
        finally:
            context.close()
    assert sorted(taken) == sorted(shot_name(p, lang, size) for p in PAGES)
