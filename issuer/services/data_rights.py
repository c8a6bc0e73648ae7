"""A learner's data rights: everything held about them as JSON, and erasing the account.

``personal_data`` gathers every row about the learner: the account, its addresses, the
badges awarded to its confirmed addresses (with the credentials as issued), the badges it
imported from other issuers (each as received, with its issuer and when), reflections,
own evidence (metadata and each file's SHA-256; the files are in the archive), goals,
share links, guardians' consents, sessions and one-time links, claims, the archives asked
for (the jobs: when, and their state; the zip itself is downloaded from its page), counted
log-in attempts under their addresses, and the messages sent to them. Secrets are never in it:
no password hash, no token hash, and the tokens of one-time links in messages are cut.

``erase_learner`` deletes the account and whatever the learner made at once (addresses,
reflections, own evidence with its files, goals, imported badges, share links, consents,
sessions, links, the archives asked for with their zip files), and takes the learner's confirmed addresses out of every row that keeps one, in the tables
of ``ADDRESS_COLUMNS``:

- the schools' awards stay with the schools (their signed badges stay verifiable: those
  carry the address only as a salted hash), their ``learner_email`` replaced by
  ``ERASED_ADDRESS``, which is no address (nothing is sent to it, no account can confirm
  it); the awards' unused claim links go;
- the schools' messages to the learner keep their subject but lose recipient and body;
  the learner's own account messages go;
- login counts kept under the address go; a staff invitation to it, a guardian's consent
  naming it (the learner as someone's guardian), an audit entry or a stored API response
  that holds it get the marker instead.

A staff account with the same address is another account (the school's): it, and the
records of what it did, stay; the pages say so before the learner confirms.

Each school whose awards changed gets an audit entry (``award.erase_address``) naming the awards,
never the address.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, cast, delete, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from ..errors import InvalidInput, TooManyRequests
from ..models import (
    AuditEvent,
    Award,
    ClaimToken,
    Goal,
    GuardianConsent,
    IdempotencyRecord,
    ImportedBadge,
    Invitation,
    Job,
    Learner,
    LearnerEmail,
    LearnerEvidence,
    LearnerSession,
    LearnerToken,
    LoginThrottle,
    Organisation,
    OutboxMessage,
    Reflection,
    ShareLink,
    User,
)
from ..models.awards import ERASED_ADDRESS
from ..models.base import now_utc
from ..translate import _
from ..urls import PublicUrls
from .accounts import check_password, count_attempt
from .audit import Actor, AuditAction, record
from .audit_summaries import Summary
from .awards import normalised_email
from .learner_accounts import THROTTLE_PREFIX
from .learners import confirmed_emails, portfolio_awards
from .tokens import token_hash

ERASED_BODY = "(removed: the learner erased their account)"
RECENT_SIGN_IN = timedelta(minutes=15)
"""A learner without a password confirms the erasure by having signed in this recently."""
PASSWORD_LIMIT = 5

# Every column that may hold a learner's address, and what erasure does with it. The test
# of erasure checks that every text and JSON column of every table is here or in
# ``NO_ADDRESS_COLUMNS`` (so a new column that could hold one is not forgotten).
ADDRESS_COLUMNS: dict[str, str] = {
    "learner_email.email": "deleted with the account (and pending elsewhere)",
    "learner_token.email": "deleted with the account (and pending elsewhere)",
    "guardian_consent.guardian_email": "own consents deleted; as someone's guardian: marker",
    "award.learner_email": "replaced by the marker",
    "outbox_message.to_email": "replaced by the marker (account messages deleted)",
    "outbox_message.subject": "address replaced by the marker",
    "outbox_message.body": "school messages: removed; others: address replaced",
    "login_throttle.key": "counts under the address deleted",
    "invitation.email": "replaced by the marker (an unused one expires)",
    "audit_event.actor": "address replaced by the marker",
    "audit_event.subject": "address replaced by the marker",
    "audit_event.summary": "address replaced by the marker",
    "audit_event.details": "address replaced by the marker",
    "audit_event.summary_params": "address replaced by the marker",
    "idempotency_record.response_body": "address replaced by the marker",
    "job.params": "a waiting class award's rows: the learner's row taken out (emptied when done)",
    "job.error": "address replaced by the marker",
    "user.email": "a staff account: another account, kept (said before confirming)",
    # a badge imported from another issuer: its row goes with the account. An Open Badges
    # 2.0 assertion may name the address in the clear (``recipient.hashed`` false), an
    # Open Badges 3.0 one as a mailto: subject id; the rest is the other issuer's text
    "imported_badge.credential_json": "deleted with the account",
    "imported_badge.source_url": "deleted with the account",
    "imported_badge.credential_id": "deleted with the account",
    "imported_badge.name": "deleted with the account",
    "imported_badge.issuer_id": "deleted with the account",
    "imported_badge.issuer_name": "deleted with the account",
    "imported_badge.format_label": "deleted with the account",
    "imported_badge.status_reason": "deleted with the account",
    "imported_badge.format_text": "deleted with the account",
    "imported_badge.status_text": "deleted with the account",
}


# -- what is held about a learner -------------------------------------------------------------

_ONE_TIME_LINK = re.compile(r"(/(?:claim|learner/sign-in|learner/confirm|guardian)/)[A-Za-z0-9_-]+")


def _cut_links(text: str) -> str:
    """A message body without the tokens of its one-time links (a file that leaks later
    must not carry a live sign-in or claim link)."""
    return _ONE_TIME_LINK.sub(r"\1[link removed]", text)


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _sha256(data: bytes | None) -> str | None:
    import hashlib

    return hashlib.sha256(data).hexdigest() if data is not None else None


def personal_data(
    session: Session, learner: Learner, *, urls: PublicUrls, now: datetime | None = None
) -> dict[str, Any]:
    """Everything held about ``learner``, as one JSON-ready dict (see the module's doc)."""
    now = now or now_utc()
    confirmed = confirmed_emails(session, learner)
    awards = portfolio_awards(session, learner)
    award_ids = {award.id: award.public_id for award in awards}
    schools = dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(
                Organisation.id.in_({award.org_id for award in awards})
            )
        ).all()
    )

    def public_id_of(award_id: int) -> str | None:
        known = award_ids.get(award_id)
        if known is not None:
            return known
        return session.scalar(select(Award.public_id).where(Award.id == award_id))

    def rows(model: Any, *where: Any) -> list[Any]:
        return list(session.scalars(select(model).where(*where).order_by(model.id)))

    own = {
        "learner_email": rows(LearnerEmail, LearnerEmail.learner_id == learner.id),
        "reflection": rows(Reflection, Reflection.learner_id == learner.id),
        "learner_evidence": rows(LearnerEvidence, LearnerEvidence.learner_id == learner.id),
        "imported_badge": rows(ImportedBadge, ImportedBadge.learner_id == learner.id),
        "goal": rows(Goal, Goal.learner_id == learner.id),
        "share_link": rows(ShareLink, ShareLink.learner_id == learner.id),
        "guardian_consent": rows(GuardianConsent, GuardianConsent.learner_id == learner.id),
        "learner_session": rows(LearnerSession, LearnerSession.learner_id == learner.id),
        "learner_token": rows(LearnerToken, LearnerToken.learner_id == learner.id),
        "claim_token": rows(ClaimToken, ClaimToken.learner_id == learner.id),
        "job": rows(Job, Job.learner_id == learner.id),
    }
    imported_public = {row.id: row.public_id for row in own["imported_badge"]}
    goal_achievements = _achievement_names(session, [goal.achievement_id for goal in own["goal"]])
    messages = (
        rows(OutboxMessage, func.lower(func.trim(OutboxMessage.to_email)).in_(confirmed))
        if confirmed
        else []
    )
    return {
        "about": (
            "Everything this platform holds about you, as of exportedAt. The badges are "
            "the schools' signed credentials, exactly as issued; the badges you imported are "
            "as you gave them (or as their link answered); your evidence files are in the "
            "archive (each listed here with its SHA-256)."
        ),
        "exportedAt": now.isoformat(),
        "platform": urls.base,
        "account": {
            "id": learner.public_id,
            "name": learner.name,
            "namePublic": learner.name_public,
            "birthDate": learner.birth_date.isoformat() if learner.birth_date else None,
            "hasPassword": learner.password_hash is not None,
            "createdAt": _when(learner.created_at),
        },
        "addresses": [
            {
                "email": row.email,
                "confirmedAt": _when(row.confirmed_at),
                "addedAt": _when(row.created_at),
            }
            for row in own["learner_email"]
        ],
        "badges": [
            {
                "id": award.public_id,
                "url": urls.credential(award.public_id),
                "school": schools.get(award.org_id),
                "achievement": award.achievement.name,
                "nameTheSchoolRecorded": award.learner_name,
                "sentTo": award.learner_email,
                "issuedAt": _when(award.issued_at),
                "validUntil": _when(award.valid_until),
                "revokedAt": _when(award.revoked_at),
                "revocationReason": award.revocation_reason,
                "suspended": award.suspended,
                "credential": json.loads(award.credential_json),
                "credentialJwt": award.credential_jwt,
            }
            for award in awards
        ],
        "importedBadges": [
            {
                "id": row.public_id,
                "name": row.name,
                "issuer": {"id": row.issuer_id, "name": row.issuer_name},
                "format": row.format_label,
                "importedAt": _when(row.created_at),
                "link": row.source_url,
                "awardedAt": _when(row.awarded_at),
                "validUntil": _when(row.valid_until),
                "status": row.status,
                "statusReason": row.status_reason,
                "statusCheckedAt": _when(row.status_checked_at),
                "received": _as_received(row.received, row.received_type),
                "credential": _json_or_text(row.credential_json),
            }
            for row in own["imported_badge"]
        ],
        "reflections": [
            {
                "badge": public_id_of(row.award_id),
                "text": row.body_md,
                "createdAt": _when(row.created_at),
                "updatedAt": _when(row.updated_at),
            }
            for row in own["reflection"]
        ],
        "evidence": [
            {
                "id": row.public_id,
                "badge": public_id_of(row.award_id),
                "title": row.title,
                "url": row.url,
                "filename": row.filename,
                "contentType": row.content_type,
                "bytes": len(row.data) if row.data is not None else None,
                "sha256": _sha256(row.data),
                "addedAt": _when(row.created_at),
            }
            for row in own["learner_evidence"]
        ],
        "goals": [
            {
                "achievement": goal_achievements.get(goal.achievement_id),
                "pinnedAt": _when(goal.created_at),
            }
            for goal in own["goal"]
        ],
        "shareLinks": [
            {
                "url": f"{urls.base}/s/{row.public_id}",
                "title": row.title,
                "scope": row.scope,
                "badges": [public_id_of(i) for i in row.award_ids],
                # the imported badges of a collection (those removed since are not held)
                "importedBadges": [
                    imported_public[i] for i in row.imported_ids or [] if i in imported_public
                ],
                "includeReflections": row.include_reflections,
                "includeEvidence": row.include_evidence,
                "sharedWithSchool": schools.get(row.org_id) if row.org_id else None,
                "expiresAt": _when(row.expires_at),
                "withdrawnAt": _when(row.withdrawn_at),
                "views": row.view_count,
                "createdAt": _when(row.created_at),
            }
            for row in own["share_link"]
        ],
        "guardianConsents": [
            {
                "guardianEmail": row.guardian_email,
                "askedAt": _when(row.created_at),
                "linkExpiresAt": _when(row.expires_at),
                "grantedAt": _when(row.granted_at),
                "withdrawnAt": _when(row.withdrawn_at),
            }
            for row in own["guardian_consent"]
        ],
        "sessions": [
            {
                "signedInAt": _when(row.created_at),
                "expiresAt": _when(row.expires_at),
                "endedAt": _when(row.ended_at),
            }
            for row in own["learner_session"]
        ],
        "oneTimeLinks": [
            {
                "purpose": row.purpose,
                "email": row.email,
                "createdAt": _when(row.created_at),
                "expiresAt": _when(row.expires_at),
                "usedAt": _when(row.used_at),
            }
            for row in own["learner_token"]
        ],
        "claims": [
            {"badge": public_id_of(row.award_id), "claimedAt": _when(row.used_at)}
            for row in own["claim_token"]
        ],
        "archives": [
            {
                "id": row.public_id,
                "kind": row.kind,
                "status": row.status,
                "askedAt": _when(row.created_at),
                "finishedAt": _when(row.finished_at),
                "result": row.result,
            }
            for row in own["job"]
        ],
        "loginAttempts": [
            {"counted": row.key, "count": row.count, "since": _when(row.window_start)}
            for row in _throttle_rows(session, learner, confirmed)
        ],
        "messages": [
            {
                "to": row.to_email,
                "name": row.to_name,
                "from": schools.get(row.org_id) if row.org_id else "this platform",
                "subject": row.subject,
                "body": _cut_links(row.body),
                "writtenAt": _when(row.created_at),
                "sentAt": _when(row.sent_at),
                "error": row.error,
            }
            for row in messages
        ],
    }


