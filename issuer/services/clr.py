"""A learner's badges out as one signed 1EdTech CLR 2.0 ``ClrCredential``.

``export_clr`` bundles awards exactly as they were issued (each keeps its own proof: the
signed JSON where there is one, else the VC-JWT; see ``badges.clr``) and signs the record
as the platform itself (``services.platform``), with Data Integrity eddsa-rdfc-2022 and
as a VC-JWT. Pathways become ``association`` entries: each achievement a pathway requires
(``Achievement.requirement``) is linked from the pathway, when both are in the record.

Badges the learner imported from other issuers go in too, each exactly as its issuer signed
it (``imports.signed_form``), when the record can hold it as signed: an Open Badges 3.0
credential on the VC Data Model 2.0, as the CLR 2.0 itself is. Left out (``clr_entries_of``
says which, and why; re-signing one would make it the platform's badge, not its issuer's):

- an Open Badges 2.0 assertion: it is no verifiable credential;
- a credential on the VC Data Model 1.1: as JSON-LD its context redefines terms the
  record's VC 2.0 context protects (signing the record fails: "tried to redefine a
  protected term"), and as a JWT (its credential in a ``vc`` claim) it is not the
  ``application/vc+jwt`` payload an ``EnvelopedVerifiableCredential`` names;
- one whose achievement (which the record lists under its own contexts) uses terms those
  contexts do not define (an extension's): the record could not be signed with it. Each
  imported badge is tried in a record of its own (expanded, not signed: a few
  milliseconds), so one such badge never stops the record of the others.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from badges import jsonutil
from badges.clr import build_clr, sign_clr
from badges.errors import BadgeError
from badges.identity import hashed_email, recipient_address
from badges.jsonld.canon import expand_strict
from badges.model import Profile
from badges.proofs.vc_jwt import decode_jwt, is_vc_claim_token
from badges.vc11 import is_vc11

from ..errors import InvalidInput
from ..models import Achievement, Award, ImportedBadge
from ..models.base import now_utc
from ..translate import N_, _
from ..urls import PublicUrls
from .awards import normalised_email
from .imports import signed_form
from .keys import Sealer, active_key, private_key
from .platform import ensure_platform_issuer, platform_profile

DEFAULT_NAME = "Comprehensive Learner Record"
MAX_RULE_DEPTH = 10


def _required_ids(rule: Any, depth: int = 0) -> Iterator[int]:
    """The achievement ids a requirement rule names, at any depth (rules nest)."""
    if not isinstance(rule, dict) or depth > MAX_RULE_DEPTH:
        return
    achievement = rule.get("achievement")
    if isinstance(achievement, int) and not isinstance(achievement, bool):
        yield achievement
    items = rule.get("items")
    if isinstance(items, list):
        for item in items:
            yield from _required_ids(item, depth + 1)


def pathway_links_of(
    session: Session, awards: Sequence[Award], urls: PublicUrls
) -> list[tuple[str, str]]:
    """(pathway achievement id, required achievement id) pairs, as the credentials name
    achievements, for every pathway among ``awards``' achievements."""
    ids = {award.achievement_id for award in awards}
    pathways = session.scalars(
        select(Achievement).where(Achievement.id.in_(ids), Achievement.requirement.is_not(None))
    ).all()
    wanted = {required for p in pathways for required in _required_ids(p.requirement)}
    public = dict(
        session.execute(
            select(Achievement.id, Achievement.public_id).where(Achievement.id.in_(wanted))
        ).all()
    )
    links = []
    for pathway in pathways:
        for required in _required_ids(pathway.requirement):
            if required in public:
                links.append(
                    (urls.achievement(pathway.public_id), urls.achievement(public[required]))
                )
    return links


def _as_issued(award: Award) -> dict[str, Any] | str:
    """The award as issued with its own proof: the signed JSON, else its VC-JWT."""
    document = json.loads(award.credential_json)
    if isinstance(document, dict) and "proof" in document:
        return document
    if award.credential_jwt:
        return award.credential_jwt
    raise InvalidInput(
        _("The badge %(public_id)s has no signed form to export.", public_id=award.public_id)
    )


NOT_A_VC = N_("Not in the CLR: an Open Badges 2.0 badge is not a verifiable credential")
VC_11 = N_(
    "Not in the CLR: a badge on the older VC Data Model 1.1 cannot be put in a CLR 2.0 "
    "record as it was signed"
)
NO_SIGNED_FORM = N_("Not in the CLR: its signed form was not received")
UNDEFINED_TERMS = N_(
    "Not in the CLR: it uses terms the CLR 2.0 record's context does not define, so the "
    "record could not be signed with it as it was issued"
)
_PROBE_ISSUER = Profile(id="urn:uuid:00000000-0000-4000-8000-000000000000", name="probe")
_PROBE_TIME = datetime(2000, 1, 1, tzinfo=UTC)


