"""The Open Badges 3.0 data model on the VC Data Model 2.0.

Small frozen dataclasses, one serialisation path: ``to_json()`` and ``from_json()``.
Field names are the spec's in snake_case; JSON names are camelCase. Properties this
model does not name are kept in ``extra`` and written back unchanged, so a credential
read and written again loses nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Self, TypeVar

from . import standards
from .errors import FormatError
from .timeutil import format_datetime, parse_datetime

M = TypeVar("M", bound="Model")

_DATETIME_FIELDS = {
    "valid_from",
    "valid_until",
    "awarded_date",
    "activity_start_date",
    "activity_end_date",
}
_JSON_NAMES = {"context": "@context"}


def _json_name(name: str) -> str:
    if name in _JSON_NAMES:
        return _JSON_NAMES[name]
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


_Layout = tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]


_LAYOUTS: dict[type[Model], _Layout] = {}


def _json_layout(cls: type[Model]) -> _Layout:
    """A model class's (field, JSON name) pairs: those written first (``@context``, ``id``,
    in that order), then the others in field order (``extra`` aside). Read once per class:
    a class award writes thousands of credentials."""
    layout = _LAYOUTS.get(cls)
    if layout is None:
        names = [f.name for f in dataclasses.fields(cls)]
        first = tuple((n, _json_name(n)) for n in ("context", "id") if n in names)
        rest = tuple((n, _json_name(n)) for n in names if n not in ("context", "id", "extra"))
        layout = _LAYOUTS[cls] = (first, rest)
    return layout


def nested(model: type[Model] | str, *, many: bool = False) -> Any:
    """Declare a field holding another model (or a list of them)."""
    if many:
        return field(default_factory=list, metadata={"model": model})
    return field(default=None, metadata={"model": model})


def _to_json(value: Any) -> Any:
    if isinstance(value, Model):
        return value.to_json()
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    return value


@dataclass(frozen=True, kw_only=True)
class Model:
    """Base of every model class: generic camelCase JSON with a fixed ``type``."""

    TYPE: ClassVar[str | list[str]] = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The JSON object for this value, ``@context``, ``id`` and ``type`` first."""
        out: dict[str, Any] = {}
        first, rest = _json_layout(type(self))
        for name, key in first:
            value = getattr(self, name)
            if value is not None:
                out[key] = _to_json(value)
        if self.TYPE:
            out["type"] = list(self.TYPE) if isinstance(self.TYPE, list) else self.TYPE
        for name, key in rest:
            value = getattr(self, name)
            if value is None or value == []:
                continue
            out[key] = _to_json(value)
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Read a JSON object. Raises FormatError for a value of the wrong shape."""
        if isinstance(data, str) and "id" in {f.name for f in dataclasses.fields(cls)}:
            data = {"id": data}  # a bare IRI reference, e.g. an issuer given as a string
        if not isinstance(data, dict):
            raise FormatError(f"{cls.__name__} must be a JSON object")
        kwargs: dict[str, Any] = {}
        known = set()
        for f in dataclasses.fields(cls):
            if f.name == "extra":
                continue
            key = _json_name(f.name)
            known.add(key)
            if key not in data:
                continue
            kwargs[f.name] = _from_json(f, data[key])
        known.add("type")
        kwargs["extra"] = {k: v for k, v in data.items() if k not in known}
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise FormatError(f"{cls.__name__} is missing a required property: {exc}") from exc


def _resolve_model(ref: type[Model] | str) -> type[Model]:
    if isinstance(ref, str):
        resolved: type[Model] = globals()[ref]
        return resolved
    return ref


def _from_json(f: dataclasses.Field[Any], value: Any) -> Any:
    model_ref = f.metadata.get("model")
    if model_ref is not None:
        model = _resolve_model(model_ref)
        if f.default_factory is list:
            items = value if isinstance(value, list) else [value]
            return [model.from_json(v) for v in items]
        return model.from_json(value)
    if f.name in _DATETIME_FIELDS:
        return parse_datetime(value)
    return value


# --- achievements ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Image(Model):
    """An image by URL or data URI, with an accessible caption."""

    TYPE: ClassVar[str] = "Image"
    id: str
    caption: str | None = None


@dataclass(frozen=True, kw_only=True)
class Criteria(Model):
    """What a learner must do to earn the achievement; ``narrative`` is Markdown."""

    id: str | None = None
    narrative: str | None = None


@dataclass(frozen=True, kw_only=True)
class Alignment(Model):
    """A link to a node of a competence framework (e.g. a pillar of learning, ESCO)."""

    TYPE: ClassVar[list[str]] = ["Alignment"]
    target_name: str
    target_url: str
    target_code: str | None = None
    target_description: str | None = None
    target_framework: str | None = None
    target_type: str | None = None


@dataclass(frozen=True, kw_only=True)
class RubricCriterionLevel(Model):
    """One level of a rubric, e.g. Emerging, Developing, Proficient, Mastered."""

    TYPE: ClassVar[list[str]] = ["RubricCriterionLevel"]
    id: str
    name: str
    description: str | None = None
    level: str | None = None
    points: str | None = None
    alignment: list[Alignment] = nested(Alignment, many=True)


@dataclass(frozen=True, kw_only=True)
class ResultDescription(Model):
    """A kind of result an achievement records, e.g. a rubric criterion level."""

    TYPE: ClassVar[list[str]] = ["ResultDescription"]
    id: str
    name: str
    result_type: str = "RubricCriterionLevel"
    rubric_criterion_level: list[RubricCriterionLevel] = nested(RubricCriterionLevel, many=True)
    required_level: str | None = None
    allowed_value: list[str] = field(default_factory=list)
    alignment: list[Alignment] = nested(Alignment, many=True)


@dataclass(frozen=True, kw_only=True)
class Related(Model):
    """Another version of the same achievement (e.g. in another language).

    The spec's entry names the other version (``id``, ``inLanguage``, ``version``); this
    platform also embeds its text (``name``, ``description``, and its criteria as
    ``narrative``: terms the OB 3.0 context defines for every node, and the JSON schema's
    ``Related`` allows more properties), so a reader can be shown the version in their
    language from the signed credential alone, without fetching the ``id``
    (``badges.languages``)."""

    TYPE: ClassVar[list[str]] = ["Related"]
    id: str
    in_language: str | None = None
    version: str | None = None
    name: str | None = None
    description: str | None = None
    narrative: str | None = None


@dataclass(frozen=True, kw_only=True)
class Profile(Model):
    """An issuer, creator or endorser: a school, a coordination centre, a network."""

    TYPE: ClassVar[list[str]] = ["Profile"]
    id: str
    name: str | None = None
    url: str | None = None
    description: str | None = None
    email: str | None = None
    phone: str | None = None
    image: Image | None = nested(Image)
    official: str | None = None
    parent_org: Profile | None = nested("Profile")
    endorsement: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class Achievement(Model):
    """What is recognised: a competence, a badge, a course (a "badge class")."""

    TYPE: ClassVar[list[str]] = ["Achievement"]
    id: str
    name: str
    description: str
    criteria: Criteria = field(metadata={"model": Criteria})
    achievement_type: str | None = None
    image: Image | None = nested(Image)
    alignment: list[Alignment] = nested(Alignment, many=True)
    result_description: list[ResultDescription] = nested(ResultDescription, many=True)
    tag: list[str] = field(default_factory=list)
    in_language: str | None = None
    related: list[Related] = nested(Related, many=True)
    creator: Profile | None = nested(Profile)
    version: str | None = None
    human_code: str | None = None
    field_of_study: str | None = None
    # Embedded EndorsementCredentials stay exactly as signed.
    endorsement: list[dict[str, Any]] = field(default_factory=list)


# --- the subject ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class IdentityObject(Model):
    """A recipient identifier, normally hashed with a salt (``sha256$…``)."""

    TYPE: ClassVar[str] = "IdentityObject"
    identity_hash: str
    identity_type: str = "emailAddress"
    hashed: bool = True
    salt: str | None = None


@dataclass(frozen=True, kw_only=True)
class Result(Model):
    """What the learner achieved against a result description, e.g. a rubric level."""

    TYPE: ClassVar[list[str]] = ["Result"]
    result_description: str | None = None
    achieved_level: str | None = None
    value: str | None = None
    status: str | None = None
    alignment: list[Alignment] = nested(Alignment, many=True)


@dataclass(frozen=True, kw_only=True)
class AchievementSubject(Model):
    """The learner (a DID ``id`` or hashed ``identifier``) and what they achieved."""

    TYPE: ClassVar[list[str]] = ["AchievementSubject"]
    achievement: Achievement = field(metadata={"model": Achievement})
    id: str | None = None
    identifier: list[IdentityObject] = nested(IdentityObject, many=True)
    result: list[Result] = nested(Result, many=True)
    activity_start_date: datetime | None = None
    activity_end_date: datetime | None = None
    narrative: str | None = None
    credits_earned: float | None = None
    role: str | None = None
    term: str | None = None


@dataclass(frozen=True, kw_only=True)
class Evidence(Model):
    """Something that shows the work: a URL, a narrative, or both."""

    TYPE: ClassVar[list[str]] = ["Evidence"]
    id: str | None = None
    narrative: str | None = None
    name: str | None = None
    description: str | None = None
    genre: str | None = None
    audience: str | None = None


@dataclass(frozen=True, kw_only=True)
class EndorsementSubject(Model):
    """What an endorsement is about (an achievement or profile id) and the comment."""

    TYPE: ClassVar[list[str]] = ["EndorsementSubject"]
    id: str
    endorsement_comment: str | None = None


# --- credentials ------------------------------------------------------------------------


def default_context(*, extensions: bool = False) -> list[str | dict[str, Any]]:
    """``@context`` exactly as OB 3.0 wants it: VC 2.0, OB 3.0.3, then extensions."""
    context: list[str | dict[str, Any]] = [standards.VC_V2, standards.OB_V3_CONTEXT]
    if extensions:
        context.append(standards.OB_V3_EXTENSIONS)
    return context


def schema_reference(url: str) -> dict[str, str]:
    """A ``credentialSchema`` entry naming a 1EdTech JSON schema."""
    return {"id": url, "type": "1EdTechJsonSchemaValidator2019"}


@dataclass(frozen=True, kw_only=True)
class _Credential(Model):
    """What every credential shares: one status entry is written as an object."""

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        # One status entry is written as an object, several as an array (both are valid).
        status = out.get("credentialStatus")
        if isinstance(status, list) and len(status) == 1:
            out["credentialStatus"] = status[0]
        return out

    @classmethod
    def from_json(cls, data: Any) -> Self:
        if isinstance(data, dict) and isinstance(data.get("credentialStatus"), dict):
            data = {**data, "credentialStatus": [data["credentialStatus"]]}
        return super().from_json(data)


@dataclass(frozen=True, kw_only=True)
class OpenBadgeCredential(_Credential):
    """An OpenBadgeCredential (alias AchievementCredential), unsigned."""

    TYPE: ClassVar[list[str]] = ["VerifiableCredential", "OpenBadgeCredential"]
    SCHEMA: ClassVar[str] = standards.ACHIEVEMENT_CREDENTIAL_SCHEMA
    context: list[str | dict[str, Any]] = field(
        default_factory=lambda: default_context(extensions=True)
    )
    id: str
    name: str
    issuer: Profile = field(metadata={"model": Profile})
    valid_from: datetime
    credential_subject: AchievementSubject = field(metadata={"model": AchievementSubject})
    description: str | None = None
    image: Image | None = nested(Image)
    valid_until: datetime | None = None
    awarded_date: datetime | None = None
    evidence: list[Evidence] = nested(Evidence, many=True)
    credential_status: list[dict[str, Any]] = field(default_factory=list)
    credential_schema: list[dict[str, str]] = field(
        default_factory=lambda: [schema_reference(standards.ACHIEVEMENT_CREDENTIAL_SCHEMA)]
    )
    endorsement: list[dict[str, Any]] = field(default_factory=list)


AchievementCredential = OpenBadgeCredential


@dataclass(frozen=True, kw_only=True)
class EndorsementCredential(_Credential):
    """A signed statement by one organisation about another's achievement or profile."""

    TYPE: ClassVar[list[str]] = ["VerifiableCredential", "EndorsementCredential"]
    SCHEMA: ClassVar[str] = standards.ENDORSEMENT_CREDENTIAL_SCHEMA
    context: list[str | dict[str, Any]] = field(
        default_factory=lambda: default_context(extensions=True)
    )
    id: str
    name: str
    issuer: Profile = field(metadata={"model": Profile})
    valid_from: datetime
    credential_subject: EndorsementSubject = field(metadata={"model": EndorsementSubject})
    description: str | None = None
    valid_until: datetime | None = None
    awarded_date: datetime | None = None
    credential_status: list[dict[str, Any]] = field(default_factory=list)
    credential_schema: list[dict[str, str]] = field(
        default_factory=lambda: [schema_reference(standards.ENDORSEMENT_CREDENTIAL_SCHEMA)]
    )
