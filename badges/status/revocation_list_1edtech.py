"""The 1EdTech Revocation List status method (the one 1EdTech conformance tests use).

The credential's ``credentialStatus`` is ``{"id": LIST_URL, "type": "1EdTechRevocationList"}``
and the list at that URL is JSON: ``{"id", "issuer", "revokedCredentials": [{"id",
"revoked", "revocationReason"}]}``. A credential whose id is listed (with ``revoked``
true or absent) is revoked. Using it requires the OB 3.0 ``extensions.json`` context.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import StatusError

ENTRY_TYPE = "1EdTechRevocationList"
MAX_LISTED = 1_000_000


def status_entry(list_url: str) -> dict[str, Any]:
    """A ``credentialStatus`` entry pointing at the issuer's revocation list."""
    return {"id": list_url, "type": ENTRY_TYPE}


def revocation_list(
    *, list_url: str, issuer_id: str, revoked: Iterable[tuple[str, str | None]]
) -> dict[str, Any]:
    """The revocation list document for (credential id, reason) pairs."""
    entries = []
    for credential_id, reason in revoked:
        item: dict[str, Any] = {"id": credential_id, "revoked": True}
        if reason:
            item["revocationReason"] = reason
        entries.append(item)
    return {"id": list_url, "issuer": issuer_id, "revokedCredentials": entries}


@dataclass(frozen=True)
class Revocation:
    """Whether a credential is listed as revoked, and why."""

    revoked: bool
    reason: str | None = None


def lookup(document: Any, credential_id: str, *, list_url: str, issuer_id: str) -> Revocation:
    """Find ``credential_id`` in a revocation list. Raises StatusError for a bad list."""
    if not isinstance(document, dict):
        raise StatusError("the revocation list is not a JSON object")
    if document.get("id") not in (None, list_url):
        raise StatusError("the revocation list's id is not the URL it came from")
    listed_issuer = document.get("issuer")
    if isinstance(listed_issuer, dict):
        listed_issuer = listed_issuer.get("id")
    if listed_issuer is not None and listed_issuer != issuer_id:
        raise StatusError("the revocation list belongs to another issuer")
    entries = document.get("revokedCredentials", [])
    if not isinstance(entries, list) or len(entries) > MAX_LISTED:
        raise StatusError("revokedCredentials must be a list")
    for item in entries:
        item_id = item.get("id") if isinstance(item, dict) else item
        if item_id == credential_id:
            flag = item.get("revoked", True) if isinstance(item, dict) else True
            if flag is False:
                return Revocation(False)
            reason = item.get("revocationReason") if isinstance(item, dict) else None
            return Revocation(True, reason if isinstance(reason, str) else None)
    return Revocation(False)
