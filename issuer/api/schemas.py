"""Serialisation: one marshmallow schema per resource of the JSON API.

Each schema is read three ways: ``load`` checks a request's fields (their types, the
unknown and the missing ones, with the messages clients have always had); ``dump`` writes
the JSON answer; and flask-smorest (apispec) turns it into the OpenAPI document
(issuer/api/spec.py). The values themselves (lengths, ranges, levels, addresses) are
checked by the services, whose messages the routes merge with the schema's so that every
problem shows at once; the limits are stated here too (``metadata``) for the document.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate

from badges import jsonutil
from badges.errors import BadgeError
from badges.timeutil import format_datetime, parse_datetime

from ..models import Achievement, Award
from ..models.base import MAX_ID
from ..services.achievements import level_descriptions
from ..services.awards import AWARD_STATUSES, MAX_BATCH, MAX_JOB_BATCH, award_status
from ..translate import N_, _
from ..web import dbs, urls

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
DIGITS = re.compile(r"[0-9]{1,18}")  # a whole number below 2**63, as database ids are
STATUS_PURPOSES = ("revocation", "suspension", "1edtech")


# -- the messages: English, and in the language Accept-Language asks for ----------------------
#
# The schemas give marshmallow English messages (N_ marks them for the catalogue); the
# messages reach the client through ``field_errors``, which writes each in the request's
# language (the API's: English unless Accept-Language asks for another of ours). A message
# with a value (a limit, the choices) is made by ``phrase``, which notes its template so
# that it is translated with its value put back in.

_PHRASES: dict[str, tuple[str, dict[str, Any]]] = {}

# marshmallow's own messages a request can meet (for the catalogue: they are translated
# like ours where they are read)
MARSHMALLOW_MESSAGES = (
    N_("Unknown field."),
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid input type."),
    N_("Invalid type."),
    N_("Invalid value."),
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid integer."),
    N_("Number too large."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
)


def phrase(template: str, **values: Any) -> str:
    """``template % values`` in English (the message marshmallow is given), noted so that
    ``translated`` writes it in the reader's language with the same values."""
    english = template % values
    _PHRASES[english] = (template, values)
    return english


def translated(message: str) -> str:
    """One of the schemas' (or marshmallow's) English messages in the request's language;
    a message no catalogue knows stays as it is."""
    known = _PHRASES.get(message)
    if known is not None:
        return _(known[0], **known[1])
    return _(message)


def field_errors(messages: Any, where: str = "") -> dict[str, str]:
    """marshmallow's nested messages as our flat ``fields``: ``learners[1].email`` -> the
    first message (a schema-level message is the object's own, e.g. ``learners[0]``), in
    the request's language."""
    if isinstance(messages, list):
        return {where or "body": translated(str(messages[0]))} if messages else {}
    found: dict[str, str] = {}
    for key, value in messages.items():
        if key == "_schema":
            name = where or "body"
        elif isinstance(key, int):
            name = f"{where}[{key}]"
        else:
            name = f"{where}.{key}" if where else str(key)
        found.update(field_errors(value, name))
    return found


# -- fields: JSON types as the API has always read them ----------------------------------------


class Text(fields.String):
    """A JSON string; any other value is 'Give a string.'."""

    default_error_messages = {  # noqa: RUF012 (marshmallow's own convention)
        "invalid": N_("Give a string."),
        "null": N_("Give a string."),
        "required": N_("Required."),
    }


class Whole(fields.Integer):
    """A JSON whole number (never true or false, never 1.5 or 1e400)."""

    def __init__(self, *, message: str, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)
        self.message = message

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValidationError(self.message)
        return value


class Listed(fields.List[Any]):
    """A JSON list whose items must all be right; else one message for the whole list."""

    def __init__(self, inner: fields.Field[Any], *, message: str, **kwargs: Any) -> None:
        super().__init__(inner, **kwargs)
        self.message = message
        # (marshmallow formats its own messages: braces are escaped)
        self.error_messages["null"] = message.replace("{", "{{").replace("}", "}}")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        if not isinstance(value, list):
            raise ValidationError(self.message)
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError as exc:
            raise ValidationError(self.message) from exc


class LevelDescriptions(Listed):
    """Written one per level ("" where there is none; the column may be shorter)."""

    def serialize(
        self, attr: str, obj: Any, accessor: Callable[..., Any] | None = None, **kwargs: Any
    ) -> list[str]:
        return level_descriptions(obj)


