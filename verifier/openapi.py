"""The OpenAPI 3.1 description of the verifier's JSON API (tests check responses against it)."""

from __future__ import annotations

from typing import Any

from badges.verification import CheckId, Outcome, RecordCheckId

# A report's message as a stable code with its parameters (badges/verification/messages.py):
# the code never changes with the language; "message" is its sentence (English, or the
# language Accept-Language asks for). A parameter is text, a number, or itself a message.
_PARAMS = {
    "type": "object",
    "description": "the values the sentence is made from: text, a count, or a nested "
    "message ({code, params})",
    "additionalProperties": {
        "oneOf": [
            {"type": "string"},
            {"type": "integer"},
            {
                "type": "object",
                "required": ["code", "params"],
                "properties": {
                    "code": {"type": "string"},
                    "params": {"$ref": "#/components/schemas/MessageParams"},
                },
            },
        ]
    },
}
_CODE = {
    "type": "string",
    "description": "the message's stable code (e.g. proof.mismatch, verdict.valid.badge); "
    "the same whatever the language",
}
_MESSAGE = {
    "type": "string",
    "description": "the message's sentence: English unless Accept-Language asks for another "
    "of the verifier's languages (lt, ru, kk)",
}

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
        "name": {
            "type": "string",
            "enum": [check.value for check in CheckId] + [check.value for check in RecordCheckId],
            "description": "every report lists the checks of CheckId; a CLR's report adds "
            "'credentials' (its credentials inside, each verified on its own)",
        },
        "title": {"type": "string", "description": "in the language of the messages"},
        "outcome": {"type": "string", "enum": [outcome.value for outcome in Outcome]},
        "message": _MESSAGE,
        "code": _CODE,
        "params": {"$ref": "#/components/schemas/MessageParams"},
        "detail": {"type": ["string", "null"]},
        "undecided": {"type": "boolean"},
        "reason": {
            "type": "string",
            "enum": ["deadline_exceeded", "fetch_limit_reached", "verdict_settled", "not_a_badge"],
            "description": "present only for a check that could not be completed (the "
            "verification's time limit or fetch cap was reached) or was not run (the badge "
            "was already known not to be valid), or, on a failed format check, not_a_badge: "
            "a credential, but not an Open Badge (a verifiable credential of another type, "
            "an Open Badges 2.0 document that is no assertion); without it, a failed format "
            "check means the input is no credential at all",
        },
    },
}

