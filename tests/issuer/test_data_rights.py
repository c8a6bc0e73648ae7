"""A learner's data rights: everything held about them as JSON, and erasing the account.

After erasure the learner's address is nowhere in the database: every text and JSON column
of every table (read by reflecting the database itself, on SQLite and on PostgreSQL) is
scanned for it, in any case. The badges the schools issued still verify, their public pages
still serve the signed JSON, and the learner's share links answer 404.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import JSON, LargeBinary, MetaData, String, Text, func, inspect, select
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy import types as _types
from sqlalchemy.types import TypeEngine

from badges.verification import Verdict
from issuer import jobqueue
from issuer.errors import InvalidInput
from issuer.models import (
    Award,
    Base,
    ClaimToken,
    IdempotencyRecord,
    ImportedBadge,
    Job,
    JobFile,
    Learner,
    LearnerSession,
    Organisation,
    OutboxMessage,
)
from issuer.models.awards import ERASED_ADDRESS
from issuer.services import accounts, imports, jobs, learner_accounts, shares, steering
from issuer.services.claims import new_claim_link
from issuer.services.data_rights import ADDRESS_COLUMNS, personal_data
from issuer.services.learners import confirm_email
from issuer.urls import PublicUrls
from tests.core.test_ob2 import ISSUER

from .conftest import BASE_URL, PASSWORD, csrf_of, ob2_in_the_clear, post, sign_in_learner

URLS = PublicUrls(BASE_URL)
ONA = "ona.petraityte@pupils.example"
ONA_PERSONAL = "ona.p@home.example"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# Columns no learner's address can reach (a test below keeps this list and ADDRESS_COLUMNS
# covering every text column): identifiers, hashes, names, enums, signed text.
NO_ADDRESS_COLUMNS = {
    "achievement": "a school's achievements",
    "award_batch.request_key": "a client's key",
    "award.public_id": "random",
    "award.request_key": "a client's key",
    "award.learner_name": "the school's record of the name (kept)",
    "award.learner_name_search": "the name above, folded for the staff's search (kept with it)",
    "award.credential_json": "signed: the address only as a salted hash",
    "award.credential_jwt": "signed: the address only as a salted hash",
    "award.card_name": "copied from the signed credential (no address in it)",
    "award.card_issuer": "copied from the signed credential (no address in it)",
    "award.card_image": "copied from the signed credential (no address in it)",
    "award.card_image_alt": "copied from the signed credential (no address in it)",
    "award.level_id": "copied from the signed credential (no address in it)",
    "award.level_name": "copied from the signed credential (no address in it)",
    "award.level_description": "copied from the signed credential (no address in it)",
    "award.card_alignment": "copied from the signed credential (no address in it)",
    "award.card_description": "copied from the signed credential (no address in it)",
    "award.card_evidence": "copied from the signed credential (no address in it)",
    "award.revocation_reason": "a school's words",
    "award.status_purpose": "an enum",
    "api_token": "a school's tokens",
    "audit_event.via": "an enum",
    "audit_event.ip": "an address of a machine",
    "audit_event.action": "an enum",
    "audit_event.summary_code": "an enum",
    "claim_token.token_hash": "a hash",
    "endorsement": "between schools",
    "evidence_file": "a school's evidence files",
    "framework": "frameworks",
    "framework_item": "frameworks",
    "goal": "ids only",
    "guardian_consent.token_hash": "a hash",
    "imported_badge.public_id": "random",
    "imported_badge.fingerprint": "a hash (of the issuer and the badge's id, or its content)",
    "imported_badge.received_type": "a media type (of four)",
    "imported_badge.format": "an enum",
    "imported_badge.status": "an enum",
    "idempotency_record.key": "a client's key",
    "idempotency_record.request_hash": "a hash",
    "idempotency_record.state": "an enum",
    "invitation.token_hash": "a hash",
    "job.public_id": "random",
    "job.kind": "an enum",
    "job.request_key": "a client's key",
    "job.status": "an enum",
    "job.result": "counts and ids",
    "job.language": "a language code",
    "job_file": "a learner's archive (deleted with the learner's jobs)",
    "invitation.role": "an enum",
    "learner": "deleted",
    "learner_evidence": "deleted",
    "learner_session": "deleted",
    "learner_token.token_hash": "a hash",
    "learner_token.purpose": "an enum",
    "login_session": "staff sessions: hashes",
    "membership": "staff roles",
    "organisation": "schools",
    "outbox_message.to_name": "the school's record of the name",
    "outbox_message.error": "a mail server's answer",
    "reflection": "deleted",
    "share_link": "deleted",
    "share_link.imported_ids": "ids only (and deleted)",
    "signing_key": "keys",
    "stored_image": "images",
    "user": "staff accounts (another account, said before confirming)",
    "alembic_version": "the schema's version",
}


def _text_columns(metadata: MetaData) -> list[tuple[str, str]]:
    columns = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            kind: TypeEngine[Any] = column.type
            if isinstance(kind, LargeBinary) or not isinstance(kind, String | Text | JSON):
                continue
            columns.append((table.name, column.name))
    return columns


def test_every_text_column_is_either_erased_or_cannot_hold_an_address():
    known = set(ADDRESS_COLUMNS) | set(NO_ADDRESS_COLUMNS)
    missing = [
        f"{table}.{column}"
        for table, column in _text_columns(Base.metadata)
        if f"{table}.{column}" not in known and table not in known
    ]
    assert missing == [], "say what erasure does with these columns"


@pytest.fixture
def world(
    client,
    database,
    sealer,
    make_org,
    make_achievement,
    award_to,
    make_learner,
    make_user,
    import_tools,
) -> dict[str, Any]:
    """Ona, with two confirmed addresses and one pending; badges from two schools (one sent
    to her address in capitals); everything a learner can add, an imported Open Badges 2.0
    badge naming her address in the clear among it; and her address in other people's
    rows: a staff invitation, another account's pending address, a guardian's consent
    naming her, login counts, an API response kept for retries."""
    school = make_org()
    other = make_org("kaunas-gymnasium", "Kauno gimnazija", key_alg="ES256")
    river = make_achievement(school, "River monitor")
    mediation = make_achievement(other, "Peer mediation")
    admin = make_user("admin@lyceum.example", org=school, role="admin")
    ona = make_learner(ONA)
    awards = [
        award_to(school, river, email=ONA, level="Proficient"),
        award_to(other, mediation, email=ONA_PERSONAL.upper()),
    ]
    someone = award_to(school, river, email="jonas@pupils.example", name="Jonas")
    with database.transaction() as session:
        learner = session.get(Learner, ona.id)
        confirm_email(session, learner, ONA_PERSONAL)
        learner_accounts.add_address(
            session, learner=learner, email="ona.pending@else.example", urls=URLS
        )
        learner_accounts.request_sign_in_link(session, email=ONA, urls=URLS)
        steering.save_reflection(session, learner, awards[0].public_id, "I learnt to *sample*.")
        steering.add_evidence_file(
            session, learner, awards[0].public_id, filename="r.pdf", data=PDF, title="Report"
        )
        steering.add_evidence_link(
            session, learner, awards[1].public_id, url="https://ona.example/", title="Blog"
        )
        steering.pin_goal(session, learner, river.public_id)
        elsewhere = imports.import_badge(
            session,
            learner,
            imports.Given("text", ob2_in_the_clear(ONA)),
            tools=import_tools,
            urls=URLS,
        )
        shared = shares.create_share(
            session, learner, shares.ShareInput(title="For my CV", include_reflections=True)
        )
        collection = shares.create_share(
            session,
            learner,
            shares.ShareInput(
                title="Mediation",
                scope="collection",
                award_ids=[awards[1].public_id],
                imported_ids=[elsewhere.public_id],
                org_slug="kaunas-gymnasium",
            ),
        )
        shares.request_consent(session, learner, "mama@home.example", URLS)
        # a claim link of her first badge, used to claim it
        _link, _expires = new_claim_link(session, session.get(Award, awards[0].id), URLS)
        session.flush()
        claim = session.scalar(select(ClaimToken).where(ClaimToken.award_id == awards[0].id))
        claim.used_at, claim.learner_id = claim.created_at, ona.id
        # her address in other people's rows
        accounts.invite(
            session, org=session.get(Organisation, school.id), email=ONA.upper(), role="teacher"
        )
        jonas = learner_accounts.create_learner(
            session, name="Jonas", email="jonas@pupils.example", password=PASSWORD
        )
        confirm_email(session, jonas, "jonas@pupils.example")
        learner_accounts.add_address(session, learner=jonas, email=ONA, urls=URLS)
        shares.request_consent(session, jonas, ONA_PERSONAL, URLS)  # Ona as Jonas's guardian
        session.add(
            IdempotencyRecord(
                org_id=school.id,
                key="retry-1",
                request_hash="0" * 64,
                state="done",
                response_status=201,
                response_body=json.dumps({"learner": {"email": ONA}}),
            )
        )
    # the archive she asked for, made (its zip, with her badges, kept for her to download)
    with database.transaction() as session:
        job, _new = jobs.submit_archive(
            session, learner=session.get(Learner, ona.id), request_key="zip", language="en"
        )
        archive_job = job.public_id
    jobqueue.execute(client.application, archive_job, jobqueue.MemoryProgress())
    # a wrong password at the learners' sign-in, and one at the staff's, under her address
    client.post(
        "/learner/login", data={"email": ONA, "password": "wrong", "csrf_token": csrf_of(client)}
    )
    client.post("/login", data={"email": ONA, "password": "wrong", "csrf_token": csrf_of(client)})
    return {
        "school": school,
        "other": other,
        "ona": ona,
        "awards": awards,
        "someone": someone,
        "shares": [shared.public_id, collection.public_id],
        "admin": admin,
        "river": river,
        "imported": (elsewhere.public_id, ob2_in_the_clear(ONA)),
        "archive": archive_job,
    }


# -- the personal data download --------------------------------------------------------------

EXPORT_KEYS = {
    "learner_email": "addresses",
    "learner_token": "oneTimeLinks",
    "learner_session": "sessions",
    "claim_token": "claims",
    "reflection": "reflections",
    "learner_evidence": "evidence",
    "goal": "goals",
    "share_link": "shareLinks",
    "guardian_consent": "guardianConsents",
    "imported_badge": "importedBadges",
    "job": "archives",
}


def test_the_personal_data_holds_every_row_that_refers_to_the_learner(client, database, world):
    ona = world["ona"]
    sign_in_learner(client, database, ona)
    response = client.get("/portfolio/export/personal-data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    # every table that references a learner is in the file, with each of her rows
    referencing = {
        table.name
        for table in Base.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "learner"
    }
    assert referencing == set(EXPORT_KEYS)
    with database.engine.connect() as conn:
        for name, key in EXPORT_KEYS.items():
            table = Base.metadata.tables[name]
            count = conn.execute(
                select(func.count()).select_from(table).where(table.c.learner_id == ona.id)
            ).scalar_one()
            assert count > 0 and len(data[key]) == count, name
    assert data["account"]["name"] == ona.name and data["account"]["hasPassword"] is True
    assert sorted(a["email"] for a in data["addresses"]) == sorted(
        [ONA, ONA_PERSONAL, "ona.pending@else.example"]
    )
    # the badges to her confirmed addresses (any case), with the credentials as issued
    assert {b["id"] for b in data["badges"]} == {a.public_id for a in world["awards"]}
    for badge in data["badges"]:
        award = next(a for a in world["awards"] if a.public_id == badge["id"])
        assert badge["credential"] == json.loads(award.credential_json)
        assert badge["credentialJwt"] == award.credential_jwt
    # the badge she imported, as received, with its issuer and when; in the share it is in
    imported_id, token = world["imported"]
    (imported,) = data["importedBadges"]
    assert imported["id"] == imported_id and imported["name"] == "Baltic Sea Project: water monitor"
    assert imported["received"] == {"mediaType": "application/jwt", "text": token}
    assert imported["issuer"] == {"id": ISSUER, "name": "Vilniaus licėjus"}
    assert imported["importedAt"] and imported["status"] == "active"
    assert imported["credential"]["assertion"]["recipient"]["identity"] == ONA
    collection = next(s for s in data["shareLinks"] if s["scope"] == "collection")
    assert collection["importedBadges"] == [imported_id]
    assert data["reflections"][0]["text"] == "I learnt to *sample*."
    file = next(e for e in data["evidence"] if e["filename"])
    import hashlib

    assert file["sha256"] == hashlib.sha256(PDF).hexdigest() and file["bytes"] == len(PDF)
    assert data["guardianConsents"][0]["guardianEmail"] == "mama@home.example"
    assert data["goals"][0]["achievement"] == "River monitor"
    (archive,) = data["archives"]
    assert archive["id"] == world["archive"] and archive["status"] == "done"
    assert archive["kind"] == "archive" and archive["result"]["count"] == 3
    # the messages to her confirmed addresses: the schools' and her account's
    with database.transaction() as session:
        to_her = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(func.lower(OutboxMessage.to_email).in_([ONA, ONA_PERSONAL]))
        )
    assert len(data["messages"]) == to_her and to_her >= 3
    assert {m["from"] for m in data["messages"]} >= {"Vilnius Lyceum", "this platform"}
    # counted log-in attempts under her address
    assert any(ONA in a["counted"] for a in data["loginAttempts"])
    # and no secret: no hash, no live one-time link
    text = json.dumps(data)
    assert "password_hash" not in text and "token_hash" not in text
    assert "$argon2" not in text
    links = re.findall(r"/(?:claim|learner/sign-in|learner/confirm|guardian)/(\S+)", text)
    assert links and set(links) == {"[link"}  # each "[link removed]"
    assert "/claim/[link removed]" in json.dumps(data["messages"])


def test_the_personal_data_needs_the_learner_signed_in(client, world):
    response = client.get("/portfolio/export/personal-data.json")
    assert response.status_code == 302 and "/learner/login" in response.headers["Location"]


# -- erasing the account -----------------------------------------------------------------------


def _scan(database, address: str) -> list[str]:
    """Every table.column in the database that holds ``address``, in any case: every text
    and JSON column of every table, as the database itself lists them (its own catalogue,
    not our models), and inside JSON as written escaped too."""
    inspector = inspect(database.engine)
    found = []
    needle = address.lower()
    escaped = json.dumps(address)[1:-1].lower()
    with database.engine.connect() as conn:
        for name in inspector.get_table_names():
            columns = [
                c["name"]
                for c in inspector.get_columns(name)
                if not isinstance(c["type"], LargeBinary | _types.BINARY | _types.BLOB)
                and "BYTEA" not in str(c["type"]).upper()
            ]
            assert columns, name
            query = select(*(sql_column(c) for c in columns)).select_from(sql_table(name))
            for row in conn.execute(query):
                for column_name, value in zip(columns, row, strict=True):
                    if value is None or isinstance(value, bytes | memoryview):
                        continue
                    text = value if isinstance(value, str) else json.dumps(value, default=str)
                    if needle in text.lower() or escaped in text.lower():
                        found.append(f"{name}.{column_name}")
    return found


def erase(client, password: str = PASSWORD, understood: bool = True) -> Any:
    data = {"password": password}
    if understood:
        data["understood"] = "1"
    return post(client, "/learner/account/erase", data)


def test_after_erasure_the_address_is_nowhere_and_the_badges_still_verify(
    client, database, sealer, world, make_verifier
):
    ona, awards = world["ona"], world["awards"]
    assert set(_scan(database, ONA)) >= {
        "award.learner_email",
        "learner_email.email",
        "outbox_message.to_email",
        "invitation.email",
        "login_throttle.key",
        "idempotency_record.response_body",
    }
    assert "guardian_consent.guardian_email" in _scan(database, ONA_PERSONAL)
    assert "imported_badge.credential_json" in _scan(database, ONA)  # in the clear
    sign_in_learner(client, database, ona)
    account = client.get("/learner/account").get_data(as_text=True)
    assert 'href="/learner/account/erase"' in account and 'href="/portfolio/export"' in account
    page = client.get("/learner/account/erase")
    assert page.status_code == 200
    assert "This cannot be undone" in page.text and "Vilnius Lyceum" in page.text
    response = erase(client)
    assert response.status_code == 200, response.text
    assert "Your account is erased" in response.text
    # nowhere, in any case, in any text or JSON column of any table
    for address in (ONA, ONA_PERSONAL, "ona.pending@else.example"):
        assert _scan(database, address) == [], address
    # signed out: the portfolio asks for a sign-in, her share links are gone
    assert client.get("/portfolio/").status_code == 302
    for share in world["shares"]:
        assert client.get(f"/s/{share}").status_code == 404
    # the schools' awards stay, each without the address; the badges still verify
    with database.transaction() as session:
        kept = [session.get(Award, a.id) for a in awards]
        assert [a.learner_email for a in kept] == [ERASED_ADDRESS] * 2
        assert [a.credential_json for a in kept] == [a.credential_json for a in awards]
        assert session.get(Learner, ona.id) is None
        assert session.scalar(select(func.count()).select_from(LearnerSession)) == 0
        # her imported badge is gone, bytes as received too (the scan reads no binary column)
        assert session.scalar(select(func.count()).select_from(ImportedBadge)) == 0
        # and her archive with its zip (her badges and addresses in it)
        assert session.scalar(select(func.count()).select_from(Job)) == 0
        assert session.scalar(select(func.count()).select_from(JobFile)) == 0
        assert (
            session.scalars(
                select(ClaimToken.id).where(ClaimToken.award_id.in_([a.id for a in awards]))
            ).all()
            == []
        )
        # the learner as Jonas's guardian: his consent stays, without her address
        assert (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.to_email == ERASED_ADDRESS)
            )
            >= 2
        )
    verifier = make_verifier()
    for award in awards:
        public = client.get(f"/credentials/{award.public_id}.json")
        assert public.status_code == 200 and public.get_data(as_text=True) == award.credential_json
        stored = award.credential_json if "proof" in award.credential_json else award.credential_jwt
        assert verifier.verify(stored).verdict is Verdict.VALID
        assert verifier.verify(f"{BASE_URL}/credentials/{award.public_id}").verdict is Verdict.VALID
    # someone else's badge and account are untouched
    with database.transaction() as session:
        jonas = session.get(Award, world["someone"].id)
        assert jonas.learner_email == "jonas@pupils.example"
    assert "award.learner_email" in _scan(database, "jonas@pupils.example")


def test_erasure_is_audited_for_each_school_without_the_address(client, database, world):
    sign_in_learner(client, database, world["ona"])
    assert erase(client).status_code == 200
    with database.transaction() as session:
        from issuer.models import AuditEvent

        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "award.erase_address")
        ).all()
        assert sorted(e.org_id for e in events) == sorted([world["school"].id, world["other"].id])
        for event in events:
            assert event.ip is None and "@" not in event.summary + json.dumps(event.details)
            assert len(event.details["awards"]) == 1


def test_a_school_can_still_renew_revoke_and_list_an_erased_learners_badge(
    client, database, sealer, world, auth
):
    """The award stays the school's: it can be revoked, and nothing is sent anywhere."""
    sign_in_learner(client, database, world["ona"])
    assert erase(client).status_code == 200
    from issuer.services.mail import SmtpSettings, deliver
    from issuer.services.status import revoke_award

    with database.transaction() as session:
        revoke_award(session, award=session.get(Award, world["awards"][0].id), reason="Mistake")
        message = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        assert message is not None and message.to_email == ERASED_ADDRESS
        message_id = message.id
    deliver(database, SmtpSettings(host="127.0.0.1", port=9), [message_id])
    with database.transaction() as session:
        kept = session.get(OutboxMessage, message_id)
        assert kept.sent_at is None and "erased" in (kept.error or "")


