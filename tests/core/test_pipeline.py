"""The verification package's shape: checks named once (CheckId), steps declared once."""

from __future__ import annotations

import json

import pytest

import badges.verification.pipeline as pipeline
from badges.verification import CHECK_NAMES, CHECK_TITLES, CheckId, Outcome, Verdict, Verifier
from badges.verification.context import Run
from badges.verification.steps import recipient
from tests.conftest import NOW


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
