"""Learner accounts through their pages: registering, confirming addresses, signing in with
a password (throttled like staff) or a one-time link, the account page, and sessions that
never mix with the staff's."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from issuer.models import (
    Learner,
    LearnerEmail,
    LearnerSession,
    LearnerToken,
    LoginThrottle,
    OutboxMessage,
)
from issuer.models.base import now_utc
from issuer.services import learners
from issuer.services.tokens import token_hash

from .conftest import BASE_URL, PASSWORD, csrf_of, login, post, sign_in_learner
from .test_mail import _wait as wait
from .test_mail import smtp_server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.db

ONA = "ona@pupils.example"


def mail_to(database, email: str) -> list[OutboxMessage]:
    with database.transaction() as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.to_email == email)
                .order_by(OutboxMessage.id)
            )
        )


def link_in(message: OutboxMessage, kind: str) -> str:
    """The path of the one-time link of ``kind`` ("confirm" or "sign-in") in a message."""
    found = re.search(
        rf"{re.escape(BASE_URL)}(/learner/{kind}/[A-Za-z0-9_-]+(\?\S*)?)", message.body
    )
    assert found is not None, message.body
    return found.group(1)


def portfolio_ids(database, learner) -> list[int]:
    with database.transaction() as session:
        return [a.id for a in learners.portfolio_awards(session, session.get(Learner, learner.id))]


def signed_in_learner(client, app):
    with client.session_transaction() as sess:
        token = sess.get("learner")
    if not token:
        return None
    with app.app_context(), app.extensions["issuer.db"].transaction() as session:
        learner = learners.session_learner(session, token)
        return learner.id if learner is not None else None


def register(client, name="Ona Petraitytė", email=ONA, password=PASSWORD):
    return post(client, "/learner/register", {"name": name, "email": email, "password": password})


# -- registering and confirming ------------------------------------------------------------


def test_an_address_joins_nothing_until_its_link_is_opened(
    app, client, database, school, make_achievement, award_to
) -> None:
    badge = award_to(school, make_achievement(school), email=ONA)
    page = register(client)
    assert page.status_code == 200 and "Check your email" in page.text
    assert page.headers["Cache-Control"] == "private, no-store"
    assert signed_in_learner(client, app) is None  # no session before the address is shown
    with database.transaction() as session:
        learner = session.scalar(select(Learner))
        assert learner.emails[0].email == ONA and learner.emails[0].confirmed_at is None
        assert learner.password_hash and PASSWORD not in learner.password_hash
    assert portfolio_ids(database, learner) == []  # unconfirmed: the badge stays out
    # and it is no way to sign in
    refused = post(client, "/learner/login", {"email": ONA, "password": PASSWORD})
    assert refused.status_code == 401

    [message] = [m for m in mail_to(database, ONA) if m.org_id is None]
    link = link_in(message, "confirm")
    assert "Nothing joins the account until you open this link" in message.body
    with database.transaction() as session:  # only the hash is stored
        token = link.rsplit("/", 1)[1]
        assert session.scalar(select(LearnerToken.token_hash)) == token_hash(token)
    shown = client.get(link)  # opening it (a mail scanner may) uses nothing
    assert shown.status_code == 200 and f"Confirm {ONA}" in shown.text
    assert portfolio_ids(database, learner) == []
    done = post(client, link)
    assert done.status_code == 302 and done.headers["Location"] == "/portfolio/"
    assert portfolio_ids(database, learner) == [badge.id]
    assert signed_in_learner(client, app) == learner.id
    assert badge.achievement.name in client.get("/portfolio/").text
    # the link works once
    again = post(app.test_client(), link)
    assert again.status_code == 410 and "used already" in again.text


def test_a_confirmation_link_expires(app, client, database, school, make_achievement, award_to):
    award_to(school, make_achievement(school), email=ONA)
    register(client)
    link = link_in(mail_to(database, ONA)[-1], "confirm")
    with database.transaction() as session:
        session.execute(update(LearnerToken).values(expires_at=now_utc() - timedelta(seconds=1)))
    assert client.get(link).status_code == 410
    answer = post(client, link)
    assert answer.status_code == 410 and "expired" in answer.text
    with database.transaction() as session:
        assert session.scalar(select(LearnerEmail.confirmed_at)) is None
    assert signed_in_learner(client, app) is None


def test_registering_a_taken_address_answers_the_same_and_makes_no_account(
    app, client, database, make_learner
) -> None:
    owner = make_learner(ONA)
    fresh = register(app.test_client(), email="someone.new@pupils.example")
    taken = register(client, name="Mallory", email=ONA, password="another password!")
    assert taken.status_code == fresh.status_code == 200
    strip = lambda text, email: re.sub(r'name="csrf_token" value="[^"]+"', "", text).replace(  # noqa: E731
        email, "<address>"
    )
    assert strip(taken.text, ONA) == strip(fresh.text, "someone.new@pupils.example")
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Learner)) == 2  # owner + fresh
    # the owner is told, with a sign-in link to the existing account
    [told] = mail_to(database, ONA)
    assert "already belongs to your account" in told.body
    post(client, link_in(told, "sign-in"))
    assert signed_in_learner(client, app) == owner.id


def test_registering_checks_the_fields(client, database) -> None:
    page = register(client, name=" ", email="not-an-address", password="short")
    assert page.status_code == 400
    assert 'id="e-name"' in page.text and 'id="e-email"' in page.text
    assert 'id="e-password"' in page.text and 'aria-describedby="e-email"' in page.text
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Learner)) == 0


def test_a_password_is_optional(app, client, database) -> None:
    assert register(client, password="").status_code == 200
    post(client, link_in(mail_to(database, ONA)[-1], "confirm"))
    with database.transaction() as session:
        learner = session.scalar(select(Learner))
        assert learner.password_hash is None
    assert signed_in_learner(client, app) == learner.id
    # no password: the password form never signs in, whatever is typed
    other = app.test_client()
    assert post(other, "/learner/login", {"email": ONA, "password": ""}).status_code == 401


# -- signing in --------------------------------------------------------------------------------


def test_any_confirmed_address_signs_in_with_the_password(
    app, client, database, make_learner
) -> None:
    learner = make_learner(ONA)
    with database.transaction() as session:
        learners.confirm_email(session, session.get(Learner, learner.id), "ona@home.example")
    for address in (ONA, "Ona@Home.example "):
        browser = app.test_client()
        page = post(
            browser,
            "/learner/login?next=/portfolio/?year=2025",
            {
                "email": address,
                "password": PASSWORD,
            },
        )
        assert page.status_code == 302 and page.headers["Location"] == "/portfolio/?year=2025"
        assert signed_in_learner(browser, app) == learner.id
    wrong = post(client, "/learner/login", {"email": ONA, "password": "not the password"})
    assert wrong.status_code == 401 and "The email or password is wrong." in wrong.text
    away = post(
        client,
        "/learner/login?next=https://evil.example/",
        {
            "email": ONA,
            "password": PASSWORD,
        },
    )
    assert away.headers["Location"] == "/portfolio/"


def test_learner_logins_are_throttled_like_staff_logins_with_their_own_counts(
    app, database, make_learner, make_user, school
) -> None:
    make_learner(ONA)
    make_user(ONA, org=school)  # the same address as a staff login: counted apart

    def attempt(password: str, url: str = "/learner/login") -> int:
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = "203.0.113.7"
        return browser.post(
            url, data={"email": ONA, "password": password, "csrf_token": csrf_of(browser)}
        ).status_code

    assert [attempt(f"guess {n}") for n in range(5)] == [401] * 5
    assert attempt("guess 6") == 429
    assert attempt(PASSWORD) == 429  # even the right password waits now
    with database.transaction() as session:
        keys = set(session.scalars(select(LoginThrottle.key)))
    assert keys and all(key.startswith("learner:") for key in keys)
    # the staff login of the same address is not throttled by the learner's failures
    assert attempt(PASSWORD, "/login") == 302
    # a while later the learner may try again
    with database.transaction() as session:
        session.execute(
            update(LoginThrottle).values(window_start=now_utc() - timedelta(minutes=16))
        )
    assert attempt(PASSWORD) == 302


def test_asking_for_a_sign_in_link_tells_nothing_about_the_address(
    app, client, database, make_learner
) -> None:
    make_learner(ONA)
    make_learner("pending@pupils.example", name="Pending", confirmed=False)
    answers = {}
    for address in (ONA, "nobody@pupils.example", "pending@pupils.example"):
        page = post(app.test_client(), "/learner/sign-in-link", {"email": address})
        assert page.status_code == 200
        answers[address] = page.text.replace(address, "<address>")
    assert len(set(answers.values())) == 1
    # only the confirmed address got a message
    assert len(mail_to(database, ONA)) == 1
    assert mail_to(database, "nobody@pupils.example") == []
    assert mail_to(database, "pending@pupils.example") == []
    bad = post(client, "/learner/sign-in-link", {"email": "not an address"})
    assert bad.status_code == 400 and 'id="e-link-email"' in bad.text


def test_a_sign_in_link_works_once_and_expires(app, client, database, make_learner) -> None:
    learner = make_learner(ONA, password=None)
    post(client, "/learner/sign-in-link", {"email": ONA, "next": "/learner/account"})
    message = mail_to(database, ONA)[-1]
    assert message.org_id is None and message.subject == "Your sign-in link"
    link = link_in(message, "sign-in")
    assert client.get(link).status_code == 200  # shows a button, uses nothing
    assert signed_in_learner(client, app) is None
    done = post(client, link)
    assert done.status_code == 302 and done.headers["Location"] == "/learner/account"
    assert signed_in_learner(client, app) == learner.id
    again = app.test_client()
    assert post(again, link).status_code == 410 and signed_in_learner(again, app) is None

    post(client, "/learner/sign-in-link", {"email": ONA})
    late = link_in(mail_to(database, ONA)[-1], "sign-in")
    with database.transaction() as session:
        session.execute(
            update(LearnerToken)
            .where(LearnerToken.used_at.is_(None))
            .values(expires_at=now_utc() - timedelta(seconds=1))
        )
    browser = app.test_client()
    assert post(browser, late).status_code == 410 and signed_in_learner(browser, app) is None
    assert post(browser, "/learner/sign-in/made-up-token").status_code == 404


def test_sign_in_links_are_limited_per_address(app, database, make_learner) -> None:
    make_learner(ONA)
    for _ in range(8):
        assert post(app.test_client(), "/learner/sign-in-link", {"email": ONA}).status_code == 200
    assert len(mail_to(database, ONA)) == 5  # the mailbox is not flooded


def test_signing_out_ends_the_session_on_the_server(app, client, database, make_learner) -> None:
    learner = make_learner(ONA)
    sign_in_learner(client, database, learner)
    with client.session_transaction() as sess:
        token = sess["learner"]
    assert client.get("/portfolio/").status_code == 200
    assert post(client, "/learner/logout").status_code == 302
    with database.transaction() as session:
        assert learners.session_learner(session, token) is None
    assert client.get("/portfolio/").status_code == 302


# -- staff and learner sessions never mix ---------------------------------------------------------


def test_a_staff_login_grants_nothing_in_a_portfolio(client, make_user, school) -> None:
    make_user("teacher@school.example", org=school)
    assert login(client, "teacher@school.example").status_code == 302
    assert client.get(f"/staff/{school.slug}").status_code == 200
    for path in ("/portfolio/", "/learner/account", "/portfolio/badges/anything"):
        page = client.get(path)
        assert page.status_code == 302 and page.headers["Location"].startswith("/learner/login")
    assert post(client, "/learner/account/profile", {"name": "X"}).status_code == 302


def test_a_learner_login_grants_nothing_in_the_staff_pages(
    app, client, database, make_learner, make_user, school
) -> None:
    make_user(ONA, org=school)  # even with the same address as a staff account
    learner = make_learner(ONA)
    page = post(client, "/learner/login", {"email": ONA, "password": PASSWORD})
    assert page.status_code == 302 and signed_in_learner(client, app) == learner.id
    assert client.get("/portfolio/").status_code == 200
    for path in ("/staff/", f"/staff/{school.slug}", f"/staff/{school.slug}/outbox"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    with client.session_transaction() as sess:
        assert "login" not in sess


# -- the account page -------------------------------------------------------------------------


def test_more_addresses_join_once_confirmed(
    app, client, database, school, make_achievement, award_to, make_learner
) -> None:
    achievement = make_achievement(school)
    learner = make_learner(ONA)
    at_school = award_to(school, achievement, email=ONA)
    at_home = award_to(school, make_achievement(school, "Heritage"), email="ona@home.example")
    sign_in_learner(client, database, learner)
    page = client.get("/learner/account")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    added = post(client, "/learner/account/addresses", {"email": "Ona@Home.example"})
    assert added.status_code == 302
    account = client.get("/learner/account").text
    assert "ona@home.example" in account and "waiting for confirmation" in account
    assert portfolio_ids(database, learner) == [at_school.id]  # not yet
    with database.transaction() as session:  # nor can it sign in
        assert learners.confirmed_owner(session, "ona@home.example") is None
    post(client, link_in(mail_to(database, "ona@home.example")[-1], "confirm"))
    assert portfolio_ids(database, learner) == [at_home.id, at_school.id]
    assert (
        post(
            app.test_client(),
            "/learner/login",
            {
                "email": "ona@home.example",
                "password": PASSWORD,
            },
        ).status_code
        == 302
    )
    # already there
    again = post(client, "/learner/account/addresses", {"email": "ona@home.example"})
    assert again.status_code == 400 and "on your account already" in again.text


def test_a_later_address_confirmed_elsewhere_signs_nobody_in(
    app, client, database, make_learner
) -> None:
    """Whoever opens the link for an added address confirms it, and is not shown into the
    account that asked for it (only a new account's first address signs in)."""
    learner = make_learner(ONA)
    sign_in_learner(client, database, learner)
    post(client, "/learner/account/addresses", {"email": "ona@home.example"})
    link = link_in(mail_to(database, "ona@home.example")[-1], "confirm")
    elsewhere = app.test_client()
    done = post(elsewhere, link)
    assert done.status_code == 200 and "Address confirmed" in done.text
    assert signed_in_learner(elsewhere, app) is None
    with database.transaction() as session:
        assert learners.confirmed_owner(session, "ona@home.example").id == learner.id


def test_an_address_another_account_confirmed_never_joins(
    app, client, database, school, make_achievement, award_to, make_learner
) -> None:
    badge = award_to(school, make_achievement(school), email="shared@pupils.example")
    owner = make_learner("shared@pupils.example", name="Owner")
    other = make_learner(ONA, name="Other")
    sign_in_learner(client, database, other)
    post(client, "/learner/account/addresses", {"email": "shared@pupils.example"})
    link = link_in(mail_to(database, "shared@pupils.example")[-1], "confirm")
    answer = post(client, link)
    assert answer.status_code == 409 and "already belongs to another learner account" in answer.text
    assert portfolio_ids(database, other) == []
    assert portfolio_ids(database, owner) == [badge.id]


def test_removing_an_address_takes_its_badges_out_but_never_the_last_one(
    client, database, school, make_achievement, award_to, make_learner
) -> None:
    learner = make_learner(ONA)
    with database.transaction() as session:
        learners.confirm_email(session, session.get(Learner, learner.id), "ona@home.example")
        ids = {row.email: row.id for row in session.get(Learner, learner.id).emails}
    home = award_to(school, make_achievement(school), email="ona@home.example")
    sign_in_learner(client, database, learner)
    assert portfolio_ids(database, learner) == [home.id]
    gone = post(client, f"/learner/account/addresses/{ids['ona@home.example']}/delete")
    assert gone.status_code == 302
    assert portfolio_ids(database, learner) == []
    last = post(client, f"/learner/account/addresses/{ids[ONA]}/delete")
    assert last.status_code == 400 and "only confirmed address" in last.text
    with database.transaction() as session:
        assert learners.confirmed_emails(session, session.get(Learner, learner.id)) == [ONA]


def test_one_learner_cannot_remove_another_learners_address(client, database, make_learner) -> None:
    mine = make_learner(ONA)
    theirs = make_learner("jonas@pupils.example", name="Jonas")
    with database.transaction() as session:
        their_row = session.get(Learner, theirs.id).emails[0].id
    sign_in_learner(client, database, mine)
    assert post(client, f"/learner/account/addresses/{their_row}/delete").status_code == 404
    with database.transaction() as session:
        assert session.get(LearnerEmail, their_row) is not None


def test_changing_the_password_signs_out_other_browsers(
    app, client, database, make_learner
) -> None:
    learner = make_learner(ONA)
    elsewhere = app.test_client()
    sign_in_learner(elsewhere, database, learner)
    sign_in_learner(client, database, learner)
    wrong = post(
        client,
        "/learner/account/password",
        {
            "current_password": "not it at all",
            "new_password": "a new password 2026",
        },
    )
    assert wrong.status_code == 400 and 'id="e-current_password"' in wrong.text
    short = post(
        client,
        "/learner/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "short",
        },
    )
    assert short.status_code == 400 and 'id="e-new_password"' in short.text
    done = post(
        client,
        "/learner/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a new password 2026",
        },
    )
    assert done.status_code == 302
    assert client.get("/learner/account").status_code == 200  # this browser stays
    assert elsewhere.get("/learner/account").status_code == 302  # the other is signed out
    assert (
        post(
            app.test_client(),
            "/learner/login",
            {
                "email": ONA,
                "password": PASSWORD,
            },
        ).status_code
        == 401
    )
    assert (
        post(
            app.test_client(),
            "/learner/login",
            {
                "email": ONA,
                "password": "a new password 2026",
            },
        ).status_code
        == 302
    )
    with database.transaction() as session:
        live = session.scalars(
            select(LearnerSession).where(
                LearnerSession.learner_id == learner.id, LearnerSession.ended_at.is_(None)
            )
        ).all()
        assert len(live) == 2  # this browser's and the new login's