@pytest.mark.parametrize(
    ("password", "understood", "field"),
    [("wrong password", True, "password"), (PASSWORD, False, "understood")],
)
def test_erasure_needs_the_password_and_the_tick(
    client, database, world, table_counts, password, understood, field
):
    sign_in_learner(client, database, world["ona"])
    before = table_counts()
    response = erase(client, password, understood)
    assert response.status_code == 400
    assert f'id="e-{field}"' in response.text and "was not erased" in response.text
    after = table_counts()
    assert {k: v for k, v in after.items() if k != "login_throttle"} == {
        k: v for k, v in before.items() if k != "login_throttle"
    }
    assert client.get("/portfolio/").status_code == 200  # still signed in, nothing erased


def test_wrong_passwords_are_limited(client, database, world):
    sign_in_learner(client, database, world["ona"])
    statuses = [erase(client, "wrong password").status_code for _ in range(7)]
    assert statuses[:5] == [400] * 5 and statuses[-1] == 429
    assert erase(client).status_code == 429  # even the right one, for now


def test_without_a_password_a_recent_sign_in_confirms(client, database, world, make_learner):
    linker = make_learner("linker@pupils.example", "Linas", password=None)
    sign_in_learner(client, database, linker)
    page = client.get("/learner/account/erase")
    assert "Send me a sign-in link" not in page.text  # signed in just now
    with database.transaction() as session:
        row = session.scalar(select(LearnerSession).where(LearnerSession.learner_id == linker.id))
        row.created_at -= timedelta(minutes=16)
    page = client.get("/learner/account/erase")
    assert "Send me a sign-in link" in page.text
    refused = erase(client, password="")
    assert refused.status_code == 400 and 'id="e-reauth"' in refused.text
    with database.transaction() as session:
        row = session.scalar(select(LearnerSession).where(LearnerSession.learner_id == linker.id))
        row.created_at += timedelta(minutes=16)
    assert erase(client, password="").status_code == 200
    assert _scan(database, "linker@pupils.example") == []


