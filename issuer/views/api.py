"""The JSON API under /api/v1, for platforms (Moodle, scripts) and networks.

Every request but the OpenAPI document carries ``Authorization: Bearer <token>``; the
token belongs to one organisation, and every record of another organisation is "not
found". Errors are JSON ``{"error": {"code", "message", "fields"?}}`` (issuer/web.py).
POST requests may carry an ``Idempotency-Key`` (see issuer/services/idempotency.py).
The document at /api/v1/openapi.json (issuer/openapi.py) describes all of it.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, request
from sqlalchemy import func, or_, select

from badges import jsonutil
from badges.errors import BadgeError
from badges.timeutil import format_datetime, parse_datetime

from ..errors import InvalidInput, IssuerError, NotFound, PayloadTooLarge, Unauthorized
from ..models import Achievement, ApiToken, Award, Organisation
from ..models.base import now_utc
from ..openapi import AWARD_STATUSES, DEFAULT_LIMIT, MAX_BODY, MAX_LIMIT
from ..services import achievements as achievement_service
from ..services import awards as award_service
from ..services import idempotency, tokens
from ..services import status as status_service
from ..services.achievements import AchievementInput, level_descriptions
from ..services.awards import MAX_BATCH, AwardInput
from ..web import actor, db, dbs, sealer, urls
from .forms import API_FIELDS, learner_input

bp = Blueprint("api", __name__, url_prefix="/api/v1")
F = TypeVar("F", bound=Callable[..., Any])

PUBLIC_ENDPOINTS = frozenset({"api.openapi"})
DIGITS = re.compile(r"[0-9]{1,18}")  # a whole number below 2**63, as database ids are
MAX_INT32 = 2**31 - 1  # the largest id of an integer column
NUL = "\x00"  # PostgreSQL text cannot hold it: refused wherever a client can send text


# -- plumbing: authentication, JSON in and out, idempotency ---------------------------------


@bp.before_request
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


def _refuse_nul_in_query() -> None:
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


@bp.after_request
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


@bp.teardown_request
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


def _org() -> Organisation:
    token: ApiToken = g.api_token
    org = dbs().get(Organisation, token.org_id)
    if org is None:  # the organisation was deleted with its tokens
        raise Unauthorized("The API token is not valid.")
    return org


def _dump(payload: Any) -> str:
    return jsonutil.dumps(payload, pretty=False)


def _json(payload: Any, status: int = 200) -> Response:
    return Response(_dump(payload), status=status, mimetype="application/json")


def _body() -> dict[str, Any]:
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
    body: dict[str, Any] = value
    g.api_body = body
    return body


def idempotent(view: F) -> F:
    """A POST view ``view(body, **kwargs) -> (payload, status)``, made replayable by key."""

    @wraps(view)
    def wrapped(**kwargs: Any) -> Any:
        body = _body()
        sent = request.headers.get(idempotency.HEADER)
        if sent is None:
            payload, status = view(body, **kwargs)
            return _json(payload, status)
        key = idempotency.check_key(sent)
        digest = idempotency.request_hash(request.method, request.path, body)
        # The request's session, which has only read the token, gives its connection back
        # before the key is claimed on another: holding one while waiting for a second,
        # enough concurrent requests would take the whole pool and wait for ever.
        dbs().commit()
        outcome = idempotency.begin(db(), org_id=g.api_token.org_id, key=key, request_hash=digest)
        if isinstance(outcome, idempotency.Replay):
            response = Response(outcome.body, status=outcome.status, mimetype="application/json")
            response.headers[idempotency.REPLAY_HEADER] = "true"
            return response
        g.idempotency_claim = outcome
        payload, status = view(body, **kwargs)
        text = _dump(payload)
        # stored in the work's transaction: both commit together (web._commit) or neither
        idempotency.complete(dbs(), outcome, status=status, body=text)
        return Response(text, status=status, mimetype="application/json")

    return wrapped  # type: ignore[return-value]


# -- reading request values -----------------------------------------------------------------


def _reject_unknown(
    body: dict[str, Any], allowed: set[str] | frozenset[str], prefix: str = ""
) -> dict[str, str]:
    return {f"{prefix}{name}": "Unknown field." for name in body if name not in allowed}


def _text(
    body: dict[str, Any], name: str, errors: dict[str, str], *, default: str | None = None
) -> str | None:
    value = body.get(name, default)
    if value is None or isinstance(value, str):
        return value
    errors[name] = "Give a string."
    return default


def _strings(body: dict[str, Any], name: str, errors: dict[str, str]) -> list[str]:
    value = body.get(name, [])
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    errors[name] = "Give a list of strings."
    return []


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _page_args() -> tuple[int, int | None]:
    errors: dict[str, str] = {}
    limit = DEFAULT_LIMIT
    raw = request.args.get("limit")
    if raw is not None:
        limit = int(raw) if DIGITS.fullmatch(raw.strip()) else 0
        if not 1 <= limit <= MAX_LIMIT:
            errors["limit"] = f"Give a whole number from 1 to {MAX_LIMIT}."
    after = None
    cursor = request.args.get("cursor")
    if cursor:
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        except (ValueError, binascii.Error, UnicodeDecodeError):
            text = ""
        # a row id: a tampered cursor must not reach the query (an integer beyond 64 bits
        # is an error in the database driver)
        if DIGITS.fullmatch(text) and 0 < int(text) <= MAX_INT32:  # an id of an integer column
            after = int(text)
        else:
            errors["cursor"] = "Use the cursor of the previous page's 'next' link."
    if errors:
        raise InvalidInput("Please correct the marked parameters.", fields=errors)
    return limit, after


def _cursor(row_id: int) -> str:
    return base64.urlsafe_b64encode(str(row_id).encode()).decode().rstrip("=")


def _next_link(rows: list[Any], limit: int) -> tuple[list[Any], str | None]:
    """The page and the link to the next one (None on the last page)."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
    params.append(("cursor", _cursor(rows[-1].id)))
    return rows, f"{request.base_url}?{urlencode(params)}"


