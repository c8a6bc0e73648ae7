"""One verification, one budget: a deadline for all its fetches and a cap on their number.

A badge can carry many links (status lists, endorsements with their own status lists and
keys); each may be slow. A loopback server that counts its requests, and either makes each
one cost time on the budget's own clock (no real wait) or holds it for real, shows that a
verification stops fetching at its deadline, that a fetch in flight is cut off there, and
that it never fetches more than its cap; that what could not be checked is undecided with
a reason code (never "passed"); and that once a check has failed no fetch is made that
could not change the verdict. Nothing here is timed: speed is measured in benchmarks.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from badges.dids import did_key, did_key_verification_method
from badges.fetch import FetchBudget, Fetcher, FetchPolicy
from badges.issuing import sign_credential
from badges.keys import KeyPair
from badges.model import EndorsementCredential, EndorsementSubject, Profile
from badges.resolve import KeyResolver
from badges.status import bitstring_status_list as bsl
from badges.verification import Outcome, Verdict, VerificationReport, Verifier
from tests.conftest import ISSUED, NOW, SCHOOL, SCHOOL_DID, build_credential

ACHIEVEMENT_ID = "urn:uuid:7c1f3e4a-2b1d-4c6e-9f00-1a2b3c4d5e6f"  # build_credential's
ENDORSEMENTS = 20


class SteppedClock:
    """A budget's clock that only moves when told to (``FetchBudget(clock=...)``)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.readings: list[float] = []  # what the budget read, in order

    def __call__(self) -> float:
        self.readings.append(self.now)
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class SlowSite:
    """A loopback server that counts its requests and makes each one take ``delay``
    seconds: on ``clock`` when one is set (no real wait), else for real, until then or
    until the site is closed."""

    def __init__(self) -> None:
        self.routes: dict[str, bytes] = {}
        self.requests: list[str] = []
        self.delay = 0.0
        self.delays: dict[str, float] = {}
        self.clock: SteppedClock | None = None
        self.closed = threading.Event()
        self.answered: list[str] = []  # requests answered after their whole delay
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append(self.path)
                delay = site.delays.get(self.path, site.delay)
                if site.clock is not None:
                    site.clock.advance(delay)
                elif delay and site.closed.wait(delay):
                    return  # the site closed first
                site.answered.append(self.path)
                body = site.routes.get(self.path)
                try:
                    self.send_response(200 if body is not None else 404)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body or b"")))
                    self.end_headers()
                    self.wfile.write(body or b"")
                except OSError:
                    pass  # the verifier gave up waiting

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def json(self, path: str, document: Any) -> None:
        self.routes[path] = json.dumps(document).encode()

    def close(self) -> None:
        self.closed.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slow() -> Iterator[SlowSite]:
    site = SlowSite()
    yield site
    site.close()


def verifier_for(
    site: SlowSite, *, deadline: float, max_fetches: int, timeout: float = 10.0
) -> Verifier:
    fetcher = Fetcher(FetchPolicy(url_map=((f"{SCHOOL}/", f"{site.base}/"),), timeout=timeout))
    return Verifier(
        fetcher=fetcher,
        key_resolver=KeyResolver(fetcher),
        deadline=deadline,
        max_fetches=max_fetches,
    )


def publish_list(site: SlowSite, path: str, key: KeyPair, *, revoked: tuple[int, ...] = ()) -> str:
    """A status list at ``path`` signed by ``key``'s did:key; returns its URL."""
    bits = bsl.BitstringStatusList()
    for index in revoked:
        bits.set(index)
    url = f"{SCHOOL}{path}"
    unsigned = bsl.status_list_credential(
        list_url=url,
        issuer=did_key(key.public),
        status_list=bits,
        purpose="revocation",
        valid_from=ISSUED,
    )
    site.json(
        path,
        sign_credential(
            unsigned,
            key,
            verification_method=did_key_verification_method(key.public),
            proof="data-integrity",
            created=ISSUED,
        ).json,
    )
    return url


