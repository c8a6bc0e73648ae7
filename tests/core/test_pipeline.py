"""The verification package's shape: checks named once (CheckId), steps declared once."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

import badges.verification.pipeline as pipeline
from badges.issuing import sign_credential
from badges.status import revocation_list_1edtech as rl
from badges.verification import CHECK_NAMES, CHECK_TITLES, CheckId, Outcome, Verdict, Verifier
from badges.verification.context import Run
from badges.verification.steps import recipient
from tests.conftest import NOW, SCHOOL, SCHOOL_DID, build_credential


def test_each_check_is_named_once_with_its_title_and_its_place_in_the_report():
    assert CHECK_NAMES == tuple(CheckId)
    assert CheckId.STATUS == "status" and CheckId("proof") is CheckId.PROOF
    assert CHECK_TITLES["proof"] == CheckId.PROOF.label == "Signature"
    assert list(CHECK_TITLES) == [check.value for check in CheckId]


def test_the_report_json_carries_plain_names(sign_did_key):
    report = Verifier().verify(sign_did_key().jwt, now=NOW)
    shown = report.to_dict()["checks"]
    assert [type(c["name"]) for c in shown] == [str] * len(CheckId)
    assert [c["name"] for c in shown] == [check.value for check in CheckId]
    assert json.loads(json.dumps(report.to_dict()))["checks"] == shown


def test_the_verifier_runs_the_steps_the_pipeline_declares(sign_did_key, monkeypatch):
    """A step is a function of the run, listed once: replacing the recipient step's line
    in STEPS changes what every verification reports, and nothing else is needed."""
    seen: list[str] = []

    def strict_recipient(run: Run) -> None:
        seen.append(str(run.credential.get("id")))
        if run.recipient is None:
            run.checks.add(CheckId.RECIPIENT, Outcome.FAILED, "A recipient must be named.")
        else:
            recipient.check(run)

    steps = tuple(strict_recipient if s is recipient.check else s for s in pipeline.STEPS)
    assert steps != pipeline.STEPS
    monkeypatch.setattr(pipeline, "STEPS", steps)
    signed = sign_did_key()
    report = Verifier().verify(signed.jwt, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert report.check("recipient").message == "A recipient must be named."
    assert seen == [signed.json["id"]]
    assert Verifier().verify(signed.jwt, now=NOW, recipient="ona@example.org").verified


@pytest.mark.parametrize("stop_at", range(len(pipeline.STEPS)))
def test_a_step_that_ends_the_run_leaves_the_later_checks_unreached(
    sign_did_key, monkeypatch, stop_at
):
    def stop(run: Run) -> None:
        run.stopped = True

    steps = list(pipeline.STEPS)
    declared = len(steps)
    steps.insert(stop_at, stop)
    monkeypatch.setattr(pipeline, "STEPS", tuple(steps))
    report = Verifier().verify(sign_did_key().jwt, now=NOW)
    unreached = [
        c for c in report.checks if c.message == "Not checked, because an earlier check failed."
    ]
    # the format check is parsing's; every check of a step after the stop is unreached
    assert len(unreached) >= declared - stop_at


def test_a_step_that_raises_after_every_check_was_made_still_fails_the_badge(
    sign_did_key, monkeypatch
):
    """The last resort: whatever raises, the report says not valid, never valid."""

    def boom(run: Run) -> None:
        raise RuntimeError("a bug in a step")

    monkeypatch.setattr(pipeline, "STEPS", (*pipeline.STEPS, boom))
    report = Verifier().verify(sign_did_key().jwt, now=NOW)
    assert report.verdict is Verdict.INVALID
    assert [c.name for c in report.checks] == list(CHECK_NAMES)
    # every check had been made: the failure takes the format check's place
    check = report.check("format")
    assert (check.outcome, check.message, check.detail) == (
        Outcome.FAILED,
        "The badge could not be verified.",
        "a bug in a step",
    )


class MemoryStore:
    """A SharedStore in a dict (the verifier app's is Redis): what other verifiers share."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[Any, float]] = {}

    def get(self, key: str) -> tuple[Any, float] | None:
        found = self.entries.get(key)
        if found is None or found[1] <= time.monotonic():
            return None
        return found[0], found[1] - time.monotonic()

    def put(self, key: str, value: Any, ttl: float, *, started: float) -> Any | None:
        self.entries[key] = (value, time.monotonic() + ttl)
        return value


def test_verifiers_sharing_a_store_fetch_the_issuers_key_and_status_list_once(
    ed_key, site, school_fetcher, publish_did_web
):
    method = publish_did_web(ed_key)
    list_url = f"{SCHOOL}/revocations"
    badge = sign_credential(
        build_credential(SCHOOL_DID, status=[rl.status_entry(list_url)]),
        ed_key,
        verification_method=method,
        proof="data-integrity",
    ).json
    site.json(
        "/revocations",
        rl.revocation_list(list_url=list_url, issuer_id=SCHOOL_DID, revoked=[]),
    )
    store = MemoryStore()
    for _ in range(2):  # two processes: each its own Verifier, the one store
        report = Verifier(fetcher=school_fetcher, shared=store).verify(badge, now=NOW)
        assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
    assert site.requests.count("/.well-known/did.json") == 1
    assert site.requests.count("/revocations") == 1
