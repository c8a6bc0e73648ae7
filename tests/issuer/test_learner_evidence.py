"""A learner's own evidence on a badge: links (http/https only) and files (size and type
limits, served only to their owner as a download with a safe type), edited and deleted,
never touching what was signed."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from issuer.models import Award, LearnerEvidence
from issuer.services import steering
from issuer.services.steering import MAX_EVIDENCE_BYTES, MAX_EVIDENCE_PER_BADGE

from .conftest import post, post_multipart, sign_in_learner

pytestmark = pytest.mark.db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%test\n"


@pytest.fixture
def badge(school: Any, make_achievement: Any, award_to: Any) -> Any:
    return award_to(school, make_achievement(school), email="ona@pupils.example")


@pytest.fixture
def ona(client: Any, database: Any, make_learner: Any) -> Any:
    learner = make_learner("ona@pupils.example")
    sign_in_learner(client, database, learner)
    return learner


def base(badge: Any) -> str:
    return f"/portfolio/badges/{badge.public_id}"


def add_link(client: Any, badge: Any, url: str, title: str = "") -> Any:
    return post(client, base(badge) + "/evidence/link", {"link_url": url, "link_title": title})


def add_file(client: Any, badge: Any, data: bytes, name: str, title: str = "") -> Any:
    return post_multipart(
        client,
        base(badge) + "/evidence/file",
        {"file_upload": (io.BytesIO(data), name), "file_title": title},
    )


def evidence(database: Any) -> list[LearnerEvidence]:
    with database.transaction() as session:
        return session.query(LearnerEvidence).order_by(LearnerEvidence.id).all()


def test_links_are_http_or_https_only(client: Any, database: Any, badge: Any, ona: Any) -> None:
    response = add_link(client, badge, "https://blog.example/ona/water", "My water diary")
    assert response.status_code == 302
    page = client.get(base(badge) + "/reflection")
    assert (
        '<a href="https://blog.example/ona/water" rel="nofollow noopener noreferrer">My water diary</a>'
        in page.text
    )
    assert add_link(client, badge, " http://old.example/x ").status_code == 302
    for bad, message in [
        ("javascript:alert(1)", "Only web links"),
        ("data:text/html,<script>alert(1)</script>", "Only web links"),
        ("ftp://files.example/x", "Only web links"),
        ("https://", "needs a site"),
        ("https://user:secret@blog.example/", "names and passwords"),
        ("https://blog.example/a b", "no spaces"),
        ("", "Give the link"),
        ("https://blog.example/" + "a" * 2000, "under 2,000"),
    ]:
        response = add_link(client, badge, bad)
        assert response.status_code == 400, bad
        assert message in response.text, bad
        assert 'id="e-link_url"' in response.text
    rows = evidence(database)
    assert [(r.url, r.title) for r in rows] == [
        ("https://blog.example/ona/water", "My water diary"),
        ("http://old.example/x", "old.example"),  # no title: the site's name
    ]
    assert all(r.learner_id == ona.id and r.data is None for r in rows)


def test_files_are_kept_within_limits_and_served_only_as_safe_downloads(
    client: Any, database: Any, badge: Any, ona: Any
) -> None:
    assert add_file(client, badge, PNG, "../../poster <final>.png", "My poster").status_code == 302
    assert add_file(client, badge, PDF, "report.exe").status_code == 302  # the bytes decide
    assert add_file(client, badge, "Ką išmokau\n".encode(), "notes.txt").status_code == 302
    refused = [
        (b"<html><script>alert(1)</script></html>", "page.html", "Add a PDF, PNG"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "image.svg",
            "Add a PDF, PNG",
        ),
        (b"<svg onload=alert(1)>", "sneaky.txt.png", "Add a PDF, PNG"),
        (b"MZ\x90\x00", "tool.exe", "Add a PDF, PNG"),
        (b"\x00\x01binary", "notes.txt", "Add a PDF, PNG"),
        (b"", "empty.pdf", "empty"),
        (PDF + b"0" * MAX_EVIDENCE_BYTES, "big.pdf", "larger than 5 MB"),
    ]
    for data, name, message in refused:
        response = add_file(client, badge, data, name)
        assert response.status_code == 400, name
        assert message in response.text, name
        assert 'id="e-file_upload"' in response.text
    rows = evidence(database)
    assert [(r.filename, r.content_type, r.title) for r in rows] == [
        ("poster-final.png", "image/png", "My poster"),
        ("report.pdf", "application/pdf", "report.pdf"),
        ("notes.txt", "text/plain; charset=utf-8", "notes.txt"),
    ]
    for row, data in zip(rows, [PNG, PDF, "Ką išmokau\n".encode()], strict=True):
        response = client.get(f"/portfolio/evidence/{row.public_id}")
        assert response.status_code == 200
        assert response.data == data
        assert response.headers["Content-Type"] == row.content_type
        assert response.headers["Content-Disposition"] == f'attachment; filename="{row.filename}"'
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "private, no-store"
    page = client.get(base(badge) + "/reflection")
    assert f'href="/portfolio/evidence/{rows[0].public_id}" download>My poster</a>' in page.text


def test_a_badge_holds_a_bounded_number_of_items(
    client: Any, database: Any, badge: Any, ona: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(MAX_EVIDENCE_PER_BADGE):
        assert add_link(client, badge, f"https://blog.example/{i}").status_code == 302
    response = add_link(client, badge, "https://blog.example/one-more")
    assert (
        response.status_code == 400 and f"at most {MAX_EVIDENCE_PER_BADGE} pieces" in response.text
    )
    assert len(evidence(database)) == MAX_EVIDENCE_PER_BADGE
    # all of a learner's files together have a limit too
    monkeypatch.setattr(steering, "MAX_LEARNER_BYTES", len(PNG) + 10)
    for row in evidence(database)[:2]:
        assert post(client, f"/portfolio/evidence/{row.public_id}/delete").status_code == 302
    assert add_file(client, badge, PNG, "one.png").status_code == 302
    response = add_file(client, badge, PNG, "two.png")
    assert response.status_code == 400 and "Your files together" in response.text


def test_evidence_is_edited_and_deleted(client: Any, database: Any, badge: Any, ona: Any) -> None:
    add_link(client, badge, "https://blog.example/draft", "Draft")
    add_file(client, badge, PDF, "report.pdf")
    link, file = evidence(database)
    page = client.get(f"/portfolio/evidence/{link.public_id}/edit")
    assert page.status_code == 200 and 'value="https://blog.example/draft"' in page.text
    assert page.headers["Cache-Control"] == "private, no-store"
    response = post(
        client,
        f"/portfolio/evidence/{link.public_id}/edit",
        {"title": "Final", "url": "javascript:alert(1)"},
    )
    assert response.status_code == 400 and 'id="e-url"' in response.text
    response = post(
        client,
        f"/portfolio/evidence/{link.public_id}/edit",
        {"title": "Final", "url": "https://blog.example/final"},
    )
    assert response.status_code == 302
    # a file has no link to change
    page = client.get(f"/portfolio/evidence/{file.public_id}/edit")
    assert 'name="url"' not in page.text
    assert (
        post(
            client, f"/portfolio/evidence/{file.public_id}/edit", {"title": "Lab report"}
        ).status_code
        == 302
    )
    rows = evidence(database)
    assert [(r.title, r.url) for r in rows] == [
        ("Final", "https://blog.example/final"),
        ("Lab report", None),
    ]
    assert post(client, f"/portfolio/evidence/{file.public_id}/delete").status_code == 302
    assert [r.title for r in evidence(database)] == ["Final"]
    assert client.get(f"/portfolio/evidence/{file.public_id}").status_code == 404


def test_evidence_never_alters_what_was_signed_and_stays_private(
    client: Any, database: Any, badge: Any, ona: Any
) -> None:
    signed_json, signed_jwt = badge.credential_json, badge.credential_jwt
    add_link(client, badge, "https://blog.example/mine", "Mine")
    add_file(client, badge, PDF, "report.pdf", "Lab report")
    with database.transaction() as session:
        award = session.get(Award, badge.id)
        assert award.credential_json == signed_json and award.credential_jwt == signed_jwt
    public = client.get(f"/credentials/{badge.public_id}").text
    assert "Lab report" not in public and "blog.example/mine" not in public
    # signed out: the file is not served
    file_id = evidence(database)[1].public_id
    with client.session_transaction() as sess:
        sess.clear()
    response = client.get(f"/portfolio/evidence/{file_id}")
    assert response.status_code == 302 and PDF not in response.data
    assert response.headers["Location"].startswith("/learner/login?next=")


def test_another_learners_evidence_is_not_found(
    client: Any, database: Any, badge: Any, ona: Any, make_learner: Any
) -> None:
    add_file(client, badge, PDF, "report.pdf", "Ona's report")
    (row,) = evidence(database)
    jonas = make_learner("jonas@pupils.example", name="Jonas")
    sign_in_learner(client, database, jonas)
    for response in (
        client.get(f"/portfolio/evidence/{row.public_id}"),
        client.get(f"/portfolio/evidence/{row.public_id}/edit"),
        post(client, f"/portfolio/evidence/{row.public_id}/edit", {"title": "Mine now"}),
        post(client, f"/portfolio/evidence/{row.public_id}/delete"),
        add_link(client, badge, "https://jonas.example/"),
        add_file(client, badge, PDF, "jonas.pdf"),
        client.get("/portfolio/evidence/no-such-evidence"),
    ):
        assert response.status_code == 404
        assert PDF not in response.data and "Ona&#39;s report" not in response.get_data(
            as_text=True
        )
    rows = evidence(database)
    assert [(r.title, r.learner_id) for r in rows] == [("Ona's report", ona.id)]
    assert not re.search(r"jonas", "".join(r.url or "" for r in rows))
