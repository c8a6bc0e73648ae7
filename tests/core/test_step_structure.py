"""The structure step, exactly: the context and schema checks' outcomes and messages.

Written to kill the mutants tests/mutation/run.py found alive in
badges/verification/steps/structure.py.
"""

from __future__ import annotations

import copy

from badges.verification import Outcome, Verdict, Verifier
from tests.conftest import NOW
from tests.core.test_clr import ACHIEVEMENT, PATHWAY, badge, pathway_badge, record


def learner_record(ed_key, es_key) -> dict:
    three = [badge(ed_key).json, badge(es_key, name="Peer mediation").jwt, pathway_badge(ed_key)]
    return copy.deepcopy(record(three, ed_key, links=[(PATHWAY, ACHIEVEMENT)]).json)


def test_a_learner_record_is_held_to_the_clr_data_model(ed_key, es_key):
    clr = learner_record(ed_key, es_key)
    report = Verifier().verify(clr, now=NOW)
    schema = report.check("schema")
    assert (schema.outcome, schema.message, schema.detail) == (
        Outcome.PASSED,
        "The learner record follows the CLR 2.0 data model.",
        "the 1EdTech CLR JSON schema is not bundled here, so it was not applied",
    )


def test_a_learner_record_that_breaks_the_data_model_fails_naming_five_problems(ed_key, es_key):
    clr = learner_record(ed_key, es_key)
    clr["credentialSubject"]["association"] = [
        {
            "type": "Association",
            "associationType": f"madeUp{i}",
            "sourceId": PATHWAY,
            "targetId": ACHIEVEMENT,
        }
        for i in range(6)
    ]
    report = Verifier().verify(clr, now=NOW)
    schema = report.check("schema")
    assert (schema.outcome, schema.message) == (
        Outcome.FAILED,
        "The learner record does not follow the CLR 2.0 data model.",
    )
    assert schema.detail == "; ".join(
        f"credentialSubject.association[{i}].associationType is not a CLR 2.0 association type"
        for i in range(5)
    )
    assert report.check("context").outcome is Outcome.PASSED
    assert report.verdict is Verdict.INVALID


def test_the_schemas_a_learner_record_names_are_said_not_applied(ed_key, es_key):
    clr = learner_record(ed_key, es_key)
    long_url = "https://example.org/" + "a" * 130 + ".json"
    clr["credentialSchema"] = [
        {"id": url, "type": "JsonSchema"}
        for url in (long_url, "https://example.org/b.json", "https://example.org/c.json")
    ]
    schema = Verifier().verify(clr, now=NOW).check("schema")
    assert (schema.outcome, schema.message, schema.detail) == (
        Outcome.PASSED,
        "The learner record follows the CLR 2.0 data model.",
        "the 1EdTech CLR JSON schema is not bundled here, so it was not applied "
        f"({long_url[:120]}, https://example.org/b.json)",
    )


def test_a_schema_this_verifier_lacks_does_not_stop_it_checking_the_ones_it_has(ed_key):
    from badges.dids import did_key
    from tests.conftest import build_credential

    credential = build_credential(did_key(ed_key.public))
    other = {
        "id": "https://example.org/other-schema.json",
        "type": "1EdTechJsonSchemaValidator2019",
    }
    credential["credentialSchema"] = [other, *credential["credentialSchema"]]
    report = Verifier().verify(credential, now=NOW)
    schema = report.check("schema")
    assert (schema.outcome, schema.message, schema.detail) == (
        Outcome.WARNING,
        "The Open Badges schema passed; another schema it names could not be checked.",
        "https://example.org/other-schema.json",
    )
    credential["name"] = 5  # breaks the Open Badges schema, named after the other one
    schema = Verifier().verify(credential, now=NOW).check("schema")
    assert (schema.outcome, schema.message) == (
        Outcome.FAILED,
        "The credential does not follow the Open Badges 3.0 schema.",
    )
