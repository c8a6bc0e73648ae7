"""The JSON-LD "shape" of a document: what decides whether strict expansion succeeds.

Strict expansion fails when a term is undefined, a type is unknown, or an identifier is
not an absolute IRI. Which of those happen depends on the document's keys, its
``@context`` and ``type`` values, the values of keyword keys and of ``@vocab``-coerced
terms, and, for every other string, only on whether it is an absolute IRI, a blank node
identifier, or something else. So two documents with the same shape expand alike, and a
successful context check can be remembered by shape: every badge of one achievement
shares it, while their recipients, ids and dates differ.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from typing import Any

import orjson

from .. import standards

# pyld's own test for an absolute IRI (or a blank node identifier)
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+\-.]*:[^\s]*$")


@cache
def _kept_terms() -> frozenset[str]:
    """Terms whose values must be kept as they are, from every bundled context.

    They are the terms coerced to vocabulary terms (``"@type": "@vocab"``) and the
    aliases of keywords other than ``@id`` (such as ``type``). Only documents whose
    contexts are all bundled may be shaped: an inline context could alias more.
    """
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, dict) and value.get("@type") == "@vocab":
                    found.add(key)
                target = value.get("@id") if isinstance(value, dict) else value
                if isinstance(target, str) and target.startswith("@") and target != "@id":
                    found.add(key)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for url in standards.bundled_urls():
        walk(standards.load_document(url))
    return frozenset(found)


def _string_class(value: str) -> str:
    if value.startswith("_:"):
        return "_:x"
    return "urn:x" if _ABSOLUTE.match(value) else "x"


def _shape(node: Any, keep: bool, kept_terms: frozenset[str]) -> Any:
    # Numbers are kept exactly (a schema may care whether 1.0 is an integer).
    if isinstance(node, dict):
        return {
            key: _shape(
                value,
                key == "@context" or key in kept_terms or (key.startswith("@") and key != "@id"),
                kept_terms,
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_shape(item, keep, kept_terms) for item in node]
    if isinstance(node, str):
        return node if keep else _string_class(node)
    return node


def jsonld_kept_terms() -> frozenset[str]:
    """The terms whose values strict expansion looks at (see ``_kept_terms``)."""
    return _kept_terms()


def shape_key(document: Any, kept: frozenset[str] | None = None, *, extra: Any = None) -> bytes:
    """A digest equal for documents that strict expansion treats alike.

    ``kept`` names more terms whose values matter (e.g. to a JSON schema); ``extra`` is
    mixed into the digest as it is. Only meaningful for documents whose ``@context``
    entries are all bundled URLs.
    """
    terms = _kept_terms() if kept is None else _kept_terms() | kept
    shaped = [_shape(document, False, terms), extra]
    return hashlib.sha256(orjson.dumps(shaped, option=orjson.OPT_SORT_KEYS)).digest()
