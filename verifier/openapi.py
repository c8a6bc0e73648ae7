"""The OpenAPI 3.1 description of the verifier's JSON API (tests check responses against it)."""

from __future__ import annotations

from typing import Any

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}

_CHECK = {
    "type": "object",
    "required": ["name", "title", "outcome", "message", "detail", "undecided"],
    "properties": {
        "name": {"type": "string", "enum": ["format", "context", "schema", "proof", "issuer", "dates", "status", "recipient", "endorsements"]},
        "title": {"type": "string"},
        "outcome": {"type": "string", "enum": ["passed", "failed", "warning", "skipped"]},
        "message": {"type": "string"},
        "detail": {"type": ["string", "null"]},
        "undecided": {"type": "boolean"},
        "reason": {
            "type": "string",
            "enum": ["deadline_exceeded", "fetch_limit_reached", "verdict_settled"],
            "description": "present only for a check that could not be completed (the "
            "verification's time limit or fetch cap was reached) or was not run (the badge "
            "was already known not to be valid)",
        },
    },
}

_REPORT = {
    "type": "object",
    "required": ["verified", "verdict", "message", "format", "verifiedAt", "checks", "credential"],
    "properties": {
        "verified": {"type": "boolean"},
        "verdict": {"type": "string", "enum": ["valid", "invalid", "undecided"]},
        "message": {"type": "string"},
        "format": {"type": ["string", "null"]},
        "verifiedAt": {"type": ["string", "null"], "format": "date-time"},
        "checks": {"type": "array", "items": {"$ref": "#/components/schemas/Check"}},
        "endorsements": {
            "type": "array",
            "description": "each endorsement the badge carries, verified on its own (a bad one never makes the badge invalid)",
            "items": {
                "type": "object",
                "required": ["location", "verdict", "message", "withdrawn", "checks"],
                "properties": {
                    "location": {"type": "string", "enum": ["achievement", "issuer", "credential"]},
                    "verdict": {"type": "string", "enum": ["valid", "invalid", "undecided"]},
                    "message": {"type": "string"},
                    "id": {"type": ["string", "null"]},
                    "endorser": {"type": ["string", "null"]},
                    "endorserId": {"type": ["string", "null"]},
                    "subjectId": {"type": ["string", "null"]},
                    "comment": {"type": ["string", "null"]},
                    "withdrawn": {"type": "boolean"},
                    "checks": {"type": "array", "items": {"$ref": "#/components/schemas/Check"}},
                },
            },
        },
        "credential": {"type": ["object", "null"]},
    },
}

_ERRORS = {
    "400": {"description": "Malformed request", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "413": {"description": "Request too large", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "429": {
        "description": "Too many requests",
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
}

_OK = {
    "description": "The verification report (a badge that fails verification is still a 200, with verified false)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}}},
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Open Badges verifier",
        "version": "1.0.0",
        "description": "Verify Open Badges 3.0 (VC-JWT and Data Integrity) and 2.0 badges from any issuer.",
    },
    "paths": {
        "/api/v1/verify": {
            "post": {
                "summary": "Verify a badge given as JSON, a JWT, a link, or a baked image",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "credential": {"type": ["object", "string"]},
                                    "jwt": {"type": "string"},
                                    "url": {"type": "string", "format": "uri"},
                                    "recipient": {"type": "string", "description": "an email to check the badge was awarded to"},
                                },
                                "oneOf": [{"required": ["credential"]}, {"required": ["jwt"]}, {"required": ["url"]}],
                            }
                        },
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["image"],
                                "properties": {
                                    "image": {"type": "string", "format": "binary"},
                                    "recipient": {"type": "string"},
                                },
                            }
                        },
                    },
                },
                "responses": {"200": _OK, **_ERRORS},
            },
            "get": {
                "summary": "Verify the badge at a link",
                "parameters": [{"name": "url", "in": "query", "required": True, "schema": {"type": "string", "format": "uri"}}],
                "responses": {"200": _OK, **_ERRORS},
            },
        }
    },
    "components": {"schemas": {"Report": _REPORT, "Check": _CHECK, "Error": _ERROR}},
}
