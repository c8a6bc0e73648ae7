"""Jobs: a class too large for one request, awarded by a worker (issue 16).

``POST /achievements/{id}/award-jobs`` checks the learners at once (400 with the marked
fields, nothing stored) and answers 202 with the job; ``GET /jobs/{id}`` reads its state
until it is ``done`` (every badge stored) or ``failed`` (none). The job runs on the queue
of ``ISSUER_REDIS_URL`` (``badges worker``) or in a thread of the app (issuer/jobqueue.py).
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app

from ..db import after_commit
from ..jobqueue import runner, state_of
from ..services import achievements as achievement_service
from ..services import jobs as job_service
from ..services.awards import MAX_JOB_BATCH
from ..translate import current_language
from ..web import actor, dbs
from .awards import read_learner
from .plumbing import answer, bp, errors, idempotent, org, posted
from .plumbing import request_body as documents_body
from .schemas import JobSchema, LearnerJobSchema

TAGS = ["jobs"]
JOB = JobSchema()
LEARNERS = LearnerJobSchema()


@bp.route("/achievements/<achievement_id>/award-jobs", methods=["POST"], tags=TAGS)
@bp.doc(
    operationId="awardAsJob",
    summary=f"Award the achievement to up to {MAX_JOB_BATCH} learners, as a job",
)
@documents_body(LEARNERS)
@bp.response(202, JOB, description="Submitted: the job, to be read at /jobs/{id}.")
@errors(404)
@posted
@idempotent
def create_award_job(sent: dict[str, Any], achievement_id: str) -> tuple[Any, int]:
    """Award the achievement to a class, as a job

    Every learner is checked now (400 naming `learners[i].field`; nothing is stored); the
    badges are then signed by a worker and stored all together, or none. Read the job at
    `/jobs/{id}` until its status is `done` or `failed`. Send an Idempotency-Key to retry
    safely: the retry answers the same job.
    """
    from ..errors import InvalidInput

    own = org()
    achievement = achievement_service.get_achievement(dbs(), achievement_id, org=own)
    learners = sent.get("learners")
    problems = {name: "Unknown field." for name in sent if name not in LEARNERS.fields}
    if not isinstance(learners, list) or not learners:
        raise InvalidInput(
            "Give a non-empty list of learners.", fields={"learners": "Give at least one learner."}
        )
    if len(learners) > MAX_JOB_BATCH:
        too_many = f"At most {MAX_JOB_BATCH} learners in one job."
        raise InvalidInput(too_many, fields={"learners": too_many})
    rows = [read_learner(value, f"learners[{i}].", problems) for i, value in enumerate(learners)]
    if problems:
        raise InvalidInput(
            "Please correct the marked fields; nothing was awarded.", fields=problems
        )
    who = actor()
    job, new = job_service.submit_class_award(
        dbs(),
        org=own,
        achievement=achievement,
        rows=rows,
        request_key=secrets.token_urlsafe(16),
        skip_earlier=False,
        first_row=1,
        actor=who,
        created_by=None,
        language=current_language(),
    )
    if new:
        jobs, job_id = runner(current_app._get_current_object()), job.public_id  # type: ignore[attr-defined]
        after_commit(dbs(), lambda: jobs.dispatch(job_id))
    return JOB.dump(state_of(current_app._get_current_object(), job)), 202  # type: ignore[attr-defined]


@bp.route("/jobs/<job_id>", methods=["GET"], tags=TAGS)
@bp.doc(operationId="getJob")
@bp.response(200, JOB, description="The job as it is now.")
@errors(401, 404)
def get_job(job_id: str) -> Any:
    """A job's state: queued (waiting or running), done or failed"""
    job = job_service.get_job(dbs(), job_id, org=org())
    return answer(JOB.dump(state_of(current_app._get_current_object(), job)))  # type: ignore[attr-defined]
