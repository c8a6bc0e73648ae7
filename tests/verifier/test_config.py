"""Configuration through VERIFIER_* environment variables, as gunicorn runs the app."""

from __future__ import annotations

import pytest

from badges.errors import FetchError
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
    with pytest.raises(FetchError, match="PREFIX=TARGET"):
        create_app()
