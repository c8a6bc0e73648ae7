"""Long signing work (a class from CSV, a re-issue after a key compromise) with progress.

Work larger than ``ISSUER_JOB_THRESHOLD`` badges is a job (issuer/jobqueue.py): the request
submits it and redirects to the job's page (``page``), which reads the job's state; while
it runs, static/job.js asks for it every few seconds and speaks it in an ``aria-live``
region (a Refresh link without script). ``/staff/<slug>/jobs/<id>.json`` gives the same
state to a program.

Smaller work is streamed: the work (a service function taking a session and a progress callback) runs in a thread of
its own, in its own transaction, while the response streams a page rendered from a Jinja
template: the template iterates ``job.steps()`` (one ``(done, total)`` a twentieth of the way,
as the work reports it) and then reads ``job.failed`` / ``job.error`` / ``job.result``. The
whole of the work commits or none of it does; the page says which.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    stream_template,
    url_for,
)
from sqlalchemy.orm import Session

from ..db import after_commit
from ..errors import IssuerError
from ..jobqueue import runner, state_of
from ..models import Job, JobStatus
from ..services.jobs import Progress, get_job
from ..services.mail import deliver_after_commit
from ..translate import N_, _, current_language, in_language
from ..web import db, dbs, login_required, smtp_settings
from .common import staff_org

bp = Blueprint("jobs", __name__, url_prefix="/staff/<slug>/jobs")
REFRESH_SECONDS = 3

T = TypeVar("T")
UNEXPECTED = N_("the signing stopped with an error. Please try again.")
STEPS = 20  # progress lines shown at most, besides the last one


class StreamedJob(Generic[T]):
    """``work(session, progress)`` run in a transaction of its own, in a thread of its own,
    started by the first call of ``steps()``; after the steps, ``result`` or ``error``."""

    def __init__(self, work: Callable[[Session, Progress], T], *, name: str) -> None:
        self._work = work
        self._name = name
        self._app = current_app._get_current_object()  # type: ignore[attr-defined]
        self._database = db()
        self._mail = smtp_settings()
        self._language = current_language()  # the thread has no request to ask
        self._updates: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.result: T | None = None
        self.error: str | None = None
        self.failed = False

    def _run(self) -> None:
        def progress(done: int, total: int) -> None:
            if done % max(1, total // STEPS) == 0 or done == total:
                self._updates.put(("progress", (done, total)))

        try:
            with (
                self._app.app_context(),
                in_language(self._language),
                self._database.transaction() as session,
            ):
                result = self._work(session, progress)
                deliver_after_commit(session, self._database, self._mail)
            self._updates.put(("done", result))
        except IssuerError as exc:
            self._updates.put(("error", exc.description))
        except Exception:
            self._app.logger.exception("%s failed", self._name)
            with in_language(self._language):
                self._updates.put(("error", _(UNEXPECTED)))

    def steps(self) -> Iterator[tuple[int, int]]:
        """Start the work; ``(done, total)`` as it goes, until it has committed or failed."""
        threading.Thread(target=self._run, daemon=True).start()
        while True:
            kind, value = self._updates.get()
            if kind == "progress":
                yield value
                continue
            if kind == "done":
                self.result = value
            else:
                self.failed, self.error = True, value
            return


def stream_job(
    template: str, work: Callable[[Session, Progress], Any], *, name: str, **context: Any
) -> Response:
    """Stream ``template`` rendered with ``job`` (a StreamedJob running ``work``) and
    ``context``. ``name`` labels the work in the log when it fails unexpectedly."""
    job = StreamedJob(work, name=name)
    return Response(stream_template(template, job=job, **context), mimetype="text/html")


def as_job(total: int) -> bool:
    """Whether work of ``total`` badges runs as a job (else it streams)."""
    return total > int(current_app.config["JOB_THRESHOLD"])


def started(job: Job, slug: str, *, new: bool) -> Response:
    """After submitting ``job``: it is handed to the runner once the request has committed
    it (a job submitted before under the same key is not run again), and the browser goes
    to its page."""
    if new:
        jobs, job_id = runner(current_app._get_current_object()), job.public_id  # type: ignore[attr-defined]
        after_commit(dbs(), lambda: jobs.dispatch(job_id))
    return redirect(url_for("jobs.page", slug=slug, job_id=job.public_id), 303)  # type: ignore[return-value]


@bp.get("/<job_id>")
@login_required
def page(slug: str, job_id: str) -> Any:
    """The job's state; while the job runs, the page asks for it again (static/job.js; a
    Refresh link without script) and shows the outcome when it has finished."""
    _user, org, role = staff_org(slug)
    job = get_job(dbs(), job_id, org=org)
    state = state_of(current_app._get_current_object(), job)  # type: ignore[attr-defined]
    response = Response(
        render_template(
            "issuer/job.html",
            org=org,
            role=role,
            job=job,
            state=state,
            refresh=REFRESH_SECONDS if job.status == JobStatus.QUEUED else None,
            # the sentence static/job.js fills in as the job goes on (its placeholders kept)
            signed_template=_("Signed %(done)s of %(of)s"),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<job_id>.json")
@login_required
def state(slug: str, job_id: str) -> Any:
    """The job's state as JSON (status queued, done or failed; done of total)."""
    _user, org, _role = staff_org(slug)
    response = jsonify(state_of(current_app._get_current_object(), get_job(dbs(), job_id, org=org)))  # type: ignore[attr-defined]
    response.headers["Cache-Control"] = "no-store"
    return response
