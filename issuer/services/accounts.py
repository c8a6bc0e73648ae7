"""People: accounts, passwords (argon2), memberships and who may do what."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..errors import Forbidden, InvalidInput, TooManyRequests
from ..models import Invitation, LoginAttempt, LoginSession, Membership, Organisation, Role, User
from ..models.base import now_utc
from .audit import Actor, AuditAction, record
from .awards import EMAIL

_HASHER = PasswordHasher()
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)


def create_user(
    session: Session, *, email: str, name: str, password: str, is_platform_admin: bool = False
) -> User:
    email = email.strip().lower()
    errors = {}
    if not EMAIL.fullmatch(email):
        errors["email"] = "Give a valid email address."
    elif session.scalar(select(User.id).where(User.email == email)):
        errors["email"] = "An account with this email exists."
    if not name.strip():
        errors["name"] = "Give a name."
    if len(password) < 10:
        errors["password"] = "Use at least 10 characters."  # noqa: S105 (a message)
    if errors:
        raise InvalidInput("Please correct the marked fields.", fields=errors)
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
        raise InvalidInput("Choose admin or teacher.", fields={"role": "Choose admin or teacher."})
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


def authenticate(
    session: Session, *, email: str, password: str, client: str, now: datetime | None = None
) -> User:
    """The user with these credentials. Raises InvalidInput, or TooManyRequests when throttled.

    Failures are counted per client address and email in the database, so every worker
    process sees the same count.
    """
    now = now or now_utc()
    email = email.strip().lower()
    key = f"{client}|{email}"[:400]
    since = now - FAILURE_WINDOW
    failures = session.scalar(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.key == key, LoginAttempt.at >= since)
    ) or 0
    if failures >= MAX_FAILURES:
        raise TooManyRequests("Too many failed logins. Wait 15 minutes and try again.")
    user = session.scalar(select(User).where(User.email == email))
    ok = False
    if user is not None:
        try:
            ok = _HASHER.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        _HASHER.hash(password)  # same time whether or not the account exists
    if not ok or user is None:
        session.add(LoginAttempt(key=key, at=now))
        session.flush()
        raise InvalidInput("The email or password is wrong.")
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == key))
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    session.flush()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_login_session(
    session: Session, *, user: User, lifetime: timedelta, now: datetime | None = None
) -> str:
    """A new logged-in session for ``user``; returns its token (for the cookie, stored hashed)."""
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=_token_hash(token), user_id=user.id, expires_at=(now or now_utc()) + lifetime
        )
    )
    session.flush()
    return token


def session_user(session: Session, token: str, now: datetime | None = None) -> User | None:
    """The user of a live login session, or None (unknown, ended at logout, or expired)."""
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
    if row is None or row.ended_at is not None or row.expires_at <= (now or now_utc()):
        return None
    return session.get(User, row.user_id)


def end_login_session(session: Session, token: str, now: datetime | None = None) -> None:
    """Log out: the session's token stops working, wherever a copy of the cookie is."""
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
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
        raise Forbidden("You do not work in this organisation (or not in this role).")
    return role


def organisations_of(session: Session, user: User) -> list[Organisation]:
    if user.is_platform_admin:
        return list(session.scalars(select(Organisation).order_by(Organisation.name)))
    return list(
        session.scalars(
            select(Organisation)
            .join(Membership, Membership.org_id == Organisation.id)
            .where(Membership.user_id == user.id)
            .order_by(Organisation.name)
        )
    )


def invite(
    session: Session, *, org: Organisation, email: str, role: str, now: datetime | None = None,
    actor: Actor | None = None,
) -> str:
    """Make a one-time invitation and return its token (shown once, stored hashed), with its
    audit entry by ``actor`` (the audit service masks the invitee's address)."""
    email = email.strip().lower()
    if not EMAIL.fullmatch(email):
        raise InvalidInput("Give a valid email address.", fields={"email": "Give a valid email address."})
    if role not in set(Role):
        raise InvalidInput("Choose admin or teacher.", fields={"role": "Choose admin or teacher."})
    token = secrets.token_urlsafe(24)
    session.add(
        Invitation(
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            org_id=org.id,
            email=email,
            role=role,
            expires_at=(now or now_utc()) + timedelta(days=14),
        )
    )
    session.flush()
    record(
        session, org_id=org.id, actor=actor, action=AuditAction.MEMBER_INVITE, subject=f"invitation:{role}",
        summary=f"Invited {email} to join as {role}", details={"role": role},
    )
    return token


def find_invitation(session: Session, token: str, now: datetime | None = None) -> Invitation:
    row = session.scalar(
        select(Invitation).where(Invitation.token_hash == hashlib.sha256(token.encode()).hexdigest())
    )
    if row is None or row.used_at is not None or row.expires_at < (now or now_utc()):
        raise InvalidInput("This invitation link is not valid any more. Ask for a new one.")
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