def test_wrong_current_passwords_are_throttled(client, database, make_learner) -> None:
    learner = make_learner(ONA)
    sign_in_learner(client, database, learner)
    statuses = [
        post(
            client,
            "/learner/account/password",
            {
                "current_password": f"guess {n}",
                "new_password": "a new password 2026",
            },
        ).status_code
        for n in range(6)
    ]
    assert statuses == [400] * 5 + [429]


def test_a_learner_without_a_password_can_set_one(app, client, database, make_learner) -> None:
    learner = make_learner(ONA, password=None)
    sign_in_learner(client, database, learner)
    assert "Set a password" in client.get("/learner/account").text
    done = post(client, "/learner/account/password", {"new_password": "a first password!"})
    assert done.status_code == 302
    assert (
        post(
            app.test_client(),
            "/learner/login",
            {
                "email": ONA,
                "password": "a first password!",
            },
        ).status_code
        == 302
    )


def test_the_name_choice_and_birth_date_are_kept(client, database, make_learner) -> None:
    learner = make_learner(ONA)
    sign_in_learner(client, database, learner)
    saved = post(
        client,
        "/learner/account/profile",
        {
            "name": "Ona P.",
            "name_public": "1",
            "birth_date": "2010-05-04",
        },
    )
    assert saved.status_code == 302
    with database.transaction() as session:
        row = session.get(Learner, learner.id)
        assert (row.name, row.name_public, row.birth_date.isoformat()) == (
            "Ona P.",
            True,
            "2010-05-04",
        )
    page = client.get("/learner/account").text
    assert 'value="2010-05-04"' in page and 'name="name_public" value="1" checked' in page
    future = post(client, "/learner/account/profile", {"name": "Ona", "birth_date": "2999-01-01"})
    assert future.status_code == 400 and 'id="e-birth_date"' in future.text
    assert 'aria-describedby="e-birth_date"' in future.text
    post(client, "/learner/account/profile", {"name": "Ona P.", "birth_date": ""})
    with database.transaction() as session:
        row = session.get(Learner, learner.id)
        assert row.name_public is False and row.birth_date is None  # unticked, cleared


