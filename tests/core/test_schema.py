"""The compiled schema predicates agree with jsonschema on valid and broken documents."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from badges import standards
from badges.schema import _fast, _validator, schema_errors
from badges.schema_compiler import UnsupportedSchema, compile_schema
from tests.conftest import VECTORS, build_credential

SCHEMAS = [
    standards.ACHIEVEMENT_CREDENTIAL_SCHEMA,
    standards.ENDORSEMENT_CREDENTIAL_SCHEMA,
    standards.PROFILE_SCHEMA,
]
REPLACEMENTS: list[Any] = [None, 0, 1.5, True, "x", "", [], {}, ["x"], [{}], {"type": "X"}]


def _paths(node: Any, path: tuple = ()) -> Iterator[tuple]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*path, index))


def _set(document: Any, path: tuple, value: Any) -> Any:
    clone = copy.deepcopy(document)
    target = clone
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return clone


def _delete(document: Any, path: tuple) -> Any:
    clone = copy.deepcopy(document)
    target = clone
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    return clone


def mutations(document: dict) -> Iterator[Any]:
    yield document
    for path in _paths(document):
        if not path:
            continue
        yield _delete(document, path)
        for replacement in REPLACEMENTS:
            yield _set(document, path, replacement)
        if isinstance(path[-1], str):
            yield _set(document, (*path[:-1], "unknownProperty"), "x")


def documents() -> list[dict]:
    credential = build_credential("did:example:school")
    credential["proof"] = [
        {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "proofPurpose": "assertionMethod",
            "verificationMethod": "did:example:school#1",
            "proofValue": "z1",
        }
    ]
    vector = json.loads((VECTORS / "ob-v3p0" / "signed-credential.json").read_text())
    return [credential, vector]


@pytest.mark.parametrize("url", SCHEMAS, ids=lambda u: u.rsplit("/", 1)[1])
def test_compiled_predicate_agrees_with_jsonschema(url):
    fast = _fast(url)
    assert fast is not None, "every bundled 1EdTech schema compiles"
    validator = _validator(url)
    compared = disagreements = 0
    for document in documents():
        subjects = [document, document.get("issuer"), document["credentialSubject"]]
        for subject in subjects:
            for mutated in mutations(subject):
                compared += 1
                if fast(mutated) != validator.is_valid(mutated):
                    disagreements += 1
                    pytest.fail(f"disagreement on {json.dumps(mutated)[:300]}")
    assert compared > 500 and disagreements == 0


def test_errors_still_come_from_jsonschema():
    credential = build_credential("did:example:school")
    assert schema_errors(credential, standards.ACHIEVEMENT_CREDENTIAL_SCHEMA) == []
    del credential["credentialSubject"]["achievement"]["criteria"]
    errors = schema_errors(credential, standards.ACHIEVEMENT_CREDENTIAL_SCHEMA)
    assert errors and "criteria" in errors[0]


@pytest.mark.parametrize(
    "schema",
    [
        {"not": {"type": "string"}},
        {"$ref": "https://elsewhere.example/schema.json"},
        {"maxItems": 2},
    ],
)
def test_unsupported_keywords_are_not_compiled(schema):
    with pytest.raises(UnsupportedSchema):
        compile_schema(schema)


def test_recursive_refs_and_tuple_items():
    schema = {
        "$defs": {
            "node": {
                "type": "object",
                "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
            }
        },
        "type": "array",
        "items": [{"enum": ["head"]}, {"$ref": "#/$defs/node"}],
        "additionalItems": {"type": "integer"},
    }
    check = compile_schema(schema)
    assert check(["head", {"children": [{"children": []}]}, 1, 2.0])
    assert not check(["head", {"children": [{"children": "x"}]}])
    assert not check(["tail", {}])
    assert not check(["head", {}, "three"])
