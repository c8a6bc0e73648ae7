"""Learners' messages: sent by SMTP (a loopback server here) after the commit, never before."""

from __future__ import annotations

import base64
import re
import socketserver
import threading
import time
from email import message_from_string, policy

import pytest
from sqlalchemy import select

from issuer.models import OutboxMessage
from issuer.services import mail
from issuer.services.mail import SmtpSettings

from .conftest import login, post


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive messages (EHLO, MAIL, RCPT, DATA, RSET, QUIT). It refuses
    recipients whose address starts with "refused", and hangs up after a message whose
    text says "hang up" (having accepted it), as a server restarting would."""

    def handle(self) -> None:
        server = self.server
        self.wfile.write(b"220 test ESMTP\r\n")
        recipients: list[str] = []
        while line := self.rfile.readline():
            command = line.decode().strip()
            upper = command.upper()
            if upper.startswith(("EHLO", "HELO")):
                self.wfile.write(b"250 test\r\n")
            elif upper.startswith("RCPT TO:"):
                address = command[8:].strip().strip("<>")
                if address.startswith("refused"):
                    self.wfile.write(b"550 no such mailbox\r\n")
                else:
                    recipients.append(address)
                    self.wfile.write(b"250 ok\r\n")
            elif upper == "DATA":
                self.wfile.write(b"354 go on\r\n")
                body = []
                while (part := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(part)
                text = b"".join(body).decode()
                server.received.append(text)  # type: ignore[attr-defined]
                server.envelopes.append(recipients)  # type: ignore[attr-defined]
                recipients = []
                self.wfile.write(b"250 queued\r\n")
                if "hang up" in text:
                    return
            elif upper == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:  # MAIL FROM, RSET, NOOP
                if upper.startswith(("MAIL", "RSET")):
                    recipients = []
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    server.daemon_threads = True
    server.received = []  # type: ignore[attr-defined]
    server.envelopes = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _wait(predicate, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _award(client, school, achievement, email):
    form = client.get(f"/staff/{school.slug}/achievements/{achievement.public_id}/award")
    key = re.search(r'name="request_key" value="([^"]+)"', form.text).group(1)
    return post(
        client,
        f"/staff/{school.slug}/achievements/{achievement.public_id}/award",
        {"learner_name": "Ona", "learner_email": email, "request_key": key},
    )


def test_the_learner_gets_the_badge_link_by_mail_after_the_commit(
    app, client, make_org, make_user, make_achievement, database, smtp_server
):
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp_server.server_address[1],
        SMTP_STARTTLS=False,
        MAIL_FROM="badges@school.example",
    )
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


def test_an_unreachable_mail_server_leaves_the_message_in_the_outbox_with_the_reason(
    app, client, make_org, make_user, make_achievement, database
):
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


# -- each message on its own, built by the email package --------------------------------------


def _outbox(database, org, rows):
    """Outbox messages as the award services write them: (name, address, body) each."""
    with database.transaction() as session:
        messages = [
            OutboxMessage(
                org_id=org.id,
                to_name=name,
                to_email=address,
                subject="Your badge: Heritage",
                body=body,
            )
            for name, address, body in rows
        ]
        session.add_all(messages)
        session.flush()
        return [m.id for m in messages]


def _settings(smtp_server):
    return SmtpSettings(
        host="127.0.0.1",
        port=smtp_server.server_address[1],
        starttls=False,
        sender="Vilnius Lyceum <badges@school.example>",
        timeout=5,
    )


def _outcomes(database, ids):
    with database.transaction() as session:
        rows = {
            m.id: m for m in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))
        }
        return [(rows[i].sent_at is not None, rows[i].error) for i in ids]


def test_each_learner_gets_one_message_whatever_the_name_and_bad_ones_stop_nobody(
    make_org, database, smtp_server
):
    school = make_org()
    rows = [
        ("Petraitytė, Ona", "ona@pupils.example", "first"),
        ('Jonas "Joe" Jonaitis', "jonas@pupils.example", "second"),
        ("Evil\r\nBcc: spy@evil.example", "evil@pupils.example", "third"),
        ("Mallory, spy@evil.example", "mallory@pupils.example", "fourth"),
        ("Nobody", "refused@pupils.example", "fifth"),
        ("Broken", "not an address@@pupils.example", "sixth"),
        ("Tab\tand\x0bvtab", "tab@pupils.example", "seventh"),
        ("Last Learner", "last@pupils.example", "eighth"),
    ]
    ids = _outbox(database, school, rows)
    mail.deliver(database, _settings(smtp_server), ids)

    outcomes = _outcomes(database, ids)
    assert [sent for sent, _error in outcomes] == [True, True, True, True, False, False, True, True]
    assert "550 no such mailbox" in outcomes[4][1] and outcomes[4][1].startswith("not sent:")
    assert "cannot be written" in outcomes[5][1]
    # one SMTP transaction per delivered message, to exactly its learner
    assert smtp_server.envelopes == [
        [address]
        for _n, address, _b in rows
        if address not in ("refused@pupils.example", "not an address@@pupils.example")
    ]
    parsed = [message_from_string(text, policy=policy.default) for text in smtp_server.received]
    recipients = [[(a.display_name, a.addr_spec) for a in m["To"].addresses] for m in parsed]
    assert recipients == [
        [("Petraitytė, Ona", "ona@pupils.example")],
        [('Jonas "Joe" Jonaitis', "jonas@pupils.example")],
        [("Evil Bcc: spy@evil.example", "evil@pupils.example")],
        [("Mallory, spy@evil.example", "mallory@pupils.example")],
        [("Tab and vtab", "tab@pupils.example")],
        [("Last Learner", "last@pupils.example")],
    ]
    for message in parsed:
        assert message["Bcc"] is None and message["Cc"] is None
        assert message["From"] == "Vilnius Lyceum <badges@school.example>"
        assert message["Message-ID"] and message["Date"]
    assert [m.get_content().strip() for m in parsed] == [
        "first",
        "second",
        "third",
        "fourth",
        "seventh",
        "eighth",
    ]


def test_a_delivered_message_stays_sent_when_the_server_hangs_up(make_org, database, smtp_server):
    school = make_org()
    ids = _outbox(
        database,
        school,
        [
            ("Ona", "ona@pupils.example", "hang up after this one"),
            ("Jonas", "jonas@pupils.example", "second"),
            ("Rūta", "ruta@pupils.example", "third"),
        ],
    )
    mail.deliver(database, _settings(smtp_server), ids)
    assert _outcomes(database, ids) == [(True, None), (True, None), (True, None)]
    assert len(smtp_server.received) == 3  # the second went on a new connection, once


def test_a_fault_of_ours_with_one_message_stops_neither_the_others_nor_the_record(
    make_org, database, smtp_server, monkeypatch
):
    school = make_org()
    ids = _outbox(
        database,
        school,
        [
            ("Ona", "ona@pupils.example", "first"),
            ("Jonas", "jonas@pupils.example", "boom"),
            ("Rūta", "ruta@pupils.example", "third"),
        ],
    )
    real = mail.build_message

    def flaky(message, sender):
        if message.body == "boom":
            raise RuntimeError("injected")
        return real(message, sender)

    monkeypatch.setattr(mail, "build_message", flaky)
    mail.deliver(database, _settings(smtp_server), ids)
    outcomes = _outcomes(database, ids)
    assert outcomes[0] == (True, None) and outcomes[2] == (True, None)
    assert outcomes[1][0] is False and "error on our side" in outcomes[1][1]


def test_a_class_with_a_comma_in_a_name_is_mailed_after_the_bulk_award(
    app, client, make_org, make_user, make_achievement, database, smtp_server
):
    app.config.update(
        SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.server_address[1], SMTP_STARTTLS=False
    )
    school = make_org()
    teacher = make_user("ruta@school.example", org=school)
    achievement = make_achievement(school)
    login(client, teacher.email)
    csv_text = (
        'name,email\n"Petraitytė, Ona",ona@pupils.example\n"Jonaitis, Jonas",jonas@pupils.example\n'
    )
    url = f"/staff/{school.slug}/achievements/{achievement.public_id}/bulk"
    preview = post(client, url, {"csv_b64": base64.b64encode(csv_text.encode()).decode()})
    assert preview.status_code == 200, preview.text[:400]
    key = re.search(r'name="request_key" value="([^"]+)"', preview.text).group(1)
    payload = re.search(r'name="csv_b64" value="([^"]+)"', preview.text).group(1)
    done = post(client, url + "/confirm", {"csv_b64": payload, "request_key": key})
    assert done.status_code == 200 and "All 2 badges were awarded" in done.text
    assert _wait(lambda: len(smtp_server.envelopes) == 2)
    assert sorted(smtp_server.envelopes) == [["jonas@pupils.example"], ["ona@pupils.example"]]
    names = sorted(
        message_from_string(t, policy=policy.default)["To"].addresses[0].display_name
        for t in smtp_server.received
    )
    assert names == ["Jonaitis, Jonas", "Petraitytė, Ona"]