def endorsement(key: KeyPair, number: int, list_url: str) -> dict[str, Any]:
    unsigned = EndorsementCredential(
        id=f"urn:uuid:9b0d2f6e-1c1d-4f1e-8e8e-{number:012d}",
        name="Lithuanian ASPnet Centre endorses the water monitor badge",
        issuer=Profile(id=did_key(key.public), name="Lithuanian ASPnet Centre"),
        valid_from=ISSUED,
        credential_subject=EndorsementSubject(id=ACHIEVEMENT_ID, endorsement_comment="A model."),
        credential_status=[bsl.status_entry(list_url, number)],
    ).to_json()
    return sign_credential(
        unsigned,
        key,
        verification_method=did_key_verification_method(key.public),
        proof="data-integrity",
        created=ISSUED,
    ).json


def many_links_badge(site: SlowSite, ed_key: KeyPair, other_key: KeyPair) -> dict[str, Any]:
    """A did:key badge with its own status list and 20 endorsements, each with its own list."""
    own = publish_list(site, "/status/badge", ed_key)
    endorsements = [
        endorsement(other_key, n, publish_list(site, f"/status/e{n}", other_key))
        for n in range(1, ENDORSEMENTS + 1)
    ]
    unsigned = build_credential(
        did_key(ed_key.public), status=[bsl.status_entry(own, 5)], endorsements=endorsements
    )
    return sign_credential(
        unsigned,
        ed_key,
        verification_method=did_key_verification_method(ed_key.public),
        proof="data-integrity",
        created=ISSUED,
    ).json


def tampered(credential: dict[str, Any]) -> dict[str, Any]:
    changed = json.loads(json.dumps(credential))
    changed["credentialSubject"]["achievement"]["name"] = "Nobel Prize"
    return changed


def checks_json(report: VerificationReport) -> list[dict[str, Any]]:
    return report.to_dict()["checks"]


# --- one deadline ----------------------------------------------------------------------------


def test_many_slow_links_end_within_the_deadline(slow, ed_key, other_key):
    """21 lists, each answer costing 12 s of the budget's clock (none of the wall's): over
    four minutes one after the other, and the verification has one minute in all. (Each
    fetch may still take the time the budget has left, at least 12 s: loopback is never
    that slow, however loaded the machine.)"""
    badge = many_links_badge(slow, ed_key, other_key)
    slow.clock = SteppedClock()
    slow.delay = 12.0
    deadline = 60.0
    budget = FetchBudget(deadline, 50, clock=slow.clock)
    verifier = verifier_for(slow, deadline=deadline, max_fetches=50, timeout=deadline)
    report = verifier.verify(badge, now=NOW, budget=budget)
    # the fetches stopped at the deadline: five answers fill the minute, the sixth is refused
    assert len(slow.requests) == budget.fetches == deadline / slow.delay
    assert budget.refused >= 1
    assert slow.clock.now == deadline
    # the badge's own status came first and was read; endorsements ran out of time
    assert report.check("status").outcome is Outcome.PASSED, checks_json(report)
    endorsements = report.check("endorsements")
    assert endorsements.outcome is Outcome.WARNING
    assert endorsements.reason == "deadline_exceeded"
    assert any(r.verdict is Verdict.UNDECIDED for r in report.endorsements)
    assert not any(
        r.verdict is Verdict.VALID and r.checks and any(c.reason for c in r.checks)
        for r in report.endorsements
    )
    assert report.to_dict()["checks"][-1]["reason"] == "deadline_exceeded"


