"""Health probes and the answer when the database is away.

``/healthz``: the process answers (a load balancer's liveness probe; touches nothing).
``/readyz``: the database answers a query, and the job queue's Redis answers a ping when
``ISSUER_REDIS_URL`` is set (a readiness probe: 503 while either does not).
A request that meets a database which has gone away (refused, restarted, unreadable)
gets a 503 with ``Retry-After``, JSON or a short page, and its transaction is not
committed: nothing half-saved, and the form can be sent again.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import InterfaceError as SAInterfaceError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from .translate import N_

RETRY_AFTER = 5  # seconds: a restarted PostgreSQL is usually back by then
UNAVAILABLE_MESSAGE = N_(
    "The database is not answering just now. Nothing was saved; try again in a moment."
)


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached (not that a query was wrong):
    the connection refused or lost, the file unreadable, the pool exhausted."""
    if isinstance(exc, OperationalError | SAInterfaceError | DisconnectionError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def _no_store(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"
    return response


def healthz() -> Any:
    return _no_store(jsonify({"status": "ok"}))


def readyz() -> Any:
    from .db import Database

    database: Database = current_app.extensions["issuer.db"]
    checks: dict[str, str] = {}
    try:
        with database.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        current_app.logger.warning("readyz: the database does not answer: %s", exc)
        checks["database"] = "unavailable"
    if current_app.config["REDIS_URL"]:
        checks["broker"] = (
            "ok" if _broker_answers(current_app.config["REDIS_URL"]) else "unavailable"
        )
    ready = all(value == "ok" for value in checks.values())
    response = jsonify({"status": "ok" if ready else "unavailable", "checks": checks})
    if not ready:
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER)
    return _no_store(response)


def _broker_answers(url: str) -> bool:
    """Whether the job queue's Redis answers a ping (one client per app, short timeouts)."""
    from redis import Redis, RedisError

    client: Redis | None = current_app.extensions.get("issuer.broker_ping")
    if client is None:
        client = Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0)
        current_app.extensions["issuer.broker_ping"] = client
    try:
        return bool(client.ping())
    except (RedisError, OSError) as exc:
        current_app.logger.warning("readyz: the job queue's Redis does not answer: %s", exc)
        return False


def install(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])
    app.add_url_rule("/readyz", "readyz", readyz, methods=["GET"])
