"""Endorsements: one organisation vouches for another's achievement or profile.

An endorsement is a signed OB 3.0 ``EndorsementCredential`` (issuer: the endorser's
profile; subject: the endorsed achievement's id URL or the endorsed organisation's DID,
with the comment), signed with the endorser's active key exactly like a badge (a Data
Integrity proof and a VC-JWT), and stored as its exact text. It is served at its own URL,
embedded exactly as stored in the badges issued afterwards (``achievement.endorsement`` and
the issuer profile's ``endorsement``), and withdrawn through the endorser's own Bitstring
Status List at ``/orgs/<slug>/status/endorsements`` (purpose revocation: a set bit means
withdrawn).

Decisions: only an organisation's admins endorse and withdraw; an organisation never
endorses its own achievements or itself; a comment is required (Markdown, at most
``MAX_COMMENT`` characters); one active endorsement per endorser and target; the endorser
needs an Ed25519 key (an embedded endorsement must carry its own Data Integrity proof: the
OB 3.0 context defines no term for JWT-only ``endorsementJwt``).
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from badges import jsonutil, model, standards
from badges.issuing import ProofFormat, sign_credential
from badges.keys import Algorithm
from badges.schema import schema_errors
from badges.status import bitstring_status_list as bsl

from ..errors import Conflict, InvalidInput, IssuerError, NotFound
from ..models import Achievement, Endorsement, Organisation, SigningKey
from ..models.base import now_utc, public_id
from ..translate import _
from ..urls import PublicUrls
from .audit import Actor, AuditAction, record
from .audit_summaries import Summary
from .keys import Sealer, active_key, lock_keys, private_key
from .orgs import issuer_profile
from .status import signed_status_list

MAX_COMMENT = 5000
MAX_REASON = 500
MAX_EMBEDDED = 5  # per achievement or profile, newest first (each adds ~1 ms to signing a badge)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Target:
    """What is endorsed: an achievement (of ``org``) or the organisation ``org`` itself."""

    org: Organisation
    achievement: Achievement | None
    subject_id: str  # the achievement's id URL, or the organisation's DID (its profile id)

    @property
    def name(self) -> str:
        if self.achievement is not None:
            return f"“{self.achievement.name}” of {self.org.name}"
        return self.org.name


def _target_error(message: str) -> InvalidInput:
    return InvalidInput(message, fields={"target": message})


def _bare(url: str) -> str:
    """``url`` without query and fragment, its scheme and host in lower case (they are
    case-insensitive). Raises ValueError for what is not a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}"


def find_target(session: Session, urls: PublicUrls, value: str) -> Target:
    """Read what to endorse: an achievement's public URL, an organisation's public URL or
    DID, or a form choice ``achievement:<public id>`` / ``org:<slug>``. Raises InvalidInput."""
    value = (value or "").strip()
    if not value:
        raise _target_error(_("Choose an achievement or an organisation to endorse."))
    if len(value) > 500 or _CONTROL.search(value):
        raise _target_error(_("That is not the link of an achievement or organisation here."))
    achievement_pid = org_slug = None
    if value.startswith("achievement:"):
        achievement_pid = value.removeprefix("achievement:")
    elif value.startswith("org:"):
        org_slug = value.removeprefix("org:")
    elif value.startswith("did:web:"):
        slug = value.rsplit(":", 1)[-1]
        if urls.org_did(slug) == value:
            org_slug = slug
    else:
        try:
            bare = _bare(value).rstrip("/")
        except ValueError:  # e.g. "https://[::1/…": not a URL at all
            raise _target_error(
                _("That is not the link of an achievement or organisation here.")
            ) from None
        for prefix, kind in (
            (_bare(urls.achievement("")), "achievement"),
            (_bare(urls.org("")), "org"),
        ):
            rest = bare.removeprefix(prefix) if bare.startswith(prefix) else None
            if rest and "/" not in rest:
                achievement_pid, org_slug = (rest, None) if kind == "achievement" else (None, rest)
                break
    if achievement_pid:
        achievement = session.scalar(
            select(Achievement).where(Achievement.public_id == achievement_pid)
        )
        if achievement is None:
            raise _target_error(_("There is no such achievement on this site."))
        owner = session.get(Organisation, achievement.org_id)
        assert owner is not None
        return Target(owner, achievement, urls.achievement(achievement.public_id))
    if org_slug:
        org = session.scalar(select(Organisation).where(Organisation.slug == org_slug))
        if org is None:
            raise _target_error(_("There is no such organisation on this site."))
        return Target(org, None, urls.org_did(org.slug))
    raise _target_error(
        _(
            "Give the link of an achievement or organisation on this site, e.g. %(achievement)s"
            " or %(org)s.",
            achievement=urls.achievement("…"),
            org=urls.org("…"),
        )
    )