def test_a_hanging_status_list_is_cut_off_at_the_deadline(slow, ed_key):
    """The list would answer after 30 s, within the 60 s each fetch may take; the
    verification has 0.8 s in all, so the fetch in flight is cut off then: had it waited,
    the list would have been read and the status passed."""
    url = publish_list(slow, "/status/badge", ed_key)
    unsigned = build_credential(did_key(ed_key.public), status=[bsl.status_entry(url, 5)])
    badge = sign_credential(
        unsigned,
        ed_key,
        verification_method=did_key_verification_method(ed_key.public),
        proof="data-integrity",
        created=ISSUED,
    ).json
    slow.delays["/status/badge"] = 30.0
    verifier = verifier_for(slow, deadline=0.8, max_fetches=20, timeout=60.0)
    report = verifier.verify(badge, now=NOW)
    assert slow.requests == ["/status/badge"] and slow.answered == []
    assert report.verdict is Verdict.UNDECIDED
    status = report.check("status")
    assert status.outcome is Outcome.WARNING and status.undecided
    assert status.reason == "deadline_exceeded"
    assert "cut off" in (status.detail or "") and "time limit" in (status.detail or "")


# --- a cap on fetches -------------------------------------------------------------------------


def test_no_more_fetches_than_the_cap(slow, ed_key, other_key):
    badge = many_links_badge(slow, ed_key, other_key)
    report = verifier_for(slow, deadline=30.0, max_fetches=5).verify(badge, now=NOW)
    assert len(slow.requests) == 5
    assert report.check("status").outcome is Outcome.PASSED
    assert report.check("endorsements").reason == "fetch_limit_reached"
    checked = [r for r in report.endorsements if r.verdict is Verdict.VALID]
    assert len(checked) == 4  # the badge's own list, then four endorsements' lists
    for result in report.endorsements[4:]:
        assert result.verdict is Verdict.UNDECIDED
        assert (
            result.checks[[c.name for c in result.checks].index("status")].reason
            == "fetch_limit_reached"
        )
    assert report.verdict is Verdict.VALID  # endorsements never decide the badge


def test_a_badge_whose_own_status_is_over_the_cap_is_undecided(slow, ed_key, other_key):
    badge = many_links_badge(slow, ed_key, other_key)
    report = verifier_for(slow, deadline=30.0, max_fetches=0).verify(badge, now=NOW)
    assert slow.requests == []
    assert report.verdict is Verdict.UNDECIDED
    assert report.check("status").reason == "fetch_limit_reached"
    assert not report.verified


def test_the_default_verifier_has_a_deadline_and_a_cap(slow, ed_key, other_key):
    verifier = Verifier()
    assert 10 <= verifier.deadline <= 30 and 10 <= verifier.max_fetches <= 30
    badge = many_links_badge(slow, ed_key, other_key)
    fetcher = Fetcher(FetchPolicy(url_map=((f"{SCHOOL}/", f"{slow.base}/"),)))
    report = Verifier(fetcher=fetcher).verify(badge, now=NOW)
    assert len(slow.requests) == min(1 + ENDORSEMENTS, verifier.max_fetches)
    assert report.verdict is Verdict.VALID


def test_each_verification_has_its_own_budget(slow, ed_key, other_key):
    badge = many_links_badge(slow, ed_key, other_key)
    verifier = verifier_for(slow, deadline=30.0, max_fetches=3)
    verifier.status_ttl = 0  # nothing cached: every verification fetches again
    for _ in range(2):
        assert verifier.verify(badge, now=NOW).check("status").outcome is Outcome.PASSED
    assert len(slow.requests) == 6


# --- once the verdict is settled, nothing more is fetched --------------------------------------


