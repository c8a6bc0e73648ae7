"""Open Badges 3.0 credentials in the VC Data Model 1.1 shape, still held by learners.

Before OB 3.0 moved to VCDM 2.0, its credentials began with the
``https://www.w3.org/2018/credentials/v1`` context and dated themselves with
``issuanceDate``/``expirationDate`` (that context defines no ``validFrom``/``validUntil``,
and the 2.0 context no ``issuanceDate``, so strict JSON-LD expansion keeps the two shapes
apart). This module says which shape a credential has and which date properties it uses,
and maps a 1.1 credential onto the 2.0 shape for the 1EdTech JSON schema, which describes
only that shape.
"""

from __future__ import annotations

from typing import Any

from . import standards

MAX_SCHEMA_DEPTH = 48
MAX_BRANCHES = 64


def is_vc11(credential: dict[str, Any]) -> bool:
    """True when the credential's first @context is the VC 1.1 one."""
    contexts = credential.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    return first == standards.VC_V1


def date_fields(credential: dict[str, Any]) -> tuple[str, str]:
    """The names of the credential's start and end of validity, by its shape."""
    if is_vc11(credential):
        return "issuanceDate", "expirationDate"
    return "validFrom", "validUntil"


def as_vc20_shape(credential: dict[str, Any], schema_url: str) -> dict[str, Any]:
    """A copy of a VC 1.1 credential in the shape the 1EdTech schema at ``schema_url`` expects.

    The first @context becomes the VC 2.0 one, ``issuanceDate``/``expirationDate`` become
    ``validFrom``/``validUntil``, and single values stand where the plain-JSON schema wants
    an array are put in one-element arrays. In JSON-LD a single value and a one-element
    array are the same data, and the 1.1-era credentials (and the 1EdTech "json-ld" schema
    variants written for them) used the single form freely.
    """
    mapped = dict(credential)
    contexts = mapped.get("@context")
    if isinstance(contexts, list) and contexts and contexts[0] == standards.VC_V1:
        mapped["@context"] = [standards.VC_V2, *contexts[1:]]
    for old, new in (("issuanceDate", "validFrom"), ("expirationDate", "validUntil")):
        if old in mapped and new not in mapped:
            mapped[new] = mapped.pop(old)
    return with_schema_arrays(mapped, schema_url)


def with_schema_arrays(credential: dict[str, Any], schema_url: str) -> dict[str, Any]:
    """A copy of ``credential`` with single values put in arrays where the schema wants arrays.

    JSON-LD compaction writes a one-element array as the value alone (``"proof": {...}``,
    ``"type": "Profile"``), which the plain-JSON 1EdTech schemas refuse.
    """
    schema = standards.load_document(schema_url)
    if not isinstance(schema, dict):
        return credential
    result = _arrays_where_wanted(credential, schema, schema, 0)
    return result if isinstance(result, dict) else credential


def _resolve(schema: Any, root: dict[str, Any]) -> Any:
    for _ in range(16):
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return schema
        target: Any = root
        for part in ref[2:].split("/"):
            if not isinstance(target, dict) or part not in target:
                return {}
            target = target[part]
        schema = target
    return {}


def _branches(schema: Any, root: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema and every allOf/anyOf/oneOf member within it, references resolved."""
    found: list[dict[str, Any]] = []
    stack = [schema]
    while stack and len(found) < MAX_BRANCHES:
        node = _resolve(stack.pop(), root)
        if not isinstance(node, dict):
            continue
        found.append(node)
        for keyword in ("allOf", "anyOf", "oneOf"):
            members = node.get(keyword)
            if isinstance(members, list):
                stack.extend(members)
    return found


def _arrays_where_wanted(value: Any, schema: Any, root: dict[str, Any], depth: int) -> Any:
    if depth > MAX_SCHEMA_DEPTH:
        return value
    branches = _branches(schema, root)
    types = [b["type"] for b in branches if "type" in b]
    if not isinstance(value, list) and types and all(t == "array" for t in types):
        value = [value]  # every branch wants an array: the single value is its one item
    if isinstance(value, list):
        items = [b["items"] for b in branches if isinstance(b.get("items"), dict)]
        for item_schema in items:
            value = [_arrays_where_wanted(v, item_schema, root, depth + 1) for v in value]
        return value
    if isinstance(value, dict):
        result = dict(value)
        for branch in branches:
            properties = branch.get("properties")
            if not isinstance(properties, dict):
                continue
            for name, sub in properties.items():
                if name in result:
                    result[name] = _arrays_where_wanted(result[name], sub, root, depth + 1)
        return result
    return value
