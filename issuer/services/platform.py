"""The platform as an issuer of its own: the did:web of the base URL, with its signing key.

The deployment signs what no school issues (a learner's CLR 2.0 export) as itself. It is
an ``Organisation`` row of the kind ``platform``, made on first use (and by ``badges
serve``), whose keys are created, sealed, rotated (``badges keys --org _platform``) and
marked compromised like a school's. Its slug cannot be a school's (the form refuses an
underscore), and it is in no list of schools.

Its DID is the base URL's did:web (``did:web:badges.school.lt``), whose document the
did:web method reads from ``/.well-known/did.json`` (or ``<path>/did.json`` for a base URL
with a path). A CLR is not recorded when it is exported, so the document lists every key
that was not compromised, retired ones too: a CLR signed years ago still verifies.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from badges import dids
from badges import keys as core_keys
from badges.model import Profile

from ..errors import NotFound
from ..models import Organisation, OrgKind, SigningKey
from ..translate import _
from ..urls import PublicUrls
from .keys import Sealer, create_signing_key

PLATFORM_SLUG = "_platform"
PLATFORM_NAME = "ASPnet Badges"


def platform_issuer(session: Session) -> Organisation | None:
    """The platform's row, or None before its first use."""
    return session.scalar(select(Organisation).where(Organisation.kind == OrgKind.PLATFORM))


def ensure_platform_issuer(session: Session, *, sealer: Sealer, urls: PublicUrls) -> Organisation:
    """The platform's row, made with its first signing key when there is none yet."""
    org = platform_issuer(session)
    if org is not None:
        return org
    try:
        with session.begin_nested():
            org = Organisation(
                slug=PLATFORM_SLUG, name=PLATFORM_NAME, kind=OrgKind.PLATFORM, url=urls.base
            )
            session.add(org)
            session.flush()
            create_signing_key(session, org=org, sealer=sealer)
    except IntegrityError:
        # made at the same moment by another request: that one is the platform
        found = platform_issuer(session)
        if found is None:
            raise
        return found
    return org


def platform_profile(org: Organisation, urls: PublicUrls) -> Profile:
    """The platform's OB 3.0 Profile as the issuer of what it signs."""
    return Profile(id=urls.platform_did(), name=org.name, url=org.url or urls.base)


def platform_keys(session: Session, org: Organisation) -> list[tuple[SigningKey, Any]]:
    """Every key of the platform that was not compromised, oldest first."""
    rows = session.scalars(
        select(SigningKey)
        .where(SigningKey.org_id == org.id, SigningKey.compromised_at.is_(None))
        .order_by(SigningKey.id)
    ).all()
    return [(row, core_keys.PublicKey.from_jwk(row.public_jwk)) for row in rows]


def platform_did_document(session: Session, urls: PublicUrls) -> dict[str, Any]:
    """The platform's DID document. Raises NotFound before the platform's first use."""
    org = platform_issuer(session)
    if org is None:
        raise NotFound(_("This platform has not signed anything yet."))
    did = urls.platform_did()
    keys = [(f"{did}#{row.kid}", public) for row, public in platform_keys(session, org)]
    return dids.did_web_document(did, keys, also_known_as=[urls.base])
