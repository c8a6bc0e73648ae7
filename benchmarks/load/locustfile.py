"""The load test's users (locust), started by benchmarks/load/run.py, which writes the plan.

Two kinds of user, in the proportion the plan gives:

* a visitor of the issuer (``ISSUER``): a badge's public page, its credential JSON and VC-JWT,
  the school's status list and DID document, as people opening badge links and verifiers
  checking them do;
* a client of the verifier's JSON API (``VERIFIER``): POSTs a real badge of that issuer as a
  VC-JWT, or gives its link (the verifier fetches it from the issuer). Its DID document and
  status list come from the issuer too, kept by each verifier worker for their time to live.

A verification counts as an error unless the verdict is ``valid``; any other status than 200
is an error everywhere. The plan (JSON, path in ``LOAD_PLAN``) holds the badges' ids and
JWTs, the schools' slugs, both base URLs and the users' pace (``wait``: seconds between a
user's requests, ``[low, high]``, or ``{"per_second": r}`` for a steady rate per user).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

from locust import HttpUser, between, constant_throughput, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())


def _wait() -> Any:
    pace = PLAN["wait"]
    if isinstance(pace, dict):
        return constant_throughput(pace["per_second"])
    return between(pace[0], pace[1])


def _badge() -> dict[str, str]:
    return random.choice(PLAN["badges"])


class IssuerVisitor(HttpUser):
    host = PLAN["issuer"]
    weight = PLAN["weights"]["issuer"]
    wait_time = _wait()

    @task(4)
    def badge_page(self) -> None:
        self.client.get(
            f"/credentials/{_badge()['id']}",
            headers={"Accept": "text/html"},
            name="issuer: badge page (HTML)",
        )

    @task(3)
    def credential_json(self) -> None:
        self.client.get(f"/credentials/{_badge()['id']}.json", name="issuer: credential JSON")

    @task(1)
    def credential_jwt(self) -> None:
        self.client.get(f"/credentials/{_badge()['id']}.jwt", name="issuer: credential VC-JWT")

    @task(2)
    def status_list(self) -> None:
        slug = random.choice(PLAN["schools"])
        self.client.get(f"/orgs/{slug}/status/revocation", name="issuer: status list")

    @task(1)
    def did_document(self) -> None:
        slug = random.choice(PLAN["schools"])
        self.client.get(f"/orgs/{slug}/did.json", name="issuer: DID document")


class VerifierClient(HttpUser):
    host = PLAN["verifier"]
    weight = PLAN["weights"]["verifier"]
    wait_time = _wait()

    def _check(self, response: Any) -> None:
        if response.status_code != 200:
            response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
            return
        verdict = response.json().get("verdict")
        if verdict != "valid":
            response.failure(f"verdict {verdict!r}: {response.json().get('message')!r}")

    @task(3)
    def verify_jwt(self) -> None:
        with self.client.post(
            "/api/v1/verify",
            json={"jwt": _badge()["jwt"]},
            name="verifier: POST a VC-JWT",
            catch_response=True,
        ) as response:
            self._check(response)

    @task(1)
    def verify_link(self) -> None:
        url = f"{PLAN['issuer']}/credentials/{_badge()['id']}"
        with self.client.get(
            "/api/v1/verify",
            params={"url": url},
            name="verifier: GET ?url=badge link",
            catch_response=True,
        ) as response:
            self._check(response)
