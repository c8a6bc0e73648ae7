"""Learners' messages: sent by SMTP (a loopback server here) after the commit, never before."""

from __future__ import annotations

import re
import socketserver
import threading
import time

import pytest
from sqlalchemy import select

from issuer.models import OutboxMessage

from .conftest import login, post


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive messages (EHLO, MAIL, RCPT, DATA, QUIT)."""

    def handle(self) -> None:
        self.wfile.write(b"220 test ESMTP\r\n")
        while line := self.rfile.readline():
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.wfile.write(b"250 test\r\n")
            elif command == "DATA":
                self.wfile.write(b"354 go on\r\n")
                body = []
                while (part := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(part)
                self.server.received.append(b"".join(body).decode())  # type: ignore[attr-defined]
                self.wfile.write(b"250 queued\r\n")
            elif command == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    server.daemon_threads = True
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _wait(predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _award(client, school, achievement, email):
    form = client.get(f"/staff/{school.slug}/achievements/{achievement.public_id}/award")
    key = re.search(r'name="request_key" value="([^"]+)"', form.text).group(1)
    return post(client, f"/staff/{school.slug}/achievements/{achievement.public_id}/award",
                {"learner_name": "Ona", "learner_email": email, "request_key": key})


def test_the_learner_gets_the_badge_link_by_mail_after_the_commit(app, client, make_org, make_user, make_achievement, database, smtp_server):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.server_address[1], SMTP_STARTTLS=False,
                      MAIL_FROM="badges@school.example")
    school = make_org()
    teacher = make_user("ruta@school.example", org=school)
    achievement = make_achievement(school)
    login(client, teacher.email)
    assert _award(client, school, achievement, "ona@pupils.example").status_code == 302
    assert _wait(lambda: smtp_server.received), "no message reached the mail server"
    text = smtp_server.received[0]
    assert "To: Ona <ona@pupils.example>" in text
    assert re.search(r"https://badges\.test/credentials/[A-Za-z0-9_-]{22}", text)

    def sent() -> bool:
        with database.transaction() as session:
            return session.scalars(select(OutboxMessage)).one().sent_at is not None

    assert _wait(sent)
    # a refused award sends nothing
    assert _award(client, school, achievement, "not-an-email").status_code == 400
    time.sleep(0.3)
    assert len(smtp_server.received) == 1


def test_an_unreachable_mail_server_leaves_the_message_in_the_outbox_with_the_reason(app, client, make_org, make_user, make_achievement, database):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False)
    school = make_org()
    teacher = make_user("ruta@school.example", org=school)
    achievement = make_achievement(school)
    login(client, teacher.email)
    assert _award(client, school, achievement, "ona@pupils.example").status_code == 302

    def recorded() -> str | None:
        with database.transaction() as session:
            return session.scalars(select(OutboxMessage)).one().error

    assert _wait(lambda: recorded() is not None)
    assert "unreachable" in recorded()
    page = client.get(f"/staff/{school.slug}/outbox")
    assert "not sent: mail server unreachable" in page.text
