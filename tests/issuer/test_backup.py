"""``badges backup`` / ``badges restore``, and the revocation journal that keeps a restore
from an older backup from un-revoking a badge (issue 16).

Each test runs on the issuer's database of the test session: SQLite (online backup), or the
PostgreSQL DATABASE_URL names (pg_dump / pg_restore; skipped when those tools are missing)."""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest
from sqlalchemy import select

from badges.cli import main
from badges.status.bitstring_status_list import parse_entry, read_list_credential
from issuer.journal import Journal
from issuer.models import Award, Organisation, SigningKey
from issuer.services.audit import Actor
from issuer.services.reissue import get_key, mark_compromised
from issuer.services.status import change_suspension, revoke_award

from .conftest import BASE_URL, KEK, login, post

REASON = "Awarded to the wrong learner by mistake"


@pytest.fixture
def cli(app, database, tmp_path, monkeypatch, capsys):
    """Run ``badges ...`` on the app's database and journal; returns (exit code, out, err)."""
    if database.url.startswith("postgresql") and not (
        shutil.which("pg_dump") and shutil.which("pg_restore")
    ):
        pytest.skip("pg_dump / pg_restore are not installed")
    monkeypatch.setenv("DATABASE_URL", database.url)
    monkeypatch.setenv("ISSUER_REVOCATION_JOURNAL", app.config["REVOCATION_JOURNAL"])
    monkeypatch.setenv("ISSUER_KEY_ENCRYPTION_KEY", KEK)

    def run(*args: str) -> tuple[int, str, str]:
        database.dispose()  # as a stopped app: no connection of ours holds the tables
        code = main([*args, "--data", str(tmp_path)])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def school_with_badges(make_org, make_user, make_achievement, award_to):
    def make(**org_options: Any) -> tuple[Organisation, Any, Any]:
        org = make_org("vilnius-lyceum", "Vilnius Lyceum", **org_options)
        make_user("teacher@vilnius-lyceum.example", org=org, role="teacher")
        achievement = make_achievement(org)
        award = award_to(org, achievement, email="ona@pupils.example")
        keep = award_to(org, achievement, email="jonas@pupils.example", name="Jonas")
        return org, award, keep

    return make


def status_bit(client, award: Any) -> bool:
    """The award's bit in the status list the issuer serves now (as a verifier reads it)."""
    entry = parse_entry(json.loads(award.credential_json)["credentialStatus"])
    response = client.get(entry.list_url.removeprefix(BASE_URL))
    assert response.status_code == 200, response.text
    return read_list_credential(json.loads(response.data), entry).get(entry.index)


def test_a_restore_from_before_a_revocation_keeps_the_badge_revoked(
    cli, client, database, school_with_badges, tmp_path
):
    org, award, keep = school_with_badges()
    backup_file = tmp_path / "before.backup"
    code, out, err = cli("backup", str(backup_file))
    assert code == 0, err
    assert backup_file.stat().st_size > 0 and str(backup_file) in out

    assert login(client, "teacher@vilnius-lyceum.example").status_code == 302
    revoked = post(client, f"/staff/{org.slug}/awards/{award.public_id}/revoke", {"reason": REASON})
    assert revoked.status_code == 302, revoked.text
    assert status_bit(client, award) is True
    [entry] = Journal(tmp_path / "revocation-journal.jsonl").entries()
    assert entry["event"] == "revoke" and entry["award"] == award.public_id
    assert entry["reason"] == REASON

    assert cli("restore", str(backup_file))[0] == 2  # without --yes: nothing happens
    code, out, err = cli("restore", str(backup_file), "--yes")
    assert code == 0, err
    assert "1 entry, 1 re-applied" in out and f"revoked {award.public_id} again" in out

    with database.transaction() as session:
        stored = session.scalar(select(Award).where(Award.public_id == award.public_id))
        assert stored is not None and stored.revocation_reason == REASON
        assert stored.revoked_at is not None
    assert status_bit(client, award) is True
    assert status_bit(client, keep) is False  # the other badge of the list stays valid
    page = client.get(f"/credentials/{award.public_id}")
    assert "Revoked" in page.text and REASON in page.text

    # restoring again re-applies nothing new: the database already shows the journal
    code, out, _ = cli("restore", str(backup_file), "--yes")
    assert code == 0 and "1 entry, 1 re-applied" in out  # (the backup predates it again)
    code, out, _ = cli("backup", str(tmp_path / "after.backup"))
    code, out, _ = cli("restore", str(tmp_path / "after.backup"), "--yes")
    assert code == 0 and "1 entry, 0 re-applied" in out


