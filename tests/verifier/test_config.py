"""Configuration through VERIFIER_* environment variables, as gunicorn runs the app."""

from __future__ import annotations

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
    assert app.config["VERIFIER_BURST"] == 2 and app.config["MAX_FORM_MEMORY_SIZE"] == app.config["MAX_CONTENT_LENGTH"]
    api = Api(app.test_client())
    assert api.post({"url": link}).get_json()["verdict"] == "valid"  # through the map
    assert api.post({"url": f"{site.base}/credentials/env.jwt"}).get_json()["verdict"] == "valid"  # allowed host
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