def test_erasing_needs_a_signed_in_learner_and_a_form_from_the_site(client, database, world):
    response = erase(client)
    assert response.status_code == 302 and "/learner/login" in response.headers["Location"]
    sign_in_learner(client, database, world["ona"])
    forged = client.post("/learner/account/erase", data={"password": PASSWORD, "understood": "1"})
    assert forged.status_code == 400
    with database.transaction() as session:
        assert session.get(Learner, world["ona"].id) is not None


def test_the_personal_data_of_others_is_not_in_a_learners_file(client, database, world):
    sign_in_learner(client, database, world["ona"])
    text = client.get("/portfolio/export/personal-data.json").get_data(as_text=True)
    assert "jonas@pupils.example" not in text


def test_personal_data_service_is_plain_json(database, world):
    with database.transaction() as session:
        data = personal_data(session, session.get(Learner, world["ona"].id), urls=URLS)
    json.dumps(data)


def test_no_account_can_take_the_erased_awards(client, database, world, make_learner):
    """The marker is the same on every erased award: it must never join an account (else
    that account's portfolio would hold every erased learner's badges)."""
    sign_in_learner(client, database, world["ona"])
    assert erase(client).status_code == 200
    someone = make_learner("someone@pupils.example")
    with database.transaction() as session:
        award = session.get(Award, world["awards"][0].id)
        link, _expires = new_claim_link(session, award, URLS)
        with pytest.raises(InvalidInput):
            confirm_email(session, session.get(Learner, someone.id), ERASED_ADDRESS)
    sign_in_learner(client, database, someone)
    path = link.removeprefix(BASE_URL)
    assert client.get(path).status_code == 410
    assert post(client, path).status_code == 410
    assert "erased their account" in client.get(path).get_data(as_text=True)
    assert "River monitor" not in client.get("/portfolio/").get_data(as_text=True)
