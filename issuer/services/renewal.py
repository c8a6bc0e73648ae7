"""Renewal: a school gives a learner a new copy of an expired or expiring badge.

The renewed badge is a new credential, signed now with the active key, valid from now
until now plus the achievement's validity (or, for an achievement that no longer sets one,
for as long as the original was), with a new id and status entry. Everything else is the
original's, as it was signed (``services.copies``): the learner, the achievement as it
was awarded, the result (its level), evidence, narrative, activity dates and
``awardedDate``. The original is left as it is: not revoked, it verifies as expired once
its ``validUntil`` has passed. The new award names it (``renewal_of_id``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from badges.status import bitstring_status_list as bsl

from ..errors import Conflict, InvalidInput, NotFound
from ..models import Award, Organisation, OutboxMessage
from ..models.base import now_utc
from ..translate import _, in_language
from ..urls import PublicUrls
from .audit import Actor, AuditAction, record
from .audit_summaries import Summary
from .awards import _context, _used_indexes
from .copies import signed_copy
from .keys import Sealer
from .languages import message_language
from .mail import note_new_messages
from .text import local_day

# A badge may be renewed once it has expired, or in the last days before it does.
RENEWAL_WINDOW = timedelta(days=90)
REQUEST_KEY_PREFIX = "renewal:"  # one renewal per badge: the unique request key says so
# What a renewed copy keeps of the original (not its validUntil: that is the new one).
RENEWED_CLAIMS = ("name", "description", "credentialSubject", "evidence", "awardedDate")


def renewal_of(session: Session, award: Award) -> Award | None:
    """The badge that renews ``award``, if it was renewed."""
    return session.scalar(select(Award).where(Award.renewal_of_id == award.id))


def can_renew(award: Award, *, now: datetime | None = None) -> bool:
    """True for a badge that is not revoked and has expired or expires within the window."""
    now = now or now_utc()
    return (
        award.revoked_at is None
        and award.valid_until is not None
        and award.valid_until <= now + RENEWAL_WINDOW
    )


def _new_valid_until(award: Award, now: datetime) -> datetime:
    days = award.achievement.validity_days
    if days:
        return now + timedelta(days=days)
    return now + (award.valid_until - award.issued_at)  # type: ignore[operator]


def renew_award(
    session: Session,
    *,
    org: Organisation,
    award: Award,
    sealer: Sealer,
    urls: PublicUrls,
    actor: Actor | None,
    renewed_by: int | None = None,
    now: datetime | None = None,
) -> Award:
    """Renew ``award`` for its learner, in the caller's transaction; returns the new award.

    Raises NotFound (another organisation's badge), InvalidInput (a badge that does not
    expire, or not yet within the renewal window), Conflict (revoked, or renewed already).
    """
    if award.org_id != org.id:
        raise NotFound(_("No such badge."))
    now = (now or now_utc()).replace(microsecond=0)
    if award.revoked_at is not None:
        raise Conflict(_("A revoked badge cannot be renewed: award it again instead."))
    if award.valid_until is None:
        raise InvalidInput(_("This badge does not expire: there is nothing to renew."))
    if not can_renew(award, now=now):
        raise InvalidInput(
            _(
                "This badge is valid until %(valid_until)s: it can be renewed from %(renewal_window)s.",
                valid_until=format(award.valid_until, "%Y-%m-%d"),
                renewal_window=format(award.valid_until - RENEWAL_WINDOW, "%Y-%m-%d"),
            )
        )
    earlier = renewal_of(session, award)
    if earlier is not None:
        raise Conflict(
            _(
                "This badge was already renewed on %(issued_at)s; renew that copy.",
                issued_at=format(earlier.issued_at, "%Y-%m-%d"),
            )
        )
    ctx = _context(session, org, award.achievement, sealer, urls)
    index = bsl.allocate_index(_used_indexes(session, org))
    new = signed_copy(
        ctx,
        award,
        status_index=index,
        now=now,
        awarded_by=renewed_by,
        request_key=f"{REQUEST_KEY_PREFIX}{award.public_id}",
        kept=RENEWED_CLAIMS,
        valid_until=_new_valid_until(award, now),
    )
    new.renewal_of_id = award.id
    try:
        with session.begin_nested():
            session.add(new)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(
            _("This badge is being renewed elsewhere right now. Reload the page and try again.")
        ) from exc
    message = _message(session, new, org, urls)
    session.add(message)
    session.flush()
    note_new_messages(session, [message])
    record(
        session,
        org_id=org.id,
        actor=actor,
        action=AuditAction.AWARD_RENEW,
        subject=f"award:{award.public_id}",
        summary=Summary(
            "award.renew",
            {
                "achievement": award.achievement.name,
                "learner": award.learner_name,
                "until": f"{new.valid_until:%Y-%m-%d}",
            },
        ),
        details={
            "award": award.public_id,
            "renewal": new.public_id,
            "valid_until": new.valid_until.isoformat() if new.valid_until else None,
        },
    )
    return new


def _message(session: Session, new: Award, org: Organisation, urls: PublicUrls) -> OutboxMessage:
    name = new.achievement.name
    with in_language(message_language(session, org, new.learner_email)):
        if new.valid_until:
            renewed = _(
                '%(school)s has renewed your badge "%(badge)s": it is valid again until %(date)s.',
                school=org.name,
                badge=name,
                date=local_day(new.valid_until),
            )
        else:
            renewed = _(
                '%(school)s has renewed your badge "%(badge)s": it is valid again.',
                school=org.name,
                badge=name,
            )
        body = (
            _("Dear %(name)s,", name=new.learner_name)
            + "\n\n"
            + renewed
            + " "
            + _("It keeps the date you were first awarded it.")
            + "\n\n"
            + _("Your renewed badge is here:")
            + f"\n{urls.credential(new.public_id)}\n"
        )
        subject = _("Your badge, renewed: %(badge)s", badge=name)
    return OutboxMessage(
        org_id=org.id,
        award_id=new.id,
        to_email=new.learner_email,
        to_name=new.learner_name,
        subject=subject,
        body=body,
    )
