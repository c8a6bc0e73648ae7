"""The API's request plumbing: the blueprint, bearer tokens (and their organisation), the
JSON body (size, syntax, NUL characters), query parameters read through a schema,
Idempotency-Key, pages and the JSON answer.

Every request but the OpenAPI document carries ``Authorization: Bearer <token>``; the
token belongs to one organisation, and every record of another organisation is "not
found". Errors are JSON ``{"error": {"code", "message", "fields"?}}`` (issuer/web.py
writes them from the coded errors raised here, in the routes and in the services).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlencode

from flask import Response, current_app, g, request
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError
from webargs.flaskparser import FlaskParser

from badges import jsonutil
from badges.errors import BadgeError

from ..errors import InvalidInput, IssuerError, NotFound, PayloadTooLarge, Unauthorized
from ..models import ApiToken, Organisation
from ..services import idempotency, tokens
from ..web import db, dbs
from .schemas import cursor_of, field_errors

F = TypeVar("F", bound=Callable[..., Any])

PREFIX = "/api/v1"
PUBLIC_ENDPOINTS = frozenset({"api.openapi"})
NUL = "\x00"  # PostgreSQL text cannot hold it: refused wherever a client can send text
MAX_BODY = jsonutil.MAX_JSON_BYTES  # the largest JSON body read (2 MiB)
JSON = "application/json"


class QueryParser(FlaskParser):
    """Query parameters through a schema: no NUL anywhere, and our error shape (a 400 with
    a message per parameter) instead of webargs' 422."""

    def load_querystring(self, req: Any, schema: Schema) -> Any:
        refuse_nul_in_query()
        return super().load_querystring(req, schema)

    def handle_error(self, error: ValidationError, *args: Any, **kwargs: Any) -> NoReturn:
        messages: Any = error.messages
        raise InvalidInput(
            "Please correct the marked parameters.",
            fields=field_errors(messages.get("query", messages)),
        )


bp = Blueprint("api", __name__, url_prefix=PREFIX)
bp.ARGUMENTS_PARSER = QueryParser()  # flask-smorest's hook for its ``arguments`` decorator


# -- authentication -----------------------------------------------------------------------------


def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("Send an API token: 'Authorization: Bearer <token>'.")
    g.api_token_sent = True
    g.api_token = tokens.authenticate(dbs(), secret.strip())
    if any(NUL in str(value) for value in (request.view_args or {}).values()):
        raise NotFound("No such record.")  # an id with a NUL character names nothing


def _after(response: Response) -> Response:
    if response.status_code == 401:
        challenge = 'Bearer realm="api"'
        if g.get("api_token_sent"):
            challenge += ', error="invalid_token"'
        response.headers["WWW-Authenticate"] = challenge
    token: ApiToken | None = g.get("api_token")
    if token is not None and response.status_code < 400:
        tokens.touch(token)  # committed with the request
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _release_claim(_exc: BaseException | None) -> None:
    """A claimed Idempotency-Key whose work did not commit is released for a retry."""
    claim: idempotency.Claim | None = g.pop("idempotency_claim", None)
    if claim is None:
        return
    session = g.get("dbs")
    if session is not None:
        session.rollback()  # a no-op after the commit; else it frees the locks first
    try:
        idempotency.release(db(), claim)
    except Exception:  # the record then expires as abandoned (PENDING_TIMEOUT)
        current_app.logger.exception("could not release an idempotency key")


bp.before_request(_authenticate)
bp.after_request(_after)
bp.teardown_request(_release_claim)


def org() -> Organisation:
    """The organisation of the request's token."""
    token: ApiToken = g.api_token
    found = dbs().get(Organisation, token.org_id)
    if found is None:  # the organisation was deleted with its tokens
        raise Unauthorized("The API token is not valid.")
    return found


# -- JSON in --------------------------------------------------------------------------------------


def refuse_nul_in_query() -> None:
    """For the lists, whose query parameters reach the database: none may hold a NUL."""
    bad = {
        name: "Remove the NUL character (\\u0000)."
        for name, value in request.args.items(multi=True)
        if NUL in name or NUL in value
    }
    if bad:
        raise InvalidInput("Please correct the marked parameters.", fields=bad)