def _as_received(data: bytes, media_type: str) -> dict[str, str]:
    """An imported badge's bytes as received: text (JSON, a JWT) as it is, an image in
    base64."""
    if not media_type.startswith("image/"):
        try:
            return {"mediaType": media_type, "text": data.decode("utf-8")}
        except UnicodeDecodeError:
            pass
    return {"mediaType": media_type, "base64": base64.b64encode(data).decode("ascii")}


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _achievement_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    from ..models import Achievement

    if not ids:
        return {}
    return dict(
        session.execute(
            select(Achievement.id, Achievement.name).where(Achievement.id.in_(ids))
        ).all()
    )


def _throttle_rows(session: Session, learner: Learner, addresses: Iterable[str]) -> list[Any]:
    keys = [func.lower(LoginThrottle.key).contains(a, autoescape=True) for a in addresses]
    keys.append(LoginThrottle.key.like(f"{THROTTLE_PREFIX}%:{learner.id}"))
    return list(session.scalars(select(LoginThrottle).where(or_(*keys))))


# -- erasing the account ------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasurePreview:
    """What the confirmation page says will happen."""

    awards: int
    schools: list[str]
    share_links: int
    staff_account: bool  # one of the addresses is also a staff login (kept)


def erasure_preview(session: Session, learner: Learner) -> ErasurePreview:
    awards = portfolio_awards(session, learner)
    schools = sorted(
        session.scalars(
            select(Organisation.name).where(Organisation.id.in_({a.org_id for a in awards}))
        )
    )
    shares = session.scalar(
        select(func.count()).select_from(ShareLink).where(ShareLink.learner_id == learner.id)
    )
    return ErasurePreview(
        awards=len(awards),
        schools=schools,
        share_links=shares or 0,
        staff_account=_staff_addresses(session, confirmed_emails(session, learner)) != set(),
    )


