"""Reading form fields into service inputs (views stay thin)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from typing import Any, Literal

from werkzeug.datastructures import FileStorage, MultiDict

from ..errors import InvalidInput
from ..models.base import MAX_ID
from ..services.achievements import AchievementInput, Unchanged
from ..services.awards import AwardInput

# the one mapping of a learner's fields, kept importable from here for the pages
from ..services.learner_fields import CSV_FIELDS as CSV_FIELDS
from ..services.learner_fields import FORM_FIELDS as FORM_FIELDS
from ..services.learner_fields import LearnerFields as LearnerFields
from ..services.learner_fields import learner_input
from ..translate import _

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
        message = _("The page number must be a whole number from 1 to %(max)s.", max=MAX_PAGE)
        raise InvalidInput(message, fields={"page": message})
    return page


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.replace(",", "\n").splitlines() if line.strip()]


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
            errors["validity_days"] = _("Give a whole number of days, or leave it empty.")
    ids: list[int] = []
    for value in form.getlist("alignment_ids"):
        number = whole_number(value, low=1, high=MAX_ID)
        if number is None:
            errors["alignment_ids"] = _("Choose competences from the list.")
        else:
            ids.append(number)
    external = []
    for line in form.get("external_alignments", "").splitlines():
        if line.strip():
            name, _bar, url = line.partition("|")
            external.append({"name": name.strip(), "url": url.strip()})
    image = None
    upload = files.get("image")
    if upload is not None and upload.filename:
        image = upload.read(1024 * 1024 + 1)
    levels = form_levels(form)
    descriptions = level_description_fields(form)
    requirement = pathway_rule(form, errors)
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
        requirement=requirement,
    )
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    return data


# -- a pathway's rule on the achievement form ---------------------------------------------------
# The form shows the common shapes: one group (all of / any one of / at least n of the ticked
# achievements) with at most one sub-group inside it, which counts as one item. A stored rule
# of another shape (set through the service) is kept unless the teacher chooses a new one.

RULE_OPS = ("all", "any", "n")


def pathway_rule(
    form: MultiDict[str, str], errors: dict[str, str]
) -> dict[str, Any] | Literal[Unchanged.KEEP] | None:
    """The rule the pathway fields describe (shape checks are the service's), None for a
    plain achievement, or Unchanged.KEEP (the form has no pathway fields, or the teacher
    kept a rule the form cannot show)."""
    if "req_op" not in form:
        return Unchanged.KEEP
    op = form.get("req_op", "")
    if op == "keep":
        return Unchanged.KEEP
    if op not in RULE_OPS:
        return None

    def group(prefix: str, op: str) -> dict[str, Any]:
        items: list[dict[str, Any]] = []
        for value in form.getlist(f"{prefix}items"):
            number = whole_number(value, low=1, high=MAX_ID)
            if number is None:
                errors["requirement"] = _("Tick achievements from the list.")
            else:
                items.append({"achievement": number})
        rule: dict[str, Any] = {"op": op, "items": items}
        if op == "n":
            n = whole_number(form.get(f"{prefix}n", ""), low=0, high=10_000)
            if n is None:
                errors["requirement"] = _("Say how many are needed, as a whole number.")
            rule["n"] = n if n is not None else 0
        return rule

    rule = group("req_", op)
    sub_op = form.get("req_sub_op", "")
    if sub_op in RULE_OPS:
        sub = group("req_sub_", sub_op)
        if not sub["items"]:
            errors["requirement"] = _(
                "Tick the achievements of the sub-group, or choose no sub-group."
            )
        rule["items"].append(sub)
    return rule


def pathway_values(rule: dict[str, Any] | None) -> dict[str, Any]:
    """The form's pathway fields for a stored rule; ``req_op`` "keep" when the form cannot
    show it (more than one sub-group, or deeper)."""
    if not rule:
        return {"req_op": "", "req_items": [], "req_sub_items": []}
    leaves = [str(i["achievement"]) for i in rule["items"] if "achievement" in i]
    groups = [i for i in rule["items"] if "op" in i]
    if len(groups) > 1 or any("op" in i for g in groups for i in g["items"]):
        return {"req_op": "keep", "req_items": [], "req_sub_items": []}
    values: dict[str, Any] = {
        "req_op": rule["op"],
        "req_n": rule.get("n", ""),
        "req_items": leaves,
        "req_sub_op": "",
        "req_sub_items": [],
    }
    if groups:
        values |= {
            "req_sub_op": groups[0]["op"],
            "req_sub_n": groups[0].get("n", ""),
            "req_sub_items": [str(i["achievement"]) for i in groups[0]["items"]],
        }
    return values


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
    "language",
)


def rows_from_csv(content: bytes, *, publish_notes: bool = False) -> list[AwardInput]:
    """Learners from a CSV with a header row (name, email; optional level, evidence_url, ...).

    A row's ``narrative`` (or ``note``) is a note to the learner: it goes into their message,
    and into the signed badge too only with ``publish_notes``.

    Raises InvalidInput for a file that is not such a CSV; per-row problems are left to
    the service's validation (so the preview can show them all at once).
    """
    if len(content) > MAX_CSV_BYTES:
        raise InvalidInput(_("The CSV file is larger than 1 MB."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(_("Save the CSV as UTF-8 and upload it again.")) from exc
    # The header row says which separator the file uses (Excel writes ";" in many locales);
    # quoting stays Excel's, where a quote inside a quoted field is doubled.
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    if "name" not in header or "email" not in header:
        raise InvalidInput(
            _("The first row must name the columns, with at least 'name' and 'email'.")
        )
    reader.fieldnames = header
    rows = []
    for record in reader:
        row = learner_input(record, CSV_FIELDS, publish_narrative=publish_notes)
        rows.append(row)
    if not rows:
        raise InvalidInput(_("The CSV has no learners under its header row."))
    return rows
