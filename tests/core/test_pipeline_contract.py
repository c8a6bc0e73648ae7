"""The pipeline's own promises, exactly: its budget, its clock, the report it fills in, and
the last resort that never lets an error out.

Written to kill the mutants tests/mutation/run.py found alive in
badges/verification/pipeline.py.
"""

from __future__ import annotations

from typing import Any

import pytest

import badges.verification.pipeline as pipeline
from badges.errors import FetchError
from badges.fetch import DEFAULT_DEADLINE, DEFAULT_MAX_FETCHES, FetchBudget
from badges.issuing import sign_credential
from badges.verification import CheckId, Outcome, Verdict, Verifier, verify
from badges.verification.context import Run
from tests.conftest import NOW, SCHOOL, SCHOOL_DID


def test_a_verifiers_budget_has_its_limits_fresh_each_time():
    verifier = Verifier(deadline=2.5, max_fetches=7)
    first, second = verifier.budget(), verifier.budget()
    assert (first.seconds, first.max_fetches) == (2.5, 7)
    assert first is not second
    default = Verifier().budget()
    assert (default.seconds, default.max_fetches) == (float(DEFAULT_DEADLINE), DEFAULT_MAX_FETCHES)


@pytest.mark.parametrize(("deadline", "max_fetches"), [(0, 5), (5, -1), (-1, 5)])
def test_unusable_limits_are_refused_when_the_verifier_is_made(deadline, max_fetches):
    with pytest.raises(FetchError):
        Verifier(deadline=deadline, max_fetches=max_fetches)


def test_a_verifier_without_a_key_resolver_makes_one_on_its_fetcher_and_clock():
    ticks = iter(range(1000))
    clock = lambda: float(next(ticks))  # noqa: E731
    verifier = Verifier(clock=clock)
    assert verifier.key_resolver is not None
    assert verifier.key_resolver._clock is clock
    assert verifier.key_resolver._fetcher is None


def test_every_step_gets_the_verifications_budget(sign_did_key, monkeypatch):
    seen: list[Any] = []

    def watch(run: Run) -> None:
        seen.append(run.checks.budget)

    monkeypatch.setattr(pipeline, "STEPS", (*pipeline.STEPS, watch))
    budget = FetchBudget(3.0, 4)
    Verifier().verify(sign_did_key().jwt, now=NOW, budget=budget)
    assert seen == [budget]
    Verifier(deadline=1.5, max_fetches=2).verify(sign_did_key().jwt, now=NOW)
    assert (seen[1].seconds, seen[1].max_fetches) == (1.5, 2)


def test_a_badges_failed_check_settles_its_budget(sign_did_key):
    signed = sign_did_key(proof="data-integrity").json
    forged = {**signed, "name": "Another badge"}
    budget = FetchBudget(3.0, 4)
    report = Verifier().verify(forged, now=NOW, budget=budget)
    assert report.verdict is Verdict.INVALID
    with pytest.raises(FetchError):
        budget.take("https://school.example/status/1")  # settled: no more fetches


def test_a_step_that_raises_fails_the_first_check_not_yet_made(sign_did_key, monkeypatch):
    def boom(run: Run) -> None:
        raise RuntimeError("the step broke")

    steps = list(pipeline.STEPS)
    steps.insert(steps.index(pipeline.dates.check), boom)
    monkeypatch.setattr(pipeline, "STEPS", tuple(steps))
    report = Verifier().verify(sign_did_key().jwt, now=NOW)
    assert report.verdict is Verdict.INVALID
    dates = report.check("dates")
    assert (dates.outcome, dates.message, dates.detail) == (
        Outcome.FAILED,
        "The badge could not be verified.",
        "the step broke",
    )
    assert report.check("proof").outcome is Outcome.PASSED


def test_the_report_carries_what_the_checks_found(sign_did_key, ed_key):
    signed = sign_did_key()
    report = Verifier().verify(signed.jwt, now=NOW)
    assert report.verified_at == NOW
    assert report.credential == signed.json
    assert report.format == "jwt"
    assert report.revoked is False and report.revocation_reason is None
    assert report.endorsements == [] and report.credentials is None
    assert report.verified_issuer == signed.json["issuer"]["id"]
    assert [c.name for c in report.checks] == list(CheckId)


def test_the_module_verify_uses_a_one_off_verifier_with_the_options(sign_did_key):
    report = verify(sign_did_key().jwt, now=NOW, recipient="someone@else.example")
    assert report.verified_at == NOW
    assert report.check("recipient").outcome is Outcome.FAILED


def test_the_module_verify_fetches_with_the_fetcher_given(sign_did_key, site, school_fetcher):
    site.json("/badges/1", sign_did_key(proof="data-integrity").json)
    report = verify(f"{SCHOOL}/badges/1", fetcher=school_fetcher, now=NOW)
    assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    assert site.requests == ["/badges/1"]


def test_a_failed_endorsement_settles_nothing_for_the_next_one(
    ed_key, other_key, site, publish_did_web, school_verifier
):
    """Endorsements share the badge's budget, but one that fails does not stop the fetches
    another still needs (its endorser's DID document here)."""
    from tests.core.test_step_endorsements import badge, endorsement

    forged = endorsement(other_key)
    forged["name"] = "Changed after signing"
    method = publish_did_web(other_key)
    issuer = {"id": SCHOOL_DID, "type": ["Profile"], "name": "Vilnius school"}
    fetched = endorsement(other_key, issuer=issuer)
    fetched = sign_credential(
        {k: v for k, v in fetched.items() if k != "proof"},
        other_key,
        verification_method=method,
        proof="data-integrity",
    ).json
    report = school_verifier.verify(badge(ed_key, endorsement=[forged, fetched]), now=NOW)
    assert [r.verdict for r in report.endorsements] == [Verdict.INVALID, Verdict.VALID], [
        r.message for r in report.endorsements
    ]
    assert site.requests.count("/.well-known/did.json") == 1