def check_erasure_confirmed(
    session: Session,
    learner: Learner,
    *,
    password: str,
    understood: bool,
    session_token: str | None,
    now: datetime | None = None,
) -> None:
    """Raise InvalidInput (or TooManyRequests) unless the learner has confirmed: ticked that
    they understand and, with a password, given it (wrong ones counted like the password
    change's); without one, signed in within RECENT_SIGN_IN (a sign-in link is the re-auth).
    """
    now = now or now_utc()
    errors: dict[str, str] = {}
    if not understood:
        errors["understood"] = _("Tick this to confirm that you want your account erased.")
    if learner.password_hash is not None:
        key = f"{THROTTLE_PREFIX}password:{learner.id}"
        if count_attempt(session, key, now) > PASSWORD_LIMIT:
            raise TooManyRequests(_("Too many wrong passwords. Wait 15 minutes and try again."))
        if not check_password(learner.password_hash, password):
            errors["password"] = _("This is not your password.")
    else:
        row = (
            session.scalar(
                select(LearnerSession).where(
                    LearnerSession.token_hash == token_hash(session_token),
                    LearnerSession.learner_id == learner.id,
                )
            )
            if session_token
            else None
        )
        if row is None or row.created_at < now - RECENT_SIGN_IN:
            errors["reauth"] = _(
                "Sign in again with a link sent to your address first: erasing needs a "
                "sign-in from the last 15 minutes."
            )
    if errors:
        raise InvalidInput(_("Your account was not erased."), fields=errors)


