"""The issuer's settings from the environment (issuer/settings.py), and what `badges serve`
says when one cannot be used or a production secret is missing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from badges.cli import main
from badges.errors import ConfigError
from issuer import create_app
from issuer.db import Database
from issuer.models import Organisation, SigningKey
from issuer.services.keys import Sealer, private_key
from issuer.settings import SETTINGS


@pytest.fixture
def clean_env(monkeypatch):
    """No issuer setting comes from the environment the tests run in."""
    for name in SETTINGS.environment_variables:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_environment_variables_set_the_issuer_by_kind(clean_env, tmp_path):
    clean_env.setenv("BADGES_DATA", str(tmp_path))
    clean_env.setenv("ISSUER_SMTP_HOST", "smtp.school.example")
    clean_env.setenv("ISSUER_SMTP_PORT", "2525")
    clean_env.setenv("ISSUER_SMTP_STARTTLS", "false")  # read but never declared, until now
    clean_env.setenv("ISSUER_SESSION_COOKIE_SECURE", "true")
    clean_env.setenv("ISSUER_BASE_URL", "https://badges.school.example")
    app = create_app({"TESTING": True})
    assert app.config["DATA_DIR"] == str(tmp_path)
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'issuer.sqlite3'}"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.extensions["issuer.urls"].base == "https://badges.school.example"
    with app.app_context():
        from issuer.web import smtp_settings

        smtp = smtp_settings()
    assert smtp is not None and (smtp.host, smtp.port, smtp.starttls) == (
        "smtp.school.example",
        2525,
        False,
    )
    # the test's own settings win over the environment
    assert create_app({"TESTING": True, "SMTP_PORT": 25}).config["SMTP_PORT"] == 25


@pytest.mark.parametrize(
    ("name", "raw", "why"),
    [
        ("ISSUER_SMTP_PORT", "abc", "expected a whole number"),
        ("ISSUER_SMTP_STARTTLS", "perhaps", "expected true or false"),
        ("ISSUER_PERMANENT_SESSION_LIFETIME", "8h", "expected a whole number"),
    ],
)
def test_a_bad_value_is_a_config_error_naming_the_variable(clean_env, tmp_path, name, raw, why):
    clean_env.setenv(name, raw)
    with pytest.raises(ConfigError, match=f"^{name}='{raw}' is not valid: {why}$"):
        create_app({"TESTING": True, "DATA_DIR": str(tmp_path)})


def test_serve_says_what_is_wrong_in_one_line_and_exits_2(clean_env, tmp_path, capsys):
    clean_env.setenv("ISSUER_SMTP_PORT", "abc")
    assert (
        main(["serve", "--demo", "--check", "--data", str(tmp_path), "--verifier-port", "0"]) == 2
    )
    err = capsys.readouterr().err
    assert err == "badges serve: ISSUER_SMTP_PORT='abc' is not valid: expected a whole number\n"
    assert not (tmp_path / "issuer.sqlite3").exists()  # stopped before touching the database


def test_serve_outside_demo_still_refuses_without_its_secrets(clean_env, tmp_path, capsys):
    assert main(["serve", "--check", "--data", str(tmp_path), "--verifier-port", "0"]) == 2
    assert (
        capsys.readouterr().err == "badges serve: ISSUER_SECRET_KEY is not set (sessions need it)\n"
    )
    clean_env.setenv("ISSUER_SECRET_KEY", "a-session-secret")
    assert main(["serve", "--check", "--data", str(tmp_path), "--verifier-port", "0"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("badges serve: ISSUER_KEY_ENCRYPTION_KEY is not set")
        and err.count("\n") == 1
    )


def test_demo_secrets_give_way_to_the_environment(clean_env, tmp_path, capsys):
    key = Sealer.new_secret()
    clean_env.setenv("ISSUER_KEY_ENCRYPTION_KEY", key)
    clean_env.setenv("ISSUER_SECRET_KEY", "from-the-environment")
    url = f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    clean_env.setenv("DATABASE_URL", url)
    assert (
        main(
            ["serve", "--demo", "--check", "--data", str(tmp_path / "data"), "--verifier-port", "0"]
        )
        == 0
    )
    capsys.readouterr()
    assert not (tmp_path / "data" / "issuer.sqlite3").exists()  # the environment's database
    database = Database(url)
    try:
        with database.transaction() as session:
            rows = session.scalars(select(SigningKey)).all()
            assert rows  # the demo's organisations' keys, sealed with the environment's key
            for row in rows:
                org = session.get(Organisation, row.org_id)
                assert org is not None and private_key(row, org, Sealer.from_config(key))
    finally:
        database.dispose()
