"""The OpenAPI 3.1 document of the JSON API, made by flask-smorest (apispec) from the
routes and their schemas, and served at /api/v1/openapi.json.

Nothing here describes a field: the schemas (issuer/api/schemas.py) do. This module names
the shared error answers, the bearer scheme and the document's header; the paths are
given relative to the server ``/api/v1``, as they always were.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, Response, current_app
from flask_smorest import Api

from .plumbing import JSON, MAX_BODY, PREFIX, answer, bp
from .schemas import CREDENTIAL, STRING_FIELDS, ErrorSchema

INFO = {
    "title": "Open Badges issuer API",
    "version": "1.0.0",
    "description": (
        "Create achievements and award Open Badges 3.0 for one organisation. "
        "Authenticate with an API token that an administrator of the organisation "
        "creates on its Tokens page: `Authorization: Bearer ob_…`. Records of other "
        "organisations are not found (404). Errors are JSON with a stable code."
    ),
}

ERROR_ANSWERS = {
    "InvalidInput": "The request is not valid (code invalid_input with per-field messages in "
    "`fields`, or invalid_json). Nothing was changed.",
    "Unauthorized": "No API token, or an unknown or revoked one (code unauthorized).",
    "NotFound": "No such record in the token's organisation (code not_found).",
    "Conflict": "The request clashes with the record's state (code conflict, e.g. already "
    "revoked; suspension_unsupported for a badge whose status entry is for revocation), or "
    "its Idempotency-Key's first request is still running (code idempotency_key_in_flight: "
    "retry shortly).",
    "Unexpected": "Something went wrong on the server (code internal); nothing was changed.",
    "KeyReused": "The Idempotency-Key was used before for another request "
    "(code idempotency_key_reused).",
    "Unavailable": "The database (or a service it needs) is not answering just now, e.g. "
    "while it restarts (code database_unavailable). Nothing was saved; retry after the "
    "seconds in Retry-After (with the same Idempotency-Key).",
    "TooLarge": f"The body is larger than {MAX_BODY // (1024 * 1024)} MiB "
    "(code request_entity_too_large): send the learners in several requests. "
    "Nothing was changed.",
}
# The output schemas: every property is always written (null when there is no value)
COMPLETE = ("Achievement", "AwardSummary", "Award")


def _schema_name(schema: Any) -> str:
    """A component's name: the schema's class without "Schema"; read with ``partial``,
    "…Update"; without its read-only fields, "…Create"."""
    if isinstance(schema, type):
        return schema.__name__.removesuffix("Schema")
    name = type(schema).__name__.removesuffix("Schema")
    if schema.partial:
        return f"{name}Update"
    if any(f.dump_only for f in schema.declared_fields.values()) and not any(
        f.dump_only for f in schema.fields.values()
    ):
        return f"{name}Create"
    return name


class IssuerApi(Api):  # type: ignore[misc]
    """flask-smorest's Api, for the document only: the issuer's own error handlers and
    JSON answers stay (issuer/web.py), and the document is served by our route."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = "Unexpected"

    def __init__(self, app: Flask, **kwargs: Any) -> None:
        self._unwritten: list[tuple[Any, str, Any]] = []
        self._writing = threading.Lock()
        super().__init__(app, **kwargs)

    def _register_error_handlers(self) -> None:
        """issuer/web.py answers every error, in the one error shape."""

    def _register_doc_blueprint(self) -> None:
        """The document is served by the API's own route (``openapi`` below)."""

    def _register_etag_headers(self) -> None:
        """No ETags in this API."""

    def _register_pagination_header(self) -> None:
        """Pages are links in the body (``next``), not headers."""

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        """As flask-smorest's, but the blueprint's operations are put in the document when
        it is first read (``written_spec``), not when the app is made: writing them is
        about half of making an issuer app (~20 ms), and most apps (every test's, every
        worker's) never serve the document. The routes are registered at once, as
        flask-smorest does, and the document is the same."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._unwritten.append((blp, name, parameters))

    def written_spec(self) -> Any:
        """The apispec document, with every registered blueprint's operations written."""
        with self._writing:
            while self._unwritten:
                blp, name, parameters = self._unwritten.pop(0)
                blp.register_views_in_doc(
                    self, self._app, self.spec, name=name, parameters=parameters
                )
                self.spec.tag({"name": name, "description": blp.description})
        return self.spec

    def _register_responses(self) -> None:
        for name, description in ERROR_ANSWERS.items():
            response: dict[str, Any] = {
                "description": description,
                "content": {JSON: {"schema": self.ERROR_SCHEMA}},
            }
            if name == "Unavailable":
                response["headers"] = {
                    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}
                }
            if name == "Unauthorized":
                response["headers"] = {
                    "WWW-Authenticate": {
                        "schema": {"type": "string"},
                        "description": 'Bearer realm="api"',
                    }
                }
            self.spec.components.response(name, response)


def register(app: Flask) -> None:
    """The API's routes on ``app``, and the document made from them."""
    api = IssuerApi(
        app,
        spec_kwargs={
            "title": INFO["title"],
            "version": INFO["version"],
            "openapi_version": "3.1.0",
            "marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=_schema_name),
            "info": {"description": INFO["description"]},
            "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
            "servers": [{"url": PREFIX}],
            "security": [{"bearer": []}],
        },
    )
    api.spec.components.security_scheme(
        "bearer",
        {"type": "http", "scheme": "bearer", "description": "An organisation's API token."},
    )
    for field in STRING_FIELDS:
        api.register_field(field, "string", None)
    api.spec.components.schema("Credential", copy.deepcopy(CREDENTIAL))
    api.register_blueprint(bp)
    app.extensions["issuer.api"] = api


def document_of(app: Flask) -> dict[str, Any]:
    """The OpenAPI document of ``app``'s API, its paths relative to the server /api/v1."""
    api: IssuerApi = app.extensions["issuer.api"]
    spec: dict[str, Any] = copy.deepcopy(api.written_spec().to_dict())
    spec["paths"] = {path.removeprefix(PREFIX): item for path, item in spec["paths"].items()}
    schemas = spec["components"]["schemas"]
    for name in COMPLETE:
        properties = schemas[name]["properties"]
        schemas[name]["required"] = [p for p, v in properties.items() if not v.get("writeOnly")]
    spec.pop("tags", None)  # the operations' tags name the resources
    for path, item in spec["paths"].items():  # any operation that reads the database
        for operation in item.values():
            if path != "/openapi.json" and isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault(
                    "503", {"$ref": "#/components/responses/Unavailable"}
                )
    return spec


def document() -> dict[str, Any]:
    """The document, made without an issuer app (for tests and tools)."""
    app = Flask(__name__)
    register(app)
    return document_of(app)


@bp.route("/openapi.json", methods=["GET"], tags=["document"])
@bp.doc(operationId="openapi", security=[])
@bp.response(200, {"type": "object"}, description="The OpenAPI 3.1 document.")
def openapi() -> Response:
    """This document"""
    response = answer(document_of(current_app))
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
