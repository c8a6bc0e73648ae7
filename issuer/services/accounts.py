"""People: accounts, passwords (argon2), memberships and who may do what."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Table, case, delete, literal, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..errors import Forbidden, InvalidInput, TooManyRequests
from ..models import (
    Invitation,
    LoginSession,
    LoginThrottle,
    Membership,
    Organisation,
    OrgKind,
    Role,
    User,
)
from ..models.base import UTCDateTime, now_utc
from ..translate import _
from .audit import Actor, AuditAction, record
from .audit_summaries import Summary
from .awards import EMAIL
from .tokens import token_hash

_HASHER = PasswordHasher()
MAX_FAILURES = 5  # per address and account
ACCOUNT_LIMIT = 10  # per account, from any address
ADDRESS_LIMIT = 20  # per address (an IPv6 /64), on any account
FAILURE_WINDOW = timedelta(minutes=15)


def create_user(
    session: Session, *, email: str, name: str, password: str, is_platform_admin: bool = False
) -> User:
    email = email.strip().lower()
    errors = {}
    if not EMAIL.fullmatch(email):
        errors["email"] = _("Give a valid email address.")
    elif session.scalar(select(User.id).where(User.email == email)):
        errors["email"] = _("An account with this email exists.")
    if not name.strip():
        errors["name"] = _("Give a name.")
    if len(password) < 10:
        errors["password"] = _("Use at least 10 characters.")
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    user = User(
        email=email,
        name=name.strip(),
        password_hash=_HASHER.hash(password),
        is_platform_admin=is_platform_admin,
    )
    session.add(user)
    session.flush()
    return user


def add_member(session: Session, *, user: User, org: Organisation, role: str) -> Membership:
    if role not in set(Role):
        raise InvalidInput(
            _("Choose admin or teacher."), fields={"role": _("Choose admin or teacher.")}
        )
    existing = session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.org_id == org.id)
    )
    if existing is not None:
        existing.role = role
        session.flush()
        return existing
    membership = Membership(user_id=user.id, org_id=org.id, role=role)
    session.add(membership)
    session.flush()
    return membership


_THROTTLE = cast(Table, LoginThrottle.__table__)


def _address_key(client: str) -> str:
    """The client's address as counted: an IPv6 address by its /64 network (one home or
    one machine can have any address in it), anything else as given."""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return client[:100]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _count_attempt(session: Session, key: str, now: datetime) -> int:
    """Add one attempt to ``key``'s count and return the new count, in one statement.

    An INSERT ... ON CONFLICT DO UPDATE ... RETURNING (SQLite and PostgreSQL alike): the
    row stays locked until this transaction ends, so concurrent attempts on the same key
    are counted one after another and none of them can read a stale count. A window
    older than FAILURE_WINDOW starts again at 1."""
    table = _THROTTLE
    stamp = literal(now, UTCDateTime())
    expired = table.c.window_start <= literal(now - FAILURE_WINDOW, UTCDateTime())
    upsert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    statement = (
        upsert(table)
        .values(key=key, window_start=now, count=1)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": case((expired, 1), else_=table.c.count + 1),
                "window_start": case((expired, stamp), else_=table.c.window_start),
            },
        )
        .returning(table.c.count)
    )
    count: int = session.execute(statement).scalar_one()
    return count


def _forget_stale_counts(session: Session, now: datetime) -> None:
    """Delete up to 100 counts whose window ended long ago, so the table stays small.

    Run after this attempt's own counts are taken: rows another attempt holds are skipped
    (FOR UPDATE SKIP LOCKED; SQLite has one writer at a time anyway), so this never waits
    while holding locks, and two attempts can never wait for each other in a circle."""
    table = _THROTTLE
    stale = (
        select(table.c.key)
        .where(table.c.window_start < literal(now - 2 * FAILURE_WINDOW, UTCDateTime()))
        .limit(100)
        .with_for_update(skip_locked=True)
    )
    session.execute(delete(table).where(table.c.key.in_(stale.scalar_subquery())))


def count_attempt(session: Session, key: str, now: datetime | None = None) -> int:
    """Add one attempt to ``key``'s count in the current window and return the new count
    (atomically, see _count_attempt). Other rate limits (learners' sign-in links, mail
    to confirm an address) count under keys of their own prefix."""
    now = now or now_utc()
    count = _count_attempt(session, key[:400], now)
    _forget_stale_counts(session, now)
    return count


@dataclass(frozen=True)
class LoginAttempt:
    """One counted login attempt: its three keys (see ``count_login_attempt``)."""

    pair: str
    account: str
    address: str


def count_login_attempt(
    session: Session, *, email: str, client: str, now: datetime, prefix: str = ""
) -> LoginAttempt:
    """Count a login attempt before its password is checked; raises TooManyRequests.

    Counted atomically (see _count_attempt), under three keys in this order (a fixed
    order, so two attempts never wait for each other in a circle): this address and
    account (MAX_FAILURES), the account from any address (ACCOUNT_LIMIT: guessing from
    many addresses), and the address on any account (ADDRESS_LIMIT: one password tried
    across many accounts). ``prefix`` keeps the counts of another kind of account apart
    (learners: "learner:"); the staff's keys have none."""
    address = _address_key(client)
    attempt = LoginAttempt(
        pair=f"{prefix}pair:{address}|{email}"[:400],
        account=f"{prefix}account:{email}"[:400],
        address=f"{prefix}address:{address}"[:400],
    )
    limits = (
        (attempt.pair, MAX_FAILURES),
        (attempt.account, ACCOUNT_LIMIT),
        (attempt.address, ADDRESS_LIMIT),
    )
    over = False
    for key, limit in limits:
        over = _count_attempt(session, key, now) > limit or over
    _forget_stale_counts(session, now)
    if over:
        raise TooManyRequests(_("Too many failed logins. Wait 15 minutes and try again."))
    return attempt


