"""Bundled copies of the JSON-LD contexts and 1EdTech JSON schemas, by canonical URL.

Nothing here ever goes to the network: a URL that is not bundled is simply not known.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

_ROOT = resources.files(__name__)


@cache
def _index() -> dict[str, str]:
    data: dict[str, str] = json.loads((_ROOT / "index.json").read_text("utf-8"))
    return data


@cache
def bundled_urls() -> frozenset[str]:
    """Every canonical URL that has a bundled copy (one set, built once: the loader asks
    for every context of every credential it checks)."""
    return frozenset(_index())


@cache
def load_document(url: str) -> Any | None:
    """The parsed bundled document for a canonical URL, or None when it is not bundled.

    The returned object is shared: callers must not mutate it.
    """
    path = _index().get(url)
    if path is None:
        return None
    return json.loads((_ROOT / path).read_text("utf-8"))


def context_files() -> dict[str, bytes]:
    """The bundled JSON-LD contexts as stored, by canonical URL (for fingerprints)."""
    return {
        url: (_ROOT / path).read_bytes()
        for url, path in sorted(_index().items())
        if path.startswith("contexts/")
    }


# Canonical URLs used throughout the library.
VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
OB_V3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_V3_OLDER_CONTEXTS = (
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
)
OB_V3_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
ACHIEVEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
ENDORSEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json"
)
PROFILE_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_profile_schema.json"