def _holdable(entry: dict[str, Any] | str) -> bool:
    """True when a record holding ``entry`` expands (so can be signed)."""
    try:
        probe = build_clr(
            [entry],
            issuer=_PROBE_ISSUER,
            credential_id=_PROBE_ISSUER.id,
            valid_from=_PROBE_TIME,
            name="probe",
        )
        expand_strict(probe)
    except BadgeError:
        return False
    return True


def imported_entry(row: ImportedBadge) -> tuple[dict[str, Any] | str | None, str | None]:
    """What a CLR holds of one imported badge, as its issuer signed it, or (None, why not)."""
    if row.format != "ob3":
        return None, NOT_A_VC
    signed = signed_form(row)
    if signed is None:
        return None, NO_SIGNED_FORM
    if isinstance(signed, dict):
        if is_vc11(signed):
            return None, VC_11
    else:
        try:
            payload = decode_jwt(signed).payload
        except BadgeError:
            return None, NO_SIGNED_FORM
        if is_vc_claim_token(payload):
            return None, VC_11
    return (signed, None) if _holdable(signed) else (None, UNDEFINED_TERMS)


def clr_entries_of(
    imported: Sequence[ImportedBadge], addresses: Sequence[str] = ()
) -> tuple[list[dict[str, Any] | str], set[str], dict[int, str]]:
    """Of ``imported`` (a learner's imported badges): the credentials a CLR holds, as their
    issuers signed them; the learner's addresses among ``addresses`` they were awarded to;
    and why each badge left out is (by its row id)."""
    entries: list[dict[str, Any] | str] = []
    emails: set[str] = set()
    left_out: dict[int, str] = {}
    for row in imported:
        entry, why = imported_entry(row)
        if entry is None:
            left_out[row.id] = why or NO_SIGNED_FORM
            continue
        entries.append(entry)
        try:
            read = json.loads(row.credential_json)
        except ValueError:
            read = None
        address = recipient_address(read, addresses) if isinstance(read, dict) else None
        if address is not None:
            emails.add(normalised_email(address))
    return entries, emails, left_out


def export_clr(
    session: Session,
    awards: Sequence[Award],
    *,
    sealer: Sealer,
    urls: PublicUrls,
    imported: Sequence[ImportedBadge] = (),
    addresses: Sequence[str] = (),
    pathway_links: Sequence[tuple[str, str]] | None = None,
    name: str = DEFAULT_NAME,
    description: str | None = None,
    now: datetime | None = None,
) -> tuple[str, str | None]:
    """``awards`` (and the Open Badges 3.0 badges of ``imported``, the learner's imported
    badges: see ``clr_entries_of``) as one CLR signed by the platform: (its JSON text, its
    VC-JWT).

    ``pathway_links`` are (pathway achievement id, required achievement id) pairs; by
    default those of the awards' pathways (``pathway_links_of``). The record's subject is
    identified as the badges are: by the learners' addresses (the awards', and those of
    ``addresses`` the imported badges were awarded to), hashed with a fresh salt. Makes the
    platform issuer on first use. Raises InvalidInput when there is nothing to put in.
    """
    others, imported_emails, _left_out = clr_entries_of(imported, addresses)
    if not awards and not others:
        raise InvalidInput(_("Choose at least one badge to export."))
    now = (now or now_utc()).replace(microsecond=0)
    links = pathway_links if pathway_links is not None else _default_links(session, awards, urls)
    org = ensure_platform_issuer(session, sealer=sealer, urls=urls)
    key_row = active_key(session, org)
    emails = sorted({normalised_email(award.learner_email) for award in awards} | imported_emails)
    count = len(awards) + len(others)
    clr = build_clr(
        [_as_issued(award) for award in awards] + others,
        issuer=platform_profile(org, urls),
        credential_id=f"urn:uuid:{uuid.uuid4()}",
        valid_from=now,
        name=name,
        description=description or _description(count, len(others), org.name),
        identifiers=[hashed_email(email) for email in emails],
        pathway_links=links,
    )
    signed = sign_clr(
        clr,
        private_key(key_row, org, sealer),
        verification_method=urls.platform_verification_method(key_row.kid),
        created=now,
    )
    document = signed.json if signed.json is not None else clr
    return jsonutil.dumps(document), signed.jwt


def _description(count: int, imported: int, platform: str) -> str:
    text = f"{count} badge{'s' if count != 1 else ''} exported from {platform}"
    if imported:
        text += f" ({imported} of them imported from other issuers, each as its issuer signed it)"
    return text + "."


def _default_links(
    session: Session, awards: Sequence[Award], urls: PublicUrls
) -> list[tuple[str, str]]:
    return pathway_links_of(session, awards, urls)
