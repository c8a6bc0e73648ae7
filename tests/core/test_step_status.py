"""The status step, exactly: each outcome with its message, what is fetched and kept.

Written to kill the mutants tests/mutation/run.py found alive in
badges/verification/steps/status.py.
"""

from __future__ import annotations

from typing import Any

from badges.dids import did_key, did_key_verification_method
from badges.issuing import sign_credential
from badges.status import bitstring_status_list as bsl
from badges.status import revocation_list_1edtech as rl
from badges.verification import Outcome, Verdict, Verifier
from tests.conftest import NOW, SCHOOL, SCHOOL_DID, build_credential

LIST_URL = f"{SCHOOL}/revocations"


def status_of(report) -> tuple[Outcome, str, str | None]:
    check = report.check("status")
    return check.outcome, check.message, check.detail


def badge_with(key, method: str, issuer: str, status: list[dict[str, Any]]) -> dict[str, Any]:
    return sign_credential(
        build_credential(issuer, status=status),
        key,
        verification_method=method,
        proof="data-integrity",
    ).json


def test_a_revocation_list_is_fetched_once_and_kept(ed_key, site, publish_did_web, school_verifier):
    method = publish_did_web(ed_key)
    badge = badge_with(ed_key, method, SCHOOL_DID, [rl.status_entry(LIST_URL)])
    site.json(
        "/revocations",
        rl.revocation_list(list_url=LIST_URL, issuer_id=SCHOOL_DID, revoked=[("urn:uuid:x", None)]),
    )
    for _ in range(2):
        report = school_verifier.verify(badge, now=NOW)
        assert status_of(report) == (
            Outcome.PASSED,
            "The issuer has not revoked or suspended this badge.",
            None,
        )
    assert site.requests.count("/revocations") == 1


def test_without_a_fetcher_no_list_can_be_read(ed_key):
    issuer = did_key(ed_key.public)
    method = did_key_verification_method(ed_key.public)
    for entry, detail in (
        (
            rl.status_entry(LIST_URL),
            "revocation lists cannot be fetched: this verifier has no fetcher",
        ),
        (
            bsl.status_entry(f"{SCHOOL}/status/1", 7),
            "status lists cannot be fetched: this verifier has no fetcher",
        ),
    ):
        report = Verifier().verify(badge_with(ed_key, method, issuer, [entry]), now=NOW)
        assert status_of(report) == (
            Outcome.WARNING,
            "Whether the badge was revoked cannot be checked right now.",
            detail,
        )
        assert report.check("status").undecided and report.verdict is Verdict.UNDECIDED
