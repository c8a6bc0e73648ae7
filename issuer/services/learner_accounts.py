"""Learner accounts: registering, confirming addresses, signing in, claiming badges.

Every address joins an account only once the learner has shown they receive mail there:
by opening a one-time confirmation link sent to it (LearnerToken "confirm-email"), or a
claim link from an award message sent to it. Signing in is by any confirmed address with
the password (argon2, throttled exactly like the staff's logins, under keys of their own)
or by a one-time sign-in link sent to a confirmed address; asking for one answers the same
whether or not the address has an account.

Nothing here belongs to a school: a learner keeps the account after leaving one. Mail to
learners about their account goes through the outbox with no organisation.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidInput, LinkGone, NotFound, TooManyRequests
from ..models import (
    Award,
    ClaimToken,
    Learner,
    LearnerEmail,
    LearnerSession,
    LearnerToken,
    LearnerTokenPurpose,
    Organisation,
    OutboxMessage,
)
from ..models.awards import ERASED_ADDRESS
from ..models.base import now_utc
from ..translate import _
from ..urls import PublicUrls
from .accounts import (
    check_password,
    count_attempt,
    count_login_attempt,
    hash_password,
    login_succeeded,
    needs_rehash,
)
from .awards import EMAIL, normalised_email
from .learners import (
    confirm_email,
    confirmed_emails,
    confirmed_owner,
    create_learner,
)
from .mail import note_new_messages
from .tokens import token_hash

CONFIRM_LIFETIME = timedelta(days=3)
SIGN_IN_LIFETIME = timedelta(minutes=30)
MAX_ADDRESSES = 10  # per account
MAIL_LIMIT = 5  # messages with a link, per address (and per account) in the throttle window
PASSWORD_LIMIT = 5  # wrong current passwords when changing it, per account and window
THROTTLE_PREFIX = "learner:"  # login counts apart from the staff's


@dataclass(frozen=True)
class SentLink:
    """A one-time link just written to the outbox (the view may log it in demo mode)."""

    to_email: str
    purpose: str
    url: str


# -- mail --------------------------------------------------------------------------------


def _mail(session: Session, *, to_email: str, to_name: str, subject: str, body: str) -> None:
    message = OutboxMessage(
        org_id=None, award_id=None, to_email=to_email, to_name=to_name, subject=subject, body=body
    )
    session.add(message)
    session.flush()
    note_new_messages(session, [message])


def _may_mail(session: Session, email: str, now: datetime) -> bool:
    """At most MAIL_LIMIT messages with a link to one address in the throttle window (no
    one can flood a mailbox by asking for links); beyond it nothing is sent, silently."""
    return count_attempt(session, f"{THROTTLE_PREFIX}mail:{email}", now) <= MAIL_LIMIT


def _new_token(
    session: Session,
    *,
    learner: Learner,
    email: str,
    purpose: LearnerTokenPurpose,
    lifetime: timedelta,
    now: datetime,
) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        LearnerToken(
            token_hash=token_hash(token),
            purpose=purpose.value,
            learner_id=learner.id,
            email=email,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return token


def _send_confirmation(
    session: Session, *, learner: Learner, email: str, urls: PublicUrls, now: datetime
) -> SentLink | None:
    if not _may_mail(session, email, now):
        return None
    token = _new_token(
        session,
        learner=learner,
        email=email,
        purpose=LearnerTokenPurpose.CONFIRM_EMAIL,
        lifetime=CONFIRM_LIFETIME,
        now=now,
    )
    url = urls.learner_confirm(token)
    _mail(
        session,
        to_email=email,
        to_name=learner.name,
        subject=_("Confirm your address for your learner account"),
        body=(
            _("Dear %(name)s,", name=learner.name)
            + "\n\n"
            + _(
                "Someone (we hope you) asked to add %(email)s to a learner account, where your "
                "badges come together in a portfolio of competences. Nothing joins the account "
                "until you open this link; it works once, for 3 days:",
                email=email,
            )
            + f"\n{url}\n\n"
            + _("If it was not you, ignore this message: nothing changes.")
            + "\n"
        ),
    )
    return SentLink(email, LearnerTokenPurpose.CONFIRM_EMAIL.value, url)


def _send_sign_in(
    session: Session,
    *,
    learner: Learner,
    email: str,
    urls: PublicUrls,
    now: datetime,
    note: str = "",
    next_path: str | None = None,
) -> SentLink | None:
    if not _may_mail(session, email, now):
        return None
    token = _new_token(
        session,
        learner=learner,
        email=email,
        purpose=LearnerTokenPurpose.SIGN_IN,
        lifetime=SIGN_IN_LIFETIME,
        now=now,
    )
    url = urls.learner_sign_in(token)
    if next_path:
        from urllib.parse import urlencode

        url += "?" + urlencode({"next": next_path})
    _mail(
        session,
        to_email=email,
        to_name=learner.name,
        subject=_("Your sign-in link"),
        body=(
            _("Dear %(name)s,", name=learner.name)
            + f"\n\n{note}"
            + _("This link signs you in to your learner account. It works once, for 30 minutes:")
            + f"\n{url}\n\n"
            + _("If you did not ask for it, ignore this message: nobody can use it but you.")
            + "\n"
        ),
    )
    return SentLink(email, LearnerTokenPurpose.SIGN_IN.value, url)


# -- registering and signing in -----------------------------------------------------------


def _check_address(email: str, field: str = "email") -> str:
    address = normalised_email(email)
    if not EMAIL.fullmatch(address) or len(address) > 320:
        raise InvalidInput(
            _("Please correct the marked fields."), fields={field: _("Give a valid email address.")}
        )
    return address


def register(
    session: Session,
    *,
    name: str,
    email: str,
    password: str | None,
    urls: PublicUrls,
    now: datetime | None = None,
) -> SentLink | None:
    """A new account whose address waits for confirmation: a confirmation link goes to it.

    An address another account has confirmed makes no new account: that account's owner
    gets a sign-in link instead. Both answer the same (nobody learns from this form
    whether an address has an account). Returns the link sent, if any."""
    now = now or now_utc()
    learner = create_learner(session, name=name, email=email, password=password or None)
    address = normalised_email(email)
    owner = confirmed_owner(session, address)
    if owner is not None:
        session.delete(learner)  # validated like any other; never kept
        session.flush()
        return _send_sign_in(
            session,
            learner=owner,
            email=address,
            urls=urls,
            now=now,
            note=_(
                "Someone (we hope you) tried to create a learner account with this address, "
                "which already belongs to your account: nothing new was created."
            )
            + "\n\n",
        )
    return _send_confirmation(session, learner=learner, email=address, urls=urls, now=now)


def authenticate_learner(
    session: Session, *, email: str, password: str, client: str, now: datetime | None = None
) -> Learner:
    """The learner who has confirmed ``email`` and set this password. Raises InvalidInput,
    or TooManyRequests: counted exactly like the staff's logins, under "learner:" keys."""
    now = now or now_utc()
    address = normalised_email(email)[:320]
    attempt = count_login_attempt(
        session, email=address, client=client, now=now, prefix=THROTTLE_PREFIX
    )
    learner = confirmed_owner(session, address)
    ok = check_password(learner.password_hash if learner is not None else None, password)
    if not ok or learner is None or learner.password_hash is None:
        raise InvalidInput(_("The email or password is wrong."))
    login_succeeded(session, attempt)
    if needs_rehash(learner.password_hash):
        learner.password_hash = hash_password(password)
    session.flush()
    return learner


