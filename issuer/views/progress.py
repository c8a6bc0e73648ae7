"""Long signing work (a class from CSV, a re-issue after a key compromise) with progress.

The work (a service function taking a session and a progress callback) runs in a thread of
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

from flask import Response, current_app, stream_template
from sqlalchemy.orm import Session

from ..errors import IssuerError
from ..services.jobs import Progress
from ..services.mail import deliver_after_commit
from ..translate import N_, _, current_language, in_language
from ..web import db, smtp_settings

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
