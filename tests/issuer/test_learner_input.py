"""One mapping of a learner's fields into the service input (``learner_input``), whichever
channel they come through: the award form, a CSV row or an API body."""

from __future__ import annotations

from datetime import date

from werkzeug.datastructures import MultiDict

from issuer.api.awards import read_learner as _learner
from issuer.services.awards import AwardInput
from issuer.views.forms import (
    CSV_FIELDS,
    FORM_FIELDS,
    LearnerFields,
    award_input,
    learner_input,
    rows_from_csv,
)


def test_one_learner_through_the_form_a_csv_row_and_the_api_is_one_service_input():
    form = award_input(
        MultiDict(
            {
                "learner_name": "Ona Petraitytė",
                "learner_email": "ona@pupils.example",
                "level": " Proficient ",
                "evidence_url": "https://blog.example/ona",
                "narrative": "Led the river survey.",
                "publish_narrative": "1",
                "activity_start": "2026-09-01",
                "activity_end": " 2026-10-01",
            }
        )
    )
    [row] = rows_from_csv(
        "name;email;level;evidence_url;note;activity_start;activity_end\n"
        "Ona Petraitytė;ona@pupils.example; Proficient ;https://blog.example/ona;Led the river survey.;2026-09-01; 2026-10-01\n".encode(),
        publish_notes=True,
    )
    errors: dict[str, str] = {}
    api = _learner(
        {
            "name": "Ona Petraitytė",
            "email": "ona@pupils.example",
            "level": " Proficient ",
            "evidence_url": "https://blog.example/ona",
            "narrative": "Led the river survey.",
            "activity_start": "2026-09-01",
            "activity_end": " 2026-10-01",
        },
        "learners[0].",
        errors,
    )
    expected = AwardInput(
        learner_name="Ona Petraitytė",
        learner_email="ona@pupils.example",
        level="Proficient",
        evidence_url="https://blog.example/ona",
        narrative="Led the river survey.",
        publish_narrative=True,
        activity_start=date(2026, 9, 1),
        activity_end=date(2026, 10, 1),
        parse_errors={},
    )
    assert form == row == api == expected and errors == {}


def test_a_date_that_is_not_one_is_the_same_problem_in_every_channel():
    bad = {"activity_start": "1 September"}
    form = award_input(
        MultiDict({"learner_name": "Ona", "learner_email": "ona@pupils.example", **bad})
    )
    [row] = rows_from_csv(b"name,email,activity_start\nOna,ona@pupils.example,1 September\n")
    api = _learner({"name": "Ona", "email": "ona@pupils.example", **bad}, "", {})
    assert (
        form.parse_errors
        == row.parse_errors
        == api.parse_errors
        == {"activity_start": "Use a date like 2026-09-01."}
    )


def test_each_channel_is_one_table_of_field_names():
    """A channel with its own names needs a table, not another reader: empty and None are empty."""
    spreadsheet = LearnerFields(
        name="Learner",
        email="E-mail",
        level="Grade",
        evidence_narrative=None,
        narrative=("Comment", "Remark"),
    )
    data = learner_input(
        {
            "Learner": "Jonas",
            "E-mail": "jonas@pupils.example",
            "Grade": None,
            "Comment": " ",
            "Remark": "Kind to others.",
        },
        spreadsheet,
        publish_narrative=False,
    )
    assert (
        data.learner_name,
        data.learner_email,
        data.level,
        data.narrative,
        data.publish_narrative,
    ) == (
        "Jonas",
        "jonas@pupils.example",
        None,
        "Kind to others.",
        False,
    )
    assert FORM_FIELDS.name == "learner_name" and CSV_FIELDS.narrative == ("narrative", "note")