def _clean_comment(comment: str) -> str:
    comment = _CONTROL.sub("", (comment or "").replace("\r\n", "\n")).strip()
    if not comment:
        raise InvalidInput(
            _("Please correct the marked fields."),
            fields={"comment": _("Say in a few words why you endorse it.")},
        )
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(
            _("Please correct the marked fields."),
            fields={
                "comment": _(
                    "Keep the comment under %(max_comment)s characters.",
                    max_comment=format(MAX_COMMENT, ","),
                )
            },
        )
    return comment


def _same_target(target: Target) -> Any:
    if target.achievement is not None:
        return Endorsement.achievement_id == target.achievement.id
    return Endorsement.endorsed_org_id == target.org.id


def build_endorsement(
    *,
    endorser: Organisation,
    target: Target,
    comment: str,
    credential_public_id: str,
    status_index: int,
    now: datetime,
    urls: PublicUrls,
) -> dict[str, Any]:
    """The unsigned EndorsementCredential."""
    what = "achievement" if target.achievement is not None else "organisation"
    credential = model.EndorsementCredential(
        id=urls.endorsement(credential_public_id),
        name=f"{endorser.name} endorses {target.name}"[:300],
        description=f"An endorsement of the {what} {target.name} by {endorser.name}."[:600],
        issuer=issuer_profile(endorser, urls),
        valid_from=now,
        credential_subject=model.EndorsementSubject(
            id=target.subject_id, endorsement_comment=comment
        ),
        credential_status=[
            bsl.status_entry(urls.endorsement_status_list(endorser.slug), status_index)
        ],
    )
    return credential.to_json()