class Base64Image(fields.Field[bytes]):
    """An image in base64 (null: none given); a string in the document."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bytes:
        try:
            if not isinstance(value, str):
                raise ValueError
            return base64.b64decode(value, validate=True)
        except (ValueError, binascii.Error) as exc:
            raise ValidationError(N_("Give the PNG or SVG image in base64.")) from exc


class When(fields.DateTime):
    """A moment written as the credentials write it (UTC, seconds, ``Z``)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return format_datetime(value) if value is not None else None


# -- the schemas -------------------------------------------------------------------------------


class Strict(Schema):
    """A JSON object with only the schema's fields ('Unknown field.' for any other)."""


class Link(Strict):
    name = Text(required=True)
    url = Text(required=True, metadata={"format": "uri"})


class Links(Listed):
    """External alignments: a missing name or url is empty (the service then says so)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        if isinstance(value, list):
            value = [
                {"name": "", "url": "", **item}
                if isinstance(item, dict) and set(item) <= {"name", "url"}
                else item
                for item in value
            ]
        return super()._deserialize(value, attr, data, **kwargs)


class AchievementSchema(Strict):
    """An achievement (a badge class). Given fields change; the version goes up by one."""

    id = fields.String(dump_only=True, attribute="public_id")
    url = fields.Method("_url", dump_only=True, metadata={"type": "string", "format": "uri"})
    name = Text(required=True, metadata={"maxLength": 200, "description": "The badge's name."})
    description = Text(
        required=True, metadata={"maxLength": 5000, "description": "What the badge recognises."}
    )
    criteria_md = Text(metadata={"maxLength": 20000, "description": "How it is earned (Markdown)."})
    achievement_type = Text(
        metadata={
            "default": "Badge",
            "description": "An OB 3.0 AchievementType (e.g. Badge, Competency, Course) "
            "or ext:YourType.",
        }
    )
    tags = Listed(
        fields.String(metadata={"maxLength": 60}),
        message=N_("Give a list of strings."),
        metadata={"maxItems": 30},
    )
    levels = Listed(
        fields.String(),
        message=N_("Give a list of strings."),
        metadata={
            "maxItems": 10,
            "description": "Levels a learner can reach (a rubric); an award may name one.",
        },
    )
    level_descriptions = LevelDescriptions(
        fields.String(metadata={"maxLength": 1000}),
        message=N_("Give a list of strings."),
        metadata={
            "maxItems": 10,
            "description": "What each level means for this achievement, parallel to levels "
            "(signed as each rubricCriterionLevel's description). When levels change and this "
            "is not given, each kept level keeps its description.",
        },
    )
    alignment_ids = Listed(
        Whole(message=N_("Not a competence id."), validate=validate.Range(1, MAX_ID)),
        message=N_("Give a list of competence ids (whole numbers)."),
        metadata={"description": "Competences of the shared frameworks or the organisation's own."},
    )
    external_alignments = Links(
        fields.Nested(Link),
        message=N_('Give a list of {"name", "url"} objects.'),
    )
    validity_days = Whole(
        allow_none=True,
        message=N_("Give a whole number of days, or null for no expiry."),
        metadata={
            "minimum": 1,
            "maximum": 36500,
            "description": "Badges expire this many days after they are awarded; null: never.",
        },
    )
    language = Text(
        metadata={"default": "en", "description": "A language code (en, lt, ru, kk...)."}
    )
    image = Base64Image(
        load_only=True,
        allow_none=True,
        metadata={
            "description": "A PNG or SVG image in base64, at most 1 MB (omitted: a generated "
            "image)."
        },
    )
    image_url = fields.Method(
        "_image_url", dump_only=True, metadata={"type": ["string", "null"], "format": "uri"}
    )
    image_caption = Text(allow_none=True)
    language_of = fields.Method(
        "_language_of",
        dump_only=True,
        metadata={
            "type": ["string", "null"],
            "description": "For a language version: the id of the achievement it is a "
            "version of (the first of the group); null otherwise.",
        },
    )
    version = fields.Integer(dump_only=True, metadata={"minimum": 1})
    created_at = When(dump_only=True)

    def _url(self, row: Achievement) -> str:
        return urls().achievement(row.public_id)

    def _language_of(self, row: Achievement) -> str | None:
        if row.language_of_id is None:
            return None
        first = dbs().get(Achievement, row.language_of_id)
        return first.public_id if first is not None else None

    def _image_url(self, row: Achievement) -> str | None:
        return urls().image(row.image_sha256) if row.image_sha256 else None


class LanguageVersionSchema(Strict):
    """A language version of an achievement: its language and text; the rest (type,
    competences, tags, image, validity) comes from the first version."""

    language = Text(
        required=True,
        metadata={
            "description": "A language code the achievement has no version in yet "
            "(BCP 47 as the OB 3.0 schema wants it: lt, ru, kk, sr-Latn-RS...)."
        },
    )
    name = Text(required=True, metadata={"maxLength": 200})
    description = Text(required=True, metadata={"maxLength": 5000})
    criteria_md = Text(metadata={"maxLength": 20000})
    image_caption = Text(allow_none=True)
    levels = Listed(
        fields.String(),
        message=N_("Give a list of strings."),
        metadata={
            "description": "The first version's levels named in this language, in the same "
            "order (omitted: the same names)."
        },
    )


class LanguageVersionsSchema(Strict):
    versions = fields.List(
        fields.Nested(AchievementSchema),
        required=True,
        metadata={"description": "Every language version, the first one first."},
    )


class AchievementPageSchema(Strict):
    achievements = fields.List(fields.Nested(AchievementSchema), required=True)
    next = fields.String(
        required=True, allow_none=True, metadata={"description": "The next page; null: the last."}
    )


class LearnerSchema(Strict):
    """One learner to award. Every field is a string (or null); name and email are needed."""

    name = Text(
        required=True,
        allow_none=True,
        metadata={"maxLength": 200, "description": "The learner's name, shown on the badge."},
    )
    email = Text(
        required=True,
        allow_none=True,
        metadata={
            "format": "email",
            "description": "Where the badge is sent; only its salted hash enters the credential.",
        },
    )
    level = Text(allow_none=True, metadata={"description": "One of the achievement's levels."})
    narrative = Text(allow_none=True, metadata={"maxLength": 5000})
    evidence_url = Text(allow_none=True, metadata={"format": "uri"})
    evidence_narrative = Text(allow_none=True, metadata={"maxLength": 5000})
    activity_start = Text(allow_none=True, metadata={"format": "date"})
    activity_end = Text(allow_none=True, metadata={"format": "date"})
    language = Text(
        allow_none=True,
        metadata={
            "description": "The language of the learner's message (en, lt, ru, kk); the "
            "achievement's version in it is awarded, when it has one. Null: the learner's "
            "own choice, else the school's language."
        },
    )

    error_messages = {  # noqa: RUF012 (marshmallow's own convention)
        "type": N_("Give a learner object with name and email.")  # a learner not an object
    }


class LearnerBatchSchema(Strict):
    """Up to MAX_BATCH learners, awarded in one transaction (all of them, or none)."""

    learners = fields.List(
        fields.Nested(LearnerSchema),
        required=True,
        validate=validate.Length(
            min=1,
            max=MAX_BATCH,
            error=phrase(N_("Length must be between %(min)s and %(max)s."), min=1, max=MAX_BATCH),
        ),
    )


class LearnerJobSchema(Strict):
    """Up to MAX_JOB_BATCH learners, awarded by a job: all of them, or none."""

    learners = fields.List(
        fields.Nested(LearnerSchema),
        required=True,
        validate=validate.Length(
            min=1,
            max=MAX_JOB_BATCH,
            error=phrase(
                N_("Length must be between %(min)s and %(max)s."), min=1, max=MAX_JOB_BATCH
            ),
        ),
    )


class JobSchema(Strict):
    """Long work run by a worker: a class award."""

    id = fields.String(required=True, metadata={"description": "The job's public id."})
    kind = fields.String(required=True, metadata={"enum": ["class_award", "reissue"]})
    status = fields.String(
        required=True,
        metadata={
            "enum": ["queued", "done", "failed"],
            "description": "queued: waiting or running (nothing stored yet); done: every "
            "badge stored; failed: nothing stored (see error).",
        },
    )
    done = fields.Integer(required=True, metadata={"description": "Badges signed so far."})
    total = fields.Integer(required=True)
    result = fields.Dict(
        required=True,
        allow_none=True,
        metadata={"description": "When done: count (awarded) and skipped."},
    )
    error = fields.String(required=True, allow_none=True)


class AwardSummarySchema(Strict):
    """An award as the list shows it."""

    id = fields.String(
        required=True, attribute="public_id", metadata={"description": "The award's public id."}
    )
    url = fields.Method(
        "_url",
        required=True,
        metadata={
            "type": "string",
            "format": "uri",
            "description": "The badge's public page and credential.",
        },
    )
    achievement_id = fields.Function(
        lambda award: award.achievement.public_id, required=True, metadata={"type": "string"}
    )
    learner_name = fields.String(required=True)
    learner_email = fields.String(
        required=True, metadata={"description": "As the organisation gave it; never published."}
    )
    status = fields.Function(award_status, required=True, metadata={"enum": list(AWARD_STATUSES)})
    status_purpose = fields.String(
        required=True,
        validate=validate.OneOf(
            STATUS_PURPOSES,
            error=phrase(N_("Choose one of: %(choices)s."), choices=", ".join(STATUS_PURPOSES)),
        ),
        metadata={
            "description": "What the credential's one status entry is for. Only 'suspension' "
            "badges can be suspended; revoking one keeps it suspended for good."
        },
    )
    issued_at = When(required=True)
    valid_until = When(required=True, allow_none=True)
    revoked_at = When(required=True, allow_none=True)
    revocation_reason = fields.String(required=True, allow_none=True)

    def _url(self, award: Award) -> str:
        return urls().credential(award.public_id)


CREDENTIAL = {
    "type": "object",
    "description": "The OpenBadgeCredential (OB 3.0), with an eddsa-rdfc-2022 proof when "
    "the key is Ed25519 (see signed_as).",
    "required": ["@context", "type", "id", "issuer", "credentialSubject"],
    "properties": {
        "@context": {"type": "array"},
        "type": {"type": "array", "contains": {"const": "OpenBadgeCredential"}},
        "id": {"type": "string", "format": "uri"},
    },
}


class AwardSchema(AwardSummarySchema):
    """An award with its signed credential."""

    credential = fields.Function(
        lambda award: award_credential(award),
        required=True,
        metadata={"allOf": [{"$ref": "#/components/schemas/Credential"}]},
    )
    credential_jwt = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "The same credential as a VC-JWT.",
            "pattern": r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$",
        },
    )
    signed_as = fields.Function(
        lambda award: signed_as(award),
        required=True,
        metadata={
            "type": "array",
            "items": {"enum": ["data-integrity", "vc-jwt"]},
            "minItems": 1,
            "uniqueItems": True,
            "description": "The signed forms: with an Ed25519 key both (the JSON carries an "
            "eddsa-rdfc-2022 proof); with ES256 or RS256 only the VC-JWT, and `credential` "
            "is then its unsigned content.",
        },
    )


def award_credential(award: Award) -> dict[str, Any]:
    """The stored credential, as it was signed."""
    credential: dict[str, Any] = jsonutil.loads(award.credential_json)
    return credential


def signed_as(award: Award) -> list[str]:
    # With an Ed25519 key the JSON carries its own proof; ES256 and RS256 organisations
    # sign VC-JWTs only, and the JSON is then the unsigned content of the JWT.
    return (["data-integrity"] if '"proof"' in award.credential_json else []) + (
        ["vc-jwt"] if award.credential_jwt else []
    )


class AwardBatchSchema(Strict):
    count = fields.Integer(required=True, metadata={"minimum": 1})
    awards = fields.List(fields.Nested(AwardSchema), required=True)


class AwardPageSchema(Strict):
    awards = fields.List(fields.Nested(AwardSummarySchema), required=True)
    next = fields.String(
        required=True, allow_none=True, metadata={"description": "The next page; null: the last."}
    )


class StrippedLength(validate.Length):
    """At most ``max`` characters once the spaces around are gone."""

    def __call__(self, value: Any) -> Any:
        super().__call__(value.strip())
        return value


class ReasonSchema(Strict):
    """A reason for the audit log (optional)."""

    reason = Text(
        allow_none=True,
        load_default="",
        validate=StrippedLength(max=500, error=N_("Keep the reason under 500 characters.")),
    )


class RevocationSchema(Strict):
    """The reason for a revocation, shown to verifiers."""

    reason = Text(required=True, allow_none=True, metadata={"minLength": 1, "maxLength": 500})

    @pre_load
    def _absent_is_blank(self, data: Any, **kwargs: Any) -> Any:
        # no reason is a blank one, which the service refuses with its own message
        return {"reason": "", **data} if isinstance(data, dict) else data


class ErrorBodySchema(Strict):
    code = fields.String(
        required=True,
        metadata={
            "description": "Stable: unauthorized, not_found, invalid_input, invalid_json, "
            "conflict, suspension_unsupported, idempotency_key_reused, "
            "idempotency_key_in_flight, request_entity_too_large, method_not_allowed, "
            "internal..."
        },
    )
    message = fields.String(required=True, metadata={"description": "For people: what went wrong."})
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.String(),
        metadata={
            "description": "Per field (or query parameter, or header), what is wrong with it."
        },
    )


class ErrorSchema(Strict):
    """Every error: ``{"error": {"code", "message", "fields"?}}`` (issuer/web.py writes it)."""

    error = fields.Nested(ErrorBodySchema, required=True)


# -- query parameters ----------------------------------------------------------------------------


LIMIT_MESSAGE = phrase(N_("Give a whole number from 1 to %(max)s."), max=MAX_LIMIT)


class Limit(fields.Integer):
    """How many on a page: 1 to MAX_LIMIT, in ASCII digits (spaces around are fine)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        text = str(value).strip()
        number = int(text) if DIGITS.fullmatch(text) else 0
        if not 1 <= number <= MAX_LIMIT:
            raise ValidationError(LIMIT_MESSAGE)
        return number