def request_sign_in_link(
    session: Session,
    *,
    email: str,
    urls: PublicUrls,
    next_path: str | None = None,
    now: datetime | None = None,
) -> SentLink | None:
    """Mail a one-time sign-in link to ``email`` if an account has confirmed it. The caller
    answers the same either way; returns the link sent, if any."""
    now = now or now_utc()
    address = _check_address(email)
    owner = confirmed_owner(session, address)
    if owner is None:
        return None
    return _send_sign_in(
        session, learner=owner, email=address, urls=urls, now=now, next_path=next_path
    )


def _token_row(
    session: Session, token: str, purpose: LearnerTokenPurpose, now: datetime
) -> LearnerToken:
    row = session.scalar(
        select(LearnerToken).where(
            LearnerToken.token_hash == token_hash(token), LearnerToken.purpose == purpose.value
        )
    )
    if row is None:
        raise NotFound(_("This link is not valid. Check that you copied all of it."))
    if row.used_at is not None:
        raise LinkGone(_("This link was used already: each link works once. Ask for a new one."))
    if row.expires_at <= now:
        raise LinkGone(_("This link has expired. Ask for a new one."))
    return row


def peek_token(
    session: Session, token: str, purpose: LearnerTokenPurpose, now: datetime | None = None
) -> LearnerToken:
    """The live token (not used, not expired), without using it; raises NotFound or LinkGone."""
    return _token_row(session, token, purpose, now or now_utc())


