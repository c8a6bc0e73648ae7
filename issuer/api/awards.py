"""Awards: achievements awarded to one learner or a class, listed, read, revoked,
suspended and reinstated."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidInput
from ..models import Achievement
from ..services import achievements as achievement_service
from ..services import awards as award_service
from ..services import status as status_service
from ..services.awards import MAX_BATCH, AwardFilter, AwardInput
from ..services.learner_fields import API_FIELDS, learner_input
from ..translate import _
from ..web import actor, dbs, sealer, urls
from .plumbing import REPLAYED, answer, bp, errors, idempotent, load, next_link, org, posted
from .plumbing import request_body as documents_body
from .schemas import (
    AwardBatchSchema,
    AwardPageSchema,
    AwardQuerySchema,
    AwardSchema,
    LearnerBatchSchema,
    LearnerSchema,
    ReasonSchema,
    RevocationSchema,
)

TAGS = ["awards"]
AWARD = AwardSchema()
BATCH = AwardBatchSchema()
PAGE = AwardPageSchema()
LEARNER = LearnerSchema()
LEARNERS = LearnerBatchSchema()
REASON = ReasonSchema()
REVOCATION = RevocationSchema()
# AwardInput's names for the two fields the API calls "name" and "email"
FIELD_NAMES = {"learner_name": "name", "learner_email": "email"}


def read_learner(value: Any, prefix: str, problems: dict[str, str]) -> AwardInput:
    """One learner object as the service's input; what the schema refuses goes to
    ``problems`` (named ``{prefix}field``)."""
    if not isinstance(value, dict):
        problems[prefix.rstrip(".") or "learner"] = _("Give a learner object with name and email.")
        return AwardInput(learner_name="", learner_email="")
    values, refused = load(LEARNER, value)
    problems.update({f"{prefix}{name}": message for name, message in refused.items()})
    # the API's "narrative" is the credential's, as it always was (and in the message)
    return learner_input(values, API_FIELDS, publish_narrative=True)


def _named(problems: dict[str, str], prefix: str) -> dict[str, str]:
    return {f"{prefix}{FIELD_NAMES.get(k, k)}": v for k, v in problems.items()}


def _read_batch(sent: dict[str, Any], achievement: Achievement) -> list[AwardInput]:
    problems = {name: "Unknown field." for name in sent if name not in LEARNERS.fields}
    learners = sent["learners"]
    if not isinstance(learners, list) or not learners:
        raise InvalidInput(
            _("Give a non-empty list of learners."),
            fields={"learners": _("Give at least one learner.")},
        )
    if len(learners) > MAX_BATCH:
        too_many = _("At most %(max)s learners in one request.", max=MAX_BATCH)
        raise InvalidInput(too_many, fields={"learners": too_many})
    rows = [read_learner(value, f"learners[{i}].", problems) for i, value in enumerate(learners)]
    if problems:  # with the service's checks of every row, so all problems show at once
        for i, row in enumerate(rows):
            for name, message in _named(row.validate(achievement), f"learners[{i}].").items():
                problems.setdefault(name, message)
        raise InvalidInput(
            _("Please correct the marked fields; nothing was awarded."), fields=problems
        )
    return rows


@bp.route("/achievements/<achievement_id>/awards", methods=["POST"], tags=TAGS)
@bp.doc(
    operationId="award",
    summary=f"Award the achievement to one learner, or to up to {MAX_BATCH} at once",
)
@documents_body({"oneOf": [LEARNER, LEARNERS]})
@bp.response(
    201,
    {"oneOf": [AWARD, BATCH]},
    description="Awarded: the Award, or for a list an AwardBatch.",
    headers=REPLAYED,
)
@errors(404)
@posted
@idempotent
def create_awards(sent: dict[str, Any], achievement_id: str) -> tuple[Any, int]:
    """Award the achievement to one learner, or to many at once

    One learner object gives one Award; `{"learners": [...]}` awards them all in one
    transaction (every learner valid, or nothing is awarded: the errors name
    `learners[i].field`). Each credential is signed with the organisation's key, as JSON
    with an embedded proof and as a VC-JWT, and a message to the learner is queued. Send
    an Idempotency-Key to retry safely.
    """
    own = org()
    achievement = achievement_service.get_achievement(dbs(), achievement_id, org=own)
    if "learners" in sent:
        result = award_service.award_many(
            dbs(),
            org=own,
            achievement=achievement,
            rows=_read_batch(sent, achievement),
            sealer=sealer(),
            urls=urls(),
            actor=actor(),
        )
        if result.errors:
            fields: dict[str, str] = {}
            for number, row_errors in sorted(result.errors.items()):
                fields.update(_named(row_errors, f"learners[{number - 1}]."))
            raise InvalidInput(
                _("Please correct the marked fields; nothing was awarded."), fields=fields
            )
        return BATCH.dump({"count": len(result.awards), "awards": result.awards}), 201
    problems: dict[str, str] = {}
    data = read_learner(sent, "", problems)
    if problems:
        raise InvalidInput(
            _("Please correct the marked fields."),
            fields=_named(data.validate(achievement), "") | problems,
        )
    try:
        award = award_service.award_badge(
            dbs(),
            org=own,
            achievement=achievement,
            data=data,
            sealer=sealer(),
            urls=urls(),
            actor=actor(),
        )
    except InvalidInput as exc:
        raise InvalidInput(exc.description, fields=_named(exc.fields, "")) from exc
    return AWARD.dump(award), 201


@bp.route("/awards", methods=["GET"], tags=TAGS)
@bp.doc(operationId="listAwards")
@bp.arguments(AwardQuerySchema, location="query", unknown=None, error_status_code=400)
@bp.response(200, PAGE, description="One page.")
@errors(400, 401)
def list_awards(query: dict[str, Any]) -> Any:
    """The organisation's awards, newest first, filtered"""
    limit = query.pop("limit")
    before = query.pop("cursor", None)
    rows = award_service.list_awards(
        dbs(), org(), AwardFilter(**query), limit=limit + 1, before=before
    )
    rows, link = next_link(rows, limit)
    return answer(PAGE.dump({"awards": rows, "next": link}))