def recently_signed_in(
    session: Session, learner: Learner, session_token: str | None, now: datetime | None = None
) -> bool:
    if not session_token:
        return False
    row = session.scalar(
        select(LearnerSession).where(LearnerSession.token_hash == token_hash(session_token))
    )
    return (
        row is not None
        and row.learner_id == learner.id
        and row.created_at >= (now or now_utc()) - RECENT_SIGN_IN
    )


@dataclass(frozen=True)
class Erasure:
    awards: int  # school awards whose address was removed
    schools: int


def _staff_addresses(session: Session, addresses: Iterable[str]) -> set[str]:
    wanted = list(addresses)
    if not wanted:
        return set()
    return set(
        session.scalars(select(func.lower(User.email)).where(func.lower(User.email).in_(wanted)))
    )


def _lowered(column: InstrumentedAttribute[Any]) -> Any:
    return func.lower(func.trim(column))


def _replace(text: str, address: str) -> str:
    return re.sub(re.escape(address), ERASED_ADDRESS, text, flags=re.IGNORECASE)


def _replace_in_json(value: Any, address: str) -> Any:
    if isinstance(value, str):
        return _replace(value, address)
    if isinstance(value, dict):
        return {_replace(str(k), address): _replace_in_json(v, address) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_in_json(v, address) for v in value]
    return value