def _when(value: datetime | None) -> str | None:
    return format_datetime(value) if value is not None else None


# -- achievements -----------------------------------------------------------------------------

ACHIEVEMENT_FIELDS = frozenset(
    {
        "name", "description", "criteria_md", "achievement_type", "tags", "levels",
        "level_descriptions", "alignment_ids", "external_alignments", "validity_days", "language", "image",
        "image_caption",
    }
)  # fmt: skip


def _achievement_json(row: Achievement) -> dict[str, Any]:
    return {
        "id": row.public_id,
        "url": urls().achievement(row.public_id),
        "name": row.name,
        "description": row.description,
        "criteria_md": row.criteria_md,
        "achievement_type": row.achievement_type,
        "tags": list(row.tags),
        "levels": list(row.levels),
        "level_descriptions": level_descriptions(row),
        "alignment_ids": list(row.alignment_ids),
        "external_alignments": [
            {"name": a["name"], "url": a["url"]} for a in row.external_alignments
        ],
        "validity_days": row.validity_days,
        "language": row.language,
        "image_url": urls().image(row.image_sha256) if row.image_sha256 else None,
        "image_caption": row.image_caption,
        "version": row.version,
        "created_at": _when(row.created_at),
    }


def _achievement_input(body: dict[str, Any], current: Achievement | None) -> AchievementInput:
    """The service input from a JSON body; with ``current``, absent fields keep its values."""
    errors = _reject_unknown(body, ACHIEVEMENT_FIELDS)
    if current is None:
        for name in ("name", "description"):
            if name not in body:
                errors[name] = "Required."
        base = AchievementInput(name="", description="")
    else:
        base = AchievementInput(
            name=current.name,
            description=current.description,
            criteria_md=current.criteria_md,
            achievement_type=current.achievement_type,
            tags=list(current.tags),
            levels=list(current.levels),
            level_descriptions=level_descriptions(current),
            alignment_ids=list(current.alignment_ids),
            external_alignments=[dict(a) for a in current.external_alignments],
            validity_days=current.validity_days,
            language=current.language,
            image_caption=current.image_caption,
        )
    for name in ("name", "description", "criteria_md", "achievement_type", "language"):
        if name in body:
            value = _text(body, name, errors)
            if value is None and name not in errors:
                errors[name] = "Give a string."
            setattr(base, name, value or "")
    if "image_caption" in body:
        base.image_caption = _text(body, "image_caption", errors)
    for name in ("tags", "levels", "level_descriptions"):
        if name in body:
            setattr(base, name, _strings(body, name, errors))
    if current is not None and "levels" in body and "level_descriptions" not in body:
        # new levels, descriptions not given: each kept level keeps its description
        kept = dict(zip(current.levels, level_descriptions(current), strict=True))
        base.level_descriptions = [
            kept.get(level.strip(), "") if isinstance(level, str) else "" for level in base.levels
        ]
    if "alignment_ids" in body:
        ids = body["alignment_ids"]
        if isinstance(ids, list) and all(_is_int(i) and 0 < i <= MAX_INT32 for i in ids):
            base.alignment_ids = list(ids)
        else:
            errors["alignment_ids"] = "Give a list of competence ids (whole numbers)."
    if "external_alignments" in body:
        links = body["external_alignments"]
        if isinstance(links, list) and all(
            isinstance(a, dict)
            and set(a) <= {"name", "url"}
            and all(isinstance(v, str) for v in a.values())
            for a in links
        ):
            base.external_alignments = [
                {"name": a.get("name", ""), "url": a.get("url", "")} for a in links
            ]
        else:
            errors["external_alignments"] = 'Give a list of {"name", "url"} objects.'
    if "validity_days" in body:
        days = body["validity_days"]
        if days is None or _is_int(days):
            base.validity_days = days
        else:
            errors["validity_days"] = "Give a whole number of days, or null for no expiry."
    if body.get("image") is not None:
        image = body["image"]
        try:
            if not isinstance(image, str):
                raise ValueError
            base.image = base64.b64decode(image, validate=True)
        except (ValueError, binascii.Error):
            errors["image"] = "Give the PNG or SVG image in base64."
    if errors:
        # with the service's own checks of the values given, so every problem shows at once
        raise InvalidInput("Please correct the marked fields.", fields=base.validate() | errors)
    return base


