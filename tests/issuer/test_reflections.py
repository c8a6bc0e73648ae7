"""A learner's reflection on a badge: sanitised Markdown, private, edited and deleted, never
touching what was signed; another learner's badge or reflection is a 404."""

from __future__ import annotations

import re
from typing import Any

import pytest

from issuer.models import Award, Reflection
from issuer.services.steering import MAX_REFLECTION

from .conftest import post, sign_in_learner

pytestmark = pytest.mark.db


@pytest.fixture
def badge(school: Any, make_achievement: Any, award_to: Any) -> Any:
    return award_to(school, make_achievement(school), email="ona@pupils.example")


@pytest.fixture
def ona(client: Any, database: Any, make_learner: Any) -> Any:
    learner = make_learner("ona@pupils.example")
    sign_in_learner(client, database, learner)
    return learner


def url(badge: Any) -> str:
    return f"/portfolio/badges/{badge.public_id}/reflection"


def test_a_reflection_is_written_shown_sanitised_edited_and_deleted(
    client: Any, database: Any, badge: Any, ona: Any
) -> None:
    page = client.get(url(badge))
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    assert '<meta name="robots" content="noindex, nofollow">' in page.text
    assert 'aria-current="page">Badges' in page.text
    assert "Baltic Sea Project" in page.text and "Write my reflection" in page.text
    hostile = (
        "I **learned** to test water.\n\n"
        "<script>alert('x')</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        "[click](javascript:alert(2)) and [my blog](https://blog.example/ona)\n"
    )
    response = post(client, url(badge), {"body_md": hostile})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "Your reflection is saved" in page.text
    shown = re.search(r'<div class="prose reflection">(.*?)</div>', page.text, re.S)
    assert shown is not None
    html = shown.group(1)
    assert "<strong>learned</strong>" in html
    assert (
        '<a href="https://blog.example/ona" rel="nofollow noopener noreferrer">my blog</a>' in html
    )
    assert "<script" not in html and "<img" not in html and "onerror" not in html
    assert "javascript:" not in html and "click" in html  # the link's text stays, not the link
    # the source in the edit field is escaped text, never markup
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text
    assert "<script>" not in page.text
    # stored as written: the Markdown is the learner's text, made safe when shown
    with database.transaction() as session:
        row = session.query(Reflection).one()
        assert row.learner_id == ona.id and row.award_id == badge.id
        assert "<script>" in row.body_md and row.updated_at is None
    # edit
    assert post(client, url(badge), {"body_md": "Second thoughts."}).status_code == 302
    page = client.get(url(badge))
    assert "Second thoughts." in page.text and "I <strong>learned</strong>" not in page.text
    assert "Edit my reflection" in page.text
    with database.transaction() as session:
        rows = session.query(Reflection).all()
        assert len(rows) == 1 and rows[0].body_md == "Second thoughts." and rows[0].updated_at
    # delete
    assert post(client, url(badge) + "/delete").status_code == 302
    with database.transaction() as session:
        assert session.query(Reflection).count() == 0
    assert "Second thoughts." not in client.get(url(badge)).text


def test_a_reflection_never_alters_what_was_signed(
    client: Any, database: Any, badge: Any, ona: Any
) -> None:
    signed_json, signed_jwt = badge.credential_json, badge.credential_jwt
    before = client.get(
        f"/credentials/{badge.public_id}", headers={"Accept": "application/vc+ld+json"}
    ).data
    assert post(client, url(badge), {"body_md": "What I learned."}).status_code == 302
    assert post(client, url(badge), {"body_md": "What I learned, again."}).status_code == 302
    with database.transaction() as session:
        award = session.get(Award, badge.id)
        assert award.credential_json == signed_json and award.credential_jwt == signed_jwt
    after = client.get(
        f"/credentials/{badge.public_id}", headers={"Accept": "application/vc+ld+json"}
    ).data
    assert after == before
    # and the public badge page does not show it: private
    assert "What I learned" not in client.get(f"/credentials/{badge.public_id}").text


def test_an_empty_or_long_reflection_is_refused_at_its_field(
    client: Any, database: Any, badge: Any, ona: Any
) -> None:
    response = post(client, url(badge), {"body_md": "   "})
    assert response.status_code == 400
    assert 'id="e-body_md"' in response.text and 'aria-invalid="true"' in response.text
    long = "a" * (MAX_REFLECTION + 1)
    response = post(client, url(badge), {"body_md": long})
    assert response.status_code == 400
    assert f"under {MAX_REFLECTION:,} characters" in response.text
    assert long in response.text  # kept in the field for the learner to shorten
    with database.transaction() as session:
        assert session.query(Reflection).count() == 0


def test_another_learners_badge_and_reflection_are_not_found(
    client: Any,
    database: Any,
    badge: Any,
    ona: Any,
    make_learner: Any,
    school: Any,
    make_achievement: Any,
    award_to: Any,
) -> None:
    assert post(client, url(badge), {"body_md": "Ona's own thoughts."}).status_code == 302
    jonas = make_learner("jonas@pupils.example", name="Jonas")
    theirs = award_to(
        school, make_achievement(school, "Forest"), email="jonas@pupils.example", name="Jonas"
    )
    sign_in_learner(client, database, jonas)
    # Ona's badge: 404 for every way in, exactly as a badge that does not exist
    missing = client.get("/portfolio/badges/no-such-badge/reflection")
    assert missing.status_code == 404
    page = client.get(url(badge))
    assert page.status_code == 404 and "Ona's own thoughts" not in page.text
    assert post(client, url(badge), {"body_md": "overwritten"}).status_code == 404
    assert post(client, url(badge) + "/delete").status_code == 404
    with database.transaction() as session:
        assert [r.body_md for r in session.query(Reflection).all()] == ["Ona's own thoughts."]
    # his own works
    assert client.get(url(theirs)).status_code == 200
    # an address not yet confirmed joins nothing
    pending = make_learner("pending@pupils.example", name="Pending", confirmed=False)
    mine = award_to(
        school, make_achievement(school, "Air"), email="pending@pupils.example", name="Pending"
    )
    sign_in_learner(client, database, pending)
    assert client.get(url(mine)).status_code == 404


def test_a_staff_login_is_no_learner(
    client: Any, school: Any, badge: Any, make_user: Any, auth: Any, database: Any, ona: Any
) -> None:
    assert post(client, url(badge), {"body_md": "Private."}).status_code == 302
    make_user("teacher@school.example", org=school)
    auth.login("teacher@school.example")  # ends the learner's session in this browser
    with client.session_transaction() as sess:
        assert "learner" not in sess
    # the teacher's session opens nothing in a portfolio (a learner is asked to sign in)
    response = client.get(url(badge))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/learner/login?next=")
    assert "Private." not in response.get_data(as_text=True)
