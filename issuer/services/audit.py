"""The audit log: who did what, when and from where, for an organisation's admins.

Entries are written in the same transaction as the change they describe, so a change
that rolls back leaves no entry, and a committed change always has one. Learners'
email addresses never enter the log: any address in a summary or detail is masked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import AuditEvent, Organisation
from .audit_summaries import Summary, Translator

# Whatever an address field accepts (``services.awards.EMAIL``: any text without spaces
# around an "@" and a dot), masked whole: the top-level domain in any script (ona@mokykla.рф
# is an address too), and quotes, commas or brackets in the local part (o'hara@…).
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PAGE = 50


@dataclass(frozen=True)
class Actor:
    """Who acts: a person at a browser, an API token, or the system itself."""

    label: str  # "Rūta Petrauskienė", "API token Moodle (ob_x1y2…)"
    via: str  # web | api | cli | system
    user_id: int | None = None
    ip: str | None = None


SYSTEM = Actor(label="system", via="system")


class AuditAction(StrEnum):
    """Every audited change, "noun.verb". Each is written in one place only: the service
    function that makes the change, so a page, the API and the command line leave the same
    entry (only the actor, ``via`` and ip differ). The values are stored: never rename one."""

    ACHIEVEMENT_CREATE = "achievement.create"  # services.achievements.create_achievement
    ACHIEVEMENT_UPDATE = "achievement.update"  # services.achievements.update_achievement
    AWARD_ISSUE = "award.issue"  # services.awards.award_badge
    AWARD_BATCH = "award.batch"  # services.awards.award_many
    AWARD_REVOKE = "award.revoke"  # services.status.revoke_award
    AWARD_SUSPEND = "award.suspend"  # services.status.change_suspension
    AWARD_UNSUSPEND = "award.unsuspend"  # services.status.change_suspension
    AWARD_REISSUE = "award.reissue"  # services.reissue.reissue
    AWARD_RENEW = "award.renew"  # services.renewal.renew_award
    # the learner erased their account: the award's address replaced (the badge unchanged)
    AWARD_ERASE_ADDRESS = "award.erase_address"  # services.data_rights.erase_learner
    ENDORSEMENT_ISSUE = "endorsement.issue"  # services.endorsements
    ENDORSEMENT_WITHDRAW = "endorsement.withdraw"  # services.endorsements, services.reissue
    KEY_ROTATE = "key.rotate"  # services.keys.rotate_key
    KEY_COMPROMISE = "key.compromise"  # services.reissue.mark_compromised
    MEMBER_INVITE = "member.invite"  # services.accounts.invite
    ORG_UPDATE = "org.update"  # services.shares.set_consent_age, orgs.set_default_language
    TOKEN_CREATE = "token.create"  # noqa: S105 (an action name) services.tokens
    TOKEN_REVOKE = "token.revoke"  # noqa: S105 (an action name) services.tokens


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return EMAIL.sub("[email hidden]", value)
    if isinstance(value, dict):
        return {_mask(str(k)): _mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v) for v in value]
    return value


def record(
    session: Session,
    *,
    org_id: int,
    actor: Actor | None,
    action: AuditAction,
    subject: str,
    summary: Summary | str,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one entry (flushed with the caller's transaction). Called by services only, in
    the function that makes the change; ``subject`` names the record, e.g. "award:<public id>".
    ``summary`` is a ``Summary`` (a code the audit page shows in its reader's language; its
    English is stored too); plain text stays English wherever it is read."""
    actor = actor or SYSTEM
    coded = summary if isinstance(summary, Summary) else None
    text = coded.render() if coded is not None else str(summary)
    event = AuditEvent(
        org_id=org_id,
        actor_user_id=actor.user_id,
        actor=_mask(actor.label)[:200],  # staff and tokens, never learners
        via=actor.via,
        ip=actor.ip[:45] if actor.ip else None,
        action=str(action)[:40],
        subject=_mask(subject)[:200],
        summary=_mask(text)[:500],
        summary_code=coded.code if coded is not None else None,
        summary_params=_mask(coded.stored()) if coded is not None else None,
        details=_mask(details or {}),
    )
    session.add(event)
    return event


def summary_in(event: AuditEvent, catalogue: Translator, language: str) -> str:
    """``event``'s summary in ``language`` (its ``catalogue``): from its code, or, for an
    entry written before the codes (or with a code this version does not know), its English."""
    coded = (
        Summary.load(event.summary_code, event.summary_params)
        if event.summary_code is not None
        else None
    )
    return coded.render(catalogue, language) if coded is not None else event.summary


def events(
    session: Session, org: Organisation, *, page: int = 1, action: str | None = None
) -> tuple[list[AuditEvent], int]:
    """One page of ``org``'s log, newest first, and the number of entries in all."""
    query = select(AuditEvent).where(AuditEvent.org_id == org.id)
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if (
        max(page, 1) - 1
    ) * PAGE >= total:  # past the end: no query (its offset may not fit the database)
        return [], total
    rows = session.scalars(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(PAGE)
        .offset((max(page, 1) - 1) * PAGE)
    ).all()
    return list(rows), total


def record_once(
    session: Session, *, org_id: int, action: AuditAction, subject: str, **kwargs: Any
) -> AuditEvent | None:
    """``record``, unless ``subject`` already has an ``action`` entry: a retried request that
    returned the first result (same request key) is not a second change."""
    earlier = session.scalar(
        select(AuditEvent.id)
        .where(
            AuditEvent.org_id == org_id,
            AuditEvent.action == action,
            AuditEvent.subject == _mask(subject)[:200],
        )
        .limit(1)
    )
    if earlier is not None:
        return None
    return record(session, org_id=org_id, action=action, subject=subject, **kwargs)
