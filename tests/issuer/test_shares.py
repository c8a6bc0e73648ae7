"""Share links: a learner shares the whole portfolio or a collection of their own badges;
a withdrawn or expired link is dead at once, everywhere; one learner never sees or
withdraws another's; a school's staff see what learners shared with the school."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from issuer.models import Award, LearnerEvidence, Reflection, ShareLink
from issuer.models.base import now_utc
from issuer.services import status as status_service

from .conftest import BASE_URL, login, post, sign_in_learner

pytestmark = pytest.mark.db


def _share(client, **fields):
    data = {"title": "For the summer school", "scope": "portfolio"} | fields
    return post(client, "/portfolio/shares", data)


def _new_share(database, learner_id):
    with database.transaction() as session:
        return session.scalars(
            select(ShareLink)
            .where(ShareLink.learner_id == learner_id)
            .order_by(ShareLink.id.desc())
        ).first()


def _count(database) -> int:
    with database.transaction() as session:
        return session.scalar(select(func.count()).select_from(ShareLink)) or 0


@pytest.fixture
def ona(make_learner, school, make_achievement, award_to):
    """Ona with two badges of the school (one of them at a level) and her account."""
    river = make_achievement(school, "Baltic Sea Project")
    heritage = make_achievement(school, "Young Hands for Heritage")
    first = award_to(school, river, level="Proficient")
    second = award_to(school, heritage)
    learner = make_learner("ona@pupils.example", "Ona Petraitytė")
    return learner, first, second


def test_a_learner_shares_the_whole_portfolio_and_anyone_with_the_link_sees_it(
    client, app, database, ona
) -> None:
    learner, first, second = ona
    sign_in_learner(client, database, learner)
    response = _share(client)
    assert response.status_code == 302
    share = _new_share(database, learner.id)
    assert share.scope == "portfolio" and share.view_count == 0 and len(share.public_id) >= 22

    page = client.get("/portfolio/shares")
    assert page.status_code == 200
    assert f"{BASE_URL}/s/{share.public_id}" in page.text
    assert page.headers["Cache-Control"] == "private, no-store"

    stranger = app.test_client()
    shared = stranger.get(f"/s/{share.public_id}")
    assert shared.status_code == 200
    assert "Ona Petraitytė" in shared.text
    assert "Baltic Sea Project" in shared.text and "Young Hands for Heritage" in shared.text
    assert "Proficient" in shared.text
    assert '<meta name="robots" content="noindex' in shared.text
    assert shared.headers["X-Robots-Tag"].startswith("noindex")
    assert shared.headers["Cache-Control"] == "private, no-store"
    for award in (first, second):
        link = quote(f"{BASE_URL}/credentials/{award.public_id}", safe="")
        assert f'href="https://verify.test/verify?url={link}"' in shared.text
    assert stranger.get(f"/s/{share.public_id}").status_code == 200
    assert client.get(f"/s/{share.public_id}").status_code == 200  # the learner's own look
    with database.transaction() as session:
        assert session.get(ShareLink, share.id).view_count == 2
    assert "2 views" in client.get("/portfolio/shares").text


def test_a_collection_holds_only_the_learners_own_badges(
    client, app, database, ona, make_learner, award_to, school, make_achievement
) -> None:
    learner, first, _second = ona
    other = award_to(school, make_achievement(school, "Peace Garden"), email="jonas@pupils.example")
    make_learner("jonas@pupils.example", "Jonas")
    sign_in_learner(client, database, learner)

    refused = _share(client, scope="collection", award_ids=[first.public_id, other.public_id])
    assert refused.status_code == 400
    assert "Choose among your own badges only." in refused.text
    assert 'aria-describedby="e-award_ids"' in refused.text
    none_chosen = _share(client, scope="collection")
    assert none_chosen.status_code == 400 and "Choose at least one" in none_chosen.text
    assert _count(database) == 0

    assert _share(client, scope="collection", award_ids=[first.public_id]).status_code == 302
    share = _new_share(database, learner.id)
    assert share.scope == "collection" and share.award_ids == [first.id]
    shared = app.test_client().get(f"/s/{share.public_id}")
    assert "Baltic Sea Project" in shared.text
    assert "Young Hands for Heritage" not in shared.text and "Peace Garden" not in shared.text


def test_one_learner_never_sees_nor_withdraws_anothers_share(
    client, app, database, ona, make_learner
) -> None:
    learner, _first, _second = ona
    sign_in_learner(client, database, learner)
    _share(client, title="Ona's application")
    share = _new_share(database, learner.id)

    jonas = make_learner("jonas@pupils.example", "Jonas")
    other = app.test_client()
    sign_in_learner(other, database, jonas)
    own_page = other.get("/portfolio/shares")
    assert own_page.status_code == 200
    assert share.public_id not in own_page.text and "Ona's application" not in own_page.text
    assert post(other, f"/portfolio/shares/{share.public_id}/withdraw").status_code == 404
    assert other.get(f"/portfolio/shares/{share.public_id}/qr.svg").status_code == 404
    with database.transaction() as session:
        assert session.get(ShareLink, share.id).withdrawn_at is None
    assert app.test_client().get(f"/s/{share.public_id}").status_code == 200


def test_a_withdrawn_link_is_dead_at_once_everywhere(client, app, database, ona) -> None:
    learner, _first, _second = ona
    sign_in_learner(client, database, learner)
    _share(client, include_evidence="1")
    share = _new_share(database, learner.id)
    with database.transaction() as session:
        session.add(
            LearnerEvidence(
                learner_id=learner.id,
                award_id=_first.id,
                title="My river notes",
                filename="notes.pdf",
                content_type="application/pdf",
                data=b"%PDF-1.4 notes",
            )
        )
    with database.transaction() as session:
        own = session.scalars(select(LearnerEvidence)).one()
    stranger = app.test_client()
    assert stranger.get(f"/s/{share.public_id}").status_code == 200
    file_url = f"/s/{share.public_id}/own-evidence/{own.public_id}"
    assert stranger.get(file_url).data == b"%PDF-1.4 notes"
    assert client.get(f"/portfolio/shares/{share.public_id}/qr.svg").status_code == 200

    withdrawn = post(client, f"/portfolio/shares/{share.public_id}/withdraw")
    assert withdrawn.status_code == 302
    assert stranger.get(f"/s/{share.public_id}").status_code == 404
    assert stranger.get(file_url).status_code == 404
    assert client.get(f"/portfolio/shares/{share.public_id}/qr.svg").status_code == 404
    assert client.get(f"/portfolio/shares/{share.public_id}/qr.png").status_code == 404
    page = client.get("/portfolio/shares")
    assert "Withdrawn" in page.text


def test_an_expired_link_is_dead_at_once(client, app, database, ona) -> None:
    learner, _first, _second = ona
    sign_in_learner(client, database, learner)
    today = now_utc().date()
    assert _share(client, expires_on=today.isoformat()).status_code == 302
    share = _new_share(database, learner.id)
    assert share.expires_at > now_utc()  # open until the end of the chosen day
    stranger = app.test_client()
    assert stranger.get(f"/s/{share.public_id}").status_code == 200
    with database.transaction() as session:
        session.get(ShareLink, share.id).expires_at = now_utc() - timedelta(seconds=1)
    assert stranger.get(f"/s/{share.public_id}").status_code == 404
    assert client.get(f"/portfolio/shares/{share.public_id}/qr.svg").status_code == 404
    with database.transaction() as session:
        assert session.get(ShareLink, share.id).view_count == 1  # a 404 counts nothing

    past = _share(client, expires_on=(today - timedelta(days=1)).isoformat())
    assert past.status_code == 400 and "from today on" in past.text
    bad = _share(client, expires_on="next week")
    assert bad.status_code == 400 and 'id="e-expires_on"' in bad.text


def test_a_made_up_link_answers_404(app) -> None:
    assert app.test_client().get("/s/not-a-real-link").status_code == 404


def test_the_shared_page_marks_revoked_suspended_and_expired_badges(
    client, app, database, ona, school
) -> None:
    learner, first, second = ona
    sign_in_learner(client, database, learner)
    _share(client)
    share = _new_share(database, learner.id)
    with database.transaction() as session:
        status_service.revoke_award(
            session, award=session.get(Award, first.id), reason="Awarded by mistake"
        )
        session.get(Award, second.id).valid_until = now_utc() - timedelta(days=2)
    page = app.test_client().get(f"/s/{share.public_id}").text
    assert re.search(r'class="shared-badge revoked".*?Baltic Sea Project.*?Revoked on', page, re.S)
    assert re.search(
        r'class="shared-badge expired".*?Young Hands for Heritage.*?Expired on', page, re.S
    )
    with database.transaction() as session:
        session.get(Award, second.id).valid_until = None
        session.get(Award, second.id).suspended = True
    page = app.test_client().get(f"/s/{share.public_id}").text
    assert "Suspended by the issuer" in page


def test_reflections_and_evidence_show_only_when_the_link_includes_them(
    client, app, database, ona
) -> None:
    learner, first, _second = ona
    with database.transaction() as session:
        session.add(
            Reflection(learner_id=learner.id, award_id=first.id, body_md="I *learned* to test.")
        )
        session.add(
            LearnerEvidence(
                learner_id=learner.id,
                award_id=first.id,
                title="My blog post",
                url="https://blog.example/ona/river",
            )
        )
    sign_in_learner(client, database, learner)
    _share(client, title="Plain")
    plain = _new_share(database, learner.id)
    _share(client, title="Everything", include_reflections="1", include_evidence="1")
    everything = _new_share(database, learner.id)
    stranger = app.test_client()
    page = stranger.get(f"/s/{plain.public_id}").text
    assert "learned" not in page and "My blog post" not in page
    page = stranger.get(f"/s/{everything.public_id}").text
    assert "I <em>learned</em> to test." in page
    assert (
        '<a href="https://blog.example/ona/river" rel="nofollow noopener">My blog post</a>' in page
    )


def test_a_learner_shares_only_with_a_school_that_awarded_them(
    client, database, ona, make_org
) -> None:
    learner, _first, _second = ona
    make_org("kaunas-school", "Kaunas School")
    sign_in_learner(client, database, learner)
    refused = _share(client, org="kaunas-school")
    assert refused.status_code == 400 and "schools that awarded you" in refused.text
    assert _share(client, org="vilnius-lyceum").status_code == 302
    assert _new_share(database, learner.id).org_id is not None


def test_the_schools_staff_see_the_portfolios_shared_with_it_and_no_one_else_does(
    client, app, database, ona, school, make_org, make_user, make_achievement, award_to
) -> None:
    learner, _first, _second = ona
    other_school = make_org("kaunas-school", "Kaunas School")
    award_to(other_school, make_achievement(other_school, "Choir"))
    make_user("teacher@lyceum.example", org=school)
    make_user("teacher@kaunas.example", org=other_school)
    sign_in_learner(client, database, learner)
    _share(client, title="For my teachers", org="vilnius-lyceum")
    with_school = _new_share(database, learner.id)
    _share(client, title="Private one")
    _share(client, title="Gone", org="vilnius-lyceum")
    gone = _new_share(database, learner.id)
    post(client, f"/portfolio/shares/{gone.public_id}/withdraw")
    _share(client, title="For Kaunas", org="kaunas-school")

    teacher = app.test_client()
    login(teacher, "teacher@lyceum.example")
    page = teacher.get(f"/staff/{school.slug}/shared")
    assert page.status_code == 200
    assert "For my teachers" in page.text and f"/s/{with_school.public_id}" in page.text
    assert "Ona Petraitytė" in page.text
    for hidden in ("Private one", "Gone", "For Kaunas"):
        assert hidden not in page.text
    assert page.headers["Cache-Control"] == "private, no-store"
    assert teacher.get(f"/s/{with_school.public_id}").status_code == 200

    outsider = app.test_client()
    login(outsider, "teacher@kaunas.example")
    assert outsider.get(f"/staff/{school.slug}/shared").status_code == 404
    theirs = outsider.get(f"/staff/{other_school.slug}/shared")
    assert "For Kaunas" in theirs.text and "For my teachers" not in theirs.text
    # a learner's session is no staff login
    assert client.get(f"/staff/{school.slug}/shared").status_code == 302


def test_the_qr_code_holds_the_share_link(client, database, ona) -> None:
    learner, _first, _second = ona
    sign_in_learner(client, database, learner)
    _share(client)
    share = _new_share(database, learner.id)
    svg = client.get(f"/portfolio/shares/{share.public_id}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    png = client.get(f"/portfolio/shares/{share.public_id}/qr.png")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    assert png.headers["Cache-Control"] == "private, no-store"
    from badges import qr

    assert svg.data == qr.qr_svg(f"{BASE_URL}/s/{share.public_id}")
    assert png.data == qr.qr_png(f"{BASE_URL}/s/{share.public_id}")
    assert client.get(f"/portfolio/shares/{share.public_id}/qr.gif").status_code == 404
    assert client.get("/portfolio/shares/no-such-link/qr.svg").status_code == 404


def test_a_learner_with_no_badges_is_told_there_is_nothing_to_share(
    client, database, make_learner
) -> None:
    learner = make_learner("new@pupils.example", "New Learner")
    sign_in_learner(client, database, learner)
    page = client.get("/portfolio/shares")
    assert page.status_code == 200 and "nothing to share yet" in page.text
    assert 'name="title"' not in page.text


def test_the_shared_page_costs_the_same_statements_for_few_and_many_badges(
    client, app, database, ona, school, make_achievement, award_to
) -> None:
    from sqlalchemy import event

    learner, first, _second = ona
    with database.transaction() as session:
        session.add(Reflection(learner_id=learner.id, award_id=first.id, body_md="Notes."))
    sign_in_learner(client, database, learner)
    _share(client, include_reflections="1", include_evidence="1")
    share = _new_share(database, learner.id)
    stranger = app.test_client()

    def statements() -> int:
        seen: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany):
            seen.append(statement)

        event.listen(database.engine, "before_cursor_execute", count)
        try:
            assert stranger.get(f"/s/{share.public_id}").status_code == 200
        finally:
            event.remove(database.engine, "before_cursor_execute", count)
        return len(seen)

    few = statements()
    achievement = make_achievement(school, "Many")
    for i in range(25):
        award_to(school, achievement, request_key=f"many-{i}")
    page = stranger.get(f"/s/{share.public_id}")
    assert page.text.count('class="shared-badge ') == 27
    assert statements() == few <= 15


def test_the_shared_page_draws_the_competence_map_of_the_shared_badges_only(
    client, app, database, ona
) -> None:
    learner, first, second = ona
    sign_in_learner(client, database, learner)
    _share(client, scope="collection", award_ids=[first.public_id])
    share = _new_share(database, learner.id)
    page = app.test_client().get(f"/s/{share.public_id}").text
    assert '<figure class="chart">' in page and "<svg" in page
    assert f'href="#badge-{first.public_id}"' in page and f'id="badge-{first.public_id}"' in page
    assert second.public_id not in page
