"""Endorsements probed as a clumsy or hostile user would: odd targets, NUL characters,
markup in comments, two requests at once, the served endorsement under every Accept
header, and a withdrawn endorsement seen by the verifier app."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from issuer.errors import Conflict, InvalidInput
from issuer.models import AuditEvent, Endorsement, Organisation
from issuer.services import endorsements as service
from issuer.urls import PublicUrls

from .conftest import BASE_URL, login, pause_once, post

URLS = PublicUrls(BASE_URL)
NEW = "/staff/lt-centre/endorsements/new"
NOT_A_LINK = "That is not the link of an achievement or organisation here."
GIVE_A_LINK = "Give the link of an achievement or organisation on this site"


@pytest.fixture
def network(make_org, make_user, make_achievement):
    centre = make_org("lt-centre", "Lithuanian ASPnet Centre", kind="centre")
    school = make_org("vilnius-lyceum", "Vilnius Lyceum", parent=centre)
    make_user("coordinator@centre.example", org=centre, role="admin")
    return (
        centre,
        school,
        make_achievement(school),
        make_achievement(centre, "The centre's own badge"),
    )


def count(database, model: Any, *where: Any) -> int:
    with database.transaction() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def endorse(
    database, sealer, endorser, target: str, comment: str = "A model for the network."
) -> Endorsement:
    with database.transaction() as session:
        return service.endorse(
            session,
            endorser=session.get(Organisation, endorser.id),
            target=target,
            comment=comment,
            sealer=sealer,
            urls=URLS,
        )


# -- what is endorsed ------------------------------------------------------------------------

ODD_TARGETS = [
    ("an IPv6 link left open", "https://[::1/orgs/vilnius-lyceum", NOT_A_LINK),  # was a 500
    ("another host", "https://evil.test/orgs/vilnius-lyceum", GIVE_A_LINK),
    ("a look-alike host", "https://badges.test.evil.test/orgs/vilnius-lyceum", GIVE_A_LINK),
    ("another host's DID", "did:web:evil.test:orgs:vilnius-lyceum", GIVE_A_LINK),
    ("a key of the DID", "did:web:badges.test:orgs:vilnius-lyceum#key-1", GIVE_A_LINK),
    (
        "no such achievement",
        f"{BASE_URL}/achievements/nonexistent",
        "There is no such achievement on this site.",
    ),
    (
        "no such organisation",
        "did:web:badges.test:orgs:nobody",
        "There is no such organisation on this site.",
    ),
    (
        "the endorser itself",
        "org:lt-centre",
        "An organisation cannot endorse itself or its own achievements.",
    ),
    ("garbage", "¯\\_(ツ)_/¯ ąčęėįšųūž", GIVE_A_LINK),
    ("a script", "javascript:alert(1)", GIVE_A_LINK),
    ("a page below", f"{BASE_URL}/orgs/vilnius-lyceum/achievements", GIVE_A_LINK),
    ("very long", f"{BASE_URL}/orgs/" + "x" * 5000, NOT_A_LINK),
]


@pytest.mark.parametrize("field", ["target", "target_url"])
def test_an_odd_target_gets_a_clear_message_and_stores_nothing(
    client, network, table_counts, field
):
    login(client, "coordinator@centre.example")
    before = table_counts()
    for what, target, message in ODD_TARGETS:
        response = post(client, NEW, {field: target, "comment": "Why not."})
        assert response.status_code == 400, what
        assert message in response.text, what
        assert f'id="e-{field}"' in response.text, what  # next to the field that was used
    assert table_counts() == before


@pytest.mark.parametrize("target", ["achievement:abc\x00", f"{BASE_URL}/orgs/\x00", "org:\x07bell"])
def test_a_control_character_in_a_target_is_refused_before_any_query(session, network, target):
    with pytest.raises(
        InvalidInput
    ) as caught:  # a NUL was a 500 on PostgreSQL (text cannot hold it)
        service.find_target(session, URLS, target)
    assert caught.value.fields == {"target": NOT_A_LINK}


@pytest.mark.parametrize(
    "target",
    [
        "HTTPS://BADGES.TEST/orgs/vilnius-lyceum",  # scheme and host are case-insensitive
        f"{BASE_URL}/orgs/vilnius-lyceum/?utm_source=mail#top",
        "  did:web:badges.test:orgs:vilnius-lyceum  ",
    ],
)
def test_a_link_to_the_school_in_any_spelling_is_understood(session, network, target):
    found = service.find_target(session, URLS, target)
    assert (
        found.achievement is None and found.subject_id == "did:web:badges.test:orgs:vilnius-lyceum"
    )


def test_a_comment_with_a_nul_character_is_refused_before_it_reaches_the_database(
    client, network, table_counts
):
    _centre, _school, achievement, _own = network
    login(client, "coordinator@centre.example")
    before = table_counts()
    response = post(
        client, NEW, {"target": f"achievement:{achievement.public_id}", "comment": "fine\x00"}
    )
    assert response.status_code == 400 and "NUL character" in response.text
    assert table_counts() == before


def test_a_nul_character_in_a_public_link_is_not_found(client):
    for path in [
        "/endorsements/%00",
        "/endorsements/%00.json",
        "/endorsements/%00.jwt",
        "/orgs/%00/status/endorsements",
        "/credentials/%00",
        "/achievements/%00",
        "/orgs/%00",
    ]:
        response = client.get(path)  # was a 500 on PostgreSQL (text cannot hold NUL)
        assert response.status_code == 404, path


# -- comments ----------------------------------------------------------------------------------

HOSTILE = [
    ("script", "<script>alert(1)</script>", "<script"),
    ("event handler", '<img src=x onerror="alert(2)">', "onerror"),
    ("javascript link", "[click](javascript:alert(3))", "javascript:"),
    ("raw javascript link", '<a href="javascript:alert(4)">x</a>', "javascript:"),
    ("iframe", "<iframe src=https://evil.test></iframe>", "<iframe"),
    ("svg", "<svg onload=alert(5)>", "onload"),
    ("data link", "[x](data:text/html;base64,PHNjcmlwdD4=)", "data:text/html"),
    ("style", "<style>body{display:none}</style>", "<style"),
    ("remote image", "![pixel](https://evil.test/track.png)", "evil.test/track.png"),
]


def test_markup_in_a_comment_is_sanitised_on_every_page_that_shows_it(
    client, network, database, sealer, award_to
):
    centre, school, achievement, _own = network
    comment = "**Good work.**\n\n" + "\n\n".join(f"{what}: {markup}" for what, markup, _ in HOSTILE)
    row = endorse(database, sealer, centre, f"achievement:{achievement.public_id}", comment)
    on_school = endorse(database, sealer, centre, "org:vilnius-lyceum", comment)
    award = award_to(school, achievement)  # carries both
    login(client, "coordinator@centre.example")
    pages = [
        f"/endorsements/{row.public_id}",
        f"/endorsements/{on_school.public_id}",
        f"/credentials/{award.public_id}",
        f"/achievements/{achievement.public_id}",
        "/orgs/vilnius-lyceum",
    ]
    for page in pages:
        html = client.get(page, headers={"Accept": "text/html"}).get_data(as_text=True)
        assert "<strong>Good work.</strong>" in html, page  # the Markdown is rendered ...
        for what, _markup, forbidden in HOSTILE:
            assert forbidden not in html, (page, what)  # ... and nothing that runs or loads


# -- two requests at once ----------------------------------------------------------------------


def test_two_endorsements_of_one_target_at_once_make_one(network, database, sealer, monkeypatch):
    centre, _school, achievement, _own = network
    target = f"achievement:{achievement.public_id}"
    outcome: list[str] = []

    def second() -> None:
        try:
            endorse(database, sealer, centre, target)
            outcome.append("endorsed")
        except Conflict as exc:
            outcome.append(exc.description)

    other = threading.Thread(target=second)
    # after the duplicate check, before the insert: the second request comes in then
    pause_once(monkeypatch, service, "active_key", other)
    endorse(database, sealer, centre, target)
    other.join(30)
    assert count(database, Endorsement, Endorsement.withdrawn_at.is_(None)) == 1
    assert len(outcome) == 1 and "already endorses" in outcome[0]


def test_two_withdrawals_at_once_withdraw_once(network, database, sealer, monkeypatch):
    centre, _school, achievement, _own = network
    row = endorse(database, sealer, centre, f"achievement:{achievement.public_id}")

    def withdraw(reason: str) -> None:
        with database.transaction() as session:
            service.withdraw(
                session,
                endorsement=service.get_endorsement(session, row.public_id),
                endorser=session.get(Organisation, centre.id),
                reason=reason,
            )

    outcome: list[str] = []

    def second() -> None:
        try:
            withdraw("second")
            outcome.append("withdrawn")
        except Conflict as exc:
            outcome.append(exc.description)

    other = threading.Thread(target=second)
    pause_once(monkeypatch, service, "target_of", other)  # after the check, before the commit
    withdraw("first")
    other.join(30)
    assert outcome == ["This endorsement is already withdrawn."]
    assert (
        count(database, AuditEvent, AuditEvent.action == "endorsement.withdraw") == 2
    )  # endorser and endorsed
    with database.transaction() as session:
        assert service.get_endorsement(session, row.public_id).withdrawal_reason == "first"


# -- the served endorsement ----------------------------------------------------------------------

ACCEPTS = [
    (None, "text/html"),
    ("", "text/html"),
    ("*/*", "text/html"),
    ("text/html", "text/html"),
    ("garbage", "text/html"),
    (";;;,,,", "text/html"),
    ("image/png", "text/html"),
    ("application/json", "application/json"),
    ("application/ld+json", "application/ld+json"),
    ("application/vc+ld+json", "application/vc+ld+json"),
    ("application/*", "application/vc+ld+json"),
    ("application/vc+jwt", "application/vc+jwt"),
    ("application/vc+jwt;q=0.5, application/json", "application/json"),
    ("application/vc+ld+json; charset=utf-8", "application/vc+ld+json"),  # parameters don't decide
    ("application/json;charset=UTF-8, text/html;q=0.1", "application/json"),
]


def test_the_endorsement_answers_every_accept_header_and_says_it_varies(
    client, network, database, sealer
):
    centre, _school, achievement, _own = network
    row = endorse(database, sealer, centre, f"achievement:{achievement.public_id}")
    for accept, served in ACCEPTS:
        response = client.get(
            f"/endorsements/{row.public_id}", headers={} if accept is None else {"Accept": accept}
        )
        assert (response.status_code, response.mimetype) == (200, served), accept
        # one URL, several representations: a shared cache must keep them apart
        assert "Accept" in response.vary, accept
        if served.endswith("json"):
            assert json.loads(response.get_data(as_text=True)) == json.loads(row.credential_json)
        elif served.endswith("jwt"):
            assert response.get_data(as_text=True) == row.credential_jwt


# -- a credential carrying an endorsement withdrawn since, in the verifier app -----------------


def test_the_verifier_shows_a_withdrawn_endorsement_as_withdrawn_and_the_badge_valid(
    network, database, sealer, award_to, live_server
):
    from verifier import create_app as create_verifier

    centre, school, achievement, _own = network
    withdrawn = endorse(
        database, sealer, centre, f"achievement:{achievement.public_id}", "Ten samples, a season."
    )
    endorse(database, sealer, centre, "org:vilnius-lyceum", "A school that leads by example.")
    award = award_to(school, achievement)
    with database.transaction() as session:
        service.withdraw(
            session,
            endorsement=session.get(Endorsement, withdrawn.id),
            endorser=session.get(Organisation, centre.id),
            reason="Sent by mistake",
        )
    verifier = create_verifier(
        {
            "TESTING": True,
            "VERIFIER_ALLOWED_HOSTS": [live_server.host],
            "VERIFIER_URL_MAP": [(f"{BASE_URL}/", f"{live_server.base}/")],
            "VERIFIER_DOCUMENT_TTL": 0.0,
            "VERIFIER_STATUS_TTL": 0.0,
        }
    ).test_client()
    url = f"{BASE_URL}/credentials/{award.public_id}"

    report = verifier.get("/api/v1/verify", query_string={"url": url}).get_json()
    assert report["verdict"] == "valid"
    shown = {e["comment"]: e for e in report["endorsements"]}
    assert (
        shown["Ten samples, a season."]["verdict"],
        shown["Ten samples, a season."]["withdrawn"],
    ) == ("invalid", True)
    active = shown["A school that leads by example."]
    assert (active["verdict"], active["withdrawn"]) == ("valid", False)
    assert {c["name"]: c["message"] for c in active["checks"]}[
        "status"
    ] == "The endorser has not withdrawn this endorsement."
    [check] = [c for c in report["checks"] if c["name"] == "endorsements"]
    assert check["outcome"] == "warning" and "withdrawn by the endorser" in check["message"]

    html = verifier.post("/verify", data={"input": url}).get_data(as_text=True)
    assert "✘ withdrawn</span> <strong>Lithuanian ASPnet Centre</strong>" in html
    assert "✔ verified</span> <strong>Lithuanian ASPnet Centre</strong>" in html
    assert "The endorser has withdrawn this endorsement." in html
