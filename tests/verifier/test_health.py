"""The verifier's health probes: it keeps no database, so ready means it answers."""

from __future__ import annotations


def test_healthz_and_readyz(client):
    for path in ("/healthz", "/readyz"):
        response = client.get(path)
        assert response.status_code == 200 and response.json["status"] == "ok"
        assert response.headers["Cache-Control"] == "no-store"