def login_succeeded(session: Session, attempt: LoginAttempt) -> None:
    """A correct password clears the account's counts and gives the address back its one
    attempt."""
    throttle = _THROTTLE
    session.execute(
        update(throttle).where(throttle.c.key.in_([attempt.pair, attempt.account])).values(count=0)
    )
    session.execute(
        update(throttle)
        .where(throttle.c.key == attempt.address)
        .values(count=case((throttle.c.count > 0, throttle.c.count - 1), else_=0))
    )


def check_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; with no hash (no such account, or
    one without a password) a hash is still computed, so the answer takes the same time."""
    if password_hash is None:
        _HASHER.hash(password)
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)


def authenticate(
    session: Session, *, email: str, password: str, client: str, now: datetime | None = None
) -> User:
    """The user with these credentials. Raises InvalidInput, or TooManyRequests when throttled.

    The attempt is counted before the password is checked (``count_login_attempt``); a
    correct password clears the account's counts and gives the address back its one
    attempt (``login_succeeded``).
    """
    now = now or now_utc()
    email = email.strip().lower()[:320]
    attempt = count_login_attempt(session, email=email, client=client, now=now)
    user = session.scalar(select(User).where(User.email == email))
    ok = check_password(user.password_hash if user is not None else None, password)
    if not ok or user is None:
        raise InvalidInput(_("The email or password is wrong."))
    login_succeeded(session, attempt)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.flush()
    return user


def start_login_session(
    session: Session, *, user: User, lifetime: timedelta, now: datetime | None = None
) -> str:
    """A new logged-in session for ``user``; returns its token (for the cookie, stored hashed)."""
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=token_hash(token), user_id=user.id, expires_at=(now or now_utc()) + lifetime
        )
    )
    session.flush()
    return token


def session_user(session: Session, token: str, now: datetime | None = None) -> User | None:
    """The user of a live login session, or None (unknown, ended at logout, or expired)."""
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == token_hash(token)))
    if row is None or row.ended_at is not None or row.expires_at <= (now or now_utc()):
        return None
    return session.get(User, row.user_id)


def end_login_session(session: Session, token: str, now: datetime | None = None) -> None:
    """Log out: the session's token stops working, wherever a copy of the cookie is."""
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == token_hash(token)))
    if row is not None and row.ended_at is None:
        row.ended_at = now or now_utc()
        session.flush()


def role_in(session: Session, user: User, org: Organisation) -> str | None:
    """The user's role in ``org`` (platform admins count as admins everywhere)."""
    if user.is_platform_admin:
        return Role.ADMIN
    return session.scalar(
        select(Membership.role).where(Membership.user_id == user.id, Membership.org_id == org.id)
    )


def require_role(session: Session, user: User, org: Organisation, *roles: str) -> str:
    """Raises Forbidden unless ``user`` holds one of ``roles`` (default: any) in ``org``."""
    role = role_in(session, user, org)
    if role is None or (roles and role not in roles):
        raise Forbidden(_("You do not work in this organisation (or not in this role)."))
    return role


def organisations_of(session: Session, user: User) -> list[Organisation]:
    if user.is_platform_admin:
        return list(
            session.scalars(
                select(Organisation)
                .where(Organisation.kind != OrgKind.PLATFORM)
                .order_by(Organisation.name)
            )
        )
    return list(
        session.scalars(
            select(Organisation)
            .join(Membership, Membership.org_id == Organisation.id)
            .where(Membership.user_id == user.id)
            .order_by(Organisation.name)
        )
    )


def invite(
    session: Session,
    *,
    org: Organisation,
    email: str,
    role: str,
    now: datetime | None = None,
    actor: Actor | None = None,
) -> str:
    """Make a one-time invitation and return its token (shown once, stored hashed), with its
    audit entry by ``actor`` (the audit service masks the invitee's address)."""
    email = email.strip().lower()
    if not EMAIL.fullmatch(email):
        raise InvalidInput(
            _("Give a valid email address."), fields={"email": _("Give a valid email address.")}
        )
    if role not in set(Role):
        raise InvalidInput(
            _("Choose admin or teacher."), fields={"role": _("Choose admin or teacher.")}
        )
    token = secrets.token_urlsafe(24)
    session.add(
        Invitation(
            token_hash=token_hash(token),
            org_id=org.id,
            email=email,
            role=role,
            expires_at=(now or now_utc()) + timedelta(days=14),
        )
    )
    session.flush()
    record(
        session,
        org_id=org.id,
        actor=actor,
        action=AuditAction.MEMBER_INVITE,
        subject=f"invitation:{role}",
        summary=Summary(f"member.invite.{role}", {"email": email}),
        details={"role": role},
    )
    return token


def find_invitation(session: Session, token: str, now: datetime | None = None) -> Invitation:
    row = session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token)))
    if row is None or row.used_at is not None or row.expires_at < (now or now_utc()):
        raise InvalidInput(_("This invitation link is not valid any more. Ask for a new one."))
    return row


def accept_invitation(
    session: Session, *, token: str, name: str, password: str, now: datetime | None = None
) -> User:
    """Create (or reuse) the invited account and its membership; the link works once."""
    invitation = find_invitation(session, token, now)
    user = session.scalar(select(User).where(User.email == invitation.email))
    if user is None:
        user = create_user(session, email=invitation.email, name=name, password=password)
    org = session.get(Organisation, invitation.org_id)
    assert org is not None
    add_member(session, user=user, org=org, role=invitation.role)
    invitation.used_at = now or now_utc()
    session.flush()
    return user
