"""Claim links: every award message carries one; it adds the badge and its address to a
learner account, once; a badge never claimed works exactly as before."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from issuer.models import Award, ClaimToken, Learner, LearnerEmail, OutboxMessage
from issuer.models.base import now_utc
from issuer.services import learners

from .conftest import (
    BASE_URL,
    PASSWORD,
    class_csv,
    confirm,
    login,
    post,
    preview,
    sign_in_learner,
)
from .test_mail import _wait as wait
from .test_mail import smtp_server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.db

ONA = "ona@pupils.example"
CLAIM = re.compile(rf"{re.escape(BASE_URL)}(/claim/([A-Za-z0-9_-]+))")


def message_of(database, award) -> OutboxMessage:
    with database.transaction() as session:
        return session.scalars(
            select(OutboxMessage).where(OutboxMessage.award_id == award.id)
        ).one()


def claim_path(database, award) -> str:
    found = CLAIM.search(message_of(database, award).body)
    assert found is not None, message_of(database, award).body
    return found.group(1)


def portfolio_ids(database, learner) -> list[int]:
    with database.transaction() as session:
        return [a.id for a in learners.portfolio_awards(session, session.get(Learner, learner.id))]


def signed_in(client, database):
    with client.session_transaction() as sess:
        token = sess.get("learner")
    if not token:
        return None
    with database.transaction() as session:
        learner = learners.session_learner(session, token)
        return learner.id if learner is not None else None


@pytest.fixture
def achievement(make_achievement, school):
    return make_achievement(school)


# -- the link in the messages ------------------------------------------------------------------


def test_the_award_message_carries_a_claim_link_stored_hashed(
    database, school, achievement, award_to
) -> None:
    award = award_to(school, achievement, email=ONA, level="Proficient")
    body = message_of(database, award).body
    path = claim_path(database, award)
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 bits
    assert "this link adds the badge, and this email address, to your learner account" in body
    assert f"{BASE_URL}/credentials/{award.public_id}" in body  # the badge's own link stays
    with database.transaction() as session:
        row = session.scalars(select(ClaimToken)).one()
        assert row.award_id == award.id and row.used_at is None
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in row.token_hash
        lifetime = row.expires_at - now_utc()
        assert timedelta(days=179) < lifetime <= timedelta(days=180)
        assert f"until {row.expires_at:%Y-%m-%d}" in body


def test_a_single_award_from_the_form_is_mailed_with_a_working_claim_link(
    app, client, database, school, achievement, make_user, make_learner, smtp_server
) -> None:
    app.config.update(
        SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.server_address[1], SMTP_STARTTLS=False
    )
    make_user("ruta@school.example", org=school)
    login(client, "ruta@school.example")
    form = client.get(f"/staff/{school.slug}/achievements/{achievement.public_id}/award")
    key = re.search(r'name="request_key" value="([^"]+)"', form.text).group(1)
    done = post(
        client,
        f"/staff/{school.slug}/achievements/{achievement.public_id}/award",
        {"learner_name": "Ona", "learner_email": ONA, "request_key": key},
    )
    assert done.status_code == 302
    assert wait(lambda: smtp_server.received)
    mailed = smtp_server.received[0].replace("=\r\n", "")
    found = CLAIM.search(mailed)
    assert found is not None, mailed
    # the learner opens it, signed in to an account of another address
    learner = make_learner("ona@home.example")
    browser = app.test_client()
    sign_in_learner(browser, database, learner)
    assert post(browser, found.group(1)).status_code == 302
    with database.transaction() as session:
        [award] = session.scalars(select(Award)).all()
    assert portfolio_ids(database, learner) == [award.id]


def test_every_message_of_a_class_award_has_its_own_working_claim_link(
    app, client, database, school, achievement, make_user, make_learner
) -> None:
    make_user("ruta@school.example", org=school)
    login(client, "ruta@school.example")
    csv_b64, key = preview(client, school, achievement, class_csv(4))
    page = confirm(client, school, achievement, csv_b64, key).get_data(as_text=True)
    assert "All 4 badges were awarded" in page
    with database.transaction() as session:
        awards = session.scalars(select(Award).order_by(Award.id)).all()
        messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert session.scalar(select(func.count()).select_from(ClaimToken)) == 4
    assert len(awards) == 4
    paths = {m.award_id: CLAIM.search(m.body).group(1) for m in messages}
    assert len(set(paths.values())) == 4
    third = awards[2]
    learner = make_learner("someone@home.example")
    browser = app.test_client()
    sign_in_learner(browser, database, learner)
    assert post(browser, paths[third.id]).status_code == 302
    assert portfolio_ids(database, learner) == [third.id]
    with database.transaction() as session:
        assert learners.confirmed_emails(session, session.get(Learner, learner.id)) == [
            "someone@home.example",
            third.learner_email,
        ]


def test_an_award_through_the_api_carries_a_claim_link(api, achievement_id, database) -> None:
    answer = api.post(
        "/achievements/{achievement_id}/awards",
        {"name": "Ona", "email": ONA},
        achievement_id=achievement_id,
    )
    assert answer.status_code == 201, answer.text
    with database.transaction() as session:
        award = session.scalars(select(Award)).one()
    assert CLAIM.search(message_of(database, award).body)


# -- claiming ---------------------------------------------------------------------------------


def test_a_claim_link_works_once(
    app, client, database, school, achievement, award_to, make_learner
) -> None:
    award = award_to(school, achievement, email=ONA)
    earlier = award_to(school, make_achievement_named(app, school, "Heritage"), email=ONA)
    learner = make_learner("ona@home.example")
    sign_in_learner(client, database, learner)
    path = claim_path(database, award)
    page = client.get(path)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    assert "Add it to my portfolio" in page.text and ONA in page.text
    assert portfolio_ids(database, learner) == []  # opening it changes nothing
    done = post(client, path)
    assert done.status_code == 302
    assert done.headers["Location"] == f"/portfolio/badges/{award.public_id}"
    # the address joined, so every badge awarded to it did too
    assert set(portfolio_ids(database, learner)) == {award.id, earlier.id}
    with database.transaction() as session:
        row = session.scalars(select(ClaimToken).where(ClaimToken.award_id == award.id)).one()
        assert row.used_at is not None and row.learner_id == learner.id
    # a second time, by anyone: it says so and does nothing
    other = make_learner("jonas@pupils.example", name="Jonas")
    browser = app.test_client()
    sign_in_learner(browser, database, other)
    for answer in (browser.get(path), post(browser, path), post(client, path)):
        assert answer.status_code == 410 and "used already" in answer.text
    assert portfolio_ids(database, other) == []


def make_achievement_named(app, school, name):
    from issuer.models import Organisation
    from issuer.services.achievements import AchievementInput, create_achievement

    with app.extensions["issuer.db"].transaction() as session:
        return create_achievement(
            session,
            org=session.get(Organisation, school.id),
            data=AchievementInput(name=name, description="Guided visitors."),
        )


def test_an_expired_claim_link_is_refused_and_does_nothing(
    client, database, school, achievement, award_to, make_learner
) -> None:
    award = award_to(school, achievement, email=ONA)
    path = claim_path(database, award)
    with database.transaction() as session:
        session.execute(update(ClaimToken).values(expires_at=now_utc() - timedelta(seconds=1)))
    learner = make_learner("ona@home.example")
    sign_in_learner(client, database, learner)
    page = client.get(path)
    assert page.status_code == 410 and "expired" in page.text
    assert post(client, path).status_code == 410
    assert portfolio_ids(database, learner) == []
    with database.transaction() as session:
        assert learners.confirmed_owner(session, ONA) is None


def test_an_unknown_claim_link_is_not_found(client) -> None:
    assert client.get("/claim/not-a-real-token").status_code == 404
    assert post(client, "/claim/not-a-real-token").status_code == 404
    assert post(client, "/claim/not-a-real-token/register", {"name": "X"}).status_code == 404


def test_claiming_without_an_account_creates_one_with_the_address_confirmed(
    app, client, database, school, achievement, award_to
) -> None:
    award = award_to(school, achievement, email="Ona@Pupils.example", name="Ona Petraitytė")
    path = claim_path(database, award)
    page = client.get(path)
    assert page.status_code == 200
    assert "Create my account and add the badge" in page.text and "Sign in" in page.text
    assert 'value="Ona Petraitytė"' in page.text
    bad = post(client, f"{path}/register", {"name": "", "password": "short"})
    assert bad.status_code == 400 and 'id="e-name"' in bad.text and 'id="e-password"' in bad.text
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Learner)) == 0
    done = post(client, f"{path}/register", {"name": "Ona P.", "password": ""})
    assert done.status_code == 302
    assert done.headers["Location"] == f"/portfolio/badges/{award.public_id}"
    with database.transaction() as session:
        learner = session.scalars(select(Learner)).one()
        assert learner.password_hash is None  # sign-in links only, as chosen
        assert learners.confirmed_emails(session, learner) == [ONA]
    assert signed_in(client, database) == learner.id
    assert portfolio_ids(database, learner) == [award.id]
    badge = client.get(done.headers["Location"])
    assert badge.status_code == 200 and "is in your portfolio" in badge.text
    # the link is spent: it cannot make a second account
    again = post(app.test_client(), f"{path}/register", {"name": "Mallory"})
    assert again.status_code == 410
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Learner)) == 1


def test_signing_in_from_a_claim_link_comes_back_to_finish_it(
    app, client, database, school, achievement, award_to, make_learner
) -> None:
    award = award_to(school, achievement, email=ONA)
    learner = make_learner("ona@home.example")
    path = claim_path(database, award)
    # pressing "add" without being signed in leads to the sign-in page, then back here
    nudged = post(client, path)
    assert nudged.status_code == 302 and nudged.headers["Location"].startswith("/learner/login")
    back = post(
        client,
        nudged.headers["Location"],
        {"email": "ona@home.example", "password": PASSWORD},
    )
    assert back.status_code == 302 and back.headers["Location"] == path
    assert portfolio_ids(database, learner) == []
    assert post(client, path).status_code == 302
    assert portfolio_ids(database, learner) == [award.id]


def test_a_staff_login_cannot_claim(
    app, client, database, school, achievement, award_to, make_user
):
    award = award_to(school, achievement, email=ONA)
    make_user("ruta@school.example", org=school)
    login(client, "ruta@school.example")
    path = claim_path(database, award)
    page = client.get(path)
    assert "Add it to my portfolio" not in page.text and "Create my account" in page.text
    answer = post(client, path)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/learner/login")
    with database.transaction() as session:
        assert session.scalars(select(ClaimToken)).one().used_at is None


def test_an_address_confirmed_by_another_account_joins_nothing(
    app, client, database, school, achievement, award_to, make_learner
) -> None:
    award = award_to(school, achievement, email=ONA)
    owner = make_learner(ONA, name="Ona")
    other = make_learner("mallory@pupils.example", name="Mallory")
    path = claim_path(database, award)
    sign_in_learner(client, database, other)
    page = client.get(path)
    assert page.status_code == 200 and "already belongs to another learner account" in page.text
    assert "Add it to my portfolio" not in page.text
    refused = post(client, path)
    assert (
        refused.status_code == 409 and "already belongs to another learner account" in refused.text
    )
    assert portfolio_ids(database, other) == []
    assert portfolio_ids(database, owner) == [award.id]
    with database.transaction() as session:
        assert session.scalars(select(ClaimToken)).one().used_at is None  # not spent
        assert (
            session.scalar(
                select(func.count())
                .select_from(LearnerEmail)
                .where(LearnerEmail.learner_id == other.id)
            )
            == 1
        )
    # nor can a new account take it from the claim link
    stranger = app.test_client()
    assert "already belongs to a learner account" in stranger.get(path).text
    made = post(stranger, f"{path}/register", {"name": "Mallory 2"})
    assert made.status_code == 409
    # its owner can still claim it
    mine = app.test_client()
    sign_in_learner(mine, database, owner)
    assert post(mine, path).status_code == 302


def test_a_badge_never_claimed_works_and_verifies_as_before(
    client, database, school, achievement, award_to, make_verifier, make_learner
) -> None:
    from badges.verification import Verdict

    award = award_to(school, achievement, email=ONA)
    url = f"/credentials/{award.public_id}"
    before = (
        client.get(url).text,
        client.get(f"{url}.json").data,
        client.get(url, headers={"Accept": "application/vc+ld+json"}).data,
    )
    assert before[1] == award.credential_json.encode()
    assert make_verifier().verify(f"{BASE_URL}{url}").verdict is Verdict.VALID
    # claiming changes nothing of it either
    learner = make_learner("ona@home.example")
    browser = client.application.test_client()
    sign_in_learner(browser, database, learner)
    post(browser, claim_path(database, award))
    assert portfolio_ids(database, learner) == [award.id]
    after = (
        client.get(url).text,
        client.get(f"{url}.json").data,
        client.get(url, headers={"Accept": "application/vc+ld+json"}).data,
    )
    assert after[1:] == before[1:]
    strip = lambda text: re.sub(r'value="[^"]+"', "", text)  # noqa: E731 (the CSRF token)
    assert strip(after[0]) == strip(before[0])
    assert make_verifier().verify(f"{BASE_URL}{url}").verdict is Verdict.VALID
