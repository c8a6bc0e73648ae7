"""One path for a staff form whose attempt failed (issuer/views/common.py ``form_errors``):
the attempt is undone, the request does not commit, the errors come back by field."""

from __future__ import annotations

import ast
from pathlib import Path

from flask import g
from sqlalchemy import func, select

from issuer.errors import Conflict, InvalidInput
from issuer.models import Framework, Organisation
from issuer.services.achievements import create_framework
from issuer.views.common import form_errors
from issuer.web import dbs

VIEWS = Path(__file__).resolve().parents[2] / "issuer" / "views"


def frameworks_named(database, name: str) -> int:
    with database.transaction() as session:
        return (
            session.scalar(
                select(func.count()).select_from(Framework).where(Framework.name == name)
            )
            or 0
        )


def test_a_failed_attempt_is_undone_and_the_request_does_not_commit(app, database, make_org):
    org = make_org()
    with app.test_request_context("/", method="POST"):
        create_framework(
            dbs(),
            org=dbs().get_one(Organisation, org.id),
            name="Half made",
            url=None,
            items_text="A | Reading",
        )
        dbs().flush()  # what a service does before it fails further on
        errors = form_errors(
            InvalidInput("Not like that.", fields={"name": "Choose another name."})
        )
        assert errors == {"name": "Choose another name."}
        assert g.rollback is True
        # the page rendered next reads what is stored, not the half-made framework
        assert (
            dbs().scalar(
                select(func.count()).select_from(Framework).where(Framework.name == "Half made")
            )
            == 0
        )
        response = app.make_response(("page", 200))
        app.process_response(response)  # the request's commit
    assert frameworks_named(database, "Half made") == 0


def test_the_whole_form_is_named_when_no_field_is(app, make_org):
    with app.test_request_context("/", method="POST"):
        assert form_errors(Conflict("Someone else did it first.")) == {
            "form": "Someone else did it first."
        }
        assert form_errors(InvalidInput("The list is empty.")) == {"form": "The list is empty."}


def test_no_staff_view_rolls_back_by_hand():
    """Every form error goes through ``form_errors`` (the API's own rollback after its commit aside)."""
    found = []
    for path in sorted(VIEWS.glob("*.py")):
        if path.name in {"common.py", "api.py"}:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "rollback":
                found.append(f"{path.name}:{node.lineno}")
    assert found == []
