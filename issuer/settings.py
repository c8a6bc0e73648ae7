"""Every setting of the issuer app, declared once: key in ``app.config``, kind, default,
environment variable and meaning. The README's table is made from this list
(``python -m issuer.settings``), and a test checks that the code reads nothing else.

Order of precedence: these defaults, then the environment variables, then the overrides
given to ``create_app`` (``badges serve`` and the tests pass theirs).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from badges.settings import Setting, Settings

SETTINGS = Settings(
    Setting(
        "SECRET_KEY",
        "text",
        None,
        "Signs the session cookies; required outside `--demo`.",
        env="ISSUER_SECRET_KEY",
    ),
    Setting(
        "KEY_ENCRYPTION_KEY",
        "text",
        None,
        "Encrypts the organisations' private keys at rest (`badges secret` makes one); "
        "without it nothing is signed outside `--demo`.",
        env="ISSUER_KEY_ENCRYPTION_KEY",
    ),
    Setting(
        "BASE_URL",
        "text",
        "http://127.0.0.1:5000",
        "The issuer's public base URL: every identifier derives from it.",
        env="ISSUER_BASE_URL",
    ),
    Setting(
        "VERIFIER_URL",
        "text",
        "http://127.0.0.1:5001",
        "The verifier that badge pages link to.",
        env="ISSUER_VERIFIER_URL",
    ),
    Setting(
        "DATA_DIR",
        "text",
        None,
        "Data folder (SQLite database, demo secrets); not set: the app's instance folder "
        "(`badges serve`: `--data`, default `./data`).",
        env="BADGES_DATA",
    ),
    Setting(
        "DATABASE_URL",
        "text",
        None,
        "SQLAlchemy database URL (PostgreSQL in production); not set: SQLite "
        "`issuer.sqlite3` in the data folder.",
        env="DATABASE_URL",
    ),
    Setting(
        "REVOCATION_JOURNAL",
        "text",
        None,
        "Append-only file where revocations, suspensions and key compromises are also written "
        "(`badges restore` re-applies it, so an older backup cannot un-revoke a badge); keep it "
        "off the database's disk. Not set: `revocation-journal.jsonl` in the data folder.",
        env="ISSUER_REVOCATION_JOURNAL",
    ),
    Setting(
        "DEMO",
        "bool",
        False,
        "Demo mode: secrets may be made up (`badges serve --demo`).",
        env="ISSUER_DEMO",
    ),
    Setting(
        "SMTP_HOST",
        "text",
        None,
        "Mail server; not set: messages stay in the outbox page.",
        env="ISSUER_SMTP_HOST",
    ),
    Setting("SMTP_PORT", "int", 587, "Mail server port.", env="ISSUER_SMTP_PORT"),
    Setting("SMTP_USER", "text", None, "Mail server login.", env="ISSUER_SMTP_USER"),
    Setting("SMTP_PASSWORD", "text", None, "Mail server password.", env="ISSUER_SMTP_PASSWORD"),
    Setting(
        "SMTP_STARTTLS",
        "bool",
        True,
        "Use STARTTLS with the mail server.",
        env="ISSUER_SMTP_STARTTLS",
    ),
    Setting(
        "MAIL_FROM",
        "text",
        "badges@localhost",
        "Sender address of the messages.",
        env="ISSUER_MAIL_FROM",
    ),
    Setting(
        "MAX_CONTENT_LENGTH",
        "int",
        8 * 1024 * 1024,
        "Largest request body, in bytes.",
        env="ISSUER_MAX_CONTENT_LENGTH",
    ),
    Setting(
        "SESSION_COOKIE_SECURE",
        "bool",
        False,
        "Send the session cookie over https only (set it behind https).",
        env="ISSUER_SESSION_COOKIE_SECURE",
    ),
    Setting(
        "SESSION_COOKIE_HTTPONLY",
        "bool",
        True,
        "Keep the session cookie from scripts.",
        env="ISSUER_SESSION_COOKIE_HTTPONLY",
    ),
    Setting(
        "SESSION_COOKIE_SAMESITE",
        "text",
        "Lax",
        "The session cookie's SameSite.",
        env="ISSUER_SESSION_COOKIE_SAMESITE",
    ),
    Setting(
        "PERMANENT_SESSION_LIFETIME",
        "int",
        8 * 3600,
        "A login lasts this many seconds.",
        env="ISSUER_PERMANENT_SESSION_LIFETIME",
    ),
    Setting(
        "IMPORT_ALLOWED_HOSTS",
        "list",
        (),
        "Importing badges: exact `host:port` entries that may be loopback or private.",
        env="ISSUER_IMPORT_ALLOWED_HOSTS",
    ),
    Setting(
        "IMPORT_URL_MAP",
        "pairs",
        (),
        "Importing badges: answer URLs under PREFIX from TARGET instead.",
        env="ISSUER_IMPORT_URL_MAP",
    ),
    Setting(
        "IMPORT_FETCH_TIMEOUT",
        "float",
        10.0,
        "Importing badges: seconds for one fetch.",
        env="ISSUER_IMPORT_FETCH_TIMEOUT",
    ),
    Setting(
        "IMPORT_DEADLINE",
        "float",
        20.0,
        "Importing badges: one verification spends at most this many seconds fetching, in all.",
        env="ISSUER_IMPORT_DEADLINE",
    ),
    Setting(
        "IMPORT_FETCHES_PER_BADGE",
        "int",
        20,
        "Importing badges: one verification makes at most this many fetches.",
        env="ISSUER_IMPORT_FETCHES_PER_BADGE",
    ),
    Setting(
        "IMPORT_MAX_BYTES",
        "int",
        4 * 1024 * 1024,
        "Largest imported badge (a link's answer, pasted text or an image), in bytes.",
        env="ISSUER_IMPORT_MAX_BYTES",
    ),
    Setting(
        "IMPORT_DOCUMENT_TTL",
        "float",
        300.0,
        "Imported badges: DID documents and keys are kept this many seconds.",
        env="ISSUER_IMPORT_DOCUMENT_TTL",
    ),
    Setting(
        "IMPORT_STATUS_TTL",
        "float",
        300.0,
        "Imported badges: status lists are kept at most this many seconds (and their own ttl).",
        env="ISSUER_IMPORT_STATUS_TTL",
    ),
    Setting(
        "REDIS_URL",
        "text",
        None,
        "Redis (`redis://host:6379/0`) as the job queue's broker: long work (large class "
        "awards, re-issues, learners' archives) is queued there for `badges worker`. Not set: it runs in a thread "
        "of the app, and `badges worker` runs what a stopped app left unfinished.",
        env="ISSUER_REDIS_URL",
    ),
    Setting(
        "QUEUE",
        "text",
        "badges",
        "The job queue's name in Redis (apps and workers that share one name share the work).",
        env="ISSUER_QUEUE",
    ),
    Setting(
        "JOB_THRESHOLD",
        "int",
        200,
        "Class awards and re-issues of more badges than this run as jobs with a progress page; "
        "smaller ones are signed while their page streams.",
        env="ISSUER_JOB_THRESHOLD",
    ),
    Setting(
        "JOB_TIMEOUT",
        "int",
        3600,
        "A job running longer than this many seconds is stopped (nothing of it is stored).",
        env="ISSUER_JOB_TIMEOUT",
    ),
    Setting(
        "ARCHIVE_KEEP_DAYS",
        "int",
        7,
        "A learner's archive (the zip of the whole portfolio, made by a job) is offered on its "
        "page this many days, or until a newer one replaces it; then it is deleted.",
        env="ISSUER_ARCHIVE_KEEP_DAYS",
    ),
    Setting(
        "JOB_HEARTBEAT",
        "int",
        30,
        "A worker running a job renews a key in Redis that lives this many seconds; a job "
        "whose key has lapsed lost its worker and is queued again at the next maintenance "
        "round of a `badges worker` (SQLite; PostgreSQL sees the lost worker's lock go).",
        env="ISSUER_JOB_HEARTBEAT",
    ),
    Setting(
        "TESTING", "bool", False, "Flask's test mode (the tests set it; no secret key needed)."
    ),
)


def load(
    environ: Mapping[str, str], overrides: Mapping[str, Any] | None, instance_path: str
) -> dict[str, Any]:
    """The issuer's configuration; raises ConfigError (one line) for a value that cannot be
    parsed. The two defaults that depend on another setting are filled in here."""
    values = SETTINGS.load(environ, overrides)
    if values["DATA_DIR"] is None:
        values["DATA_DIR"] = instance_path
    if values["REVOCATION_JOURNAL"] is None:
        values["REVOCATION_JOURNAL"] = str(Path(values["DATA_DIR"]) / "revocation-journal.jsonl")
    if values["DATABASE_URL"] is None:
        values["DATABASE_URL"] = f"sqlite:///{Path(values['DATA_DIR']) / 'issuer.sqlite3'}"
    return values


if __name__ == "__main__":  # print the README's table
    print(SETTINGS.markdown())