def _org_achievement(org: Organisation, achievement_id: str) -> Achievement:
    return achievement_service.get_achievement(dbs(), achievement_id, org=org)


@bp.get("/achievements")
def list_achievements() -> Any:
    org = _org()
    _refuse_nul_in_query()
    limit, after = _page_args()
    query = select(Achievement).where(Achievement.org_id == org.id)
    if after is not None:
        query = query.where(Achievement.id < after)
    rows = list(dbs().scalars(query.order_by(Achievement.id.desc()).limit(limit + 1)))
    rows, link = _next_link(rows, limit)
    return _json({"achievements": [_achievement_json(r) for r in rows], "next": link})


@bp.post("/achievements")
@idempotent
def create_achievement(body: dict[str, Any]) -> tuple[Any, int]:
    org = _org()
    row = achievement_service.create_achievement(
        dbs(), org=org, data=_achievement_input(body, None), actor=actor()
    )
    return _achievement_json(row), 201


@bp.get("/achievements/<achievement_id>")
def get_achievement(achievement_id: str) -> Any:
    return _json(_achievement_json(_org_achievement(_org(), achievement_id)))


@bp.patch("/achievements/<achievement_id>")
def update_achievement(achievement_id: str) -> Any:
    org = _org()
    row = _org_achievement(org, achievement_id)
    body = _body()
    data = _achievement_input(body, row)
    achievement_service.update_achievement(
        dbs(), achievement=row, org=org, data=data, actor=actor()
    )
    return _json(_achievement_json(row))


# -- awards -----------------------------------------------------------------------------------

LEARNER_FIELDS = frozenset(
    {
        "name",
        "email",
        "level",
        "narrative",
        "evidence_url",
        "evidence_narrative",
        "activity_start",
        "activity_end",
    }
)
# AwardInput's names for the two fields the API calls "name" and "email"
FIELD_NAMES = {"learner_name": "name", "learner_email": "email"}


def award_status(award: Award, now: datetime | None = None) -> str:
    if award.revoked_at is not None:
        return "revoked"
    if award.suspended:
        return "suspended"
    if award.valid_until is not None and award.valid_until <= (now or now_utc()):
        return "expired"
    return "active"


def _award_summary(award: Award) -> dict[str, Any]:
    return {
        "id": award.public_id,
        "url": urls().credential(award.public_id),
        "achievement_id": award.achievement.public_id,
        "learner_name": award.learner_name,
        "learner_email": award.learner_email,  # the organisation's own record, never published
        "status": award_status(award),
        "status_purpose": award.status_purpose,
        "issued_at": _when(award.issued_at),
        "valid_until": _when(award.valid_until),
        "revoked_at": _when(award.revoked_at),
        "revocation_reason": award.revocation_reason,
    }


