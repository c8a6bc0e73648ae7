"""A learner's badges out as one signed 1EdTech CLR 2.0 ``ClrCredential``.

``export_clr`` bundles awards exactly as they were issued (each keeps its own proof: the
signed JSON where there is one, else the VC-JWT; see ``badges.clr``) and signs the record
as the platform itself (``services.platform``), with Data Integrity eddsa-rdfc-2022 and
as a VC-JWT. Pathways become ``association`` entries: each achievement a pathway requires
(``Achievement.requirement``) is linked from the pathway, when both are in the record.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from badges import jsonutil
from badges.clr import build_clr, sign_clr
from badges.identity import hashed_email

from ..errors import InvalidInput
from ..models import Achievement, Award
from ..models.base import now_utc
from ..translate import _
from ..urls import PublicUrls
from .awards import normalised_email
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


def export_clr(
    session: Session,
    awards: Sequence[Award],
    *,
    sealer: Sealer,
    urls: PublicUrls,
    pathway_links: Sequence[tuple[str, str]] | None = None,
    name: str = DEFAULT_NAME,
    description: str | None = None,
    now: datetime | None = None,
) -> tuple[str, str | None]:
    """``awards`` as one CLR signed by the platform: (its JSON text, its VC-JWT).

    ``pathway_links`` are (pathway achievement id, required achievement id) pairs; by
    default those of the awards' pathways (``pathway_links_of``). The record's subject is
    identified as the badges are: by the learners' addresses, hashed with a fresh salt.
    Makes the platform issuer on first use. Raises InvalidInput for no awards.
    """
    if not awards:
        raise InvalidInput(_("Choose at least one badge to export."))
    now = (now or now_utc()).replace(microsecond=0)
    links = pathway_links if pathway_links is not None else _default_links(session, awards, urls)
    org = ensure_platform_issuer(session, sealer=sealer, urls=urls)
    key_row = active_key(session, org)
    emails = sorted({normalised_email(award.learner_email) for award in awards})
    clr = build_clr(
        [_as_issued(award) for award in awards],
        issuer=platform_profile(org, urls),
        credential_id=f"urn:uuid:{uuid.uuid4()}",
        valid_from=now,
        name=name,
        description=description
        or f"{len(awards)} badge{'s' if len(awards) != 1 else ''} exported from {org.name}.",
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


def _default_links(
    session: Session, awards: Sequence[Award], urls: PublicUrls
) -> list[tuple[str, str]]:
    return pathway_links_of(session, awards, urls)
