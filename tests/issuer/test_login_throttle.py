"""Login throttling: counted in the database before any password is checked, atomically,
per account and address, per account from anywhere, and per address across accounts."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from issuer.errors import InvalidInput, TooManyRequests
from issuer.models.base import now_utc
from issuer.services import accounts

from .conftest import PASSWORD, csrf_of

ATTACKER = "203.0.113.7"


class CountingHasher(PasswordHasher):
    """argon2id at test cost, counting verifications; each takes as long as a real one
    (~50 ms), so concurrent attempts overlap as they do in production."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified = 0
        self.lock = threading.Lock()

    def verify(self, hash, password):
        with self.lock:
            self.verified += 1
        time.sleep(0.05)
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(accounts, "_HASHER", counting)
    return counting


@pytest.fixture
def school(make_org):
    return make_org()


def _attempt(app, email: str, password: str, address: str = ATTACKER) -> int:
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    response = browser.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_of(browser)}
    )
    return response.status_code


def _at_once(app, attempts: list[tuple[str, str, str]]) -> list[int]:
    statuses: list[int] = [0] * len(attempts)
    start = threading.Barrier(len(attempts))

    def run(index: int, email: str, password: str, address: str) -> None:
        start.wait()
        statuses[index] = _attempt(app, email, password, address)

    threads = [threading.Thread(target=run, args=(i, *a)) for i, a in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def test_thirty_attempts_at_once_check_at_most_five_passwords(app, make_user, school, hasher):
    teacher = make_user("ruta@vilnius.example", org=school)
    hasher.verified = 0
    statuses = _at_once(app, [(teacher.email, f"guess {n}", ATTACKER) for n in range(30)])
    assert sorted(set(statuses)) == [401, 429], statuses
    assert statuses.count(401) == 5
    assert hasher.verified == 5, f"{hasher.verified} passwords were checked"
    # and the right password is refused too, until the window has passed
    assert _attempt(app, teacher.email, PASSWORD) == 429


def test_one_password_tried_on_many_accounts_from_one_address_is_stopped(
    app, make_user, school, hasher
):
    people = [make_user(f"teacher{n}@vilnius.example", org=school) for n in range(25)]
    hasher.verified = 0
    statuses = [_attempt(app, person.email, "Summer2026!") for person in people]
    assert statuses[: accounts.ADDRESS_LIMIT] == [401] * accounts.ADDRESS_LIMIT
    assert set(statuses[accounts.ADDRESS_LIMIT :]) == {429}
    assert hasher.verified == accounts.ADDRESS_LIMIT
    # the accounts themselves are not locked: their owners log in from elsewhere
    assert _attempt(app, people[-1].email, PASSWORD, address="198.51.100.20") == 302


def test_the_same_spraying_at_once_checks_no_more_passwords(app, make_user, school, hasher):
    people = [make_user(f"teacher{n}@vilnius.example", org=school) for n in range(30)]
    hasher.verified = 0
    statuses = _at_once(app, [(person.email, "Summer2026!", ATTACKER) for person in people])
    assert (
        statuses.count(401) == accounts.ADDRESS_LIMIT
        and statuses.count(429) == 30 - accounts.ADDRESS_LIMIT
    )
    assert hasher.verified == accounts.ADDRESS_LIMIT


def test_one_account_guessed_from_many_addresses_is_stopped(app, make_user, school, hasher):
    teacher = make_user("ruta@vilnius.example", org=school)
    hasher.verified = 0
    statuses = [
        _attempt(app, teacher.email, f"guess {n}", address=f"192.0.2.{n}") for n in range(1, 16)
    ]
    assert statuses[: accounts.ACCOUNT_LIMIT] == [401] * accounts.ACCOUNT_LIMIT
    assert set(statuses[accounts.ACCOUNT_LIMIT :]) == {429}
    assert hasher.verified == accounts.ACCOUNT_LIMIT


def test_ipv6_addresses_of_one_network_count_together(app, make_user, school, hasher):
    people = [
        make_user(f"teacher{n}@vilnius.example", org=school)
        for n in range(accounts.ADDRESS_LIMIT + 1)
    ]
    statuses = [
        _attempt(app, person.email, "wrong password", address=f"2001:db8:1:2::{n:x}")
        for n, person in enumerate(people, 1)
    ]
    assert statuses[-1] == 429


def test_a_school_behind_one_address_can_log_everyone_in(app, make_user, school, hasher):
    """Successful logins do not use up the address's allowance (a school's NAT)."""
    people = [
        make_user(f"teacher{n}@vilnius.example", org=school)
        for n in range(accounts.ADDRESS_LIMIT + 5)
    ]
    for person in people:
        assert _attempt(app, person.email, PASSWORD, address="198.51.100.5") == 302
    # a few typing mistakes among them are fine too
    assert _attempt(app, people[0].email, "typo", address="198.51.100.5") == 401
    assert _attempt(app, people[0].email, PASSWORD, address="198.51.100.5") == 302


def test_a_correct_login_clears_the_account_count(database, make_user, school):
    teacher = make_user("ruta@vilnius.example", org=school)
    start = now_utc()
    for minute in range(4):
        with database.transaction() as session, pytest.raises(InvalidInput):
            accounts.authenticate(
                session,
                email=teacher.email,
                password="wrong",
                client="10.0.0.1",
                now=start + timedelta(minutes=minute),
            )
    with database.transaction() as session:
        accounts.authenticate(
            session,
            email=teacher.email,
            password=PASSWORD,
            client="10.0.0.1",
            now=start + timedelta(minutes=5),
        )
    for minute in range(5):  # five more mistakes are allowed again
        with database.transaction() as session, pytest.raises(InvalidInput):
            accounts.authenticate(
                session,
                email=teacher.email,
                password="wrong",
                client="10.0.0.1",
                now=start + timedelta(minutes=6 + minute),
            )
    with database.transaction() as session, pytest.raises(TooManyRequests):
        accounts.authenticate(
            session,
            email=teacher.email,
            password=PASSWORD,
            client="10.0.0.1",
            now=start + timedelta(minutes=12),
        )


def test_counts_of_long_ago_are_forgotten(database, make_user, school):
    from sqlalchemy import func, select

    from issuer.models import LoginThrottle

    teacher = make_user("ruta@vilnius.example", org=school)
    start = now_utc()
    for number in range(8):  # eight addresses, one mistake each
        with database.transaction() as session, pytest.raises(InvalidInput):
            accounts.authenticate(
                session,
                email=teacher.email,
                password="wrong",
                client=f"192.0.2.{number}",
                now=start,
            )
    with database.transaction() as session:
        assert (
            session.scalar(select(func.count()).select_from(LoginThrottle)) == 17
        )  # 8 pairs, 8 addresses, 1 account
    with database.transaction() as session:  # an hour later, one attempt clears the old rows
        accounts.authenticate(
            session,
            email=teacher.email,
            password=PASSWORD,
            client="198.51.100.1",
            now=start + timedelta(hours=1),
        )
    with database.transaction() as session:
        keys = set(session.scalars(select(LoginThrottle.key)))
    assert keys == {
        "pair:198.51.100.1|ruta@vilnius.example",
        "account:ruta@vilnius.example",
        "address:198.51.100.1",
    }
