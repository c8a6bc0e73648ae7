"""Evidence files a teacher uploads are private: the URL signed into the badge opens for the
school's staff and the learner whose badge it is; through a share link that includes
evidence; for anyone else it is 404, like a file that does not exist."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from issuer.models import Organisation, ShareLink
from issuer.services.awards import store_evidence_file
from issuer.urls import PublicUrls

from .conftest import BASE_URL, login, post, sign_in_learner

pytestmark = pytest.mark.db

PDF = b"%PDF-1.4\n% river measurements\n%%EOF\n"


@pytest.fixture
def evidence(database, school, make_achievement, award_to):
    """A badge to Ona whose signed evidence is an uploaded file; returns (award, path)."""
    with database.transaction() as session:
        url = store_evidence_file(
            session,
            org=session.get(Organisation, school.id),
            filename="River report.pdf",
            data=PDF,
            urls=PublicUrls(BASE_URL),
        )
    award = award_to(school, make_achievement(school), evidence_file_url=url)
    assert [e["id"] for e in json.loads(award.credential_json)["evidence"]] == [url]
    return award, url.removeprefix(BASE_URL)


def _served(response) -> bool:
    if response.status_code == 404:
        return False
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"] == 'attachment; filename="River-report.pdf"'
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "Access-Control-Allow-Origin" not in response.headers
    return True


def test_nobody_without_a_right_gets_the_file(app, evidence) -> None:
    _award, path = evidence
    assert not _served(app.test_client().get(path))


def test_the_schools_staff_get_it_and_another_schools_do_not(
    app, evidence, school, make_org, make_user
) -> None:
    _award, path = evidence
    make_user("teacher@lyceum.example", org=school)
    other = make_org("kaunas-school", "Kaunas School")
    make_user("teacher@kaunas.example", org=other)
    teacher = app.test_client()
    login(teacher, "teacher@lyceum.example")
    assert _served(teacher.get(path))
    outsider = app.test_client()
    login(outsider, "teacher@kaunas.example")
    assert not _served(outsider.get(path))


def test_the_learner_whose_badge_it_is_gets_it_and_another_learner_does_not(
    app, database, evidence, make_learner
) -> None:
    _award, path = evidence
    ona = app.test_client()
    sign_in_learner(ona, database, make_learner("ona@pupils.example", "Ona"))
    assert _served(ona.get(path))
    jonas = app.test_client()
    sign_in_learner(jonas, database, make_learner("jonas@pupils.example", "Jonas"))
    assert not _served(jonas.get(path))
    # an address not yet confirmed gives no right either
    pending = app.test_client()
    sign_in_learner(
        pending, database, make_learner("ona@pupils.example", "Ona again", confirmed=False)
    )
    assert not _served(pending.get(path))


def test_a_share_link_with_evidence_opens_it_one_without_or_withdrawn_does_not(
    app, database, evidence, make_learner
) -> None:
    _award, path = evidence
    file_id = path.rsplit("/", 1)[1]
    ona = app.test_client()
    learner = make_learner("ona@pupils.example", "Ona")
    sign_in_learner(ona, database, learner)
    post(ona, "/portfolio/shares", {"title": "With evidence", "include_evidence": "1"})
    post(ona, "/portfolio/shares", {"title": "Without"})
    with database.transaction() as session:
        with_evidence, without = session.scalars(select(ShareLink).order_by(ShareLink.id)).all()
    viewer = app.test_client()
    page = viewer.get(f"/s/{with_evidence.public_id}").text
    through_share = f"/s/{with_evidence.public_id}/evidence/{file_id}"
    assert f'href="{through_share}"' in page
    assert _served(viewer.get(through_share))
    assert not _served(viewer.get(path))  # the share opens its own path, not the badge's

    assert file_id not in viewer.get(f"/s/{without.public_id}").text
    assert not _served(viewer.get(f"/s/{without.public_id}/evidence/{file_id}"))

    post(ona, f"/portfolio/shares/{with_evidence.public_id}/withdraw")
    assert not _served(viewer.get(through_share))


def test_a_share_opens_only_the_files_of_its_own_badges(
    app, database, evidence, make_learner, school, make_achievement, award_to
) -> None:
    _award, path = evidence
    file_id = path.rsplit("/", 1)[1]
    choir = award_to(school, make_achievement(school, "Choir"), email="ona@pupils.example")
    ona = app.test_client()
    sign_in_learner(ona, database, make_learner("ona@pupils.example", "Ona"))
    post(
        ona,
        "/portfolio/shares",
        {
            "title": "Choir only",
            "scope": "collection",
            "award_ids": [choir.public_id],
            "include_evidence": "1",
        },
    )
    with database.transaction() as session:
        share = session.scalars(select(ShareLink)).one()
    assert not _served(app.test_client().get(f"/s/{share.public_id}/evidence/{file_id}"))
