"""Organisations: creation, public profile, DID document and JWKS."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from badges import dids
from badges import keys as core_keys
from badges.model import Profile

from ..errors import InvalidInput, NotFound
from ..models import Organisation, OrgKind, StatusMethod
from ..translate import _
from ..urls import PublicUrls
from .audit import Actor, AuditAction, record
from .audit_summaries import Summary
from .keys import Sealer, create_signing_key, published_keys

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
LANGUAGE = re.compile(r"[a-z]{2,3}")  # a language code as the catalogues are named
KEY_ALGS = ("EdDSA", "ES256", "RS256")


def create_organisation(
    session: Session,
    *,
    sealer: Sealer,
    slug: str,
    name: str,
    kind: str = OrgKind.SCHOOL,
    description: str = "",
    url: str | None = None,
    country: str | None = None,
    parent: Organisation | None = None,
    status_method: str = StatusMethod.BITSTRING,
    key_alg: str = "EdDSA",
    default_language: str = "en",
) -> Organisation:
    """A new issuer with its first signing key. Raises InvalidInput for bad values."""
    errors: dict[str, str] = {}
    slug = slug.strip().lower()
    name = name.strip()
    if not SLUG.fullmatch(slug):
        errors["slug"] = _("Use 1-64 lowercase letters, digits and dashes.")
    elif session.scalar(select(Organisation.id).where(Organisation.slug == slug)):
        errors["slug"] = _("This short name is taken.")
    if not name or len(name) > 200:
        errors["name"] = _("Give a name of at most 200 characters.")
    if kind not in set(OrgKind) or kind == OrgKind.PLATFORM:
        errors["kind"] = _("Choose school, centre or network.")
    if status_method not in set(StatusMethod):
        errors["status_method"] = _("Choose a status method.")
    if key_alg not in KEY_ALGS:
        errors["key_alg"] = _("Choose EdDSA, ES256 or RS256.")
    if url and not re.match(r"https?://", url):
        errors["url"] = _("The website must start with https:// or http://.")
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        errors["country"] = _("Use a two-letter country code, e.g. LT.")
    if not LANGUAGE.fullmatch(default_language):
        errors["default_language"] = _("Choose one of the languages offered.")
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    org = Organisation(
        slug=slug,
        name=name,
        kind=kind,
        description=description.strip(),
        url=url or None,
        country=country or None,
        parent_id=parent.id if parent else None,
        status_method=status_method,
        key_alg=key_alg,
        default_language=default_language,
    )
    session.add(org)
    session.flush()
    create_signing_key(session, org=org, sealer=sealer)
    return org


def set_default_language(
    session: Session,
    org: Organisation,
    value: str,
    *,
    offered: Sequence[str],
    actor: Actor | None = None,
) -> Organisation:
    """Set the language of the organisation's pages and messages for whoever chose none
    (one of ``offered``: the languages with a catalogue). Audited."""
    if value not in offered:
        raise InvalidInput(
            _("Please correct the marked fields."),
            fields={"default_language": _("Choose one of the languages offered.")},
        )
    if value != org.default_language:
        before = org.default_language
        org.default_language = value
        record(
            session,
            org_id=org.id,
            actor=actor,
            action=AuditAction.ORG_UPDATE,
            subject=f"org:{org.slug}",
            summary=Summary("org.update.default_language", {"language": value}),
            details={"default_language": {"before": before, "after": value}},
        )
        session.flush()
    return org


def get_organisation(session: Session, slug: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        raise NotFound(_("No such organisation."))
    return org


def issuer_profile(org: Organisation, urls: PublicUrls, *, depth: int = 0) -> Profile:
    """The OB 3.0 Profile of ``org`` as it appears in credentials (parents included)."""
    parent = None
    if org.parent is not None and depth < 3:
        parent = issuer_profile(org.parent, urls, depth=depth + 1)
    return Profile(
        id=urls.org_did(org.slug),
        name=org.name,
        url=org.url or urls.org(org.slug),
        description=org.description or None,
        parent_org=parent,
    )


def did_document(session: Session, org: Organisation, urls: PublicUrls) -> dict[str, Any]:
    did = urls.org_did(org.slug)
    keys = [(f"{did}#{row.kid}", public) for row, public in published_keys(session, org)]
    return dids.did_web_document(did, keys, also_known_as=[urls.org(org.slug)])


def jwks(session: Session, org: Organisation, urls: PublicUrls) -> dict[str, Any]:
    return core_keys.jwks(
        [
            (urls.verification_method(org.slug, row.kid), public)
            for row, public in published_keys(session, org)
        ]
    )
