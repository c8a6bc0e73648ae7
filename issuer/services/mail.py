"""Messages to learners: kept in the outbox, and sent by SMTP when a server is configured.

Messages are written in the award's own transaction, so nothing is sent for an award that
was rolled back; delivery runs only after the commit, in a thread of its own, and records
for each message whether it was sent or why not (staff see it in the outbox).
"""

from __future__ import annotations

import logging
import smtplib
import threading
import unicodedata
from dataclasses import dataclass
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import Database, after_commit
from ..models import OutboxMessage
from ..models.awards import ERASED_ADDRESS
from ..models.base import now_utc

NEW_MESSAGES = "new_outbox_messages"
logger = logging.getLogger(__name__)


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
    note_new_message_ids(session, [m.id for m in messages])


def note_new_message_ids(session: Session, ids: list[int]) -> None:
    """Remember messages written in this transaction, by id (inserted without ORM objects)."""
    session.info.setdefault(NEW_MESSAGES, []).extend(ids)


def deliver_after_commit(session: Session, database: Database, smtp: SmtpSettings | None) -> None:
    """Once ``session`` commits, send its new messages in the background (if SMTP is set)."""
    ids = list(session.info.get(NEW_MESSAGES, []))
    if smtp is None or not ids:
        return

    def start() -> None:
        threading.Thread(target=deliver, args=(database, smtp, ids), daemon=True).start()

    after_commit(session, start)


def _one_line(text: str) -> str:
    """A header value on one line: control characters (CR and LF among them) become spaces."""
    return " ".join("".join(" " if unicodedata.category(c)[0] == "C" else c for c in text).split())


def build_message(message: OutboxMessage, sender: str) -> EmailMessage:
    """The email for ``message``, its headers made by the ``email`` package: a display name
    with a comma, quotes or non-ASCII letters is quoted or encoded as one recipient, and a
    name with a line break cannot add a header. Raises ValueError (or MessageError) for an
    address that cannot be written in a message."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = Address(
        display_name=_one_line(message.to_name), addr_spec=message.to_email.strip()
    )
    email["Subject"] = _one_line(message.subject)
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(" >") or None)
    email.set_content(message.body)
    return email


class _Connection:
    """One SMTP connection, opened when first needed and again after the server dropped it."""

    def __init__(self, smtp: SmtpSettings) -> None:
        self.smtp = smtp
        self.client: smtplib.SMTP | None = None
        self.failure: str | None = None  # why the server could not be used: not tried again

    def open(self) -> smtplib.SMTP:
        """The open connection; raises ConnectionError saying why there is none."""
        if self.client is not None:
            return self.client
        if self.failure is not None:
            raise ConnectionError(self.failure)
        smtp = self.smtp
        try:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        except OSError as exc:
            self.failure = f"mail server unreachable: {exc}"
            raise ConnectionError(self.failure) from exc
        try:
            if smtp.starttls and client.has_extn("starttls"):
                client.starttls()
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
        except (smtplib.SMTPException, OSError) as exc:
            client.close()
            self.failure = f"mail server refused us: {exc}"
            raise ConnectionError(self.failure) from exc
        self.client = client
        return client

    def drop(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                self.client.close()
            self.client = None


def deliver(database: Database, smtp: SmtpSettings, ids: list[int]) -> None:
    """Send the messages ``ids`` that are not sent yet, each on its own; record the outcome
    of each (sent, or why not) in a transaction of its own right after trying it, so a
    message the server accepted is never left marked unsent, and one message that cannot
    be sent stops none of the others."""
    connection = _Connection(smtp)
    try:
        for message_id in ids:
            try:
                _deliver_one(database, connection, message_id)
            except Exception:  # a fault of ours with this message: record it, go on
                logger.exception("delivering outbox message %s failed", message_id)
                with database.transaction() as session:
                    message = session.get(OutboxMessage, message_id)
                    if message is not None and message.sent_at is None:
                        message.error = "not sent: an error on our side (see the server log)"
    finally:
        connection.close()


def _deliver_one(database: Database, connection: _Connection, message_id: int) -> None:
    with database.transaction() as session:
        message = session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None)
            )
        )
        if message is None:
            return
        if message.to_email == ERASED_ADDRESS:
            message.error = "not sent: the learner erased their account (no address is kept)"
            return
        try:
            email = build_message(message, connection.smtp.sender)
        except (ValueError, MessageError) as exc:
            message.error = f"not sent: the address cannot be written in a message ({exc})"[:500]
            return
        for attempt in (1, 2):  # once more on a new connection if the server dropped the old one
            try:
                client = connection.open()
            except ConnectionError as exc:
                message.error = str(exc)[:500]
                return
            try:
                client.send_message(email)
            except smtplib.SMTPServerDisconnected as exc:
                dropped: Exception = exc
            except smtplib.SMTPRecipientsRefused as exc:
                code, reason = next(iter(exc.recipients.values()), (0, b""))
                message.error = f"not sent: the mail server refused the address ({code} {reason.decode(errors='replace')})"[
                    :500
                ]
                return
            except (smtplib.SMTPException, ValueError, UnicodeError) as exc:  # this message refused
                message.error = f"not sent: {exc}"[:500]
                return
            except OSError as exc:  # the connection broke (SMTPException is an OSError too)
                dropped = exc
            else:
                message.sent_at = now_utc()
                message.error = None
                return
            connection.drop()
            if attempt == 2:
                message.error = f"not sent: {dropped}"[:500]
