"""Registries of trusted issuers (badges/registry.py's format) published by this platform.

``/registry.json`` lists every organisation on the platform; ``/orgs/<slug>/registry.json``
an organisation and every organisation under it (a coordination centre's list of its
schools). A verifier that trusts one names the signer of a badge "a school known to" it;
``badges serve`` gives its verifier the platform's list.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Organisation, OrgKind
from ..urls import PublicUrls


def _entry(org: Organisation, urls: PublicUrls) -> dict[str, Any]:
    url = org.url if org.url and org.url.startswith(("https://", "http://")) else urls.org(org.slug)
    return {"name": org.name, "url": url}


def registry(
    session: Session, urls: PublicUrls, *, root: Organisation | None = None
) -> dict[str, Any]:
    """The registry document: every organisation, or ``root`` and those under it."""
    orgs = list(
        session.scalars(
            select(Organisation)
            .where(Organisation.kind != OrgKind.PLATFORM)
            .order_by(Organisation.name)
        )
    )
    if root is None:
        kept = orgs
        name = f"ASPnet Badges at {urlsplit(urls.base).netloc}"
        url = f"{urls.base}/registry.json"
    else:
        children: dict[int | None, list[Organisation]] = defaultdict(list)
        for org in orgs:
            children[org.parent_id].append(org)
        kept, todo, seen = [], [root], set()
        while todo:
            org = todo.pop()
            if org.id in seen:
                continue
            seen.add(org.id)
            kept.append(org)
            todo.extend(children[org.id])
        name = root.name
        url = f"{urls.org(root.slug)}/registry.json"
    return {
        "name": name,
        "url": url,
        "issuers": {urls.org_did(org.slug): _entry(org, urls) for org in kept},
    }