_REPORT = {
    "type": "object",
    "required": [
        "verified",
        "verdict",
        "message",
        "format",
        "verifiedAt",
        "checks",
        "credential",
        "signature",
        "signer",
        "assertedIssuer",
        "registry",
        "notMeaningful",
        "revocationReason",
    ],
    "properties": {
        "verified": {"type": "boolean"},
        "verdict": {"type": "string", "enum": ["valid", "invalid", "undecided"]},
        "message": _MESSAGE,
        "code": _CODE,
        "params": {"$ref": "#/components/schemas/MessageParams"},
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
                    "message": _MESSAGE,
                    "code": _CODE,
                    "params": {"$ref": "#/components/schemas/MessageParams"},
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
        "credentials": {
            "type": "array",
            "description": "a CLR 2.0 ClrCredential only: each credential it carries, in order, "
            "verified on its own with the whole pipeline (absent for any other credential)",
            "items": {
                "type": "object",
                "required": ["position", "verdict", "message", "revoked", "report"],
                "properties": {
                    "position": {"type": "integer", "minimum": 1},
                    "verdict": {"type": "string", "enum": ["valid", "invalid", "undecided"]},
                    "message": _MESSAGE,
                    "code": _CODE,
                    "params": {"$ref": "#/components/schemas/MessageParams"},
                    "form": {"type": ["string", "null"], "enum": ["json", "jwt", None]},
                    "id": {"type": ["string", "null"]},
                    "name": {"type": ["string", "null"]},
                    "issuer": {"type": ["string", "null"]},
                    "issuerId": {"type": ["string", "null"]},
                    "revoked": {"type": "boolean"},
                    "report": {
                        "description": "its own report (as this one, without the credential); "
                        "null for an entry that is no credential at all",
                        "oneOf": [
                            {"type": "null"},
                            {
                                "type": "object",
                                "required": ["verified", "verdict", "message", "checks"],
                                "properties": {
                                    "verified": {"type": "boolean"},
                                    "verdict": {
                                        "type": "string",
                                        "enum": ["valid", "invalid", "undecided"],
                                    },
                                    "message": {"type": "string"},
                                    "checks": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Check"},
                                    },
                                },
                            },
                        ],
                    },
                },
            },
        },
        "credential": {"type": ["object", "null"]},
        "signature": {
            "type": "string",
            "enum": ["verified", "failed", "unchecked"],
            "description": "verified: the issuer published the key of a proof that verifies; failed: not genuine",
        },
        "signer": {
            "description": "who actually signed it: the verified issuer identifier (null unless the signature verified)",
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["id", "kind", "domain", "description"],
                    "properties": {
                        "id": {"type": "string"},
                        "kind": {"type": "string", "enum": ["did:web", "did:key", "url", "other"]},
                        "domain": {
                            "type": ["string", "null"],
                            "description": "the web host a did:web or https identifier stands for",
                        },
                        "description": {"type": "string"},
                    },
                },
            ],
        },
        "assertedIssuer": {
            "type": "object",
            "description": "what the badge states of its issuer (not verified, except the id when signature is verified)",
            "required": ["id", "name", "url", "urlOnSignerDomain"],
            "properties": {
                "id": {"type": ["string", "null"]},
                "name": {"type": ["string", "null"]},
                "url": {"type": ["string", "null"]},
                "urlOnSignerDomain": {"type": "boolean"},
            },
        },
        "registry": {
            "type": "object",
            "description": "whether a registry of trusted issuers this verifier is given lists the verified signer",
            "required": ["issuerId", "known", "message", "registries", "unavailable", "consulted"],
            "properties": {
                "issuerId": {"type": ["string", "null"]},
                "known": {"type": "boolean"},
                "message": {"type": "string"},
                "registries": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["registry", "registryUrl", "name", "url", "domain"],
                        "properties": {
                            "registry": {"type": "string"},
                            "registryUrl": {"type": ["string", "null"]},
                            "name": {"type": "string"},
                            "url": {"type": ["string", "null"]},
                            "domain": {"type": ["string", "null"]},
                        },
                    },
                },
                "unavailable": {"type": "array", "items": {"type": "string"}},
                "consulted": {"type": "integer", "minimum": 0},
            },
        },
        "notMeaningful": {
            "type": "array",
            "description": "checks whose outcome means nothing because the signature was not verified",
            "items": {"type": "string", "enum": ["dates", "status", "recipient", "endorsements"]},
        },
        "revocationReason": {
            "type": ["string", "null"],
            "description": "the issuer's published reason, when it gives one",
        },
    },
}

_ERRORS = {
    "400": {
        "description": "Malformed request",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
    "413": {
        "description": "Request too large: a badge past MAX_TEXT_BYTES (2 MB), a CLR 2.0 "
        "record past MAX_RECORD_BYTES (8 MB)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
    "429": {
        "description": "Too many verifications from this address: its allowance "
        "(VERIFIER_BURST per window, 60 * VERIFIER_RATE_PER_MINUTE an hour; each credential "
        "in a CLR record counts) is spent until the window ends",
        "headers": {
            "Retry-After": {
                "schema": {"type": "integer"},
                "description": "Seconds to wait: until the spent window ends",
            }
        },
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
}

_ACCEPT_LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "the language of the report's titles and messages, and of error messages: "
    "en (the default), lt, ru or kk, as any HTTP Accept-Language (e.g. 'lt, en;q=0.5'); the "
    "codes are the same in every language",
}

_OK = {
    "description": "The verification report (a badge that fails verification is still a 200, "
    "with verified false). Its codes (check names, outcomes, message codes and their params) "
    "never change with the language; its titles and messages are English unless "
    "Accept-Language asks for another of the verifier's languages.",
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
                                    "recipient": {
                                        "type": "string",
                                        "description": "an email to check the badge was awarded to",
                                    },
                                },
                                "oneOf": [
                                    {"required": ["credential"]},
                                    {"required": ["jwt"]},
                                    {"required": ["url"]},
                                ],
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
                "parameters": [_ACCEPT_LANGUAGE],
                "responses": {"200": _OK, **_ERRORS},
            },
            "get": {
                "summary": "Verify the badge at a link",
                "parameters": [
                    _ACCEPT_LANGUAGE,
                    {
                        "name": "url",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "format": "uri"},
                    },
                ],
                "responses": {"200": _OK, **_ERRORS},
            },
        }
    },
    "components": {
        "schemas": {
            "Report": _REPORT,
            "Check": _CHECK,
            "Error": _ERROR,
            "MessageParams": _PARAMS,
        }
    },
}
