"""A small compiler from JSON Schema (2019-09, the keywords the 1EdTech schemas use) to
plain Python predicates.

``jsonschema`` walks a schema anew for every document and costs about a millisecond per
badge; a compiled predicate answers "valid?" in a fraction of that. Only the yes/no answer
comes from here: when a document is not valid, ``jsonschema`` itself explains why. A
schema using any keyword outside the supported set is not compiled at all, and the
tests compare both answers over valid and broken documents.

Own code rather than ``fastjsonschema`` (measured again for issue 15, which asks for a kept
library): fastjsonschema 2.22.3, given the AchievementCredential schema as draft-07 (it
knows only drafts 4 to 7; these schemas are 2019-09) and with formats off as here, took
2x as long as this compiler's predicate to check the benchmark badge, and 4-6x once the
predicate called what a ``$ref`` names directly and folded ``"type": "object"`` into the
object check (same runs, a busy machine). It also writes some 780 KB of Python for that
schema and needs 0.15 s or more per process to generate and load it (this compiler: a few ms),
which ``badges verify`` and every verifier process would pay. What keeps this compiler
honest is the comparison with ``jsonschema`` on the same inputs (tests/core/test_schema.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Predicate = Callable[[Any], bool]

# Keywords that only annotate: they never change whether a document is valid (formats are
# not asserted here, as jsonschema does not assert them without a format checker).
_ANNOTATIONS = {
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "format",
    "$defs",
    "examples",
    "default",
}
_SUPPORTED = _ANNOTATIONS | {
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
}


class UnsupportedSchema(Exception):
    """Raised when a schema uses a keyword this compiler does not implement."""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# The plain type tests are ``isinstance`` itself, bound to the type (``str.__instancecheck__``
# is ``isinstance(v, str)``): a call into C, where a lambda is a Python frame per value.
_TYPE_TESTS: dict[str, Predicate] = {
    "string": str.__instancecheck__,
    "object": dict.__instancecheck__,
    "array": list.__instancecheck__,
    "boolean": bool.__instancecheck__,
    "null": type(None).__instancecheck__,
    "number": _is_number,
    "integer": lambda v: _is_number(v) and (isinstance(v, int) or float(v).is_integer()),
}


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and bool(a == b)


def _type_check(tests: list[Predicate]) -> Predicate:
    if len(tests) == 1:
        return tests[0]
    options = tuple(tests)

    def any_type(v: Any) -> bool:
        for test in options:
            if test(v):
                return True
        return False

    return any_type


def _enum_check(options: list[Any]) -> Predicate:
    strings = frozenset(o for o in options if isinstance(o, str))
    if len(strings) == len(options):
        # only strings (every enum of the 1EdTech schemas): nothing else can equal one
        return lambda v: isinstance(v, str) and v in strings
    return lambda v: (
        (v in strings) if isinstance(v, str) else any(_json_equal(v, o) for o in options)
    )


def _string_enum(schema: Any) -> frozenset[str] | None:
    """The strings of a schema that is only ``{"enum": [strings]}`` (and annotations)."""
    if not isinstance(schema, dict) or set(schema) - _ANNOTATIONS != {"enum"}:
        return None
    options = schema["enum"]
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        return None
    return frozenset(options)


def _combine(kind: str, parts: list[Predicate]) -> Predicate:
    if kind == "allOf":
        return _all_checks(tuple(parts)) if parts else _always(True)
    options = tuple(parts)
    if kind == "anyOf":

        def any_of(v: Any) -> bool:
            for p in options:
                if p(v):
                    return True
            return False

        return any_of

    def one_of(v: Any) -> bool:
        found = False
        for p in options:
            if p(v):
                if found:
                    return False
                found = True
        return found

    return one_of


def _pattern_check(regex: re.Pattern[str]) -> Predicate:
    return lambda v: not isinstance(v, str) or regex.search(v) is not None


def _all_checks(checks: tuple[Predicate, ...]) -> Predicate:
    # plain calls and loops: a generator per check costs more than most checks
    if len(checks) == 2:
        first, second = checks
        return lambda value: first(value) and second(value)

    def check(value: Any) -> bool:
        for one in checks:
            if not one(value):
                return False
        return True

    return check


def _always(result: bool) -> Predicate:
    return lambda value: result


class _Compiler:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Predicate] = {}
        self.compiling: dict[str, list[Predicate]] = {}

    def ref(self, pointer: str) -> Predicate:
        if pointer in self.refs:
            return self.refs[pointer]
        if pointer in self.compiling:
            # a schema that refers to itself: called through its slot, filled below
            slot = self.compiling[pointer]
            return lambda value: slot[0](value)
        if not pointer.startswith("#/"):
            raise UnsupportedSchema(f"external $ref {pointer!r}")
        target: Any = self.root
        for part in pointer[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        self.compiling[pointer] = slot = []
        compiled = self.compile(target)
        slot.append(compiled)
        del self.compiling[pointer]
        self.refs[pointer] = compiled  # every other use calls it directly
        return compiled

    def compile(self, schema: Any) -> Predicate:
        if isinstance(schema, bool):
            return _always(schema)
        if not isinstance(schema, dict):
            raise UnsupportedSchema("a schema must be an object or a boolean")
        unknown = set(schema) - _SUPPORTED
        if unknown:
            raise UnsupportedSchema(f"unsupported keywords {sorted(unknown)}")
        checks: list[Predicate] = []
        names = schema.get("type", [])
        names = names if isinstance(names, list) else [names]
        object_checks = self._object_checks(schema, only_objects=names == ["object"])
        if object_checks and names == ["object"]:
            names = []  # the object check tests the type itself
        array_checks = self._array_checks(schema, only_arrays=names == ["array"])
        if array_checks and names == ["array"]:
            names = []  # the array check tests the type itself
        if names:
            checks.append(_type_check([_TYPE_TESTS[name] for name in names]))
        if "enum" in schema:
            checks.append(_enum_check(list(schema["enum"])))
        if "$ref" in schema:
            checks.append(self.ref(schema["$ref"]))
        for key in ("allOf", "anyOf", "oneOf"):
            if key in schema:
                checks.append(_combine(key, [self.compile(s) for s in schema[key]]))
        if "pattern" in schema:
            checks.append(_pattern_check(re.compile(schema["pattern"])))
        checks.extend(object_checks)
        checks.extend(array_checks)
        if not checks:
            return _always(True)
        if len(checks) == 1:
            return checks[0]
        return _all_checks(tuple(checks))

    def _object_checks(self, schema: dict[str, Any], *, only_objects: bool) -> list[Predicate]:
        """The properties, required and additionalProperties checks, as one; with
        ``only_objects`` (``"type": "object"``) it also refuses anything not an object."""
        checks: list[Predicate] = []
        properties = {k: self.compile(s) for k, s in schema.get("properties", {}).items()}
        required = list(schema.get("required", []))
        additional = (
            self.compile(schema["additionalProperties"])
            if "additionalProperties" in schema
            else None
        )
        if not (properties or required or additional):
            return checks

        def check(v: Any) -> bool:
            if not isinstance(v, dict):
                return not only_objects
            for name in required:
                if name not in v:
                    return False
            for key, value in v.items():
                predicate = properties.get(key)
                if predicate is not None:
                    if not predicate(value):
                        return False
                elif additional is not None and not additional(value):
                    return False
            return True

        checks.append(check)
        return checks

    def _array_checks(self, schema: dict[str, Any], *, only_arrays: bool) -> list[Predicate]:
        """The minItems, items, additionalItems and contains checks, as one; with
        ``only_arrays`` (``"type": "array"``) it also refuses anything not an array."""
        minimum = schema.get("minItems")
        items = schema.get("items")
        each: Predicate | None = None
        positional: list[Predicate] = []
        extra: Predicate | None = None
        if isinstance(items, list):
            positional = [self.compile(s) for s in items]
            extra = self.compile(schema["additionalItems"]) if "additionalItems" in schema else None
        elif items is not None:
            each = self.compile(items)
        contains = self.compile(schema["contains"]) if "contains" in schema else None
        if minimum is None and items is None and contains is None:
            return []
        tuple_items = isinstance(items, list)
        # "contains": {"enum": [names]} (each "type" of the 1EdTech schemas): tested inline
        contained = _string_enum(schema.get("contains"))

        def check(v: Any) -> bool:
            if not isinstance(v, list):
                return not only_arrays
            if minimum is not None and len(v) < minimum:
                return False
            if each is not None:
                for x in v:
                    if not each(x):
                        return False
            elif tuple_items:
                for index, x in enumerate(v):
                    if index < len(positional):
                        if not positional[index](x):
                            return False
                    elif extra is not None and not extra(x):
                        return False
            if contained is not None:
                for x in v:
                    if isinstance(x, str) and x in contained:
                        return True
                return False
            if contains is not None:
                for x in v:
                    if contains(x):
                        return True
                return False
            return True

        return [check]


def compile_schema(schema: dict[str, Any]) -> Predicate:
    """A predicate equal to "valid against ``schema``". Raises UnsupportedSchema."""
    return _Compiler(schema).compile(schema)