def _use_token(
    session: Session, token: str, purpose: LearnerTokenPurpose, now: datetime
) -> LearnerToken:
    """Use the token: once only, even for two requests at the same moment (a conditional
    UPDATE: only one of them changes the row)."""
    row = _token_row(session, token, purpose, now)
    done = session.execute(
        update(LearnerToken)
        .where(LearnerToken.id == row.id, LearnerToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkGone(_("This link was used already: each link works once. Ask for a new one."))
    session.refresh(row)
    return row


@dataclass(frozen=True)
class Confirmed:
    learner: Learner
    email: str
    first: bool  # the account's first confirmed address (a new account's registration)


def confirm_address(session: Session, token: str, now: datetime | None = None) -> Confirmed:
    """Open a confirmation link: its address joins its account (with every badge awarded
    to it). Raises NotFound, LinkGone, or Conflict when another account confirmed the
    address meanwhile (nothing joins)."""
    now = now or now_utc()
    row = _use_token(session, token, LearnerTokenPurpose.CONFIRM_EMAIL, now)
    learner = session.get(Learner, row.learner_id)
    if learner is None:
        raise NotFound(_("This link is not valid any more."))
    first = not confirmed_emails(session, learner)
    _confirm(session, learner, row.email, now)
    return Confirmed(learner, row.email, first)


def _confirm(session: Session, learner: Learner, email: str, now: datetime) -> None:
    try:
        confirm_email(session, learner, email, now)
    except InvalidInput as exc:
        raise Conflict(
            _(
                "%(email)s already belongs to another learner account, so nothing was added here. Sign in to that account (ask for a sign-in link if you have no password there).",
                email=email,
            )
        ) from exc


def sign_in_with_link(session: Session, token: str, now: datetime | None = None) -> Learner:
    """Use a one-time sign-in link; its address must still be confirmed on its account."""
    now = now or now_utc()
    row = _use_token(session, token, LearnerTokenPurpose.SIGN_IN, now)
    learner = confirmed_owner(session, row.email)
    if learner is None or learner.id != row.learner_id:
        raise LinkGone(_("This link's address is no longer on the account. Ask for a new link."))
    return learner


# -- the account page ----------------------------------------------------------------------


def addresses(session: Session, learner: Learner) -> list[LearnerEmail]:
    return list(
        session.scalars(
            select(LearnerEmail)
            .where(LearnerEmail.learner_id == learner.id)
            .order_by(LearnerEmail.id)
        )
    )


def add_address(
    session: Session,
    *,
    learner: Learner,
    email: str,
    urls: PublicUrls,
    now: datetime | None = None,
) -> SentLink | None:
    """Add an address (school or personal) waiting for confirmation, and send the link.
    A pending address already there gets a new link. Returns the link sent, if any."""
    now = now or now_utc()
    address = _check_address(email)
    rows = addresses(session, learner)
    existing = next((row for row in rows if row.email == address), None)
    if existing is not None and existing.confirmed_at is not None:
        raise InvalidInput(
            _("Please correct the marked fields."),
            fields={"email": _("This address is on your account already.")},
        )
    if existing is None:
        if len(rows) >= MAX_ADDRESSES:
            raise InvalidInput(
                _("Please correct the marked fields."),
                fields={
                    "email": _(
                        "An account holds at most %(max_addresses)s addresses.",
                        max_addresses=MAX_ADDRESSES,
                    )
                },
            )
        session.add(LearnerEmail(learner_id=learner.id, email=address))
        session.flush()
    if count_attempt(session, f"{THROTTLE_PREFIX}account-mail:{learner.id}", now) > MAIL_LIMIT:
        raise TooManyRequests(_("Too many confirmation links asked for. Wait 15 minutes."))
    return _send_confirmation(session, learner=learner, email=address, urls=urls, now=now)


def remove_address(
    session: Session, *, learner: Learner, email_id: int, now: datetime | None = None
) -> str:
    """Remove one of the learner's addresses (its badges leave the portfolio; they come back
    if it is confirmed again). The last confirmed address stays: it is how the learner
    signs in. Its unused links stop working. Returns the address."""
    row = session.scalar(
        select(LearnerEmail).where(
            LearnerEmail.id == email_id, LearnerEmail.learner_id == learner.id
        )
    )
    if row is None:
        raise NotFound(_("No such address on your account."))
    if row.confirmed_at is not None:
        others = [
            other
            for other in addresses(session, learner)
            if other.id != row.id and other.confirmed_at is not None
        ]
        if not others:
            raise InvalidInput(
                _(
                    "This is your only confirmed address: you sign in with it. Add and confirm another one first."
                )
            )
    address = row.email
    session.execute(
        update(LearnerToken)
        .where(
            LearnerToken.learner_id == learner.id,
            LearnerToken.email == address,
            LearnerToken.used_at.is_(None),
        )
        .values(used_at=now or now_utc())
        .execution_options(synchronize_session=False)
    )
    session.delete(row)
    session.flush()
    return address


def update_profile(
    session: Session,
    *,
    learner: Learner,
    name: str,
    name_public: bool,
    birth_date: str,
    today: date | None = None,
) -> None:
    """The learner's name, whether it shows on public badge pages, and birth date (for the
    schools' guardian-consent rule; empty: not given)."""
    today = today or now_utc().date()
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Give your name.")
    elif len(name.strip()) > 200:
        errors["name"] = _("At most 200 characters.")
    born: date | None = None
    if birth_date.strip():
        try:
            born = date.fromisoformat(birth_date.strip())
        except ValueError:
            errors["birth_date"] = _("Give a date as YYYY-MM-DD.")
        else:
            if born > today or born.year < 1900:
                errors["birth_date"] = _("Give your real birth date.")
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    learner.name = name.strip()
    learner.name_public = name_public
    learner.birth_date = born
    session.flush()


def change_password(
    session: Session,
    *,
    learner: Learner,
    current: str,
    new: str,
    keep_session: str | None,
    now: datetime | None = None,
) -> None:
    """Set a new password (the current one is asked for when there is one). The learner's
    other sessions end (a browser signed in elsewhere must sign in again)."""
    now = now or now_utc()
    if learner.password_hash is not None:
        key = f"{THROTTLE_PREFIX}password:{learner.id}"
        if count_attempt(session, key, now) > PASSWORD_LIMIT:
            raise TooManyRequests(_("Too many wrong passwords. Wait 15 minutes and try again."))
        if not check_password(learner.password_hash, current):
            raise InvalidInput(
                _("Please correct the marked fields."),
                fields={"current_password": _("This is not your current password.")},
            )
    if len(new) < 10:
        raise InvalidInput(
            _("Please correct the marked fields."),
            fields={"new_password": _("Use at least 10 characters.")},
        )
    learner.password_hash = hash_password(new)
    others = update(LearnerSession).where(
        LearnerSession.learner_id == learner.id, LearnerSession.ended_at.is_(None)
    )
    if keep_session:
        others = others.where(LearnerSession.token_hash != token_hash(keep_session))
    session.execute(others.values(ended_at=now).execution_options(synchronize_session=False))
    session.flush()


# -- claiming --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    token: ClaimToken
    award: Award
    org: Organisation


def find_claim(session: Session, token: str, now: datetime | None = None) -> Claim:
    """The live claim behind a claim link; raises NotFound (no such link) or LinkGone (used
    or expired: it does nothing)."""
    now = now or now_utc()
    row = session.scalar(select(ClaimToken).where(ClaimToken.token_hash == token_hash(token)))
    if row is None:
        raise NotFound(_("This claim link is not valid. Check that you copied all of it."))
    if row.used_at is not None:
        raise LinkGone(
            _(
                "This claim link was used already: each works once. The badge is in the portfolio of the account that claimed it; sign in there."
            )
        )
    if row.expires_at <= now:
        raise LinkGone(
            _(
                "This claim link has expired. The badge itself still works: its own link in the message does. To add it to a portfolio, ask the school for a new message."
            )
        )
    award = session.get(Award, row.award_id)
    org = session.get(Organisation, award.org_id) if award is not None else None
    if award is None or org is None:
        raise NotFound(_("This claim link is not valid any more."))
    if award.learner_email == ERASED_ADDRESS:
        raise LinkGone(
            _("This claim link no longer works: the learner it was sent to erased their account.")
        )
    return Claim(row, award, org)


def redeem_claim(
    session: Session, *, learner: Learner, token: str, now: datetime | None = None
) -> Award:
    """Claim the badge for ``learner``: the address it was sent to is confirmed for the
    account (the claim link reached it) and the badge appears in the portfolio. Once only;
    an address that another account has confirmed stays there (Conflict, nothing joins)."""
    now = now or now_utc()
    claim = find_claim(session, token, now)
    done = session.execute(
        update(ClaimToken)
        .where(ClaimToken.id == claim.token.id, ClaimToken.used_at.is_(None))
        .values(used_at=now, learner_id=learner.id)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkGone(_("This claim link was used already: each works once."))
    _confirm(session, learner, claim.award.learner_email, now)
    return claim.award


def register_and_claim(
    session: Session, *, token: str, name: str, password: str | None, now: datetime | None = None
) -> tuple[Learner, Award]:
    """A new account made from a claim link: its address is the badge's (confirmed by the
    link), and the badge is claimed into it."""
    now = now or now_utc()
    claim = find_claim(session, token, now)
    address = normalised_email(claim.award.learner_email)
    if confirmed_owner(session, address) is not None:
        raise Conflict(
            _(
                "%(address)s already belongs to a learner account. Sign in to it to add this badge.",
                address=address,
            )
        )
    learner = create_learner(session, name=name, email=address, password=password or None)
    return learner, redeem_claim(session, learner=learner, token=token, now=now)
