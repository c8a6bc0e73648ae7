"""Learner accounts: addresses, sessions, and which badges are theirs.

The foundation the portfolio pages build on. A learner's badges are the awards made to the
account's *confirmed* addresses (compared stripped and lower-cased), whenever awarded: a
fixed number of statements, so a portfolio of hundreds of badges costs a bounded number of statements.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..errors import InvalidInput
from ..models import Award, Learner, LearnerEmail, LearnerSession
from ..models.base import now_utc
from ..translate import _
from .accounts import hash_password
from .awards import EMAIL, normalised_email
from .tokens import token_hash


def create_learner(
    session: Session, *, name: str, email: str, password: str | None = None
) -> Learner:
    """A new account with one address, not yet confirmed (nothing joins it until it is)."""
    address = normalised_email(email)
    errors = {}
    if not name.strip():
        errors["name"] = _("Give your name.")
    if not EMAIL.fullmatch(address) or len(address) > 320:
        errors["email"] = _("Give a valid email address.")
    if password is not None and len(password) < 10:
        errors["password"] = _("Use at least 10 characters.")
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    learner = Learner(
        name=name.strip()[:200],
        password_hash=hash_password(password) if password is not None else None,
    )
    learner.emails.append(LearnerEmail(email=address))
    session.add(learner)
    session.flush()
    return learner


def confirmed_owner(session: Session, email: str) -> Learner | None:
    """The account that has confirmed ``email``, if any."""
    return session.scalar(
        select(Learner)
        .join(LearnerEmail, LearnerEmail.learner_id == Learner.id)
        .where(
            LearnerEmail.email == normalised_email(email), LearnerEmail.confirmed_at.is_not(None)
        )
    )


def confirm_email(
    session: Session, learner: Learner, email: str, now: datetime | None = None
) -> LearnerEmail:
    """Mark ``email`` confirmed for ``learner`` (adding it if needed): called only once the
    learner has shown they receive mail there (a confirmation or claim link). An address
    confirmed by another account stays there: InvalidInput. So does what is no address
    (an erased learner's marker on the schools' awards must never join an account)."""
    address = normalised_email(email)
    if not EMAIL.fullmatch(address) or len(address) > 320:
        raise InvalidInput(_("This is not an email address that can join an account."))
    owner = confirmed_owner(session, address)
    if owner is not None and owner.id != learner.id:
        raise InvalidInput(
            _("This address already belongs to another learner account. Sign in to that one.")
        )
    row = session.scalar(
        select(LearnerEmail).where(
            LearnerEmail.learner_id == learner.id, LearnerEmail.email == address
        )
    )
    if row is None:
        row = LearnerEmail(learner_id=learner.id, email=address)
        session.add(row)
    if row.confirmed_at is None:
        row.confirmed_at = now or now_utc()
    session.flush()
    return row


def confirmed_emails(session: Session, learner: Learner) -> list[str]:
    return list(
        session.scalars(
            select(LearnerEmail.email)
            .where(LearnerEmail.learner_id == learner.id, LearnerEmail.confirmed_at.is_not(None))
            .order_by(LearnerEmail.id)
        )
    )


def portfolio_awards(session: Session, learner: Learner) -> list[Award]:
    """Every badge awarded to one of the learner's confirmed addresses, newest first, with
    its achievement loaded (two statements: the awards, then their few achievements, each
    read once rather than joined to every row and decoded again). Revoked, suspended and
    expired badges are included: pages mark them, never hide them silently."""
    confirmed = (
        select(LearnerEmail.email)
        .where(LearnerEmail.learner_id == learner.id, LearnerEmail.confirmed_at.is_not(None))
        .scalar_subquery()
    )
    return list(
        session.scalars(
            select(Award)
            .options(selectinload(Award.achievement))
            .where(func.lower(Award.learner_email).in_(confirmed))
            .order_by(Award.issued_at.desc(), Award.id.desc())
        )
    )


def learner_award(session: Session, learner: Learner, public_id: str) -> Award | None:
    """One of the learner's badges by its public id; None when it is not theirs (pages
    answer 404 for another learner's badge, exactly as for one that does not exist)."""
    award = session.scalar(select(Award).where(Award.public_id == public_id))
    if award is None:
        return None
    if normalised_email(award.learner_email) not in confirmed_emails(session, learner):
        return None
    return award


# -- sessions (cookie key "learner"; never the staff "login" key) ------------------------------


def start_learner_session(
    session: Session, *, learner: Learner, lifetime: timedelta, now: datetime | None = None
) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        LearnerSession(
            token_hash=token_hash(token),
            learner_id=learner.id,
            expires_at=(now or now_utc()) + lifetime,
        )
    )
    session.flush()
    return token


def session_learner(session: Session, token: str, now: datetime | None = None) -> Learner | None:
    row = session.scalar(
        select(LearnerSession).where(LearnerSession.token_hash == token_hash(token))
    )
    if row is None or row.ended_at is not None or row.expires_at <= (now or now_utc()):
        return None
    return session.get(Learner, row.learner_id)


def end_learner_session(session: Session, token: str, now: datetime | None = None) -> None:
    row = session.scalar(
        select(LearnerSession).where(LearnerSession.token_hash == token_hash(token))
    )
    if row is not None and row.ended_at is None:
        row.ended_at = now or now_utc()
        session.flush()