class Cursor(fields.Field[int | None]):
    """The previous page's last row id, in base64url (empty: the first page); a string in
    the document."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int | None:
        if not value:
            return None
        cursor = str(value)
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        except (ValueError, binascii.Error, UnicodeDecodeError):
            text = ""
        # a row id: a tampered cursor must not reach the query (an integer beyond 64 bits
        # is an error in the database driver)
        if DIGITS.fullmatch(text) and 0 < int(text) <= MAX_ID:  # an id of an integer column
            return int(text)
        raise ValidationError(N_("Use the cursor of the previous page's 'next' link."))


def cursor_of(row_id: int) -> str:
    return base64.urlsafe_b64encode(str(row_id).encode()).decode().rstrip("=")


class Moment(fields.Field[datetime | None]):
    """A date (midnight UTC) or a date-time with a zone (empty: not given); a string in
    the document."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> datetime | None:
        raw = str(value).strip()
        if not raw:
            return None
        try:
            if len(raw) == 10:
                return datetime.combine(date.fromisoformat(raw), time(0, 0), tzinfo=UTC)
            return parse_datetime(raw)
        except (ValueError, BadgeError) as exc:
            raise ValidationError(
                N_("Use a date (2026-09-01) or a date-time with a zone (2026-09-01T08:00:00Z).")
            ) from exc


