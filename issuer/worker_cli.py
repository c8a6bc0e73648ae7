"""``badges worker``: runs the issuer's jobs (large class awards, re-issues, learners' archives).

With ``ISSUER_REDIS_URL`` set it is an RQ worker on the queue ``ISSUER_QUEUE``: start one or
more, on this machine or others sharing the database and Redis. It first queues again the
jobs that a killed worker left unfinished (issuer/jobqueue.py, ``recover``), and does so
again at each maintenance round. Without a broker, jobs run in the app's own threads; then
``badges worker`` runs once whatever a stopped app left unfinished, and exits.

It uses the same settings as ``badges serve``: DATABASE_URL or the SQLite file in --data,
ISSUER_KEY_ENCRYPTION_KEY (or the demo secrets in --data), ISSUER_BASE_URL.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from badges.errors import BadgeError

MAINTENANCE_SECONDS = 60  # how often a waiting worker looks for abandoned jobs


def register(sub: Any) -> None:
    worker = sub.add_parser(
        "worker",
        help="run the issuer's background jobs (class awards, re-issues, archives)",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    worker.add_argument(
        "--data",
        default=os.environ.get("BADGES_DATA", "data"),
        help="data folder of `badges serve` (default ./data)",
    )
    worker.add_argument("--burst", action="store_true", help="run the jobs waiting now, then exit")
    worker.set_defaults(func=cmd_worker)


def _app(data: Path) -> Any:
    from . import create_app
    from .keys_cli import _key_encryption_key
    from .settings import SETTINGS

    config: dict[str, Any] = {"DATA_DIR": str(data)}
    environment = SETTINGS.from_environment(os.environ)
    if "KEY_ENCRYPTION_KEY" not in environment:
        kek = _key_encryption_key(data)
        if kek:
            config["KEY_ENCRYPTION_KEY"] = kek
    if "SECRET_KEY" not in environment:
        config["SECRET_KEY"] = secrets.token_urlsafe(32)  # a worker serves no sessions
    app = create_app(config)
    from .services.keys import Sealer

    # refused now, not at the first job: without the key nothing can be signed
    app.extensions["issuer.sealer"] = Sealer.from_config(app.config["KEY_ENCRYPTION_KEY"])
    return app


def cmd_worker(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from .jobqueue import execute, recover, runner, set_worker_app

    data = Path(args.data).resolve()
    try:
        app = _app(data)
    except BadgeError as exc:
        print(f"badges worker: {exc.description}", file=sys.stderr)
        return 2
    set_worker_app(app)
    try:
        if not app.config["REDIS_URL"]:
            jobs = runner(app)
            done = recover(app, run=lambda job_id: execute(app, job_id, jobs.progress))
            print(f"badges worker: no ISSUER_REDIS_URL; ran {len(done)} unfinished job(s)")
            return 0
        again = recover(app)
    except SQLAlchemyError as exc:
        print(f"badges worker: the database cannot be used ({type(exc).__name__})", file=sys.stderr)
        return 1
    if again:
        print(f"badges worker: queued again {len(again)} job(s) a stopped worker left")
    return _work(app, burst=args.burst)


def _work(app: Any, *, burst: bool) -> int:
    from rq import Queue

    from .jobqueue import recover, redis_connection, worker_class

    class Worker(worker_class()):  # type: ignore[misc]
        """RQ's worker that runs each job in its own process (no fork per job: the app,
        its connection pool and its keys are made once), and at each maintenance round
        also queues again the jobs a killed worker left (``recover``)."""

        def run_maintenance_tasks(self) -> None:
            super().run_maintenance_tasks()
            try:
                recover(app)
            except Exception:  # the database is away: the next round tries again
                app.logger.exception("recovering abandoned jobs failed")

    connection = redis_connection(app.config["REDIS_URL"], timeout=None)
    queue = Queue(app.config["QUEUE"], connection=connection)
    worker = Worker([queue], connection=connection, maintenance_interval=MAINTENANCE_SECONDS)
    print(f"badges worker: {worker.name} on queue {queue.name!r}", flush=True)
    worker.work(burst=burst, logging_level="INFO")
    return 0
