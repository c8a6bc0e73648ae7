"""Signing keys probed as a clumsy or hostile administrator would: two changes at once, a
compromise while a class is being signed, the wrong key-encryption key, the wrong base URL
on the command line, re-issuing after switching to an ES256 key; the DID document and JWKS
after each step."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from badges.verification import Verdict
from issuer.errors import ConfigurationError, Conflict
from issuer.models import Achievement, AuditEvent, Award, Endorsement, Organisation, SigningKey
from issuer.services import awards as award_service
from issuer.services import endorsements as endorsement_service
from issuer.services import reissue as reissue_service
from issuer.services.awards import AwardInput, award_many
from issuer.services.keys import Sealer, rotate_key
from issuer.services.reissue import (
    COMPROMISE_REASON,
    awaiting_reissue,
    get_key,
    mark_compromised,
    reissue,
)
from issuer.services.status import set_suspended
from issuer.urls import PublicUrls

from .conftest import BASE_URL, KEK, login, pause_once, post

URLS = PublicUrls(BASE_URL)
WRONG_KEK = "B" * 43


def published(client, slug: str) -> set[str]:
    """The kids in the served DID document; the JWKS lists the same keys."""
    did = client.get(f"/orgs/{slug}/did.json").get_json(force=True)
    methods = [m["id"] for m in did["verificationMethod"]]
    assert did["assertionMethod"] == methods
    assert [
        k["kid"] for k in client.get(f"/orgs/{slug}/jwks.json").get_json(force=True)["keys"]
    ] == methods
    return {m.rpartition("#")[2] for m in methods}


def keys(database, org) -> dict[str, SigningKey]:
    with database.transaction() as session:
        return {
            k.kid: k for k in session.scalars(select(SigningKey).where(SigningKey.org_id == org.id))
        }


def compromise(database, sealer, org, kid: str, reason: str = "The laptop was stolen") -> Any:
    with database.transaction() as session:
        org_ = session.get(Organisation, org.id)
        return mark_compromised(
            session,
            org=org_,
            key_row=get_key(session, org_, kid),
            sealer=sealer,
            actor=None,
            reason=reason,
        )


def reissue_all(database, sealer, org) -> list[tuple[Award, Award]]:
    with database.transaction() as session:
        org_ = session.get(Organisation, org.id)
        return reissue(
            session,
            org=org_,
            awards=awaiting_reissue(session, org_),
            sealer=sealer,
            urls=URLS,
            actor=None,
        )


# -- the published keys after each step --------------------------------------------------------


def test_the_did_document_and_jwks_follow_every_step(
    client, make_org, make_achievement, award_to, database, sealer, make_verifier
):
    org = make_org("steps", "Steps School")
    badge = make_achievement(org)
    first = award_to(org, badge, email="first@pupils.example")
    assert published(client, "steps") == {"key-1"}
    with database.transaction() as session:
        rotate_key(session, org=session.get(Organisation, org.id), sealer=sealer, actor=None)
    assert published(client, "steps") == {"key-1", "key-2"}  # key-1 still vouches for `first`
    second = award_to(org, badge, email="second@pupils.example")
    with database.transaction() as session:
        rotate_key(
            session, org=session.get(Organisation, org.id), sealer=sealer, actor=None
        )  # at once again
    assert published(client, "steps") == {"key-1", "key-2", "key-3"}
    assert (
        compromise(database, sealer, org, "key-3").new_key.kid == "key-4"
    )  # the active key: replaced
    assert published(client, "steps") == {"key-1", "key-2", "key-4"}
    assert compromise(database, sealer, org, "key-1").new_key is None  # a retired key: no new key
    assert published(client, "steps") == {"key-2", "key-4"}
    with pytest.raises(Conflict, match="already marked compromised"):
        compromise(database, sealer, org, "key-1")
    [(original, copy)] = reissue_all(database, sealer, org)
    assert original.id == first.id
    assert published(client, "steps") == {"key-2", "key-4"}
    assert reissue_all(database, sealer, org) == []  # twice: nothing left to re-issue
    for award in (copy, second):
        assert (
            make_verifier().verify(f"{BASE_URL}/credentials/{award.public_id}").verdict
            is Verdict.VALID
        )


# -- two changes at once -------------------------------------------------------------------------


def test_two_compromises_of_one_key_at_once_make_one_new_key(
    make_org, make_achievement, award_to, database, sealer, monkeypatch
):
    org = make_org("twice", "Twice School")
    award_to(org, make_achievement(org))
    outcome: list[str] = []

    def second() -> None:
        try:
            compromise(database, sealer, org, "key-1", "Reported twice")
            outcome.append("compromised")
        except Conflict as exc:
            outcome.append(exc.description)

    # after the check, before the commit: the second request comes in then
    other = threading.Thread(target=second)
    pause_once(monkeypatch, reissue_service, "create_signing_key", other)
    compromise(database, sealer, org, "key-1")
    other.join(30)
    assert outcome == ["The key key-1 is already marked compromised."]
    found = keys(database, org)
    assert sorted(found) == ["key-1", "key-2"]  # was key-3 too on SQLite, key-2 retired unused
    assert found["key-2"].retired_at is None and found["key-2"].compromised_at is None
    with database.transaction() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "key.compromise")
            )
            == 1
        )


def test_a_compromise_during_a_class_award_revokes_the_class_too(
    make_org, make_achievement, database, sealer, monkeypatch
):
    """The class is signed with the key being compromised: the compromise waits for it and
    revokes it with the rest (before, the class committed afterwards with valid-looking
    badges that no published key could verify, and nothing to re-issue)."""
    org = make_org("busy", "Busy School")
    badge = make_achievement(org)
    other = threading.Thread(target=compromise, args=(database, sealer, org, "key-1"))
    pause_once(monkeypatch, award_service, "private_key", other)  # the active key just read
    rows = [
        AwardInput(learner_name=f"Learner {i}", learner_email=f"learner{i}@pupils.example")
        for i in range(5)
    ]
    with database.transaction() as session:
        result = award_many(
            session,
            org=session.get(Organisation, org.id),
            achievement=session.get(Achievement, badge.id),
            rows=rows,
            sealer=sealer,
            urls=URLS,
        )
    other.join(30)
    found = keys(database, org)
    assert found["key-1"].compromised_at is not None
    with database.transaction() as session:
        awards = list(session.scalars(select(Award).where(Award.batch_id == result.batch.id)))
        assert len(awards) == 5
        for award in awards:
            assert award.key_id != found["key-1"].id or award.revocation_reason == COMPROMISE_REASON
        waiting = {a.id for a in awaiting_reissue(session, session.get(Organisation, org.id))}
        assert waiting == {a.id for a in awards if a.key_id == found["key-1"].id}


# -- the wrong key-encryption key ------------------------------------------------------------------


def test_a_rotation_with_the_wrong_key_encryption_key_is_refused(make_org, database, sealer):
    org = make_org("kek", "KEK School")
    with (
        database.transaction() as session,
        pytest.raises(ConfigurationError, match="wrong ISSUER_KEY_ENCRYPTION_KEY"),
    ):
        rotate_key(
            session,
            org=session.get(Organisation, org.id),
            sealer=Sealer.from_config(WRONG_KEK),
            actor=None,
        )
    with pytest.raises(ConfigurationError):
        compromise(database, Sealer.from_config(WRONG_KEK), org, "key-1")
    assert sorted(keys(database, org)) == ["key-1"]  # no key the server could not open


# -- the command line ----------------------------------------------------------------------------

CLI_MISUSE = [
    # (arguments, environment, exit code, what stderr says)
    (
        ["rotate", "--org", "cli-school"],
        {"ISSUER_KEY_ENCRYPTION_KEY": WRONG_KEK},
        2,
        "wrong ISSUER_KEY_ENCRYPTION_KEY",
    ),
    (["rotate", "--org", "no-such-school"], {}, 2, "No such organisation."),
    (
        ["compromise", "--org", "cli-school", "--kid", "key-9", "--reason", "x", "--yes"],
        {},
        2,
        "No such key.",
    ),
    (
        ["compromise", "--org", "cli-school", "--kid", "key-1", "--reason", " ", "--yes"],
        {},
        2,
        "Say what happened to the key.",
    ),
    (
        ["compromise", "--org", "cli-school", "--kid", "key-1", "--reason", "x" * 501, "--yes"],
        {},
        2,
        "under 500 characters",
    ),
    (
        ["reissue", "--org", "cli-school", "--base-url", "http://localhost:5000"],
        {},
        2,
        "is not the address the badges were issued under",
    ),
    (
        ["list", "--org", "cli-school"],
        {"DATABASE_URL": "nonsense://"},
        2,
        "the database cannot be used",
    ),
]


def test_the_command_line_says_what_is_wrong_in_one_line(
    make_org, make_achievement, award_to, database, sealer, monkeypatch, capsys
):
    from badges.cli import main

    org = make_org("cli-school", "CLI School")
    award = award_to(org, make_achievement(org))
    compromise(database, sealer, org, "key-1")
    for args, env, code, message in CLI_MISUSE:
        monkeypatch.setenv("DATABASE_URL", database.url)
        monkeypatch.setenv("ISSUER_KEY_ENCRYPTION_KEY", KEK)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert main(["keys", *args]) == code, args
        _out, err = capsys.readouterr()
        assert message in err and err.count("\n") == 1 and "Traceback" not in err, (args, err)
    # nothing of it changed anything: the one badge still waits, key-2 is the only new key
    assert sorted(keys(database, org)) == ["key-1", "key-2"]
    with database.transaction() as session:
        assert [a.id for a in awaiting_reissue(session, session.get(Organisation, org.id))] == [
            award.id
        ]


# -- re-issuing ----------------------------------------------------------------------------------


def test_endorsements_waiting_for_an_eddsa_key_do_not_hold_up_the_badges(
    client, make_org, make_user, make_achievement, award_to, database, sealer, make_verifier
):
    centre = make_org("es-centre", "ES Centre", kind="centre")
    make_org("es-school", "ES School", parent=centre)
    make_user("admin@es-centre.example", org=centre, role="admin")
    award = award_to(centre, make_achievement(centre), email="ona@pupils.example")
    with database.transaction() as session:
        endorsement_service.endorse(
            session,
            endorser=session.get(Organisation, centre.id),
            target="org:es-school",
            comment="A good school.",
            sealer=sealer,
            urls=URLS,
        )
    compromise(database, sealer, centre, "key-1")
    with database.transaction() as session:  # the admin switches to ES256 before re-issuing
        rotate_key(
            session,
            org=session.get(Organisation, centre.id),
            sealer=sealer,
            actor=None,
            alg="ES256",
        )
    login(client, "admin@es-centre.example")
    assert (
        "waits for an Ed25519 (EdDSA) key: the active key (ES256) cannot sign endorsements"
        in client.get("/staff/es-centre/keys").get_data(as_text=True)
    )
    page = post(client, "/staff/es-centre/keys/reissue").get_data(as_text=True)
    assert "1 badges were re-issued" in page  # was: "Nothing was re-issued: Endorsements need ..."
    with database.transaction() as session:
        [copy] = session.scalars(select(Award).where(Award.reissue_of_id == award.id)).all()
        # the endorsement keeps waiting for an EdDSA key
        assert (
            len(
                reissue_service.endorsements_awaiting(session, session.get(Organisation, centre.id))
            )
            == 1
        )
    assert (
        make_verifier().verify(f"{BASE_URL}/credentials/{copy.public_id}").verdict is Verdict.VALID
    )
    # with only the endorsement left, the page says why it cannot be signed
    page = post(client, "/staff/es-centre/keys/reissue").get_data(as_text=True)
    assert "Endorsements need an Ed25519 (EdDSA) signing key" in page
    with database.transaction() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(Endorsement)
                .where(Endorsement.withdrawn_at.is_(None))
            )
            == 0
        )


def test_a_suspended_badge_is_reissued_suspended_and_an_expired_one_not_at_all(
    make_org, make_achievement, award_to, database, sealer, make_verifier
):
    org = make_org("paused", "Paused School", status_method="bitstring-suspension")
    lasting = award_to(org, make_achievement(org), email="ona@pupils.example")
    expiring = award_to(
        org, make_achievement(org, "Short badge", validity_days=1), email="jonas@pupils.example"
    )
    with database.transaction() as session:
        set_suspended(
            session,
            award=session.get(Award, lasting.id),
            org=session.get(Organisation, org.id),
            suspended=True,
        )
    compromise(database, sealer, org, "key-1")
    with database.transaction() as session:
        assert {a.id for a in awaiting_reissue(session, session.get(Organisation, org.id))} == {
            lasting.id,
            expiring.id,
        }
        session.get(Award, expiring.id).valid_until = datetime.now(UTC) - timedelta(
            seconds=1
        )  # a day later
    pairs = reissue_all(database, sealer, org)
    assert [(old.id, new.suspended) for old, new in pairs] == [(lasting.id, True)]
    report = make_verifier().verify(f"{BASE_URL}/credentials/{pairs[0][1].public_id}")
    assert (
        report.verdict is Verdict.INVALID
        and report.check("status").message == "The issuer has suspended this badge."
    )


# -- the page on a phone -------------------------------------------------------------------------


def test_the_keys_page_tables_scroll_on_a_phone(
    client, make_org, make_user, make_achievement, award_to, database, sealer
):
    org = make_org("phone", "Phone School")
    make_user("admin@phone.example", org=org, role="admin")
    award_to(org, make_achievement(org))
    compromise(database, sealer, org, "key-1")
    login(client, "admin@phone.example")
    html = client.get("/staff/phone/keys").get_data(as_text=True)
    assert html.count("<table>") == 1
    assert html.count('<div class="table-scroll"') == html.count("<table") == 1
    reissue_all(database, sealer, org)
    html = client.get("/staff/phone/keys").get_data(as_text=True)
    assert html.count('<div class="table-scroll"') == html.count("<table") == 1
    assert "<caption" in html
