"""Configuration through VERIFIER_* environment variables, as gunicorn runs the app."""

from __future__ import annotations

import re

import pytest

from badges.errors import ConfigError
from badges.status import bitstring_status_list as bsl
from tests.conftest import SCHOOL
from tests.verifier.conftest import Api
from verifier import create_app


def test_environment_variables_configure_hosts_map_and_limits(monkeypatch, site, school):
    link = school.publish("env", school.issue(proof="jwt"))["jwt"]
    monkeypatch.setenv("VERIFIER_ALLOWED_HOSTS", f"127.0.0.1:{site.port}, [::1]:9")
    monkeypatch.setenv("VERIFIER_URL_MAP", f"{SCHOOL}/={site.base}/")
    monkeypatch.setenv("VERIFIER_BURST", "2")
    monkeypatch.setenv("VERIFIER_RATE_PER_MINUTE", "1")
    app = create_app()
    assert (
        app.config["VERIFIER_BURST"] == 2
        and app.config["MAX_FORM_MEMORY_SIZE"] == app.config["MAX_CONTENT_LENGTH"]
    )
    api = Api(app.test_client())
    assert api.post({"url": link}).get_json()["verdict"] == "valid"  # through the map
    assert (
        api.post({"url": f"{site.base}/credentials/env.jwt"}).get_json()["verdict"] == "valid"
    )  # allowed host
    assert api.post({"url": link}).status_code == 429  # the burst of 2 is spent


def test_test_config_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("VERIFIER_BURST", "2")
    assert create_app({"VERIFIER_BURST": 7}).config["VERIFIER_BURST"] == 7


def test_a_malformed_map_entry_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("VERIFIER_URL_MAP", "https://school.example/")
    with pytest.raises(ConfigError, match=r"^VERIFIER_URL_MAP=.*PREFIX=TARGET"):
        create_app()


def test_each_verification_has_a_deadline_and_a_fetch_cap(monkeypatch, make_app, site, school):
    default = create_app({"TESTING": True}).extensions["verifier.verifier"]
    assert default.deadline == 20.0 and default.max_fetches == 20
    monkeypatch.setenv("VERIFIER_DEADLINE", "7.5")
    monkeypatch.setenv("VERIFIER_FETCHES_PER_BADGE", "1")
    app = make_app()
    verifier = app.extensions["verifier.verifier"]
    assert verifier.deadline == 7.5 and verifier.max_fetches == 1
    # the issuer's DID document is the one fetch: its status list is not fetched
    url = school.status_list("/status/1")
    signed = school.issue(proof="data-integrity", status=[bsl.status_entry(url, 3)])
    report = Api(app.test_client()).post({"credential": signed.json}).get_json()
    status = next(c for c in report["checks"] if c["name"] == "status")
    assert report["verdict"] == "undecided"
    assert status["undecided"] and status["reason"] == "fetch_limit_reached"
    assert site.requests == ["/.well-known/did.json"]


@pytest.mark.parametrize(
    ("name", "raw", "why"),
    [
        ("VERIFIER_DEADLINE", "abc", "expected a number"),
        ("VERIFIER_BURST", "lots", "expected a whole number"),
        ("VERIFIER_FETCHES_PER_BADGE", "2.5", "expected a whole number"),
        ("VERIFIER_ALLOWED_HOSTS", "[1, 2]", "expected a list of text"),
    ],
)
def test_a_bad_value_is_a_one_line_config_error(monkeypatch, name, raw, why):
    monkeypatch.setenv(name, raw)
    with pytest.raises(
        ConfigError, match=f"^{re.escape(name)}='{re.escape(raw)}' is not valid: {why}$"
    ):
        create_app()


def test_the_verifier_command_says_what_is_wrong_in_one_line(monkeypatch, capsys):
    from badges.cli import main

    monkeypatch.setenv("VERIFIER_DEADLINE", "abc")
    assert main(["verifier", "--port", "0"]) == 2
    assert (
        capsys.readouterr().err
        == "badges verifier: VERIFIER_DEADLINE='abc' is not valid: expected a number\n"
    )


def test_lists_from_the_environment_are_json_or_separated_by_commas(monkeypatch, tmp_path):
    monkeypatch.setenv("VERIFIER_ALLOWED_HOSTS", '["127.0.0.1:8000", "[::1]:9"]')
    monkeypatch.setenv(
        "VERIFIER_URL_MAP",
        "https://a.example/=http://127.0.0.1:1/,\nhttps://b.example/=http://127.0.0.1:2/",
    )
    monkeypatch.setenv("VERIFIER_IMAGE_MAX_BYTES", "5000")
    monkeypatch.setenv("VERIFIER_MAX_CONTENT_LENGTH", "1048576")
    app = create_app()
    assert app.config["VERIFIER_ALLOWED_HOSTS"] == ["127.0.0.1:8000", "[::1]:9"]
    assert app.config["VERIFIER_URL_MAP"] == [
        ("https://a.example/", "http://127.0.0.1:1/"),
        ("https://b.example/", "http://127.0.0.1:2/"),
    ]
    assert app.config["MAX_CONTENT_LENGTH"] == app.config["MAX_FORM_MEMORY_SIZE"] == 1048576
    assert app.extensions["verifier.images"]._fetcher.policy.max_bytes == 5000
    policy = app.extensions["verifier.verifier"].fetcher.policy
    assert (
        policy.allowed_hosts == frozenset({"127.0.0.1:8000", "[::1]:9"})
        and len(policy.url_map) == 2
    )
