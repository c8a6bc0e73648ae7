"""A compromised signing key: what it signed is revoked at once, then re-issued on request.

Marking a key compromised is one transaction: the key leaves the DID document and JWKS,
a new active key replaces it if it was the active one, every badge it signed is revoked
(the reason is published on the status or revocation list) and every endorsement it
signed is withdrawn. The revoked badges that are still within their validity then wait
for re-issue: each gets a fresh credential signed with the new key, with a new id and
status entry and ``validFrom`` now, and otherwise the very claims of the original (read
from its stored signed text): the same learner identifier, achievement, result,
evidence, narrative, activity dates, ``validUntil`` and ``awardedDate``.

The achievement is the one embedded in the original, not the achievement as it may have
been edited since: the learner earned the badge against those criteria, and the copy
replaces that badge rather than awarding a new one (its id is the same achievement URL).
Only its embedded endorsements are those active now, as in any badge issued now (one
withdrawn since, or signed with a compromised key, is not carried over). The issuer
profile, the status entry and the signature are the new ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from badges.keys import Algorithm
from badges.status import bitstring_status_list as bsl

from ..errors import Conflict, InvalidInput, NotFound
from ..journal import note
from ..models import Award, Endorsement, Organisation, OutboxMessage, SigningKey
from ..models.base import now_utc
from ..translate import _, in_language
from ..urls import PublicUrls
from .audit import Actor, AuditAction, record
from .audit_summaries import Summary
from .awards import IssueContext, _context, _used_indexes
from .claims import claim_paragraph, new_claim_link
from .copies import signed_copy
from .endorsements import endorse, record_withdrawal, target_of
from .keys import Sealer, active_key, create_signing_key, lock_keys
from .languages import message_language
from .mail import note_new_messages

# Shown to verifiers (1EdTech revocation list) and on the badge page; at most 500 characters.
COMPROMISE_REASON = (
    "The key that signed this badge was compromised. The issuer re-issues its valid badges "
    "with a new key."
)
WITHDRAWAL_REASON = "The key that signed this endorsement was compromised."
REQUEST_KEY_PREFIX = "reissue:"  # the unique request key makes a second copy impossible


@dataclass(frozen=True)
class Compromise:
    """What marking a key compromised did."""

    key: SigningKey
    new_key: SigningKey | None  # the new active key, when the compromised one was active
    revoked: int  # badges revoked
    withdrawn: int  # endorsements withdrawn


def get_key(session: Session, org: Organisation, kid: str) -> SigningKey:
    row = session.scalar(
        select(SigningKey).where(SigningKey.org_id == org.id, SigningKey.kid == kid)
    )
    if row is None:
        raise NotFound(_("No such key."))
    return row


def mark_compromised(
    session: Session,
    *,
    org: Organisation,
    key_row: SigningKey,
    sealer: Sealer,
    actor: Actor | None,
    reason: str,
    now: datetime | None = None,
) -> Compromise:
    """Mark ``key_row`` compromised, in the caller's transaction (all of it or nothing).

    ``reason`` is what happened, for the audit log (the published revocation reason is
    ``COMPROMISE_REASON``). Raises InvalidInput, NotFound, or Conflict when the key is
    compromised already.
    """
    if key_row.org_id != org.id:
        raise NotFound(_("No such key."))
    reason = (reason or "").strip()
    if not reason:
        message = _("Say what happened to the key.")
        raise InvalidInput(message, fields={"reason": message})
    if len(reason) > 500:
        message = _("Keep the reason under 500 characters.")
        raise InvalidInput(message, fields={"reason": message})
    lock_keys(session, org)
    session.refresh(key_row)  # as it is now, after any change that held the lock before us
    if key_row.compromised_at is not None:
        raise Conflict(_("The key %(kid)s is already marked compromised.", kid=key_row.kid))
    now = now or now_utc()
    was_active = key_row.retired_at is None
    key_row.compromised_at = now
    new_key = None
    if was_active:
        new_key = create_signing_key(session, org=org, sealer=sealer)  # retires key_row too
    key_row.retired_at = key_row.retired_at or now

    signed_by_it = (Award.org_id == org.id, Award.key_id == key_row.id, Award.revoked_at.is_(None))
    revoked = session.scalar(select(func.count()).select_from(Award).where(*signed_by_it)) or 0
    session.execute(
        update(Award)
        .where(*signed_by_it)
        .values(revoked_at=now, revocation_reason=COMPROMISE_REASON)
    )
    endorsements = session.scalars(
        select(Endorsement).where(
            Endorsement.endorser_id == org.id,
            Endorsement.key_id == key_row.id,
            Endorsement.withdrawn_at.is_(None),
        )
    ).all()
    for endorsement in endorsements:
        endorsement.withdrawn_at = now
        endorsement.withdrawal_reason = WITHDRAWAL_REASON
        record_withdrawal(session, endorsement=endorsement, endorser=org, actor=actor)
    code = "key.compromise"
    params: dict[str, Any] = {
        "kid": key_row.kid,
        "revoked": Summary("count.badges_revoked", {"num": revoked}),
    }
    if endorsements:
        code += ".withdrawn"
        params["withdrawn"] = Summary("count.endorsements_withdrawn", {"num": len(endorsements)})
    if new_key is not None:
        code += ".new_key"
        params["new_key"] = new_key.kid
    summary = Summary(code, params)
    record(
        session,
        org_id=org.id,
        actor=actor,
        action=AuditAction.KEY_COMPROMISE,
        subject=f"key:{key_row.kid}",
        summary=summary,
        details={
            "kid": key_row.kid,
            "reason": reason,
            "revoked": revoked,
            "endorsements_withdrawn": len(endorsements),
            "new_key": new_key.kid if new_key is not None else None,
        },
    )
    note(
        session,
        "key_compromise",
        org=org.slug,
        kid=key_row.kid,
        reason=reason,
        at=now.isoformat(),
    )
    session.flush()
    return Compromise(key=key_row, new_key=new_key, revoked=revoked, withdrawn=len(endorsements))


# The other award of a query that joins Award to itself. Made once: an alias works out its
# columns' stand-ins on first use (each of Award's columns), which cost a page that made a
# new alias per query more than the rest of its queries.
_OTHER = aliased(Award)


def _awaiting_query(org: Organisation, now: datetime) -> Any:
    replacement = _OTHER
    return (
        select(Award)
        .join(SigningKey, SigningKey.id == Award.key_id)
        .where(Award.org_id == org.id, SigningKey.compromised_at.is_not(None))
        # revoked by the compromise (at that moment), not for a reason of its own before
        .where(Award.revoked_at.is_not(None), Award.revoked_at >= SigningKey.compromised_at)
        .where(or_(Award.valid_until.is_(None), Award.valid_until > now))
        .where(~select(replacement.id).where(replacement.reissue_of_id == Award.id).exists())
    )


def awaiting_reissue(
    session: Session, org: Organisation, *, now: datetime | None = None, limit: int | None = None
) -> list[Award]:
    """Badges revoked because their key was compromised, still within their validity, and
    not re-issued yet; oldest first."""
    query = _awaiting_query(org, now or now_utc()).order_by(Award.id)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def count_awaiting(session: Session, org: Organisation, *, now: datetime | None = None) -> int:
    query = _awaiting_query(org, now or now_utc()).with_only_columns(func.count(Award.id))
    return session.scalar(query) or 0


def recently_reissued(
    session: Session, org: Organisation, *, limit: int = 100
) -> list[tuple[Award, Award]]:
    """The latest re-issued copies, each with the badge it replaces; newest first."""
    original = _OTHER
    rows = session.execute(
        select(Award, original)
        .join(original, original.id == Award.reissue_of_id)
        .where(Award.org_id == org.id)
        .order_by(Award.id.desc())
        .limit(limit)
    ).all()
    return [(new, old) for new, old in rows]


def endorsements_awaiting(session: Session, org: Organisation) -> list[Endorsement]:
    """``org``'s endorsements withdrawn because their key was compromised, whose target
    has no active endorsement by ``org`` since; oldest first."""
    withdrawn = session.scalars(
        select(Endorsement)
        .join(SigningKey, SigningKey.id == Endorsement.key_id)
        .where(Endorsement.endorser_id == org.id, SigningKey.compromised_at.is_not(None))
        .where(Endorsement.withdrawal_reason == WITHDRAWAL_REASON)
        .order_by(Endorsement.id)
    ).all()
    active = session.execute(
        select(Endorsement.achievement_id, Endorsement.endorsed_org_id).where(
            Endorsement.endorser_id == org.id, Endorsement.withdrawn_at.is_(None)
        )
    ).all()
    covered = {tuple(row) for row in active}
    waiting, seen = [], set()
    for row in withdrawn:
        target = (row.achievement_id, row.endorsed_org_id)
        if target not in covered and target not in seen:
            seen.add(target)
            waiting.append(row)
    return waiting


def reissue_endorsements(
    session: Session,
    *,
    org: Organisation,
    sealer: Sealer,
    urls: PublicUrls,
    actor: Actor | None,
    created_by: int | None = None,
) -> list[tuple[Endorsement, Endorsement]]:
    """Sign again, with the active key, the endorsements a compromise withdrew: same
    target, same comment, a new id and status entry. Returns (withdrawn, new) pairs."""
    pairs = []
    for old in endorsements_awaiting(session, org):
        new = endorse(
            session,
            endorser=org,
            target=target_of(session, old),
            comment=old.comment,
            sealer=sealer,
            urls=urls,
            created_by=created_by,
            actor=actor,
        )
        pairs.append((old, new))
    return pairs


def _message(session: Session, new: Award, org: Organisation, urls: PublicUrls) -> OutboxMessage:
    name = new.achievement.name
    claim, expires = new_claim_link(session, new, urls)
    with in_language(message_language(session, org, new.learner_email)):
        body = (
            _("Dear %(name)s,", name=new.learner_name)
            + "\n\n"
            + _(
                '%(school)s has re-issued your badge "%(badge)s". The key that signed the '
                "earlier copy was compromised, so that copy no longer verifies. Nothing about "
                "your badge has changed: it keeps the date it was awarded.",
                school=org.name,
                badge=name,
            )
            + "\n\n"
            + _("Your new copy is here; please use it wherever you shared the old one:")
            + f"\n{urls.credential(new.public_id)}\n\n"
            + claim_paragraph(claim, expires)
        )
        subject = _("Your badge, re-issued: %(badge)s", badge=name)
    return OutboxMessage(
        org_id=org.id,
        award_id=new.id,
        to_email=new.learner_email,
        to_name=new.learner_name,
        subject=subject,
        body=body,
    )


def reissue(
    session: Session,
    *,
    org: Organisation,
    awards: Sequence[Award],
    sealer: Sealer,
    urls: PublicUrls,
    actor: Actor | None,
    reissued_by: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> list[tuple[Award, Award]]:
    """Re-issue ``awards`` with the active key, in the caller's transaction; returns the
    (original, copy) pairs. Awards that are not waiting for re-issue (another
    organisation's, revoked for another reason, expired, or re-issued already) are
    skipped. Raises Conflict when someone else is re-issuing the same badges right now.
    """
    lock_keys(session, org)
    now = (now or now_utc()).replace(microsecond=0)
    waiting = {row.id for row in awaiting_reissue(session, org, now=now)}
    todo = [award for award in awards if award.id in waiting]
    if not todo or active_key(session, org).alg == Algorithm.EDDSA.value:
        # Endorsements need an Ed25519 key (``endorse`` says so when they are all there
        # is to do); with badges waiting, they wait for one rather than hold the badges up.
        reissue_endorsements(
            session, org=org, sealer=sealer, urls=urls, actor=actor, created_by=reissued_by
        )
    if not todo:
        return []
    used = _used_indexes(session, org)
    contexts: dict[int, IssueContext] = {}
    pairs: list[tuple[Award, Award]] = []
    for number, old in enumerate(todo, 1):
        ctx = contexts.get(old.achievement_id)
        if ctx is None:
            ctx = contexts[old.achievement_id] = _context(
                session, org, old.achievement, sealer, urls
            )
        index = bsl.allocate_index(used)
        used.add(index)
        copy = signed_copy(
            ctx,
            old,
            status_index=index,
            now=now,
            awarded_by=reissued_by,
            request_key=f"{REQUEST_KEY_PREFIX}{old.public_id}",
        )
        copy.reissue_of_id = old.id
        pairs.append((old, copy))
        if progress is not None:
            progress(number, len(todo))
    try:
        with session.begin_nested():
            session.add_all([copy for _old, copy in pairs])
            session.flush()
    except IntegrityError as exc:
        raise Conflict(
            _(
                "These badges are being re-issued elsewhere right now (or a status index was taken meanwhile). Reload the page and try again."
            )
        ) from exc
    for old, copy in pairs:
        if old.suspended and copy.status_purpose == "suspension":
            copy.suspended = True  # a suspension carries over where the copy can show it
    messages = [_message(session, copy, org, urls) for _old, copy in pairs]
    session.add_all(messages)
    session.flush()
    note_new_messages(session, messages)
    kids = sorted({ctx.verification_method.rpartition("#")[2] for ctx in contexts.values()})
    old_kids = sorted(
        {
            kid
            for kid in session.scalars(
                select(SigningKey.kid).where(SigningKey.id.in_({old.key_id for old, _new in pairs}))
            )
        }
    )
    record(
        session,
        org_id=org.id,
        actor=actor,
        action=AuditAction.AWARD_REISSUE,
        subject=f"key:{','.join(old_kids)}"[:200],
        summary=Summary(
            "award.reissue",
            {"num": len(pairs), "keys": ", ".join(kids), "old_keys": ", ".join(old_kids)},
        ),
        details={
            "count": len(pairs),
            "new_key": kids,
            "compromised_keys": old_kids,
            "awards": [{"replaces": old.public_id, "copy": copy.public_id} for old, copy in pairs],
        },
    )
    session.flush()
    return pairs