def _award_json(award: Award) -> dict[str, Any]:
    credential = jsonutil.loads(award.credential_json)
    signed_as = (["data-integrity"] if "proof" in credential else []) + (
        ["vc-jwt"] if award.credential_jwt else []
    )
    return _award_summary(award) | {
        # With an Ed25519 key the JSON carries its own proof; ES256 and RS256 organisations
        # sign VC-JWTs only, and the JSON is then the unsigned content of the JWT.
        "credential": credential,
        "credential_jwt": award.credential_jwt,
        "signed_as": signed_as,
    }


def _learner(value: Any, prefix: str, errors: dict[str, str]) -> AwardInput:
    """One learner object as the service's input; type problems go to ``errors``."""
    if not isinstance(value, dict):
        errors[prefix.rstrip(".") or "learner"] = "Give a learner object with name and email."
        return AwardInput(learner_name="", learner_email="")
    own: dict[str, str] = _reject_unknown(value, LEARNER_FIELDS)
    texts: dict[str, str | None] = {}
    for name in LEARNER_FIELDS:
        texts[name] = _text(value, name, own)
    for name in ("name", "email"):
        if name not in value and name not in own:
            own[name] = "Required."
    errors.update({f"{prefix}{k}": v for k, v in own.items()})
    # the API's "narrative" is the credential's, as it always was (and in the message)
    return learner_input(texts, API_FIELDS, publish_narrative=True)


def _named(errors: dict[str, str], prefix: str) -> dict[str, str]:
    return {f"{prefix}{FIELD_NAMES.get(k, k)}": v for k, v in errors.items()}


@bp.post("/achievements/<achievement_id>/awards")
@idempotent
def create_awards(body: dict[str, Any], achievement_id: str) -> tuple[Any, int]:
    org = _org()
    achievement = _org_achievement(org, achievement_id)
    errors: dict[str, str] = {}
    if "learners" in body:
        errors.update(_reject_unknown(body, {"learners"}))
        learners = body["learners"]
        if not isinstance(learners, list) or not learners:
            raise InvalidInput(
                "Give a non-empty list of learners.",
                fields={"learners": "Give at least one learner."},
            )
        if len(learners) > MAX_BATCH:
            raise InvalidInput(
                f"At most {MAX_BATCH} learners in one request.",
                fields={"learners": f"At most {MAX_BATCH} learners in one request."},
            )
        rows = [_learner(value, f"learners[{i}].", errors) for i, value in enumerate(learners)]
        if errors:  # with the service's checks of every row, so all problems show at once
            for i, row in enumerate(rows):
                for name, message in _named(row.validate(achievement), f"learners[{i}].").items():
                    errors.setdefault(name, message)
            raise InvalidInput(
                "Please correct the marked fields; nothing was awarded.", fields=errors
            )
        result = award_service.award_many(
            dbs(),
            org=org,
            achievement=achievement,
            rows=rows,
            sealer=sealer(),
            urls=urls(),
            actor=actor(),
        )
        if result.errors:
            fields: dict[str, str] = {}
            for number, row_errors in sorted(result.errors.items()):
                fields.update(_named(row_errors, f"learners[{number - 1}]."))
            raise InvalidInput(
                "Please correct the marked fields; nothing was awarded.", fields=fields
            )
        awards = result.awards
        return {"count": len(awards), "awards": [_award_json(a) for a in awards]}, 201
    data = _learner(body, "", errors)
    if errors:
        raise InvalidInput(
            "Please correct the marked fields.",
            fields=_named(data.validate(achievement), "") | errors,
        )
    try:
        award = award_service.award_badge(
            dbs(),
            org=org,
            achievement=achievement,
            data=data,
            sealer=sealer(),
            urls=urls(),
            actor=actor(),
        )
    except InvalidInput as exc:
        raise InvalidInput(exc.description, fields=_named(exc.fields, "")) from exc
    return _award_json(award), 201