def test_a_restore_from_before_a_key_compromise_revokes_what_the_key_signed(
    cli, client, database, sealer, school_with_badges, tmp_path
):
    org, award, keep = school_with_badges()
    assert cli("backup", str(tmp_path / "before.backup"))[0] == 0
    with database.transaction() as session:
        row = session.get(Organisation, org.id)
        assert row is not None
        mark_compromised(
            session,
            org=row,
            key_row=get_key(session, row, "key-1"),
            sealer=sealer,
            actor=Actor(label="test", via="cli"),
            reason="The laptop was stolen",
        )
    code, out, err = cli("restore", str(tmp_path / "before.backup"), "--yes")
    assert code == 0, err
    assert "key vilnius-lyceum key-1 compromised again" in out and "2 badge(s) revoked" in out
    assert "new signing key" in out
    with database.transaction() as session:
        key = session.scalar(select(SigningKey).where(SigningKey.kid == "key-1"))
        assert key is not None and key.compromised_at is not None
        awards = session.scalars(select(Award)).all()
        assert len(awards) == 2 and all(a.revoked_at is not None for a in awards)
    # the list is signed with the new key, and says both badges are revoked
    assert status_bit(client, award) is True and status_bit(client, keep) is True


def test_a_restore_keeps_the_last_suspension_state(
    cli, client, database, school_with_badges, tmp_path
):
    org, award, keep = school_with_badges(status_method="bitstring-suspension")
    assert cli("backup", str(tmp_path / "before.backup"))[0] == 0
    for award_row, steps in ((award, [True]), (keep, [True, False])):
        for suspended in steps:
            with database.transaction() as session:
                row = session.get(Award, award_row.id)
                assert row is not None
                change_suspension(
                    session, award=row, org=session.get(Organisation, org.id), suspended=suspended
                )
    code, out, err = cli("restore", str(tmp_path / "before.backup"), "--yes")
    assert code == 0, err
    assert "3 entries, 1 re-applied" in out and f"suspended {award.public_id} again" in out
    with database.transaction() as session:
        assert session.get(Award, award.id).suspended is True  # type: ignore[union-attr]
        assert session.get(Award, keep.id).suspended is False  # type: ignore[union-attr]


def test_the_journal_holds_only_what_committed(database, school_with_badges, tmp_path):
    _org, award, _keep = school_with_badges()
    journal = Journal(tmp_path / "revocation-journal.jsonl")
    with pytest.raises(RuntimeError), database.transaction() as session:
        row = session.get(Award, award.id)
        assert row is not None
        revoke_award(session, award=row, reason="never committed")
        raise RuntimeError("the request failed after the revocation")
    assert list(journal.entries()) == []
    with database.transaction() as session:
        row = session.get(Award, award.id)
        assert row is not None
        revoke_award(session, award=row, reason="this one")
    assert [e["reason"] for e in journal.entries()] == ["this one"]
    # a torn last line (a crash mid-write) is skipped, the rest still read
    with journal.path.open("a") as handle:
        handle.write('{"event": "revo')
    assert [e["reason"] for e in journal.entries()] == ["this one"]


def test_backup_and_restore_fail_with_one_line(cli, database, tmp_path, monkeypatch):
    code, _out, err = cli("restore", str(tmp_path / "missing.backup"), "--yes")
    assert code == 1 and err.count("\n") == 1 and "no backup file" in err
    code, _out, err = cli("backup", str(tmp_path / "no-such-folder" / "x.backup"))
    assert code == 1 and err.count("\n") == 1 and "no folder" in err
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello, this is not a database\n" * 100)
    code, _out, err = cli("restore", str(not_a_backup), "--yes")
    assert code == 1 and err.count("\n") == 1, err
    assert err.startswith("badges restore: ")
    if database.url.startswith("postgresql"):
        monkeypatch.setenv("PATH", str(tmp_path))  # the client tools are not found
        code, _out, err = cli("backup", str(tmp_path / "x.backup"))
        assert code == 1 and "pg_dump is not installed" in err and err.count("\n") == 1
