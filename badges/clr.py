"""1EdTech Comprehensive Learner Record 2.0: a ``ClrCredential`` that carries a learner's badges.

``build_clr`` makes the unsigned credential, ``sign_clr`` secures it (Data Integrity
``eddsa-rdfc-2022`` and a VC-JWT, like a badge), ``clr_entries`` reads the credentials
inside one back, and ``clr_model_problems`` checks it against the CLR 2.0 data model.

The badges inside (``credentialSubject.verifiableCredential``) are kept exactly as they
were issued, each with its own proof:

* a credential with an embedded proof is the JSON object itself;
* a credential secured only as a VC-JWT (ES256/RS256 issuers, or a badge that came as a
  token) is a VC Data Model 2.0 ``EnvelopedVerifiableCredential`` whose ``id`` is the
  compact JWT in a ``data:application/vc+jwt,`` URL, byte for byte.

Why an envelope and not the bare token string: the CLR 2.0 data model types
``verifiableCredential`` as VerifiableCredential objects (1EdTech's own validator reads
each entry as a JSON object and passes over anything else), and its context would sign a
bare string as an opaque typed literal. The envelope is the VC Data Model 2.0 way to put
a secured credential into a graph; its type is defined by the VC 2.0 context every CLR
already names. Readers here accept a bare compact JWT entry as well.

The CLR 2.0 JSON schema is not bundled (no authoritative copy could be had offline, see
``badges/standards``); ``clr_model_problems`` checks what the data model requires instead.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from . import standards
from .clr_shape import (
    CLR_CONTEXT as CLR_CONTEXT,
)
from .clr_shape import (
    CLR_CONTEXTS as CLR_CONTEXTS,
)
from .clr_shape import (
    CLR_SUBJECT_TYPE as CLR_SUBJECT_TYPE,
)
from .clr_shape import (
    CLR_TYPE as CLR_TYPE,
)
from .clr_shape import (
    ENVELOPED_TYPE as ENVELOPED_TYPE,
)
from .clr_shape import (
    JWT_DATA_URL as JWT_DATA_URL,
)
from .clr_shape import (
    clr_entries as clr_entries,
)
from .clr_shape import (
    entry_source as entry_source,
)
from .clr_shape import (
    enveloped as enveloped,
)
from .clr_shape import (
    is_clr as is_clr,
)
from .clr_shape import (
    looks_like_record as looks_like_record,
)
from .errors import FormatError
from .issuing import ProofFormat, SignedCredential, sign_credential
from .jsonld.loader import FrozenDocumentLoader
from .keys import KeyPair
from .model import IdentityObject, Model, Profile
from .proofs import vc_jwt

# The association a pathway makes with each achievement it requires: the pathway is the
# parent of what it is made of (the CLR 2.0 guide's own example links a degree so).
PATHWAY_ASSOCIATION = "isParentOf"
ASSOCIATION_TYPES = frozenset(
    {
        "exactMatchOf",
        "isChildOf",
        "isParentOf",
        "isPartOf",
        "isPeerOf",
        "isRelatedTo",
        "precedes",
        "replacedBy",
    }
)


def clr_context() -> list[str | dict[str, Any]]:
    """``@context`` of a CLR: VC 2.0, CLR 2.0.1, then OB 3.0.3 (which defines ``xsd:``,
    Profile and Achievement, as every CLR 2.0 example lists it)."""
    return [standards.VC_V2, CLR_CONTEXT, standards.OB_V3_CONTEXT]


@dataclass(frozen=True, kw_only=True)
class Association(Model):
    """How two achievements of the record relate: ``sourceId`` is ``associationType`` of
    ``targetId``."""

    TYPE: ClassVar[str] = "Association"
    association_type: str
    source_id: str
    target_id: str


@dataclass(frozen=True, kw_only=True)
class ClrSubject(Model):
    """The learner, the credentials of the record, their achievements and associations."""

    TYPE: ClassVar[list[str]] = [CLR_SUBJECT_TYPE]
    id: str | None = None
    identifier: list[IdentityObject] = field(
        default_factory=list, metadata={"model": IdentityObject}
    )
    achievement: list[dict[str, Any]] = field(default_factory=list)
    verifiable_credential: list[dict[str, Any]] = field(default_factory=list)
    association: list[Association] = field(default_factory=list, metadata={"model": Association})


@dataclass(frozen=True, kw_only=True)
class ClrCredential(Model):
    """A ClrCredential, unsigned."""

    TYPE: ClassVar[list[str]] = ["VerifiableCredential", CLR_TYPE]
    context: list[str | dict[str, Any]] = field(default_factory=clr_context)
    id: str
    name: str
    issuer: Profile = field(metadata={"model": Profile})
    valid_from: datetime
    credential_subject: ClrSubject = field(metadata={"model": ClrSubject})
    description: str | None = None
    valid_until: datetime | None = None
    awarded_date: datetime | None = None
    partial: bool | None = None


# -- the credentials inside ------------------------------------------------------------


def _credential_of(item: dict[str, Any] | str) -> dict[str, Any]:
    """The credential a badge carries (a JWT's payload read, not verified)."""
    if isinstance(item, str):
        return vc_jwt.credential_from_payload(vc_jwt.decode_jwt(item).payload)
    return item


def _achievement_of(credential: dict[str, Any]) -> dict[str, Any] | None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    return achievement if isinstance(achievement, dict) else None


# -- building and signing --------------------------------------------------------------


def build_clr(
    credentials: Sequence[dict[str, Any] | str],
    *,
    issuer: Profile,
    credential_id: str,
    valid_from: datetime,
    name: str,
    description: str | None = None,
    subject_id: str | None = None,
    identifiers: Iterable[IdentityObject] = (),
    pathway_links: Iterable[tuple[str, str]] = (),
    valid_until: datetime | None = None,
    partial: bool | None = None,
) -> dict[str, Any]:
    """The unsigned ``ClrCredential`` holding ``credentials`` exactly as issued.

    Each credential is a signed JSON object (kept as it is, proof and all) or a compact
    VC-JWT (kept as an ``EnvelopedVerifiableCredential``). ``achievement`` lists the
    achievement of every credential once (by id, first seen first). ``pathway_links`` are
    (pathway achievement id, required achievement id) pairs: each pair whose achievements
    are both in the record becomes an ``isParentOf`` association from the pathway.

    Raises FormatError for an empty list or an entry that is neither.
    """
    if not credentials:
        raise FormatError("a CLR holds at least one credential")
    entries: list[dict[str, Any]] = []
    achievements: dict[str, dict[str, Any]] = {}
    for item in credentials:
        if isinstance(item, str):
            entries.append(enveloped(item))
        elif isinstance(item, dict):
            entries.append(copy.deepcopy(item))
        else:
            raise FormatError("each credential is a JSON object or a compact JWT")
        achievement = _achievement_of(_credential_of(item))
        ident = achievement.get("id") if achievement is not None else None
        if isinstance(ident, str) and ident not in achievements:
            achievements[ident] = copy.deepcopy(achievement)  # type: ignore[arg-type]
    associations: list[Association] = []
    seen: set[tuple[str, str]] = set()
    for source, target in pathway_links:
        if source in achievements and target in achievements and source != target:
            if (source, target) not in seen:
                seen.add((source, target))
                associations.append(
                    Association(
                        association_type=PATHWAY_ASSOCIATION, source_id=source, target_id=target
                    )
                )
    clr = ClrCredential(
        id=credential_id,
        name=name,
        description=description,
        issuer=issuer,
        valid_from=valid_from,
        valid_until=valid_until,
        partial=partial,
        credential_subject=ClrSubject(
            id=subject_id,
            identifier=list(identifiers),
            achievement=list(achievements.values()),
            verifiable_credential=entries,
            association=associations,
        ),
    )
    return clr.to_json()


def sign_clr(
    clr: dict[str, Any],
    key: KeyPair,
    *,
    verification_method: str,
    created: datetime | None = None,
    loader: FrozenDocumentLoader | None = None,
) -> SignedCredential:
    """Secure a CLR as a badge is: the embedded eddsa-rdfc-2022 proof, then the VC-JWT of
    that signed document (an ES256/RS256 key signs the JWT only)."""
    if not is_clr(clr):
        raise FormatError("not a ClrCredential")
    return sign_credential(
        clr,
        key,
        verification_method=verification_method,
        proof=ProofFormat.BOTH,
        created=created,
        loader=loader,
    )


# -- the data model --------------------------------------------------------------------


def _is_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def clr_model_problems(clr: dict[str, Any]) -> list[str]:
    """What ``clr`` lacks of the CLR 2.0 data model (its required properties and types),
    as short sentences; empty when it keeps them. The credentials inside are not checked
    here: each is verified on its own."""
    problems: list[str] = []
    contexts = _types(clr.get("@context"))
    if not CLR_CONTEXTS & {c for c in contexts if isinstance(c, str)}:
        problems.append("@context does not name the CLR 2.0 context")
    for name in ("id", "name"):
        if not _is_str(clr.get(name)):
            problems.append(f"{name} is missing")
    types = _types(clr.get("type"))
    if "VerifiableCredential" not in types or CLR_TYPE not in types:
        problems.append("type must include VerifiableCredential and ClrCredential")
    issuer = clr.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not _is_str(issuer_id):
        problems.append("issuer has no id")
    if not _is_str(clr.get("validFrom")) and not _is_str(clr.get("issuanceDate")):
        problems.append("validFrom is missing")
    if "partial" in clr and not isinstance(clr["partial"], bool):
        problems.append("partial must be true or false")
    subject = clr.get("credentialSubject")
    if not isinstance(subject, dict):
        problems.append("credentialSubject must be one ClrSubject object")
        return problems
    if CLR_SUBJECT_TYPE not in _types(subject.get("type")):
        problems.append("credentialSubject.type must include ClrSubject")
    entries = subject.get("verifiableCredential")
    if not isinstance(entries, list) or not entries:
        problems.append("credentialSubject.verifiableCredential must list at least one credential")
    ids: set[str] = set()
    for index, achievement in enumerate(_types(subject.get("achievement", []))):
        where = f"credentialSubject.achievement[{index}]"
        if not isinstance(achievement, dict):
            problems.append(f"{where} is not an object")
            continue
        for name in ("id", "name", "description"):
            if not _is_str(achievement.get(name)):
                problems.append(f"{where}.{name} is missing")
        if "Achievement" not in _types(achievement.get("type")):
            problems.append(f"{where}.type must include Achievement")
        if not isinstance(achievement.get("criteria"), dict):
            problems.append(f"{where}.criteria is missing")
        if _is_str(achievement.get("id")):
            ids.add(achievement["id"])
    for index, association in enumerate(_types(subject.get("association", []))):
        where = f"credentialSubject.association[{index}]"
        if not isinstance(association, dict):
            problems.append(f"{where} is not an object")
            continue
        if association.get("type") != "Association":
            problems.append(f"{where}.type must be Association")
        if association.get("associationType") not in ASSOCIATION_TYPES:
            problems.append(f"{where}.associationType is not a CLR 2.0 association type")
        for name in ("sourceId", "targetId"):
            if not _is_str(association.get(name)):
                problems.append(f"{where}.{name} is missing")
    return problems