def _nul_path(value: Any) -> str | None:
    """Where the first key or string of a parsed body with a NUL character is, or None."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            if NUL in node:
                return where or "body"
        elif isinstance(node, dict):
            for key, child in node.items():
                name = f"{where}.{key}" if where else key
                if NUL in key:
                    return name
                stack.append((child, name))
        elif isinstance(node, list):
            stack.extend((child, f"{where}[{i}]") for i, child in enumerate(node))
    return None


def body() -> dict[str, Any]:
    """The request's JSON object ({} for an empty body)."""
    if "api_body" in g:
        cached: dict[str, Any] = g.api_body
        return cached
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY:
        raise PayloadTooLarge(
            f"The request body is larger than {MAX_BODY // (1024 * 1024)} MiB; send fewer learners at a time."
        )
    value: Any = {}
    if raw.strip():
        try:
            value = jsonutil.loads(raw)
        except BadgeError as exc:
            raise IssuerError(
                f"The request body is not valid JSON: {exc.description}", code="invalid_json"
            ) from exc
        if not isinstance(value, dict):
            raise IssuerError("The request body must be a JSON object.", code="invalid_json")
        # JSON can only carry a NUL character escaped; look for one only then
        where = _nul_path(value) if b"\\u0000" in raw else None
        if where is not None:
            raise InvalidInput(
                "Text may not contain the NUL character (\\u0000).",
                fields={where: "Remove the NUL character (\\u0000)."},
            )
    sent: dict[str, Any] = value
    g.api_body = sent
    return sent


def load(schema: Schema, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """``data`` read by ``schema``: the values it could read, and a message per field it
    could not (``learners[1].email``), for the route to merge with the service's own."""
    try:
        values: dict[str, Any] = schema.load(data)
        return values, {}
    except ValidationError as exc:
        valid: Any = exc.valid_data
        return (valid if isinstance(valid, dict) else {}), field_errors(exc.messages)


# -- JSON out -------------------------------------------------------------------------------------


def dumps(payload: Any) -> str:
    return jsonutil.dumps(payload, pretty=False)


def answer(payload: Any, status: int = 200) -> Response:
    return Response(dumps(payload), status=status, mimetype=JSON)


def next_link(rows: list[Any], limit: int) -> tuple[list[Any], str | None]:
    """The page (of up to ``limit + 1`` rows read) and the link to the next one (None on
    the last page)."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
    params.append(("cursor", cursor_of(rows[-1].id)))
    return rows, f"{request.base_url}?{urlencode(params)}"


def idempotent(view: F) -> F:
    """A POST view ``view(body, **kwargs) -> (payload, status)``, made replayable by key."""

    @wraps(view)
    def wrapped(**kwargs: Any) -> Any:
        sent_body = body()
        sent = request.headers.get(idempotency.HEADER)
        if sent is None:
            payload, status = view(sent_body, **kwargs)
            return answer(payload, status)
        key = idempotency.check_key(sent)
        digest = idempotency.request_hash(request.method, request.path, sent_body)
        # The request's session, which has only read the token, gives its connection back
        # before the key is claimed on another: holding one while waiting for a second,
        # enough concurrent requests would take the whole pool and wait for ever.
        dbs().commit()
        outcome = idempotency.begin(db(), org_id=g.api_token.org_id, key=key, request_hash=digest)
        if isinstance(outcome, idempotency.Replay):
            response = Response(outcome.body, status=outcome.status, mimetype=JSON)
            response.headers[idempotency.REPLAY_HEADER] = "true"
            return response
        g.idempotency_claim = outcome
        idempotency.hold(dbs(), outcome)  # PostgreSQL: a retry can tell this request is alive
        payload, status = view(sent_body, **kwargs)
        text = dumps(payload)
        # stored in the work's transaction: both commit together (web._commit) or neither
        idempotency.complete(dbs(), outcome, status=status, body=text)
        return Response(text, status=status, mimetype=JSON)

    return wrapped  # type: ignore[return-value]


# -- the document's side of a route ----------------------------------------------------------------


def request_body(schema: Any, *, required: bool = True) -> Callable[[F], F]:
    """Documents the JSON body a route reads with ``schema`` (a Schema, or a dict such as
    ``{"oneOf": [...]}`` of them)."""
    doc: Callable[[F], F] = bp.doc(
        requestBody={"required": required, "content": {JSON: {"schema": schema}}}
    )
    return doc


def errors(*statuses: int) -> Callable[[F], F]:
    """Documents the error answers a route gives (components/responses of spec.py)."""
    names = {
        400: "InvalidInput",
        401: "Unauthorized",
        404: "NotFound",
        409: "Conflict",
        413: "TooLarge",
        422: "KeyReused",
    }

    def decorator(view: F) -> F:
        for status in statuses:
            view = bp.alt_response(status, response=names[status])(view)
        return view

    return decorator


IDEMPOTENCY_KEY = {
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
        f"{int(idempotency.PENDING_TIMEOUT.total_seconds() // 60)} minutes is taken to be "
        "abandoned."
    ),
}
REPLAYED = {
    "Idempotent-Replayed": {
        "schema": {"const": "true"},
        "description": "Present when this is the stored response of an earlier request.",
    }
}


def posted(view: F) -> F:
    """Documents what every POST answers beyond its own: the Idempotency-Key header and
    the errors of a body, a token and a key."""
    view = errors(400, 401, 409, 413, 422)(view)
    documented: F = bp.doc(parameters=[IDEMPOTENCY_KEY])(view)
    return documented
