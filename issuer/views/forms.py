"""Reading form fields into service inputs (views stay thin)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from werkzeug.datastructures import FileStorage, MultiDict

from ..errors import InvalidInput
from ..models.base import MAX_ID
from ..services.achievements import AchievementInput
from ..services.awards import AwardInput

MAX_CSV_BYTES = 1024 * 1024
MAX_PAGE = 1_000_000_000
_DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII digits only: int() also reads "²" or "١"


def whole_number(value: str, *, low: int, high: int) -> int | None:
    """``value`` as a whole number from ``low`` to ``high``, or None (never a number too
    large for the database)."""
    value = value.strip()
    if not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if low <= number <= high else None


def page_number(value: str | None) -> int:
    """The ``page`` query parameter: 1 when absent; InvalidInput when not 1 to MAX_PAGE."""
    if value is None or not value.strip():
        return 1
    page = whole_number(value, low=1, high=MAX_PAGE)
    if page is None:
        message = f"The page number must be a whole number from 1 to {MAX_PAGE}."
        raise InvalidInput(message, fields={"page": message})
    return page


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.replace(",", "\n").splitlines() if line.strip()]


def _date(value: str | None, field: str, errors: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors[field] = "Use a date like 2026-09-01."
        return None


MAX_LEVEL_FIELDS = 20  # the form shows one description field per level (at most 10 levels)


def form_levels(form: Mapping[str, str]) -> list[str]:
    return [line.strip() for line in form.get("levels", "").splitlines() if line.strip()]


def level_description_fields(form: Mapping[str, str]) -> dict[str, str]:
    """The level descriptions a form sent, by level name: each ``level_description-<n>``
    field comes with a hidden ``level_description_for-<n>`` naming its level, so a
    description follows its level when the levels are renamed, reordered or added to."""
    found: dict[str, str] = {}
    for number in range(MAX_LEVEL_FIELDS):
        level = (form.get(f"level_description_for-{number}") or "").strip()
        text = form.get(f"level_description-{number}")
        if level and text is not None:
            found[level] = text
    return found


def level_rows(levels: list[str], descriptions: Mapping[str, str]) -> list[tuple[str, str]]:
    """(level, description) for each level, as the form shows them."""
    return [(level, descriptions.get(level, "")) for level in levels]


def achievement_input(
    form: MultiDict[str, str], files: MultiDict[str, FileStorage]
) -> AchievementInput:
    errors: dict[str, str] = {}
    validity: int | None = None
    raw = form.get("validity_days", "").strip()
    if raw:
        try:
            validity = int(raw)
        except ValueError:
            errors["validity_days"] = "Give a whole number of days, or leave it empty."
    ids: list[int] = []
    for value in form.getlist("alignment_ids"):
        number = whole_number(value, low=1, high=MAX_ID)
        if number is None:
            errors["alignment_ids"] = "Choose competences from the list."
        else:
            ids.append(number)
    external = []
    for line in form.get("external_alignments", "").splitlines():
        if line.strip():
            name, _, url = line.partition("|")
            external.append({"name": name.strip(), "url": url.strip()})
    image = None
    upload = files.get("image")
    if upload is not None and upload.filename:
        image = upload.read(1024 * 1024 + 1)
    levels = form_levels(form)
    descriptions = level_description_fields(form)
    data = AchievementInput(
        name=form.get("name", ""),
        description=form.get("description", ""),
        criteria_md=form.get("criteria_md", ""),
        achievement_type=form.get("achievement_type", "Badge"),
        tags=_lines(form.get("tags", "")),
        levels=levels,
        level_descriptions=[descriptions.get(level, "") for level in levels],
        alignment_ids=ids,
        external_alignments=external,
        validity_days=validity,
        language=form.get("language", "en").strip() or "en",
        image=image,
        image_caption=form.get("image_caption", "").strip() or None,
    )
    if errors:
        raise InvalidInput("Please correct the marked fields.", fields=errors)
    return data


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


FORM_FIELDS = LearnerFields(name="learner_name", email="learner_email")
CSV_FIELDS = LearnerFields(
    name="name", email="email", evidence_narrative=None, narrative=("narrative", "note")
)
API_FIELDS = LearnerFields(name="name", email="email")


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
        parse_errors=errors,
    )


def award_input(form: MultiDict[str, str]) -> AwardInput:
    """The award form's learner."""
    return learner_input(form, FORM_FIELDS, publish_narrative=form.get("publish_narrative") == "1")


CSV_COLUMNS = (
    "name",
    "email",
    "level",
    "evidence_url",
    "narrative",
    "activity_start",
    "activity_end",
)


def rows_from_csv(content: bytes, *, publish_notes: bool = False) -> list[AwardInput]:
    """Learners from a CSV with a header row (name, email; optional level, evidence_url, ...).

    A row's ``narrative`` (or ``note``) is a note to the learner: it goes into their message,
    and into the signed badge too only with ``publish_notes``.

    Raises InvalidInput for a file that is not such a CSV; per-row problems are left to
    the service's validation (so the preview can show them all at once).
    """
    if len(content) > MAX_CSV_BYTES:
        raise InvalidInput("The CSV file is larger than 1 MB.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("Save the CSV as UTF-8 and upload it again.") from exc
    # The header row says which separator the file uses (Excel writes ";" in many locales);
    # quoting stays Excel's, where a quote inside a quoted field is doubled.
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    if "name" not in header or "email" not in header:
        raise InvalidInput("The first row must name the columns, with at least 'name' and 'email'.")
    reader.fieldnames = header
    rows = []
    for record in reader:
        row = learner_input(record, CSV_FIELDS, publish_narrative=publish_notes)
        rows.append(row)
    if not rows:
        raise InvalidInput("The CSV has no learners under its header row.")
    return rows