def _containing(column: Any, address: str, *, json_text: bool = False) -> Any:
    """Rows whose ``column`` holds ``address`` in any case (a JSON column compared as its
    text, where a non-ASCII address may be written escaped)."""
    text = func.lower(cast(column, Text)) if json_text else func.lower(column)
    forms = {address}
    if json_text:
        forms.add(json.dumps(address)[1:-1].lower())
    return or_(*(text.contains(form, autoescape=True) for form in forms))


def erase_learner(session: Session, learner: Learner, *, now: datetime | None = None) -> Erasure:
    """Erase ``learner`` (the caller checked the confirmation: ``check_erasure_confirmed``).
    See the module's doc for what goes and what stays; flushes, never commits."""
    now = now or now_utc()
    confirmed = [normalised_email(e) for e in confirmed_emails(session, learner)]
    pending = [
        row.email
        for row in session.scalars(
            select(LearnerEmail).where(LearnerEmail.learner_id == learner.id)
        )
        if row.confirmed_at is None
    ]
    staff = _staff_addresses(session, confirmed)

    # what the learner made, and the account itself, go at once
    for model in (
        Reflection,
        LearnerEvidence,
        ImportedBadge,
        Goal,
        ShareLink,
        GuardianConsent,
        LearnerSession,
        LearnerToken,
        Job,  # the archives asked for (their zip files go with them)
    ):
        session.execute(
            delete(model)
            .where(model.learner_id == learner.id)
            .execution_options(synchronize_session=False)
        )
    session.execute(
        update(ClaimToken)
        .where(ClaimToken.learner_id == learner.id)
        .values(learner_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(LoginThrottle).where(LoginThrottle.key.like(f"{THROTTLE_PREFIX}%:{learner.id}"))
    )

    # the schools' awards keep everything but the address
    awards: list[tuple[int, int, str]] = []
    if confirmed:
        awards = [
            (row.id, row.org_id, row.public_id)
            for row in session.execute(
                select(Award.id, Award.org_id, Award.public_id).where(
                    _lowered(Award.learner_email).in_(confirmed)
                )
            )
        ]
        award_ids = [a[0] for a in awards]
        session.execute(
            update(Award)
            .where(Award.id.in_(award_ids))
            .values(learner_email=ERASED_ADDRESS)
            .execution_options(synchronize_session=False)
        )
        session.execute(delete(ClaimToken).where(ClaimToken.award_id.in_(award_ids)))
    for address in confirmed:
        _scrub_address(session, address, keep_staff=address in staff, now=now)
    for address in pending:
        if address not in confirmed and _confirmed_elsewhere(session, address, learner) is None:
            # nobody has shown this address is theirs: what this account asked for goes
            session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.org_id.is_(None), _lowered(OutboxMessage.to_email) == address
                )
            )
            session.execute(
                delete(LoginThrottle)
                .where(_containing(LoginThrottle.key, address))
                .execution_options(synchronize_session=False)
            )

    session.execute(delete(LearnerEmail).where(LearnerEmail.learner_id == learner.id))
    session.execute(delete(Learner).where(Learner.id == learner.id))
    session.expunge(learner)  # gone: nothing may write it back
    session.flush()

    by_school: dict[int, list[str]] = {}
    for _id, org_id, public_id in awards:
        by_school.setdefault(org_id, []).append(public_id)
    for org_id, public_ids in by_school.items():
        count = len(public_ids)
        record(
            session,
            org_id=org_id,
            actor=Actor(label="a learner (their own account)", via="web"),
            action=AuditAction.AWARD_ERASE_ADDRESS,
            subject="learner:erased",
            summary=Summary("award.erase_address", {"num": count}),
            details={"awards": sorted(public_ids)},
        )
    session.flush()
    return Erasure(awards=len(awards), schools=len(by_school))


