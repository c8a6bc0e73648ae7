"""One mapping of a learner's fields into the service input (``learner_input``), whichever
channel they come through: the award form, a CSV row or an API body. Each channel names
its fields in a table of its own (``LearnerFields``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from ..translate import _
from .awards import AwardInput


@dataclass(frozen=True)
class LearnerFields:
    """Where one input channel (the award form, a CSV file, the API) keeps each field of a
    learner: one table per channel, read by the one mapping ``learner_input``."""

    name: str
    email: str
    level: str = "level"
    evidence_url: str = "evidence_url"
    evidence_narrative: str | None = "evidence_narrative"  # None: the channel has none
    narrative: tuple[str, ...] = ("narrative",)  # the first one given counts
    activity_start: str = "activity_start"
    activity_end: str = "activity_end"
    # the language of the learner's message (a catalogue's code); None: the channel has none
    language: str | None = "language"


FORM_FIELDS = LearnerFields(name="learner_name", email="learner_email")
CSV_FIELDS = LearnerFields(
    name="name", email="email", evidence_narrative=None, narrative=("narrative", "note")
)
API_FIELDS = LearnerFields(name="name", email="email")


def _date(value: str | None, field: str, errors: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors[field] = _("Use a date like 2026-09-01.")
        return None


def learner_input(
    values: Mapping[str, str | None], fields: LearnerFields, *, publish_narrative: bool
) -> AwardInput:
    """One learner's values (text, as the channel gives them; missing or None is empty) as
    the service's input. A date that is not one is reported with every other field's
    problem by the service (``parse_errors``), under the service's field name."""

    def text(name: str | None) -> str | None:
        return (values.get(name) or "").strip() or None if name else None

    errors: dict[str, str] = {}
    return AwardInput(
        learner_name=values.get(fields.name) or "",
        learner_email=values.get(fields.email) or "",
        level=text(fields.level),
        evidence_url=text(fields.evidence_url),
        evidence_narrative=text(fields.evidence_narrative),
        narrative=next((found for name in fields.narrative if (found := text(name))), None),
        publish_narrative=publish_narrative,
        activity_start=_date(values.get(fields.activity_start), "activity_start", errors),
        activity_end=_date(values.get(fields.activity_end), "activity_end", errors),
        language=(text(fields.language) or "").lower() or None,
        parse_errors=errors,
    )