def endorse(
    session: Session,
    *,
    endorser: Organisation,
    target: str | Target,
    comment: str,
    sealer: Sealer,
    urls: PublicUrls,
    created_by: int | None = None,
    actor: Actor | None = None,
    now: datetime | None = None,
) -> Endorsement:
    """Sign and store ``endorser``'s endorsement of ``target`` (see ``find_target``).

    Raises InvalidInput (per field: target, comment), Conflict (already endorsed; a key
    that cannot make a Data Integrity proof).
    """
    errors: dict[str, str] = {}
    try:
        comment = _clean_comment(comment)
    except InvalidInput as exc:
        errors.update(exc.fields)
    found: Target | None = None
    try:
        found = target if isinstance(target, Target) else find_target(session, urls, target)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if found is not None and found.org.id == endorser.id:
        errors["target"] = _("An organisation cannot endorse itself or its own achievements.")
    if errors or found is None:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    # one endorsement at a time per endorser, so that two requests at once cannot both
    # pass the check below; it also waits out a key change (e.g. a compromise) in progress
    lock_keys(session, endorser)
    taken = session.scalar(
        select(Endorsement.public_id).where(
            Endorsement.endorser_id == endorser.id,
            Endorsement.withdrawn_at.is_(None),
            _same_target(found),
        )
    )
    if taken is not None:
        raise Conflict(
            _(
                "%(name)s already endorses %(name2)s; withdraw that endorsement first.",
                name=endorser.name,
                name2=found.name,
            )
        )
    key_row = active_key(session, endorser)
    if key_row.alg != Algorithm.EDDSA.value:
        raise Conflict(
            _(
                "Endorsements need an Ed25519 (EdDSA) signing key: they are embedded in other organisations' badges with their own Data Integrity proof. Rotate to an EdDSA key first."
            )
        )
    key = private_key(key_row, endorser, sealer)
    method = urls.verification_method(endorser.slug, key_row.kid)
    now = (now or now_utc()).replace(microsecond=0)
    for _attempt in range(5):
        used = set(
            session.scalars(
                select(Endorsement.status_index).where(Endorsement.endorser_id == endorser.id)
            )
        )
        index = bsl.allocate_index(used)
        pid = public_id()
        unsigned = build_endorsement(
            endorser=endorser,
            target=found,
            comment=comment,
            credential_public_id=pid,
            status_index=index,
            now=now,
            urls=urls,
        )
        signed = sign_credential(unsigned, key, verification_method=method, proof=ProofFormat.BOTH)
        assert signed.json is not None  # an Ed25519 key always makes the embedded proof
        problems = schema_errors(signed.json, standards.ENDORSEMENT_CREDENTIAL_SCHEMA)
        if problems:  # never store what verifiers would refuse
            raise IssuerError(
                _(
                    "The endorsement could not be made: %(problems)s",
                    problems="; ".join(problems[:3]),
                )
            )
        row = Endorsement(
            public_id=pid,
            endorser_id=endorser.id,
            achievement_id=found.achievement.id if found.achievement is not None else None,
            endorsed_org_id=found.org.id if found.achievement is None else None,
            comment=comment,
            key_id=key_row.id,
            created_by=created_by,
            credential_json=jsonutil.dumps(signed.json),
            credential_jwt=signed.jwt,
            status_index=index,
            issued_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            continue  # a concurrent endorsement took the index: take another
        summary = Summary("endorsement.issue", {"endorser": endorser.name, "endorsed": found.name})
        details = {"target": found.subject_id, "endorser": endorser.slug, "comment": comment[:200]}
        record(
            session,
            org_id=endorser.id,
            actor=actor,
            action=AuditAction.ENDORSEMENT_ISSUE,
            subject=f"endorsement:{pid}",
            summary=summary,
            details=details,
        )
        record(
            session,
            org_id=found.org.id,
            actor=actor,
            action=AuditAction.ENDORSEMENT_ISSUE,
            subject=f"endorsement:{pid}",
            summary=Summary("endorsement.received", {"entry": summary}),
            details=details,
        )
        session.flush()
        return row
    raise Conflict(_("The endorsement could not be stored; please try again."))


def withdraw(
    session: Session,
    *,
    endorsement: Endorsement,
    endorser: Organisation,
    reason: str,
    actor: Actor | None = None,
    now: datetime | None = None,
) -> Endorsement:
    """Withdraw for good: its bit is set in the endorser's endorsement status list, and
    badges issued from now on no longer embed it. Raises NotFound (another organisation's
    endorsement), InvalidInput (no reason) or Conflict (already withdrawn)."""
    if endorsement.endorser_id != endorser.id:
        raise NotFound(_("No such endorsement."))
    reason = _CONTROL.sub("", reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give a reason for withdrawing it."), fields={"reason": "Required."})
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            _("Keep the reason under %(max_reason)s characters.", max_reason=MAX_REASON),
            fields={"reason": _("Too long.")},
        )
    lock_keys(session, endorser)  # two withdrawals at once: the second sees the first
    session.refresh(endorsement)
    if endorsement.withdrawn_at is not None:
        raise Conflict(_("This endorsement is already withdrawn."))
    endorsement.withdrawn_at = now or now_utc()
    endorsement.withdrawal_reason = reason
    record_withdrawal(session, endorsement=endorsement, endorser=endorser, actor=actor)
    session.flush()
    return endorsement


def record_withdrawal(
    session: Session, *, endorsement: Endorsement, endorser: Organisation, actor: Actor | None
) -> None:
    """The audit entries of a withdrawal (by staff, or with a compromised key): the endorser's,
    and the endorsed organisation's, one shape whatever the cause (the reason says it)."""
    target = target_of(session, endorsement)
    summary = Summary("endorsement.withdraw", {"endorser": endorser.name, "endorsed": target.name})
    details = {"target": endorsed_id(endorsement), "reason": endorsement.withdrawal_reason}
    received = Summary("endorsement.received", {"entry": summary})
    for org_id, text in ((endorser.id, summary), (target.org.id, received)):
        record(
            session,
            org_id=org_id,
            actor=actor,
            action=AuditAction.ENDORSEMENT_WITHDRAW,
            subject=f"endorsement:{endorsement.public_id}",
            summary=text,
            details=details,
        )


# -- reading ---------------------------------------------------------------------------------


def get_endorsement(session: Session, public_id_: str) -> Endorsement:
    row = session.scalar(select(Endorsement).where(Endorsement.public_id == public_id_))
    if row is None:
        raise NotFound(_("No such endorsement."))
    return row


def endorsed_id(endorsement: Endorsement) -> str:
    """The subject id as signed (the achievement's URL or the organisation's DID)."""
    subject = json.loads(endorsement.credential_json).get("credentialSubject", {})
    return str(subject.get("id", ""))


def target_of(session: Session, endorsement: Endorsement) -> Target:
    if endorsement.achievement_id is not None:
        achievement = session.get(Achievement, endorsement.achievement_id)
        assert achievement is not None
        owner = session.get(Organisation, achievement.org_id)
        assert owner is not None
        return Target(owner, achievement, endorsed_id(endorsement))
    org = session.get(Organisation, endorsement.endorsed_org_id)
    assert org is not None
    return Target(org, None, endorsed_id(endorsement))


def given(session: Session, org: Organisation) -> list[Endorsement]:
    return list(
        session.scalars(
            select(Endorsement)
            .where(Endorsement.endorser_id == org.id)
            .order_by(Endorsement.id.desc())
        )
    )


def received(session: Session, org: Organisation) -> list[Endorsement]:
    """Endorsements of ``org`` itself and of its achievements, newest first."""
    mine = select(Achievement.id).where(Achievement.org_id == org.id)
    return list(
        session.scalars(
            select(Endorsement)
            .where(or_(Endorsement.endorsed_org_id == org.id, Endorsement.achievement_id.in_(mine)))
            .order_by(Endorsement.id.desc())
        )
    )


def _embeddable(session: Session, condition: Any) -> list[dict[str, Any]]:
    """The signed JSON of active endorsements matching ``condition``, newest first: not
    withdrawn, and signed with a key that still vouches (not marked compromised)."""
    rows = session.scalars(
        select(Endorsement.credential_json)
        .join(SigningKey, SigningKey.id == Endorsement.key_id)
        .where(condition, Endorsement.withdrawn_at.is_(None), SigningKey.compromised_at.is_(None))
        .order_by(Endorsement.issued_at.desc(), Endorsement.id.desc())
        .limit(MAX_EMBEDDED)
    )
    found = [json.loads(text) for text in rows]
    return [doc for doc in found if "proof" in doc]


def endorsed_achievement(
    session: Session, achievement: Achievement, body: model.Achievement
) -> model.Achievement:
    """``body`` (the achievement's OB 3.0 form) with its active endorsements embedded."""
    found = _embeddable(session, Endorsement.achievement_id == achievement.id)
    return dataclasses.replace(body, endorsement=found) if found else body


def endorsed_profile(session: Session, org: Organisation, profile: model.Profile) -> model.Profile:
    """``profile`` (the organisation as issuer) with its active endorsements embedded."""
    found = _embeddable(session, Endorsement.endorsed_org_id == org.id)
    return dataclasses.replace(profile, endorsement=found) if found else profile


def status_bits(session: Session, org: Organisation) -> bsl.BitstringStatusList:
    bits = bsl.BitstringStatusList()
    for index in session.scalars(
        select(Endorsement.status_index).where(
            Endorsement.endorser_id == org.id, Endorsement.withdrawn_at.is_not(None)
        )
    ):
        bits.set(index)
    return bits


def status_list(
    session: Session,
    *,
    org: Organisation,
    sealer: Sealer,
    urls: PublicUrls,
    now: datetime | None = None,
) -> tuple[str, str]:
    """``org``'s signed endorsement status list as (media type, body)."""
    return signed_status_list(
        session,
        org=org,
        list_url=urls.endorsement_status_list(org.slug),
        purpose="revocation",
        bits=status_bits(session, org),
        sealer=sealer,
        urls=urls,
        now=now,
    )


def embedded_in(
    session: Session, credential: dict[str, Any], urls: PublicUrls
) -> list[dict[str, Any]]:
    """What a badge page shows of the endorsements embedded in ``credential``: endorser,
    what it endorses, comment, date, its page, and whether it has since been withdrawn
    (looked up here by id; one carried from elsewhere is shown as signed)."""
    holders: list[tuple[str, Any]] = [("badge", credential), ("issuer", credential.get("issuer"))]
    subject = credential.get("credentialSubject")
    for item in subject if isinstance(subject, list) else [subject]:
        if isinstance(item, dict):
            holders.append(("achievement", item.get("achievement")))
    found: list[dict[str, Any]] = []
    for location, holder in holders:
        if not isinstance(holder, dict) or not isinstance(holder.get("endorsement"), list):
            continue
        for doc in holder["endorsement"][:50]:
            if not isinstance(doc, dict):
                continue
            issuer = doc.get("issuer")
            subject_ = doc.get("credentialSubject")
            subject_ = subject_ if isinstance(subject_, dict) else {}
            found.append(
                {
                    "location": location,
                    "id": doc.get("id") if isinstance(doc.get("id"), str) else None,
                    "endorser": (issuer.get("name") if isinstance(issuer, dict) else None)
                    or "An endorser",
                    "comment": subject_.get("endorsementComment") or "",
                    "date": str(doc.get("validFrom") or "")[:10],
                    "row": None,
                }
            )
    prefix = urls.endorsement("")
    ids: dict[str, list[dict[str, Any]]] = {}
    for entry in found:
        if entry["id"] and entry["id"].startswith(prefix):
            ids.setdefault(entry["id"].removeprefix(prefix), []).append(entry)
    if ids:
        for row in session.scalars(select(Endorsement).where(Endorsement.public_id.in_(list(ids)))):
            for entry in ids[row.public_id]:
                entry["row"] = row
    return found