def _filters() -> list[Any]:
    """The WHERE clauses of the award list's query parameters (InvalidInput if bad)."""
    errors: dict[str, str] = {}
    clauses: list[Any] = []
    args = request.args
    known = {"achievement", "email", "status", "issued_since", "issued_until", "limit", "cursor"}
    errors.update({name: "Unknown parameter." for name in args if name not in known})
    if args.get("achievement"):
        clauses.append(
            Award.achievement_id.in_(
                select(Achievement.id).where(Achievement.public_id == args["achievement"])
            )
        )
    if args.get("email"):
        clauses.append(func.lower(Award.learner_email) == args["email"].strip().lower())
    status = args.get("status")
    if status:
        now = now_utc()
        live = or_(Award.valid_until.is_(None), Award.valid_until > now)
        if status == "revoked":
            clauses.append(Award.revoked_at.is_not(None))
        elif status == "suspended":
            clauses += [Award.revoked_at.is_(None), Award.suspended.is_(True)]
        elif status == "expired":
            clauses += [Award.revoked_at.is_(None), Award.suspended.is_(False), ~live]
        elif status == "active":
            clauses += [Award.revoked_at.is_(None), Award.suspended.is_(False), live]
        else:
            errors["status"] = f"Choose one of: {', '.join(AWARD_STATUSES)}."
    for name, after in (("issued_since", True), ("issued_until", False)):
        raw = args.get(name)
        if not raw:
            continue
        try:
            moment = _moment(raw)
        except ValueError:
            errors[name] = (
                "Use a date (2026-09-01) or a date-time with a zone (2026-09-01T08:00:00Z)."
            )
            continue
        clauses.append(Award.issued_at >= moment if after else Award.issued_at < moment)
    if errors:
        raise InvalidInput("Please correct the marked parameters.", fields=errors)
    return clauses


def _moment(raw: str) -> datetime:
    raw = raw.strip()
    if len(raw) == 10:
        return datetime.combine(date.fromisoformat(raw), time(0, 0), tzinfo=UTC)
    try:
        return parse_datetime(raw)
    except BadgeError as exc:
        raise ValueError(str(exc)) from exc


@bp.get("/awards")
def list_awards() -> Any:
    org = _org()
    _refuse_nul_in_query()
    clauses = _filters()
    limit, after = _page_args()
    query = select(Award).where(Award.org_id == org.id, *clauses)
    if after is not None:
        query = query.where(Award.id < after)
    rows = list(dbs().scalars(query.order_by(Award.id.desc()).limit(limit + 1)))
    rows, link = _next_link(rows, limit)
    return _json({"awards": [_award_summary(a) for a in rows], "next": link})


def _org_award(org: Organisation, award_id: str) -> Award:
    award = dbs().scalar(select(Award).where(Award.public_id == award_id, Award.org_id == org.id))
    if award is None:
        raise NotFound("No such badge.")
    return award


@bp.get("/awards/<award_id>")
def get_award(award_id: str) -> Any:
    return _json(_award_json(_org_award(_org(), award_id)))


@bp.post("/awards/<award_id>/revoke")
@idempotent
def revoke_award(body: dict[str, Any], award_id: str) -> tuple[Any, int]:
    org = _org()
    award = _org_award(org, award_id)
    errors = _reject_unknown(body, {"reason"})
    reason = _text(body, "reason", errors, default="")
    if errors:
        raise InvalidInput("Please correct the marked fields.", fields=errors)
    status_service.revoke_award(dbs(), award=award, reason=reason or "", urls=urls(), actor=actor())
    return _award_json(award), 200


def _set_suspended(body: dict[str, Any], award_id: str, suspended: bool) -> tuple[Any, int]:
    org = _org()
    award = _org_award(org, award_id)
    errors = _reject_unknown(body, {"reason"})
    reason = (_text(body, "reason", errors, default="") or "").strip()
    if len(reason) > 500:
        errors["reason"] = "Keep the reason under 500 characters."
    if errors:
        raise InvalidInput("Please correct the marked fields.", fields=errors)
    status_service.change_suspension(
        dbs(), award=award, org=org, suspended=suspended, reason=reason, actor=actor(), urls=urls()
    )
    return _award_json(award), 200


@bp.post("/awards/<award_id>/suspend")
@idempotent
def suspend_award(body: dict[str, Any], award_id: str) -> tuple[Any, int]:
    return _set_suspended(body, award_id, True)


@bp.post("/awards/<award_id>/unsuspend")
@idempotent
def unsuspend_award(body: dict[str, Any], award_id: str) -> tuple[Any, int]:
    return _set_suspended(body, award_id, False)


# -- the description --------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi() -> Any:
    from ..openapi import document

    response = _json(document())
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
