"""Revocation and suspension, and the signed lists that publish them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from badges import jsonutil
from badges.issuing import ProofFormat, sign_credential
from badges.keys import Algorithm
from badges.status import bitstring_status_list as bsl
from badges.status import revocation_list_1edtech as rl

from ..errors import Conflict, InvalidInput, NotFound, SuspensionUnsupported
from ..journal import note
from ..models import Award, Organisation, OutboxMessage, StatusMethod
from ..models.base import now_utc
from ..translate import _, in_language
from ..urls import PublicUrls
from .audit import Actor, AuditAction, record
from .audit_summaries import Summary
from .keys import Sealer, active_key, private_key
from .languages import message_language
from .mail import note_new_messages
from .orgs import issuer_profile

STATUS_TTL_MS = 5 * 60 * 1000  # verifiers may cache a list for five minutes
CLOCK_SKEW = timedelta(minutes=5)  # how far behind a verifier's clock may be


def revoke_award(
    session: Session,
    *,
    award: Award,
    reason: str,
    now: datetime | None = None,
    urls: PublicUrls | None = None,
    actor: Actor | None = None,
) -> Award:
    """Revoke for good, with a reason shown to verifiers, and tell the learner (a message in
    the outbox, with the reason and, given ``urls``, the badge's link); the audit entry is by
    ``actor``. Raises Conflict if already revoked."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Give a reason for the revocation."), fields={"reason": "Required."})
    if len(reason) > 500:
        raise InvalidInput(
            _("Keep the reason under 500 characters."), fields={"reason": _("Too long.")}
        )
    if award.revoked_at is not None or not _change(
        session,
        award,
        Award.revoked_at.is_(None),
        revoked_at=now or now_utc(),
        revocation_reason=reason,
    ):
        raise Conflict(_("This badge is already revoked."))
    assert award.revoked_at is not None
    note(session, "revoke", award=award.public_id, reason=reason, at=award.revoked_at.isoformat())
    record(
        session,
        org_id=award.org_id,
        actor=actor,
        action=AuditAction.AWARD_REVOKE,
        subject=f"award:{award.public_id}",
        summary=Summary(
            "award.revoke",
            {
                "achievement": award.achievement.name,
                "learner": award.learner_name,
                "reason": reason,
            },
        ),
        details={
            "achievement": award.achievement.public_id,
            "award": award.public_id,
            "reason": reason,
        },
    )
    message = _revocation_message(session, award, reason, urls)
    session.add(message)
    session.flush()
    note_new_messages(session, [message])
    return award


def _revocation_message(
    session: Session, award: Award, reason: str, urls: PublicUrls | None
) -> OutboxMessage:
    org = session.get(Organisation, award.org_id)
    with in_language(message_language(session, org, award.learner_email)):
        issuer = org.name if org is not None else _("The issuer")
        link = (
            _("Its page now shows that it is revoked:")
            + f"\n{urls.credential(award.public_id)}\n\n"
            if urls
            else ""
        )
        body = (
            _("Dear %(name)s,", name=award.learner_name)
            + "\n\n"
            + _(
                '%(school)s has revoked your badge "%(badge)s". It is no longer valid, and '
                "anyone who checks it is told so.",
                school=issuer,
                badge=award.achievement.name,
            )
            + "\n\n"
            + _("The reason given:")
            + f"\n{reason}\n\n"
            + link
            + _("If you think this is a mistake, please contact %(school)s.", school=issuer)
            + "\n"
        )
        subject = _("Your badge was revoked: %(badge)s", badge=award.achievement.name)
    return OutboxMessage(
        org_id=award.org_id,
        award_id=award.id,
        to_email=award.learner_email,
        to_name=award.learner_name,
        subject=subject,
        body=body,
    )


