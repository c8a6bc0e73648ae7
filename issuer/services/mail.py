"""Messages to learners: kept in the outbox, and sent by SMTP when a server is configured.

Messages are written in the award's own transaction, so nothing is sent for an award that
was rolled back; delivery runs only after the commit, in a thread of its own, and records
for each message whether it was sent or why not (staff see it in the outbox).
"""

from __future__ import annotations

import smtplib
import threading
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import Database, after_commit
from ..models import OutboxMessage
from ..models.base import now_utc

NEW_MESSAGES = "new_outbox_messages"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    user: str | None = None
    password: str | None = None
    sender: str = "badges@localhost"
    starttls: bool = True
    timeout: float = 15.0


def note_new_messages(session: Session, messages: list[OutboxMessage]) -> None:
    """Remember messages written in this transaction (their ids are known after flush)."""
    session.info.setdefault(NEW_MESSAGES, []).extend(m.id for m in messages)


def deliver_after_commit(session: Session, database: Database, smtp: SmtpSettings | None) -> None:
    """Once ``session`` commits, send its new messages in the background (if SMTP is set)."""
    ids = list(session.info.get(NEW_MESSAGES, []))
    if smtp is None or not ids:
        return

    def start() -> None:
        threading.Thread(target=deliver, args=(database, smtp, ids), daemon=True).start()

    after_commit(session, start)


def deliver(database: Database, smtp: SmtpSettings, ids: list[int]) -> None:
    """Send the messages ``ids`` that are not sent yet; record the outcome of each."""
    with database.transaction() as session:
        messages = list(
            session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.sent_at.is_(None)))
        )
        if not messages:
            return
        try:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        except OSError as exc:
            for message in messages:
                message.error = f"mail server unreachable: {exc}"[:500]
            return
        with client:
            try:
                if smtp.starttls and client.has_extn("starttls"):
                    client.starttls()
                if smtp.user:
                    client.login(smtp.user, smtp.password or "")
            except smtplib.SMTPException as exc:
                for message in messages:
                    message.error = f"mail server refused us: {exc}"[:500]
                return
            for message in messages:
                email = EmailMessage()
                email["From"] = smtp.sender
                email["To"] = f"{message.to_name} <{message.to_email}>"
                email["Subject"] = message.subject
                email.set_content(message.body)
                try:
                    client.send_message(email)
                except smtplib.SMTPException as exc:
                    message.error = f"not sent: {exc}"[:500]
                else:
                    message.sent_at = now_utc()
                    message.error = None
