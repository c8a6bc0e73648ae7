"""A restored database brought up to date with the revocation journal (``issuer/journal.py``):
``badges restore`` calls ``replay`` after putting the backup back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..journal import Journal
from ..models import Award, Endorsement, Organisation, SigningKey
from .audit import Actor, AuditAction, record
from .audit_summaries import Summary


@dataclass
class Replayed:
    """What re-applying the journal did: one line per change, and how many entries it read."""

    read: int
    changes: list[str]


REPLAY_ACTOR = Actor(label="badges restore (revocation journal)", via="cli")


def replay(
    session: Session,
    journal: Journal,
    *,
    new_key: Callable[[Session, Organisation], SigningKey] | None = None,
) -> Replayed:
    """Re-apply ``journal`` to the (restored) database in ``session``. ``new_key(session,
    org)`` makes a signing key for an organisation left without one by a replayed
    compromise (None: say so instead)."""
    from .reissue import COMPROMISE_REASON, WITHDRAWAL_REASON

    changes: list[str] = []
    read = 0
    suspensions: dict[str, dict[str, Any]] = {}
    for entry in journal.entries():
        read += 1
        event = entry["event"]
        if event in ("suspend", "unsuspend"):
            suspensions[str(entry.get("award"))] = entry
            continue
        if event == "revoke":
            award = session.scalar(select(Award).where(Award.public_id == entry.get("award")))
            if award is None:
                changes.append(f"revocation of {entry.get('award')}: not in this backup, skipped")
                continue
            if award.revoked_at is not None:
                continue
            award.revoked_at = datetime.fromisoformat(entry["at"])
            award.revocation_reason = str(entry.get("reason") or "Revoked")
            record(
                session,
                org_id=award.org_id,
                actor=REPLAY_ACTOR,
                action=AuditAction.AWARD_REVOKE,
                subject=f"award:{award.public_id}",
                summary=Summary("award.revoke.replayed", {"at": entry["at"]}),
                details={"award": award.public_id, "reason": award.revocation_reason},
            )
            changes.append(f"revoked {award.public_id} again (revoked {entry['at']})")
        elif event == "key_compromise":
            org = session.scalar(select(Organisation).where(Organisation.slug == entry.get("org")))
            key = (
                None
                if org is None
                else session.scalar(
                    select(SigningKey).where(
                        SigningKey.org_id == org.id, SigningKey.kid == entry.get("kid")
                    )
                )
            )
            if org is None or key is None:
                changes.append(
                    f"compromise of {entry.get('org')} {entry.get('kid')}: not in this backup, skipped"
                )
                continue
            at = datetime.fromisoformat(entry["at"])
            revoked_result = session.execute(
                update(Award)
                .where(Award.key_id == key.id, Award.revoked_at.is_(None))
                .values(revoked_at=at, revocation_reason=COMPROMISE_REASON)
                .execution_options(synchronize_session=False)
            )
            revoked = int(getattr(revoked_result, "rowcount", 0))
            withdrawn_result = session.execute(
                update(Endorsement)
                .where(Endorsement.key_id == key.id, Endorsement.withdrawn_at.is_(None))
                .values(withdrawn_at=at, withdrawal_reason=WITHDRAWAL_REASON)
                .execution_options(synchronize_session=False)
            )
            withdrawn = int(getattr(withdrawn_result, "rowcount", 0))
            if key.compromised_at is not None and not revoked and not withdrawn:
                continue
            was_active = key.retired_at is None
            key.compromised_at = key.compromised_at or at
            key.retired_at = key.retired_at or at
            line = (
                f"key {org.slug} {key.kid} compromised again (at {entry['at']}): "
                f"{revoked} badge(s) revoked, {withdrawn} endorsement(s) withdrawn"
            )
            if was_active:
                if new_key is not None:
                    line += f"; new signing key {new_key(session, org).kid}"
                else:
                    line += (
                        f"; {org.slug} has no signing key now: "
                        f"run `badges keys rotate --org {org.slug}`"
                    )
            record(
                session,
                org_id=org.id,
                actor=REPLAY_ACTOR,
                action=AuditAction.KEY_COMPROMISE,
                subject=f"key:{key.kid}",
                summary=Summary("key.compromise.replayed", {"at": entry["at"]}),
                details={"kid": key.kid, "revoked": revoked, "endorsements_withdrawn": withdrawn},
            )
            changes.append(line)
    for public_id, entry in suspensions.items():
        award = session.scalar(select(Award).where(Award.public_id == public_id))
        if award is None:
            changes.append(f"suspension of {public_id}: not in this backup, skipped")
            continue
        suspended = entry["event"] == "suspend"
        if award.suspended == suspended or award.revoked_at is not None:
            continue
        award.suspended = suspended
        record(
            session,
            org_id=award.org_id,
            actor=REPLAY_ACTOR,
            action=AuditAction.AWARD_SUSPEND if suspended else AuditAction.AWARD_UNSUSPEND,
            subject=f"award:{award.public_id}",
            summary=Summary("award.suspension.replayed", {"at": entry["at"]}),
            details={"award": award.public_id},
        )
        changes.append(
            f"{'suspended' if suspended else 'lifted the suspension of'} {public_id} again "
            f"({entry['at']})"
        )
    session.flush()
    return Replayed(read=read, changes=changes)
