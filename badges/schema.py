"""Validation against the bundled 1EdTech JSON schemas (JSON Schema 2019-09)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from . import standards
from .errors import SchemaError
from .schema_compiler import Predicate, UnsupportedSchema, compile_schema

if TYPE_CHECKING:
    from jsonschema import Draft201909Validator


@cache
def _validator(url: str) -> Draft201909Validator | None:
    schema = standards.load_document(url)
    if schema is None:
        return None
    # Imported here: only a document that fails the compiled check needs jsonschema (to
    # explain why), and importing it is a large part of `badges verify`'s start-up.
    from jsonschema import Draft201909Validator
    from referencing import Registry, Resource

    # The files' inner $id differs from the canonical URL; register under the canonical one.
    schema = {**schema, "$id": url}
    registry: Registry[Any] = Registry().with_resource(url, Resource.from_contents(schema))
    return Draft201909Validator(schema, registry=registry, format_checker=None)


@cache
def _fast(url: str) -> Predicate | None:
    schema = standards.load_document(url)
    if schema is None:
        return None
    try:
        return compile_schema(schema)
    except UnsupportedSchema:
        return None


def is_bundled(url: str) -> bool:
    """True when a JSON schema for this canonical URL is bundled."""
    return standards.load_document(url) is not None


def schema_urls(credential: dict[str, Any]) -> list[str]:
    """The schemas a credential is checked against: those its ``credentialSchema`` names, with
    the Open Badges 3.0 schema for its type (endorsement or achievement) first unless named."""
    entries = credential.get("credentialSchema")
    urls = [
        entry["id"]
        for entry in (entries if isinstance(entries, list) else [entries])
        if isinstance(entry, dict) and isinstance(entry.get("id"), str)
    ]
    types = credential.get("type")
    default = (
        standards.ENDORSEMENT_CREDENTIAL_SCHEMA
        if "EndorsementCredential" in (types if isinstance(types, list) else [types])
        else standards.ACHIEVEMENT_CREDENTIAL_SCHEMA
    )
    if default not in urls:
        urls.insert(0, default)
    return urls


def schema_errors(document: Any, url: str, *, limit: int = 10) -> list[str]:
    """Messages for every way ``document`` breaks the schema at ``url`` (empty when valid).

    Raises SchemaError when the schema is not bundled.
    """
    if not is_bundled(url):
        raise SchemaError(f"the JSON schema {url!r} is not bundled, so it cannot be checked")
    fast = _fast(url)
    if fast is not None and fast(document):
        return []
    validator = _validator(url)
    assert validator is not None
    messages = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        where = "/" + "/".join(str(p) for p in error.absolute_path)
        messages.append(f"{where}: {error.message[:200]}")
        if len(messages) >= limit:
            break
    return messages


def validate(document: Any, url: str) -> None:
    """Raise SchemaError naming the first problems unless ``document`` validates."""
    errors = schema_errors(document, url)
    if errors:
        raise SchemaError("; ".join(errors[:3]))


# Keywords whose verdict on a string depends on its content. Any other keyword used by
# the bundled schemas sees a string only as "a string".
_CONTENT_KEYWORDS = ("enum", "pattern", "const")
_SAFE_KEYWORDS = {
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "format",
    "$defs",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "enum",
    "$ref",
    "minItems",
    "items",
    "additionalItems",
    "pattern",
    "allOf",
    "anyOf",
    "oneOf",
    "contains",
    "const",
}


@cache
def content_sensitive_terms(url: str) -> frozenset[str] | None:
    """Property names whose string values the schema at ``url`` inspects (enum, pattern).

    Replacing any other string with another string cannot change the schema's verdict,
    which lets a verifier remember a verdict by the document's shape. None when the
    schema uses a keyword outside the analysed set, or constrains unnamed properties.
    """
    root = standards.load_document(url)
    if root is None:
        return None
    names: set[str] = set()
    safe = True

    def resolve(schema: Any, seen: frozenset[str]) -> list[Any]:
        if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            ref = schema["$ref"]
            if ref in seen or not ref.startswith("#/"):
                return [schema]
            target: Any = root
            for part in ref[2:].split("/"):
                target = target[part]
            return [schema, *resolve(target, seen | {ref})]
        return [schema]

    def inspects_strings(schema: Any, seen: frozenset[str] = frozenset()) -> bool:
        for node in resolve(schema, seen):
            if not isinstance(node, dict):
                continue
            if any(keyword in node for keyword in _CONTENT_KEYWORDS):
                return True
            for keyword in ("allOf", "anyOf", "oneOf"):
                if any(inspects_strings(part, seen) for part in node.get(keyword, [])):
                    return True
            for keyword in ("items", "additionalItems", "contains"):
                value = node.get(keyword)
                parts = value if isinstance(value, list) else [value]
                if any(isinstance(p, dict) and inspects_strings(p, seen) for p in parts):
                    return True
        return False

    def walk(node: Any) -> None:
        nonlocal safe
        if isinstance(node, dict):
            extra = node.get("additionalProperties")
            if isinstance(extra, dict) and inspects_strings(extra):
                safe = False
            for name, sub in node.get("properties", {}).items():
                if inspects_strings(sub):
                    names.add(name)
            for key, value in node.items():
                if key in ("properties", "$defs") and isinstance(value, dict):
                    for sub in value.values():
                        walk(sub)
                elif key not in _SAFE_KEYWORDS:
                    safe = False
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(root)
    return frozenset(names) if safe else None
