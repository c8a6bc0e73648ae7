"""The OpenAPI document that flask-smorest makes from the API's routes and schemas
(issuer/api/): a valid OpenAPI 3.1 document, covering every route under /api/v1 and only
those, made from the very schemas that read the requests and write the answers."""

from __future__ import annotations

import re

from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from issuer.api import achievements, awards
from issuer.api.plumbing import PREFIX

from .api_helpers import DOC, METHODS, documented_operations


def test_the_served_document_is_valid_openapi_3_1(client):
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200 and served.json == DOC
    assert served.headers["Access-Control-Allow-Origin"] == "*"
    assert served.json["openapi"] == "3.1.0"
    validate(served.json)
    # the validator does find a broken document
    broken = DOC | {"paths": {"/x": {"get": {"responses": {"200": {"content": 5}}}}}}
    try:
        validate(broken)
    except OpenAPIValidationError:
        pass
    else:
        raise AssertionError("a broken document passed")


def test_every_route_under_the_prefix_is_documented_and_nothing_else(app):
    """By path, whatever blueprint a route is on: nothing under /api/v1 goes undocumented."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            template = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(PREFIX))
            routes |= {(m, template) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented_operations()
    ids = [
        op["operationId"]
        for item in DOC["paths"].values()
        for m, op in item.items()
        if m in METHODS
    ]
    assert len(ids) == len(set(ids)) == len(routes)


def test_the_request_bodies_are_the_schemas_that_read_them():
    """One schema, read three ways: the document's request bodies have exactly the fields
    the routes load, and the answers' components exactly the fields they write."""
    components = DOC["components"]["schemas"]
    for name, schema in (
        ("AchievementCreate", achievements.CREATE),
        ("AchievementUpdate", achievements.UPDATE),
        ("Learner", awards.LEARNER),
        ("LearnerBatch", awards.LEARNERS),
        ("Reason", awards.REASON),
        ("Revocation", awards.REVOCATION),
    ):
        component = components[name]
        loaded = {f.data_key or key for key, f in schema.load_fields.items()}
        assert set(component["properties"]) == loaded, name
        assert component["additionalProperties"] is False, name  # 'Unknown field.'
    for name, schema in (("Achievement", achievements.ACHIEVEMENT), ("Award", awards.AWARD)):
        written = {f.data_key or key for key, f in schema.dump_fields.items()}
        assert set(components[name]["required"]) == written, name
    assert components["AchievementCreate"]["required"] == ["description", "name"]
    assert "required" not in components["AchievementUpdate"]


def test_every_operation_documents_its_errors_in_the_one_shape():
    for template, item in DOC["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            responses = op["responses"]
            assert responses["default"] == {"$ref": "#/components/responses/Unexpected"}
            if template != "/openapi.json":
                assert {"401"} <= set(responses), (method, template)
                # the database away (restarting): 503 with Retry-After (issue 16)
                assert responses["503"] == {"$ref": "#/components/responses/Unavailable"}
            if method == "post":
                assert {"400", "409", "413", "422"} <= set(responses), template
                assert any(p["name"] == "Idempotency-Key" for p in op["parameters"]), template
    for name, response in DOC["components"]["responses"].items():
        assert response["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }, name
    error = DOC["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert DOC["components"]["schemas"]["ErrorBody"]["required"] == ["code", "message"]


def test_the_schemas_refuse_in_the_api_s_own_words(api, achievement_id, table_counts):
    """What marshmallow refuses reaches the client as the API has always said it: a 400
    invalid_input (never the library's 422), one message per field, in our words."""
    before = table_counts()
    for sent, expected in (
        (
            {"external_alignments": None},
            {"external_alignments": 'Give a list of {"name", "url"} objects.'},
        ),
        (
            {"tags": None, "levels": [1]},
            {"tags": "Give a list of strings.", "levels": "Give a list of strings."},
        ),
        (
            {"alignment_ids": [True]},
            {"alignment_ids": "Give a list of competence ids (whole numbers)."},
        ),
        (
            {"validity_days": "7"},
            {"validity_days": "Give a whole number of days, or null for no expiry."},
        ),
        (
            {"name": None, "image": 5},
            {"name": "Give a string.", "image": "Give the PNG or SVG image in base64."},
        ),
        ({"version": 9}, {"version": "Unknown field."}),
    ):
        response = api.patch("/achievements/{achievement_id}", sent, achievement_id=achievement_id)
        assert response.status_code == 400, sent
        assert response.json["error"] == {
            "code": "invalid_input",
            "message": "Please correct the marked fields.",
            "fields": expected,
        }, sent
    refused = api.get("/awards", query={"limit": "0", "status": "lost", "colour": "red"})
    assert refused.status_code == 400 and refused.json["error"]["fields"] == {
        "limit": "Give a whole number from 1 to 200.",
        "status": "Choose one of: active, suspended, revoked, expired.",
        "colour": "Unknown parameter.",
    }
    assert table_counts() == before
