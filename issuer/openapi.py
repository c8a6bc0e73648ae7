"""The OpenAPI 3.1 description of the JSON API (served at /api/v1/openapi.json).

Written here as data, next to nothing else, so that the tests can check every real
response of issuer/views/api.py against it, and every route of the blueprint against
its paths.
"""

from __future__ import annotations

import copy
from typing import Any

from badges import jsonutil

from .services.awards import MAX_BATCH
from .services.idempotency import PENDING_TIMEOUT

# The API's limits, stated here with its description; issuer/views/api.py applies them.
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
AWARD_STATUSES = ("active", "suspended", "revoked", "expired")
MAX_BODY = jsonutil.MAX_JSON_BYTES  # the largest JSON body read (2 MiB)

JSON = "application/json"
STRING_OR_NULL = {"type": ["string", "null"]}
DATE_TIME = {"type": "string", "format": "date-time"}
DATE_TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(
    properties: dict[str, Any], required: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    schema.update(extra)
    return schema


ACHIEVEMENT_INPUT: dict[str, Any] = {
    "name": {"type": "string", "maxLength": 200, "description": "The badge's name."},
    "description": {
        "type": "string",
        "maxLength": 5000,
        "description": "What the badge recognises.",
    },
    "criteria_md": {
        "type": "string",
        "maxLength": 20000,
        "description": "How it is earned (Markdown).",
    },
    "achievement_type": {
        "type": "string",
        "description": "An OB 3.0 AchievementType (e.g. Badge, Competency, Course) or ext:YourType.",
        "default": "Badge",
    },
    "tags": {"type": "array", "items": {"type": "string", "maxLength": 60}, "maxItems": 30},
    "levels": {
        "type": "array",
        "items": {"type": "string"},
        "maxItems": 10,
        "description": "Levels a learner can reach (a rubric); an award may name one.",
    },
    "level_descriptions": {
        "type": "array",
        "items": {"type": "string", "maxLength": 1000},
        "maxItems": 10,
        "description": "What each level means for this achievement, parallel to levels "
        "(signed as each rubricCriterionLevel's description). When levels change and this is "
        "not given, each kept level keeps its description.",
    },
    "alignment_ids": {
        "type": "array",
        "items": {"type": "integer"},
        "description": "Competences of the shared frameworks or the organisation's own.",
    },
    "external_alignments": {
        "type": "array",
        "items": _object(
            {"name": {"type": "string"}, "url": {"type": "string", "format": "uri"}},
            ["name", "url"],
        ),
    },
    "validity_days": {
        "type": ["integer", "null"],
        "minimum": 1,
        "maximum": 36500,
        "description": "Badges expire this many days after they are awarded; null: never.",
    },
    "language": {
        "type": "string",
        "default": "en",
        "description": "A language code (en, lt, ru, kk...).",
    },
    "image": {
        "type": ["string", "null"],
        "contentEncoding": "base64",
        "description": "A PNG or SVG image, at most 1 MB (omitted: a generated image).",
    },
    "image_caption": STRING_OR_NULL,
}

LEARNER = _object(
    {
        "name": {
            "type": "string",
            "maxLength": 200,
            "description": "The learner's name, shown on the badge.",
        },
        "email": {
            "type": "string",
            "format": "email",
            "description": "Where the badge is sent; only its salted hash enters the credential.",
        },
        "level": STRING_OR_NULL | {"description": "One of the achievement's levels."},
        "narrative": STRING_OR_NULL | {"maxLength": 5000},
        "evidence_url": STRING_OR_NULL | {"format": "uri"},
        "evidence_narrative": STRING_OR_NULL | {"maxLength": 5000},
        "activity_start": {"type": ["string", "null"], "format": "date"},
        "activity_end": {"type": ["string", "null"], "format": "date"},
    },
    ["name", "email"],
)

AWARD_SUMMARY: dict[str, Any] = {
    "id": {"type": "string", "description": "The award's public id."},
    "url": {
        "type": "string",
        "format": "uri",
        "description": "The badge's public page and credential.",
    },
    "achievement_id": {"type": "string"},
    "learner_name": {"type": "string"},
    "learner_email": {
        "type": "string",
        "description": "As the organisation gave it; never published.",
    },
    "status": {"enum": list(AWARD_STATUSES)},
    "status_purpose": {
        "enum": ["revocation", "suspension", "1edtech"],
        "description": (
            "What the credential's one status entry is for. Only 'suspension' badges can be "
            "suspended; revoking one keeps it suspended for good."
        ),
    },
    "issued_at": DATE_TIME,
    "valid_until": DATE_TIME_OR_NULL,
    "revoked_at": DATE_TIME_OR_NULL,
    "revocation_reason": STRING_OR_NULL,
}
AWARD_REQUIRED = list(AWARD_SUMMARY)

ERROR = _object(
    {
        "error": _object(
            {
                "code": {
                    "type": "string",
                    "description": (
                        "Stable: unauthorized, not_found, invalid_input, invalid_json, conflict, "
                        "suspension_unsupported, idempotency_key_reused, idempotency_key_in_flight, "
                        "request_entity_too_large, method_not_allowed, internal..."
                    ),
                },
                "message": {"type": "string", "description": "For people: what went wrong."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": "Per field (or query parameter, or header), what is wrong with it.",
                },
            },
            ["code", "message"],
        )
    },
    ["error"],
)

SCHEMAS: dict[str, Any] = {
    "Error": ERROR,
    "Achievement": _object(
        {
            "id": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            **{k: v for k, v in ACHIEVEMENT_INPUT.items() if k != "image"},
            "validity_days": {"type": ["integer", "null"]},
            "image_url": {"type": ["string", "null"], "format": "uri"},
            "version": {"type": "integer", "minimum": 1},
            "created_at": DATE_TIME,
        },
        [
            "id",
            "url",
            "name",
            "description",
            "criteria_md",
            "achievement_type",
            "tags",
            "levels",
            "alignment_ids",
            "external_alignments",
            "validity_days",
            "language",
            "image_url",
            "image_caption",
            "version",
            "created_at",
        ],
    ),
    "AchievementCreate": _object(ACHIEVEMENT_INPUT, ["name", "description"]),
    "AchievementUpdate": _object(
        ACHIEVEMENT_INPUT, description="Only the fields given change; the version goes up by one."
    ),
    "AchievementPage": _object(
        {"achievements": {"type": "array", "items": _ref("Achievement")}, "next": STRING_OR_NULL},
        ["achievements", "next"],
    ),
    "Learner": LEARNER,
    "LearnerBatch": _object(
        {
            "learners": {
                "type": "array",
                "items": _ref("Learner"),
                "minItems": 1,
                "maxItems": MAX_BATCH,
            }
        },
        ["learners"],
    ),
    "Credential": {
        "type": "object",
        "description": "The OpenBadgeCredential (OB 3.0), with an eddsa-rdfc-2022 proof when the key is Ed25519 (see signed_as).",
        "required": ["@context", "type", "id", "issuer", "credentialSubject"],
        "properties": {
            "@context": {"type": "array"},
            "type": {"type": "array", "contains": {"const": "OpenBadgeCredential"}},
            "id": {"type": "string", "format": "uri"},
        },
    },
    "AwardSummary": _object(AWARD_SUMMARY, AWARD_REQUIRED),
    "Award": _object(
        AWARD_SUMMARY
        | {
            "credential": _ref("Credential"),
            "credential_jwt": {
                "type": ["string", "null"],
                "description": "The same credential as a VC-JWT.",
                "pattern": r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$",
            },
            "signed_as": {
                "type": "array",
                "items": {"enum": ["data-integrity", "vc-jwt"]},
                "minItems": 1,
                "uniqueItems": True,
                "description": (
                    "The signed forms: with an Ed25519 key both (the JSON carries an "
                    "eddsa-rdfc-2022 proof); with ES256 or RS256 only the VC-JWT, and "
                    "`credential` is then its unsigned content."
                ),
            },
        },
        [*AWARD_REQUIRED, "credential", "credential_jwt", "signed_as"],
    ),
    "AwardBatch": _object(
        {
            "count": {"type": "integer", "minimum": 1},
            "awards": {"type": "array", "items": _ref("Award")},
        },
        ["count", "awards"],
    ),
    "AwardPage": _object(
        {"awards": {"type": "array", "items": _ref("AwardSummary")}, "next": STRING_OR_NULL},
        ["awards", "next"],
    ),
    "Reason": _object({"reason": {"type": "string", "maxLength": 500}}),
    "Revocation": _object(
        {"reason": {"type": "string", "minLength": 1, "maxLength": 500}}, ["reason"]
    ),
}


def _error(description: str, **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": _ref("Error")}}, **extra}


RESPONSES: dict[str, Any] = {
    "InvalidInput": _error(
        "The request is not valid (code invalid_input with per-field messages in `fields`, "
        "or invalid_json). Nothing was changed."
    ),
    "Unauthorized": _error(
        "No API token, or an unknown or revoked one (code unauthorized).",
        headers={
            "WWW-Authenticate": {"schema": {"type": "string"}, "description": 'Bearer realm="api"'}
        },
    ),
    "NotFound": _error("No such record in the token's organisation (code not_found)."),
    "Conflict": _error(
        "The request clashes with the record's state (code conflict, e.g. already revoked; "
        "suspension_unsupported for a badge whose status entry is for revocation), or its "
        "Idempotency-Key's first request is still running (code idempotency_key_in_flight: "
        "retry shortly)."
    ),
    "Unexpected": _error(
        "Something went wrong on the server (code internal); nothing was changed."
    ),
    "KeyReused": _error(
        "The Idempotency-Key was used before for another request (code idempotency_key_reused)."
    ),
    "TooLarge": _error(
        f"The body is larger than {MAX_BODY // (1024 * 1024)} MiB (code request_entity_too_large): "
        "send the learners in several requests. Nothing was changed."
    ),
}

PARAMETERS: dict[str, Any] = {
    "IdempotencyKey": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
        "description": (
            "Makes the request safe to retry. The first request's response (status and body) is "
            "stored with its work in one transaction; a retry with the same key, method, path "
            "and body gets it again byte for byte, with the header `Idempotent-Replayed: true`, "
            "and nothing is done twice. The same key with another request is a 422 "
            "(idempotency_key_reused); while the first request runs, a 409 "
            "(idempotency_key_in_flight). Error responses are not stored: after an error the key "
            "is free again. Keys are per organisation; a key left pending for "
            f"{int(PENDING_TIMEOUT.total_seconds() // 60)} minutes is taken to be abandoned."
        ),
    },
    "Limit": {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    },
    "Cursor": {
        "name": "cursor",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "From the previous page's `next` link (newest first).",
    },
    "AchievementId": {
        "name": "achievement_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
    },
    "AwardId": {"name": "award_id", "in": "path", "required": True, "schema": {"type": "string"}},
}


def _p(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def _r(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def _ok(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": _ref(schema)}}}


def _body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {JSON: {"schema": schema}}}


AUTH_ERRORS = {"401": _r("Unauthorized")}
POST_ERRORS = {
    "400": _r("InvalidInput"),
    "401": _r("Unauthorized"),
    "409": _r("Conflict"),
    "413": _r("TooLarge"),
    "422": _r("KeyReused"),
}


def _status_change(operation: str, summary: str, *, reason_required: bool) -> dict[str, Any]:
    return {
        "post": {
            "operationId": operation,
            "summary": summary,
            "parameters": [_p("AwardId"), _p("IdempotencyKey")],
            "requestBody": _body(
                _ref("Revocation" if reason_required else "Reason"), required=reason_required
            ),
            "responses": {
                "200": _ok("The award as it is now.", "Award"),
                "404": _r("NotFound"),
                **POST_ERRORS,
            },
        }
    }


PATHS: dict[str, Any] = {
    "/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "security": [],
            "responses": {
                "200": {
                    "description": "The OpenAPI 3.1 document.",
                    "content": {JSON: {"schema": {"type": "object"}}},
                }
            },
        }
    },
    "/achievements": {
        "get": {
            "operationId": "listAchievements",
            "summary": "The organisation's achievements, newest first",
            "parameters": [_p("Limit"), _p("Cursor")],
            "responses": {
                "200": _ok("One page.", "AchievementPage"),
                "400": _r("InvalidInput"),
                **AUTH_ERRORS,
            },
        },
        "post": {
            "operationId": "createAchievement",
            "summary": "Create an achievement (a badge class)",
            "parameters": [_p("IdempotencyKey")],
            "requestBody": _body(_ref("AchievementCreate")),
            "responses": {"201": _ok("Created.", "Achievement"), **POST_ERRORS},
        },
    },
    "/achievements/{achievement_id}": {
        "parameters": [_p("AchievementId")],
        "get": {
            "operationId": "getAchievement",
            "summary": "One achievement",
            "responses": {
                "200": _ok("The achievement.", "Achievement"),
                "404": _r("NotFound"),
                **AUTH_ERRORS,
            },
        },
        "patch": {
            "operationId": "updateAchievement",
            "summary": "Change some fields of an achievement (badges already awarded keep what they were signed with)",
            "requestBody": _body(_ref("AchievementUpdate")),
            "responses": {
                "200": _ok("The achievement as it is now.", "Achievement"),
                "400": _r("InvalidInput"),
                "404": _r("NotFound"),
                "413": _r("TooLarge"),
                **AUTH_ERRORS,
            },
        },
    },
    "/achievements/{achievement_id}/awards": {
        "parameters": [_p("AchievementId")],
        "post": {
            "operationId": "award",
            "summary": f"Award the achievement to one learner, or to up to {MAX_BATCH} at once",
            "description": (
                'One learner object gives one Award; `{"learners": [...]}` awards them all in one '
                "transaction (every learner valid, or nothing is awarded: the errors name "
                "`learners[i].field`). Each credential is signed with the organisation's key, as "
                "JSON with an embedded proof and as a VC-JWT, and a message to the learner is "
                "queued. Send an Idempotency-Key to retry safely."
            ),
            "parameters": [_p("IdempotencyKey")],
            "requestBody": _body({"oneOf": [_ref("Learner"), _ref("LearnerBatch")]}),
            "responses": {
                "201": {
                    "description": "Awarded: the Award, or for a list an AwardBatch.",
                    "content": {JSON: {"schema": {"oneOf": [_ref("Award"), _ref("AwardBatch")]}}},
                    "headers": {
                        "Idempotent-Replayed": {
                            "schema": {"const": "true"},
                            "description": "Present when this is the stored response of an earlier request.",
                        }
                    },
                },
                "404": _r("NotFound"),
                **POST_ERRORS,
            },
        },
    },
    "/awards": {
        "get": {
            "operationId": "listAwards",
            "summary": "The organisation's awards, newest first, filtered",
            "parameters": [
                {
                    "name": "achievement",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "An achievement id.",
                },
                {
                    "name": "email",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "The learner's email (exact, any case).",
                },
                {"name": "status", "in": "query", "schema": {"enum": list(AWARD_STATUSES)}},
                {
                    "name": "issued_since",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "A date (midnight UTC) or date-time with a zone; inclusive.",
                },
                {
                    "name": "issued_until",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "A date (midnight UTC) or date-time with a zone; exclusive.",
                },
                _p("Limit"),
                _p("Cursor"),
            ],
            "responses": {
                "200": _ok("One page.", "AwardPage"),
                "400": _r("InvalidInput"),
                **AUTH_ERRORS,
            },
        }
    },
    "/awards/{award_id}": {
        "get": {
            "operationId": "getAward",
            "summary": "One award with its signed credential",
            "parameters": [_p("AwardId")],
            "responses": {"200": _ok("The award.", "Award"), "404": _r("NotFound"), **AUTH_ERRORS},
        }
    },
    "/awards/{award_id}/revoke": _status_change(
        "revokeAward",
        "Revoke a badge for good; the reason is shown to verifiers",
        reason_required=True,
    ),
    "/awards/{award_id}/suspend": _status_change(
        "suspendAward",
        "Suspend a badge (only badges whose status entry is for suspension: organisations with "
        "the status method bitstring-suspension); the optional reason goes to the audit log",
        reason_required=False,
    ),
    "/awards/{award_id}/unsuspend": _status_change(
        "unsuspendAward", "Lift a badge's suspension", reason_required=False
    ),
}


for _item in PATHS.values():
    for _name, _op in _item.items():
        if _name != "parameters":
            _op["responses"].setdefault("default", _r("Unexpected"))


def document(server: str = "/api/v1") -> dict[str, Any]:
    """The OpenAPI 3.1 document, with ``server`` as the API's base URL."""
    return copy.deepcopy(
        {
            "openapi": "3.1.0",
            "info": {
                "title": "Open Badges issuer API",
                "version": "1.0.0",
                "description": (
                    "Create achievements and award Open Badges 3.0 for one organisation. "
                    "Authenticate with an API token that an administrator of the organisation "
                    "creates on its Tokens page: `Authorization: Bearer ob_…`. Records of other "
                    "organisations are not found (404). Errors are JSON with a stable code."
                ),
            },
            "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
            "servers": [{"url": server}],
            "security": [{"bearer": []}],
            "paths": PATHS,
            "components": {
                "securitySchemes": {
                    "bearer": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "An organisation's API token.",
                    }
                },
                "schemas": SCHEMAS,
                "responses": RESPONSES,
                "parameters": PARAMETERS,
            },
        }
    )
