"""A class larger than ISSUER_JOB_THRESHOLD in the browser: the confirmation goes to the
job's page, which asks for the job's state (static/job.js) and shows the outcome when the
class is stored, on
a phone and on a laptop (issue 16)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from issuer import create_app as create_issuer
from issuer.demo import DEMO_PASSWORD
from issuer.models import Achievement, Organisation

from .conftest import Served, demo_copy, issuer_config, login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
SHOTS = os.environ.get("BADGES_SCREENSHOTS")


@pytest.fixture(scope="module")
def job_stack(
    tmp_path_factory: pytest.TempPathFactory,
    servers: tuple[Served, Served],
    demo_data: tuple[Path, Any],
) -> Iterator[dict[str, Any]]:
    """The demo issuer, signing a class of more than 3 learners as a job (no broker: a
    thread of the app, as `badges serve --demo` does)."""
    served = servers[0]
    data = demo_copy(tmp_path_factory, demo_data)
    config = issuer_config(data, served.url, servers[1].url)
    del config["VERIFIER_URL"]  # no verifier in this loop
    issuer = create_issuer({**config, "JOB_THRESHOLD": 3})
    database = issuer.extensions["issuer.db"]
    with database.transaction() as session:
        school = session.scalars(
            select(Organisation).join(Achievement, Achievement.org_id == Organisation.id)
        ).first()
        assert school is not None
        badge = session.scalars(select(Achievement).where(Achievement.org_id == school.id)).first()
        assert badge is not None
        slug, achievement = school.slug, badge.public_id
    served.app = issuer
    yield {
        "issuer": served.url,
        "password": DEMO_PASSWORD,
        "slug": slug,
        "achievement": achievement,
    }
    served.app = None
    database.dispose()


def _award_class(page: Any, stack: dict[str, Any], size: int, tmp_path: Path) -> None:
    csv = tmp_path / "class.csv"
    lines = ["name,email"] + [f"Learner {i},job{size}-{i}@pupils.example" for i in range(size)]
    csv.write_text("\n".join(lines) + "\n", "utf-8")
    page.goto(f"{stack['issuer']}/staff/{stack['slug']}/achievements/{stack['achievement']}/bulk")
    page.get_by_label("CSV file").set_input_files(str(csv))
    page.locator("form button[type=submit]").last.click()
    page.get_by_role("button", name="Sign and award").click()


@pytest.mark.parametrize("device", ["phone", "page"])
def test_a_large_class_goes_to_its_job_page_which_shows_the_outcome(
    device: str, request: pytest.FixtureRequest, job_stack: dict[str, Any], tmp_path: Path
) -> None:
    page = request.getfixturevalue(device)
    login(page, job_stack)
    _award_class(page, job_stack, 12 if device == "phone" else 13, tmp_path)
    assert "/jobs/" in page.url
    status = page.locator("[aria-live=polite]")
    # the page asks for the job's state every 3 s and loads again once the class is stored
    status.get_by_text("badges were awarded").wait_for(timeout=60_000)
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]  # nothing wider than the screen
    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"job-done-{device}.png"), full_page=True)