def test_a_badge_whose_signature_fails_fetches_no_status_and_no_endorsement(
    slow, ed_key, other_key
):
    badge = tampered(many_links_badge(slow, ed_key, other_key))
    report = verifier_for(slow, deadline=5.0, max_fetches=50).verify(badge, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert report.check("proof").outcome is Outcome.FAILED
    assert slow.requests == []
    status = report.check("status")
    assert status.outcome is Outcome.SKIPPED and status.reason == "verdict_settled"
    assert report.check("endorsements").reason == "verdict_settled"
    for result in report.endorsements:  # read, but never passed for want of their lists
        assert result.verdict is Verdict.UNDECIDED


def test_a_did_web_badge_whose_signature_fails_fetches_only_its_key(slow, ed_key):
    url = f"{SCHOOL}/status/badge"
    method = f"{SCHOOL_DID}#key-1"
    slow.json(
        "/.well-known/did.json",
        {
            "id": SCHOOL_DID,
            "verificationMethod": [
                {
                    "id": method,
                    "type": "Multikey",
                    "controller": SCHOOL_DID,
                    "publicKeyMultibase": ed_key.public.to_multibase(),
                }
            ],
            "assertionMethod": [method],
        },
    )
    unsigned = build_credential(SCHOOL_DID, status=[bsl.status_entry(url, 5)])
    signed = sign_credential(
        unsigned, ed_key, verification_method=method, proof="both", created=ISSUED
    )
    verifier = verifier_for(slow, deadline=5.0, max_fetches=50)
    report = verifier.verify(tampered(signed.json), now=NOW)
    assert report.check("proof").outcome is Outcome.FAILED
    assert slow.requests == ["/.well-known/did.json"]
    forged_jwt = signed.jwt.rsplit(".", 1)[0] + ".AAAA"
    report = verifier.verify(forged_jwt, now=NOW)
    assert report.check("proof").outcome is Outcome.FAILED
    assert slow.requests == ["/.well-known/did.json"]  # the key was cached; still no status


def test_a_schema_failure_fetches_nothing(slow, ed_key):
    """Two status entries break the OB 3.0 schema (one is allowed): nothing is fetched,
    not even the issuer's key, and the checks that needed a fetch say why they did not run."""
    url = f"{SCHOOL}/status/badge"
    method = f"{SCHOOL_DID}#key-1"
    unsigned = build_credential(
        SCHOOL_DID, status=[bsl.status_entry(url, 5), bsl.status_entry(url, 6)]
    )
    signed = sign_credential(
        unsigned, ed_key, verification_method=method, proof="data-integrity", created=ISSUED
    )
    report = verifier_for(slow, deadline=5.0, max_fetches=50).verify(signed.json, now=NOW)
    assert report.check("schema").outcome is Outcome.FAILED
    assert slow.requests == []
    for name in ("issuer", "proof", "status"):
        check = report.check(name)
        assert check.outcome is Outcome.SKIPPED and check.reason == "verdict_settled", checks_json(
            report
        )
    assert report.verdict is Verdict.INVALID


def test_an_expired_badge_does_not_fetch_its_status(slow, ed_key):
    from datetime import UTC, datetime

    url = publish_list(slow, "/status/badge", ed_key)
    unsigned = build_credential(
        did_key(ed_key.public),
        status=[bsl.status_entry(url, 5)],
        valid_until=datetime(2026, 10, 1, tzinfo=UTC),
    )
    badge = sign_credential(
        unsigned,
        ed_key,
        verification_method=did_key_verification_method(ed_key.public),
        proof="data-integrity",
        created=ISSUED,
    ).json
    report = verifier_for(slow, deadline=5.0, max_fetches=50).verify(badge, now=NOW)
    assert report.check("dates").outcome is Outcome.FAILED
    assert report.check("status").reason == "verdict_settled"
    assert slow.requests == []


def test_the_report_of_a_skipped_or_cut_check_names_its_reason(slow, ed_key):
    badge = tampered(many_links_badge(slow, ed_key, ed_key))
    shown = {
        c["name"]: c
        for c in checks_json(
            verifier_for(slow, deadline=5.0, max_fetches=50).verify(badge, now=NOW)
        )
    }
    assert shown["status"]["reason"] == "verdict_settled"
    assert (
        "reason" not in shown["format"]
    )  # checks that ran carry no reason: the report is unchanged