@bp.route("/awards/<award_id>", methods=["GET"], tags=TAGS)
@bp.doc(operationId="getAward")
@bp.response(200, AWARD, description="The award.")
@errors(401, 404)
def get_award(award_id: str) -> Any:
    """One award with its signed credential"""
    return answer(AWARD.dump(award_service.get_award(dbs(), award_id, org=org())))


@bp.route("/awards/<award_id>/revoke", methods=["POST"], tags=TAGS)
@bp.doc(operationId="revokeAward")
@documents_body(REVOCATION)
@bp.response(200, AWARD, description="The award as it is now.")
@errors(404)
@posted
@idempotent
def revoke_award(sent: dict[str, Any], award_id: str) -> tuple[Any, int]:
    """Revoke a badge for good; the reason is shown to verifiers"""
    award = award_service.get_award(dbs(), award_id, org=org())
    values, problems = load(REVOCATION, sent)
    if problems:
        raise InvalidInput(_("Please correct the marked fields."), fields=problems)
    status_service.revoke_award(
        dbs(), award=award, reason=values["reason"] or "", urls=urls(), actor=actor()
    )
    return AWARD.dump(award), 200


def _set_suspended(sent: dict[str, Any], award_id: str, suspended: bool) -> tuple[Any, int]:
    own = org()
    award = award_service.get_award(dbs(), award_id, org=own)
    values, problems = load(REASON, sent)
    if problems:
        raise InvalidInput(_("Please correct the marked fields."), fields=problems)
    reason = (values["reason"] or "").strip()
    status_service.change_suspension(
        dbs(), award=award, org=own, suspended=suspended, reason=reason, actor=actor(), urls=urls()
    )
    return AWARD.dump(award), 200


@bp.route("/awards/<award_id>/suspend", methods=["POST"], tags=TAGS)
@bp.doc(operationId="suspendAward")
@documents_body(REASON, required=False)
@bp.response(200, AWARD, description="The award as it is now.")
@errors(404)
@posted
@idempotent
def suspend_award(sent: dict[str, Any], award_id: str) -> tuple[Any, int]:
    """Suspend a badge (only badges whose status entry is for suspension: organisations with the status method bitstring-suspension); the optional reason goes to the audit log"""
    return _set_suspended(sent, award_id, True)


@bp.route("/awards/<award_id>/unsuspend", methods=["POST"], tags=TAGS)
@bp.doc(operationId="unsuspendAward")
@documents_body(REASON, required=False)
@bp.response(200, AWARD, description="The award as it is now.")
@errors(404)
@posted
@idempotent
def unsuspend_award(sent: dict[str, Any], award_id: str) -> tuple[Any, int]:
    """Lift a badge's suspension"""
    return _set_suspended(sent, award_id, False)