# -- mail in the demo -----------------------------------------------------------------------------


def test_in_demo_mode_without_mail_the_link_is_in_the_server_log_only(
    app, client, database, make_learner, caplog
) -> None:
    make_learner(ONA)
    app.config["DEMO"] = True
    with caplog.at_level(logging.WARNING):
        page = post(client, "/learner/sign-in-link", {"email": ONA})
    link = link_in(mail_to(database, ONA)[-1], "sign-in")
    assert "Demo mode" in page.text and "badges serve" in page.text
    assert link not in page.text and "/learner/sign-in/" not in page.text
    assert any(link in record.getMessage() for record in caplog.records)


def test_outside_demo_mode_no_link_reaches_the_log_or_the_page(
    app, client, database, make_learner, caplog
) -> None:
    make_learner(ONA)
    assert not app.config["DEMO"]
    with caplog.at_level(logging.DEBUG):
        page = post(client, "/learner/sign-in-link", {"email": ONA})
        registered = register(app.test_client(), email="new@pupils.example")
    sign_in = link_in(mail_to(database, ONA)[-1], "sign-in")
    confirm = link_in(mail_to(database, "new@pupils.example")[-1], "confirm")
    for token in (sign_in.rsplit("/", 1)[1], confirm.rsplit("/", 1)[1]):
        assert token not in page.text and token not in registered.text
        assert not any(token in record.getMessage() for record in caplog.records)
    assert "Demo mode" not in page.text


def test_with_a_mail_server_the_messages_are_sent(app, client, database, make_learner, smtp_server):
    """Learner mail goes the way award messages go: by SMTP after the commit."""
    make_learner(ONA)
    app.config.update(
        SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.server_address[1], SMTP_STARTTLS=False
    )
    page = post(client, "/learner/sign-in-link", {"email": ONA})
    assert "mail server" not in page.text
    assert wait(lambda: smtp_server.received), "no message reached the mail server"
    link = link_in(mail_to(database, ONA)[-1], "sign-in")
    assert link.rsplit("/", 1)[1] in smtp_server.received[0].replace("=\r\n", "")