class OneOfOrNone(validate.OneOf):
    """One of the choices, or None (a parameter not given)."""

    def __call__(self, value: Any) -> Any:
        return value if value is None else super().__call__(value)


class Filled(fields.Field[str | None]):
    """A text parameter; empty is not given (a string in the document)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        return str(value) or None


class PageQuerySchema(Schema):
    """One page of a list, newest first."""

    limit = Limit(load_default=DEFAULT_LIMIT, metadata={"minimum": 1, "maximum": MAX_LIMIT})
    cursor = Cursor(
        metadata={"description": "From the previous page's `next` link (newest first)."}
    )

    class Meta:
        unknown = EXCLUDE  # the other parameters are ignored


class AwardQuerySchema(PageQuerySchema):
    """The award list's filters, with the page."""

    achievement = Filled(metadata={"description": "An achievement id."})
    email = Filled(metadata={"description": "The learner's email (exact, any case)."})
    status = Filled(
        validate=OneOfOrNone(
            AWARD_STATUSES,
            error=phrase(N_("Choose one of: %(choices)s."), choices=", ".join(AWARD_STATUSES)),
        ),
    )
    issued_since = Moment(
        metadata={"description": "A date (midnight UTC) or date-time with a zone; inclusive."},
    )
    issued_until = Moment(
        metadata={"description": "A date (midnight UTC) or date-time with a zone; exclusive."},
    )

    error_messages = {"unknown": N_("Unknown parameter.")}  # noqa: RUF012

    class Meta:
        unknown = RAISE


# the fields above that the document shows as strings (apispec knows marshmallow's own)
STRING_FIELDS = (Base64Image, Cursor, Moment, Filled)