def _confirmed_elsewhere(session: Session, address: str, learner: Learner) -> int | None:
    return session.scalar(
        select(LearnerEmail.learner_id).where(
            LearnerEmail.email == address,
            LearnerEmail.confirmed_at.is_not(None),
            LearnerEmail.learner_id != learner.id,
        )
    )


def _scrub_address(session: Session, address: str, *, keep_staff: bool, now: datetime) -> None:
    """Take one confirmed address of the erased learner out of every row that keeps it."""
    # other accounts that added it but never confirmed it (they cannot: it is not theirs)
    others = list(
        session.scalars(
            select(LearnerEmail).where(
                LearnerEmail.email == address, LearnerEmail.confirmed_at.is_(None)
            )
        )
    )
    for row in others:
        session.delete(row)
    session.execute(delete(LearnerToken).where(_lowered(LearnerToken.email) == address))
    # messages: the learner's own account mail goes; the schools' keep their subject only
    session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.org_id.is_(None), _lowered(OutboxMessage.to_email) == address
        )
    )
    session.execute(
        update(OutboxMessage)
        .where(_lowered(OutboxMessage.to_email) == address)
        .values(to_email=ERASED_ADDRESS, body=ERASED_BODY)
        .execution_options(synchronize_session=False)
    )
    for message in session.scalars(
        select(OutboxMessage).where(
            or_(
                _containing(OutboxMessage.subject, address),
                _containing(OutboxMessage.body, address),
            )
        )
    ):
        message.subject = _replace(message.subject, address)[:300]
        message.body = _replace(message.body, address)
    # login counts kept under the address
    session.execute(
        delete(LoginThrottle)
        .where(_containing(LoginThrottle.key, address))
        .execution_options(synchronize_session=False)
    )
    # the learner as someone's guardian: that consent stays, without the address
    session.execute(
        update(GuardianConsent)
        .where(_lowered(GuardianConsent.guardian_email) == address)
        .values(guardian_email=ERASED_ADDRESS)
        .execution_options(synchronize_session=False)
    )
    idempotent = session.scalars(
        select(IdempotencyRecord).where(_containing(IdempotencyRecord.response_body, address))
    )
    for stored in idempotent:
        if stored.response_body is not None:
            stored.response_body = _replace(stored.response_body, address)
    # a class award still waiting for a worker: the learner is left out of it
    for job in session.scalars(
        select(Job).where(
            or_(
                _containing(Job.params, address, json_text=True),
                _containing(Job.error, address),
            )
        )
    ):
        if job.params and isinstance(job.params.get("rows"), list):
            rows = [
                row
                for row in job.params["rows"]
                if str(row.get("learner_email", "")).strip().lower() != address
            ]
            job.params = {**job.params, "rows": rows}
            job.params = _replace_in_json(job.params, address)
        if job.error is not None:
            job.error = _replace(job.error, address)
    if keep_staff:
        return  # the staff account's invitation and the record of what it did stay
    for invitation in session.scalars(
        select(Invitation).where(_lowered(Invitation.email) == address)
    ):
        invitation.email = ERASED_ADDRESS
        if invitation.used_at is None:
            invitation.expires_at = min(invitation.expires_at, now)
    for event in session.scalars(
        select(AuditEvent).where(
            or_(
                _containing(AuditEvent.actor, address),
                _containing(AuditEvent.subject, address),
                _containing(AuditEvent.summary, address),
                _containing(AuditEvent.details, address, json_text=True),
                _containing(AuditEvent.summary_params, address, json_text=True),
            )
        )
    ):
        event.actor = _replace(event.actor, address)[:200]
        event.subject = _replace(event.subject, address)[:200]
        event.summary = _replace(event.summary, address)[:500]
        event.details = _replace_in_json(event.details, address)
        if event.summary_params is not None:
            event.summary_params = _replace_in_json(event.summary_params, address)
