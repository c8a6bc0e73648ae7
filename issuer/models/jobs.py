"""Long work run as a job: a class award, a re-issue after a key compromise, a learner's
archive (the zip of the whole portfolio, kept in ``job_file`` for its owner to download).

A job is submitted in the request's transaction (keyed by the request's key: the same
request again finds the same job) and run later, by ``badges worker`` from the Redis queue
or by a thread of the app (issuer/queue.py). Its outcome is written in the same transaction
as its work: a job is ``done`` exactly when everything it made is stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, created, intpk, public_key


class JobStatus:
    QUEUED = "queued"  # waiting for a worker, or running (its work not committed yet)
    DONE = "done"  # its work committed with this status
    FAILED = "failed"  # stopped; nothing of its work was stored


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (
        UniqueConstraint("org_id", "request_key"),
        UniqueConstraint("learner_id", "request_key"),
    )

    id: Mapped[intpk]
    public_id: Mapped[public_key]
    # a school's job (class award, re-issue), or a learner's (archive): one of the two
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    learner_id: Mapped[int | None] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))  # class_award | reissue | archive
    request_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default=JobStatus.QUEUED)
    total: Mapped[int] = mapped_column(default=0)  # what its progress counts to
    # what the work needs (a class's rows; emptied once the job finishes)
    params: Mapped[dict[str, Any] | None]
    result: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="en")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[created]
    finished_at: Mapped[datetime | None]


class JobFile(Base):
    """What a job made for its owner to download (a learner's archive), stored in the same
    transaction that marks the job done: there is a file exactly when the job is done."""

    __tablename__ = "job_file"

    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[created]