def _change(session: Session, award: Award, *still: Any, **values: Any) -> bool:
    """Write ``values`` to the award's row only if the conditions ``still`` hold there, and
    reload it; False if they no longer did. Of two requests changing one badge at once, the
    second waits for the first's row lock, then finds nothing left to change: one change,
    one audit entry."""
    result = session.execute(
        update(Award)
        .where(Award.id == award.id, *still)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(award)
    return getattr(result, "rowcount", 0) == 1


def set_suspended(session: Session, *, award: Award, org: Organisation, suspended: bool) -> Award:
    """Suspend a badge, or lift its suspension.

    The OB 3.0 JSON schema allows a single credentialStatus object per credential, so only
    badges issued with a suspension-purpose entry (organisations whose status method is
    "bitstring-suspension") can be suspended; for the others this raises
    SuspensionUnsupported. Raises Conflict for a revoked badge or one already in that state.
    """
    if award.org_id != org.id:
        raise NotFound(_("No such badge."))
    if award.status_purpose != "suspension":
        raise SuspensionUnsupported(
            _(
                "This badge cannot be suspended: its one status entry is for revocation (the Open Badges 3.0 schema allows one). Revoke it instead, and re-issue it later."
            )
        )
    if (
        award.revoked_at is None
        and award.suspended != suspended
        and _change(
            session,
            award,
            Award.revoked_at.is_(None),
            Award.suspended.is_(not suspended),
            suspended=suspended,
        )
    ):
        note(session, "suspend" if suspended else "unsuspend", award=award.public_id)
        return award
    if award.revoked_at is not None:  # (reloaded when another request changed it just now)
        raise Conflict(_("This badge is revoked; it stays suspended for good."))
    raise Conflict(
        _("This badge is already suspended.") if suspended else _("This badge is not suspended.")
    )


def change_suspension(
    session: Session,
    *,
    award: Award,
    org: Organisation,
    suspended: bool,
    reason: str = "",
    actor: Actor | None = None,
    urls: PublicUrls | None = None,
) -> Award:
    """``set_suspended``, with its audit entry (the optional ``reason`` goes into the log, not
    to the learner) and a message telling the learner (with the badge's link, given ``urls``)."""
    reason = reason.strip()
    if len(reason) > 500:
        raise InvalidInput(
            _("Keep the reason under 500 characters."), fields={"reason": _("Too long.")}
        )
    set_suspended(session, award=award, org=org, suspended=suspended)
    record(
        session,
        org_id=org.id,
        actor=actor,
        action=AuditAction.AWARD_SUSPEND if suspended else AuditAction.AWARD_UNSUSPEND,
        subject=f"award:{award.public_id}",
        summary=Summary(
            ("award.suspend" if suspended else "award.unsuspend") + (".reason" if reason else ""),
            {
                "achievement": award.achievement.name,
                "learner": award.learner_name,
                **({"reason": reason} if reason else {}),
            },
        ),
        details={
            "achievement": award.achievement.public_id,
            "award": award.public_id,
            "reason": reason or None,
        },
    )
    link = f"{urls.credential(award.public_id)}\n\n" if urls else ""
    badge = award.achievement.name
    with in_language(message_language(session, org, award.learner_email)):
        if suspended:
            subject = _("Your badge is suspended for now: %(badge)s", badge=badge)
            news = _(
                '%(school)s has suspended your badge "%(badge)s" for now. While it is suspended, '
                "anyone who checks it is told that it is not valid. You will get a message when "
                "the suspension is lifted.",
                school=org.name,
                badge=badge,
            )
        else:
            subject = _("Your badge is valid again: %(badge)s", badge=badge)
            news = _(
                '%(school)s has lifted the suspension of your badge "%(badge)s": it is valid again.',
                school=org.name,
                badge=badge,
            )
        body = (
            _("Dear %(name)s,", name=award.learner_name)
            + f"\n\n{news}\n\n{link}"
            + _("If you have a question, please contact %(school)s.", school=org.name)
            + "\n"
        )
    message = OutboxMessage(
        org_id=award.org_id,
        award_id=award.id,
        to_email=award.learner_email,
        to_name=award.learner_name,
        subject=subject,
        body=body,
    )
    session.add(message)
    session.flush()
    note_new_messages(session, [message])
    return award


def _bits(session: Session, org: Organisation, purpose: str) -> bsl.BitstringStatusList:
    query = select(Award.status_index).where(Award.org_id == org.id)
    if purpose == "revocation":
        query = query.where(Award.status_purpose == "revocation", Award.revoked_at.is_not(None))
    elif purpose == "suspension":
        # A revoked badge whose one entry is for suspension stays suspended for good.
        query = query.where(
            Award.status_purpose == "suspension",
            or_(Award.suspended.is_(True), Award.revoked_at.is_not(None)),
        )
    else:
        raise NotFound(_("No such status list."))
    bits = bsl.BitstringStatusList()
    for index in session.scalars(query):
        bits.set(index)
    return bits


def status_list_credential(
    session: Session,
    *,
    org: Organisation,
    purpose: str,
    sealer: Sealer,
    urls: PublicUrls,
    now: datetime | None = None,
) -> tuple[str, str]:
    """The signed BitstringStatusListCredential as (media type, body) — JSON or a VC-JWT."""
    if org.status_method == StatusMethod.REVOCATION_LIST:
        raise NotFound(_("This organisation publishes a 1EdTech revocation list instead."))
    return signed_status_list(
        session,
        org=org,
        list_url=urls.status_list(org.slug, purpose),
        purpose=purpose,
        bits=_bits(session, org, purpose),
        sealer=sealer,
        urls=urls,
        now=now,
    )


def signed_status_list(
    session: Session,
    *,
    org: Organisation,
    list_url: str,
    purpose: str,
    bits: bsl.BitstringStatusList,
    sealer: Sealer,
    urls: PublicUrls,
    now: datetime | None = None,
) -> tuple[str, str]:
    """Any of ``org``'s status lists (its badges', its endorsements') signed with its active
    key, as (media type, body): JSON with a Data Integrity proof, or a VC-JWT."""
    now = (now or now_utc()).replace(microsecond=0)
    unsigned = bsl.status_list_credential(
        list_url=list_url,
        issuer=urls.org_did(org.slug),
        status_list=bits,
        purpose=purpose,
        # Backdated: a list made this second must already be valid for a verifier whose
        # clock read a moment earlier (or runs a little behind); see CLOCK_SKEW.
        valid_from=now - CLOCK_SKEW,
        valid_until=now + timedelta(days=1),
        ttl_ms=STATUS_TTL_MS,
    )
    key_row = active_key(session, org)
    key = private_key(key_row, org, sealer)
    method = urls.verification_method(org.slug, key_row.kid)
    if key.alg is Algorithm.EDDSA:
        signed = sign_credential(
            unsigned, key, verification_method=method, proof=ProofFormat.DATA_INTEGRITY
        )
        assert signed.json is not None
        return "application/vc+ld+json", jsonutil.dumps(signed.json)
    signed = sign_credential(unsigned, key, verification_method=method, proof=ProofFormat.JWT)
    assert signed.jwt is not None
    return "application/vc+jwt", signed.jwt


def revocation_list(session: Session, *, org: Organisation, urls: PublicUrls) -> dict[str, Any]:
    """The 1EdTech revocation list: every revoked credential of ``org`` with its reason."""
    revoked = session.execute(
        select(Award.public_id, Award.revocation_reason)
        .where(Award.org_id == org.id, Award.revoked_at.is_not(None))
        .order_by(Award.revoked_at)
    ).all()
    return rl.revocation_list(
        list_url=urls.revocation_list(org.slug),
        issuer_id=issuer_profile(org, urls).id,
        revoked=[(urls.credential(pid), reason) for pid, reason in revoked],
    )
