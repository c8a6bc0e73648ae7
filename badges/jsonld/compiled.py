"""Compiled JSON-LD: a document's RDF quads straight from the bundled contexts.

``canonicalize`` used to expand a document with pyld (about 90% of a Data Integrity
sign or verify), then turn the expanded form into RDF with pyld, then canonicalise.
For a document whose ``@context`` is a list of bundled URLs, this module walks the JSON
once over the compiled active contexts of ``badges.jsonld.terms`` (pyld's own context
processing, done once per context and kept) and emits the quads pyld's ``to_rdf`` would
produce, in N-Quads term syntax.

The walk is the one ``terms.context_certainly_ok`` makes, emitting as it goes: pyld's
expansion (``JsonLdProcessor._expand``, ``_expand_object``, ``_expand_value``) restricted
to node objects, plain values, arrays, ``@set``/``@list``/``@graph`` containers,
``@id``/``@vocab``/``@json`` and datatype coercion; then pyld's node map
(``_create_node_map``: blank node labels, one node per identifier, values added without
duplicates as ``JsonLdProcessor.compare_values`` decides) and RDF conversion
(``_graph_to_rdf``, ``_list_to_rdf``, ``_object_to_rdf``, whose own code is called for
every literal that is not a plain string). Anything else (value objects, inline
contexts, reverse properties, index or language maps, nested arrays, blank node
properties, non-finite numbers...) raises ``_Unsure``, and the caller takes pyld's
generic path, which decides and explains. So the walk answers only where strict
expansion succeeds, and then with pyld's quads: ``tests/core/test_compiled.py`` checks
both on generated documents, byte for byte after canonicalisation.

Two shortcuts keep the walk cheap without changing its answer: the duplicate checks of
pyld's node map are made only where a duplicate can arise (a node met again by its
identifier makes the walk start over with every value checked), and ``flat_canonical``
writes the canonical N-Quads of a one-node document (Data Integrity proof options) into
a template made once per shape and checked against the general path.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .loader import FrozenDocumentLoader, default_loader
from .options import _ABSOLUTE_IRI, RELATIVE_BASE
from .rdfc import Quad, canonical_nquads
from .terms import (
    _AS_ID,
    _AS_VOCAB,
    _MISSING,
    _PROPERTY,
    MAX_COMBINATIONS,
    MAX_DEPTH,
    MAX_TERMS,
    _child,
    _compiled,
    _context_key,
    _Slot,
    _State,
    _Unsure,
)

# pyld's constants (pyld.jsonld.XSD_STRING...; a test compares them), written out so
# that the compiled path runs without importing pyld at all
_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XSD_STRING = _XSD + "string"
_XSD_DOUBLE = _XSD + "double"
_XSD_BOOLEAN = _XSD + "boolean"
_XSD_INTEGER = _XSD + "integer"
_LANGSTRING = _RDF + "langString"
_RDF_TYPE = "<" + _RDF + "type>"
_RDF_FIRST = "<" + _RDF + "first>"
_RDF_REST = "<" + _RDF + "rest>"
_RDF_NIL = "<" + _RDF + "nil>"
_NOT_DATATYPES = (None, "@id", "@vocab", "@none")

# How a property's values are added (its @container)
_PLAIN = 0
_LIST = 1
_GRAPH = 2

_RDF_OPTIONS = {"processingMode": "json-ld-1.1", "rdfDirection": None}
_PROCESSOR: Any = None


def _processor() -> Any:
    """pyld's processor, for the literals that are neither strings, booleans nor small
    integers (imported the first time one is met)."""
    global _PROCESSOR
    if _PROCESSOR is None:
        from pyld import jsonld

        _PROCESSOR = jsonld.JsonLdProcessor()
    return _PROCESSOR


_NEEDS_ESCAPE = re.compile(r'[\\\t\n\r"]').search


def escape(value: str) -> str:
    """pyld.nquads.escape: a literal's text in N-Quads (a test compares them)."""
    if _NEEDS_ESCAPE(value) is None:
        return value  # most text: nothing to escape
    return (
        value.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace('"', '\\"')
    )


class _Info:
    """What a property slot means for RDF (derived once per slot)."""

    __slots__ = ("datatype", "language", "mode", "predicate", "suffix", "text")

    def __init__(self, slot: _Slot) -> None:
        outer, inner = slot.outer, slot.term
        assert outer is not None and inner is not None
        iri = outer.iri
        if iri is None or iri.startswith("_:"):
            raise _Unsure  # a blank node property: pyld skips its triples, not its nodes
        if outer.containers != inner.containers:
            raise _Unsure  # redefined by its own scoped context
        containers = outer.containers
        if "@list" in containers and "@graph" in containers:
            raise _Unsure
        self.mode = _LIST if "@list" in containers else _GRAPH if "@graph" in containers else _PLAIN
        if slot.json and self.mode != _PLAIN:
            raise _Unsure
        self.predicate = "<" + iri + ">"
        kind = inner.type
        if kind == "@json" and not slot.json:
            raise _Unsure
        self.datatype: str | None = None if kind in _NOT_DATATYPES else kind
        if self.datatype is not None and type(self.datatype) is not str:
            raise _Unsure
        language = inner.language if self.datatype is None else None
        if language is not None and type(language) is not str:
            raise _Unsure
        self.language: str | None = language
        # how a string value is written after its quoted text (None: ask pyld)
        datatype = self.datatype
        self.suffix: str | None
        if datatype is None:
            self.suffix = "@" + language if language else ""
        elif datatype == _XSD_DOUBLE:
            self.suffix = None
        elif datatype in (_XSD_STRING, _LANGSTRING):
            self.suffix = ""  # pyld's serialize_nquad writes neither (nor a language)
        else:
            self.suffix = "^^<" + datatype + ">"
        # a string value is a literal written as its text and ``suffix`` (the hot path)
        self.text = (
            self.mode == _PLAIN and self.suffix is not None and not slot.coerce and not slot.json
        )


_UNSURE_INFO = object()


class _Again(Exception):
    """Two node objects with one identifier: walk again with every value checked."""


def _info(slot: _Slot) -> _Info:
    info = slot.rdf
    if info is None:
        try:
            info = _Info(slot)
        except _Unsure:
            info = _UNSURE_INFO
        slot.rdf = info
    if info is _UNSURE_INFO:
        raise _Unsure
    return info  # type: ignore[no-any-return]


class _Out:
    """The quads found so far, pyld's node map's duplicate checks, blank node labels."""

    __slots__ = ("count", "json", "labels", "quads", "seen", "subjects")

    def __init__(self, careful: bool = False) -> None:
        self.quads: list[Quad] = []
        self.seen: set[tuple[Any, ...]] = set()
        self.json: dict[tuple[Any, ...], list[Any]] = {}
        self.labels: dict[str, str] = {}
        self.count = 0
        # the identified nodes met so far (None: duplicate checks for every node's values)
        self.subjects: set[str] | None = None if careful else set()

    def fresh(self) -> str:
        count = self.count
        self.count = count + 1
        return "_:b" + str(count)

    def label(self, old: str) -> str:
        """The label for a blank node identifier of the document (pyld relabels them)."""
        found = self.labels.get(old)
        if found is None:
            found = self.labels[old] = self.fresh()
        return found

    def add(self, subject: str, predicate: str, obj: str, graph: str | None, key: Any) -> None:
        """A quad, unless the node already has this value (``allowDuplicate: False``)."""
        seen = (graph, subject, predicate, key)
        if seen not in self.seen:
            self.seen.add(seen)
            self.quads.append((subject, predicate, obj, graph))


def _reference(state: _State, value: str, vocab: bool, out: _Out) -> str:
    """A node identifier (an ``@id``, or a value coerced to one) as an N-Quads term."""
    colon = value.find(":")
    if (
        not vocab
        and colon > 0
        and value.startswith("//", colon + 1)
        and value[0] != "_"
        and value[0] != "@"
    ):
        # "scheme://...": what ``_expand`` answers, whatever the context
        if _ABSOLUTE_IRI.match(value) is None or value.startswith(RELATIVE_BASE):
            raise _Unsure
        return "<" + value + ">"
    iri = state._expand(value, vocab)
    if iri is None:
        raise _Unsure
    if iri[:2] == "_:":
        return out.label(iri)
    if _ABSOLUTE_IRI.match(iri) is None or iri.startswith(RELATIVE_BASE):
        raise _Unsure  # strict expansion refuses it (``options._is_absolute``, inline)
    return "<" + iri + ">"


def _literal(info: _Info, value: Any) -> tuple[str, Any]:
    """A scalar value as an N-Quads literal, and its identity for duplicate checks
    (pyld's ``compare_values``: equal values of one type, language and datatype;
    booleans never equal numbers)."""
    kind = type(value)
    if kind is str and info.suffix is not None:
        return '"' + escape(value) + '"' + info.suffix, (value, False, info.datatype, info.language)
    if kind is float and not math.isfinite(value):
        raise _Unsure
    if kind is not str and kind is not bool and kind is not int and kind is not float:
        raise _Unsure
    datatype = info.datatype
    if kind is bool or (kind is int and -(10**21) < value < 10**21 and datatype != _XSD_DOUBLE):
        # pyld's _object_to_rdf for a boolean or an integer below 1e21, without pyld
        text = '"' + ("true" if value is True else "false" if value is False else str(value)) + '"'
        found_type = datatype or (_XSD_BOOLEAN if kind is bool else _XSD_INTEGER)
        if found_type != _XSD_STRING and found_type != _LANGSTRING:
            text += "^^<" + found_type + ">"
        return text, (value, kind is bool, datatype, None)
    item: dict[str, Any] = {"@value": value}
    if info.datatype is not None:
        item["@type"] = info.datatype
    elif kind is str and info.language is not None:
        item["@language"] = info.language
    found = _processor()._object_to_rdf(item, None, [], _RDF_OPTIONS)
    text = '"' + escape(found["value"]) + '"'
    datatype = found["datatype"]
    if datatype == _LANGSTRING:
        if found.get("language"):
            text += "@" + found["language"]
    elif datatype != _XSD_STRING:
        text += "^^<" + datatype + ">"
    language = info.language if kind is str and info.datatype is None else None
    return text, (value, kind is bool, info.datatype, language)


def _object(
    slot: _Slot, info: _Info, value: Any, depth: int, out: _Out, graph: str | None
) -> tuple[str, Any]:
    """One value of a property (not null, not an array): its term and identity."""
    kind = type(value)
    if kind is str and slot.coerce:
        assert slot.state is not None
        term = _reference(slot.state, value, slot.coerce == _AS_VOCAB, out)
        return term, term
    if kind is dict:
        term = _node(_child(slot, value), value, depth + 1, out, graph)
        return term, term
    if kind is list:
        raise _Unsure  # nested arrays (lists of lists)
    return _literal(info, value)


def _property(
    slot: _Slot, value: Any, subject: str, depth: int, out: _Out, graph: str | None
) -> None:
    info = slot.rdf
    if info is None or info is _UNSURE_INFO:
        info = _info(slot)
    predicate = info.predicate
    if slot.json:
        _json(value, subject, predicate, out, graph)
        return
    if value is None:
        return  # dropped, whatever the container
    items = value if type(value) is list else (value,)
    if info.mode == _PLAIN:
        # ``_object`` and ``_Out.add``, inlined for the usual values (the hot loop)
        seen = out.seen
        for item in items:
            kind = type(item)
            if kind is str and info.text:
                term = '"' + escape(item) + '"' + info.suffix
                key: Any = (item, False, info.datatype, info.language)
            elif kind is dict:
                child = slot.child
                if child is None or "@context" in item or len(item) <= 2:
                    child = _child(slot, item)  # (``_child``'s usual case, inline)
                term = key = _node(child, item, depth + 1, out, graph)
            elif item is None:
                continue
            else:
                term, key = _object(slot, info, item, depth, out, graph)
            mark = (graph, subject, predicate, key)
            if mark not in seen:
                seen.add(mark)
                out.quads.append((subject, predicate, term, graph))
    elif info.mode == _LIST:
        # a new list each time: never a duplicate (``allowDuplicate: True``)
        out.quads.append((subject, predicate, _list(slot, info, items, depth, out, graph), graph))
    else:
        # each value in a graph of its own, named by a new blank node that is the value;
        # nodes inside it get no link, references and literals nothing
        for item in items:
            if item is None:
                continue
            name = out.fresh()
            out.quads.append((subject, predicate, name, graph))
            _object(slot, info, item, depth, out, name)


def _list(slot: _Slot, info: _Info, items: Any, depth: int, out: _Out, graph: str | None) -> str:
    """An RDF collection of the values (pyld's ``_list_to_rdf``): its head."""
    terms = [_object(slot, info, item, depth, out, graph)[0] for item in items if item is not None]
    if not terms:
        return _RDF_NIL
    head = cell = out.fresh()
    last = len(terms) - 1
    for index, term in enumerate(terms):
        following = _RDF_NIL if index == last else out.fresh()
        out.quads.append((cell, _RDF_FIRST, term, graph))
        out.quads.append((cell, _RDF_REST, following, graph))
        cell = following
    return head


def _json(value: Any, subject: str, predicate: str, out: _Out, graph: str | None) -> None:
    """A ``@json`` value: one JSON literal, whatever it holds (even null or an array)."""
    item = {"@type": "@json", "@value": value}
    key = (graph, subject, predicate)
    earlier = out.json.setdefault(key, [])
    from pyld import jsonld

    if any(jsonld.JsonLdProcessor.compare_values(item, other) for other in earlier):
        return
    try:
        found = _processor()._object_to_rdf(item, None, [], _RDF_OPTIONS)
    except Exception as exc:  # pyld's JSON canonicalisation refuses it: pyld decides
        raise _Unsure from exc
    earlier.append(item)
    out.quads.append(
        (subject, predicate, '"' + escape(found["value"]) + '"^^<' + found["datatype"] + ">", graph)
    )


def _plan_node(
    active: _State, keys: tuple[str, ...], type_key: str | None, found: Any
) -> tuple[tuple[str, ...], _State, str | None, tuple[tuple[str, _Slot], ...], bool]:
    """What ``_node`` needs for a node with these keys and types in ``active``: its
    rdf:type objects (each once), the type-scoped context, its ``@id`` key, its
    properties there, and whether they all have predicates of their own."""
    types: list[str] = []
    typed = active
    if type_key is not None:
        found = [found] if type(found) is str else list(found)
        if not found:
            raise _Unsure  # empty: let expand_strict decide
        known = active.rdf_types
        for type_ in found:
            term = known.get(type_) if type(type_) is str else None
            if term is None:
                # expanded in the context before the type-scoped contexts apply
                if type(type_) is not str or not active.type_ok(type_):
                    raise _Unsure
                term = "<" + active._expand(type_, True) + ">"  # type: ignore[operator]
                if len(known) < MAX_TERMS:
                    known[type_] = term
            if term not in types:
                types.append(term)
        found_state = active.by_types.get(tuple(found))
        typed = found_state if found_state is not None else active.with_types(found)
    planned = typed.rdf_objects.get(keys)
    if planned is None:
        planned = typed.rdf_entries(keys)
    own_type_key, id_key, entries = planned
    if own_type_key != type_key:
        raise _Unsure  # a type key only before or only after the type-scoped contexts
    # every property's meaning for RDF (as the walk would find it, key by key)
    predicates = {_info(slot).predicate for _, slot in entries}
    return tuple(types), typed, id_key, entries, len(predicates) == len(entries)


def _node(active: _State, element: dict[str, Any], depth: int, out: _Out, graph: str | None) -> str:
    """A node object whose scoped and reverted context ``active`` is already applied
    (``terms._node``, emitting): its quads, and its subject term."""
    if depth > MAX_DEPTH:
        raise _Unsure
    keys = tuple(element)
    # the memo of ``plan`` read directly (a call only the first time)
    type_key = active.plans.get(keys, _MISSING)
    if type_key is _MISSING:
        type_key = active.plan(keys)
    elif type_key == "@":
        raise _Unsure
    found: Any = None
    if type_key is not None:
        found = element[type_key]
        if type(found) is list:
            found = tuple(found)
        elif type(found) is not str:
            raise _Unsure  # null, or not strings: let expand_strict decide
    plan_key = (keys, found)
    try:
        planned = active.rdf_nodes.get(plan_key)
    except TypeError:
        raise _Unsure from None  # types that are not strings
    if planned is None:
        planned = _plan_node(active, keys, type_key, found)
        if len(active.rdf_nodes) < MAX_TERMS:
            active.rdf_nodes[plan_key] = planned
    types, typed, id_key, entries, distinct = planned
    seen = out.seen
    quads = out.quads
    mark: tuple[Any, ...]
    if id_key is None:
        # a new blank node: no other node adds to it, so its types (each listed once)
        # need no duplicate checks, nor do its single values if each property has a
        # predicate of its own
        subject = out.fresh()
        fresh = distinct
        for term in types:
            quads.append((subject, _RDF_TYPE, term, graph))
    else:
        identifier = element[id_key]
        if type(identifier) is not str:
            raise _Unsure
        subject = _reference(typed, identifier, False, out)
        subjects = out.subjects
        if subjects is None:
            fresh = False
        else:
            # the first node with this identifier: the same as a new blank node, unless
            # another node has it too (then the walk starts again, checking every value)
            if subject in subjects:
                raise _Again
            subjects.add(subject)
            fresh = distinct
        if fresh:
            for term in types:
                quads.append((subject, _RDF_TYPE, term, graph))
        else:
            for term in types:
                mark = (graph, subject, _RDF_TYPE, ("@type", term))  # not a property's
                if mark not in seen:
                    seen.add(mark)
                    quads.append((subject, _RDF_TYPE, term, graph))
    for key, slot in entries:
        value = element[key]
        info = slot.rdf
        kind = type(value)
        if kind is str and info.text:
            # the most common entry, a plain text value: ``_property`` inlined
            predicate = info.predicate
            if not fresh:
                mark = (graph, subject, predicate, (value, False, info.datatype, info.language))
                if mark in seen:
                    continue
                seen.add(mark)
            if _NEEDS_ESCAPE(value) is not None:
                value = escape(value)
            quads.append((subject, predicate, '"' + value + '"' + info.suffix, graph))
            continue
        if kind is dict and info.mode == _PLAIN and not slot.json:
            # one node object as the value: ``_property`` inlined
            child = slot.child
            if child is None or "@context" in value or len(value) <= 2:
                child = _child(slot, value)  # (``_child``'s usual case, inline)
            term = _node(child, value, depth + 1, out, graph)
            predicate = info.predicate
            if not fresh:
                mark = (graph, subject, predicate, term)
                if mark in seen:
                    continue
                seen.add(mark)
            quads.append((subject, predicate, term, graph))
            continue
        _property(slot, value, subject, depth, out, graph)
    return subject


def _top(document: dict[str, Any], loader: FrozenDocumentLoader) -> list[Quad]:
    key = _context_key(document.get("@context"))
    root = loader.compiled_roots.get(key)
    if root is None:
        if not all(loader.knows(url) for url in ([key] if isinstance(key, str) else key)):
            raise _Unsure
        root = _compiled(loader, key).root
        if root is None:
            raise _Unsure
        if len(loader.compiled_roots) < MAX_COMBINATIONS:
            loader.compiled_roots[key] = root
    out = _Out()
    try:
        _node(root, document, 0, out, None)
    except _Again:
        out = _Out(careful=True)
        _node(root, document, 0, out, None)
    return out.quads


def to_quads(document: Any, loader: FrozenDocumentLoader | None = None) -> list[Quad] | None:
    """The RDF quads of ``document`` as pyld's ``to_rdf`` gives them (the same multiset,
    other blank node labels), or None when the compiled contexts cannot settle it.

    Not None only when ``expand_strict(document, loader)`` succeeds. Never raises for
    bad input.
    """
    if type(document) is not dict:
        return None
    try:
        return _top(document, loader or default_loader())
    except _Unsure:
        return None
    except Exception:  # anything unforeseen (even a pyld change): "don't know"
        return None


# --- one-node documents (Data Integrity proof options) ------------------------------------

# Keys whose string values differ from one document of a shape to the next (the proof
# options of one signer differ only in these); every other key's value is part of the
# template's identity.
_VARIABLE = frozenset({"created", "expires", "verificationMethod", "challenge", "domain", "nonce"})
MAX_TEMPLATES = 64  # per root context
_NO_TEMPLATE = object()


class _Template:
    """The canonical N-Quads of one-node documents of one shape: every quad has the node
    as its subject and its own predicate, so the canonical form is the sorted lines, the
    subject labelled ``_:c14n0`` when it is a blank node (the only one); the values of
    ``_VARIABLE`` keys are written into it as ``compiled`` writes them."""

    __slots__ = ("fixed", "subject", "variable")

    def __init__(
        self, subject: str, fixed: list[str], variable: list[tuple[str, _Slot, _Info]]
    ) -> None:
        self.subject = subject
        self.fixed = fixed
        self.variable = variable

    def render(self, document: dict[str, Any]) -> str | None:
        lines = self.fixed.copy()
        subject = self.subject
        for key, slot, info in self.variable:
            value = document[key]
            if not value.isascii():
                return None  # (text that may not be valid Unicode: the general path)
            if slot.coerce == _AS_ID:
                assert slot.state is not None
                term = _reference(slot.state, value, False, _Out())
                if term[0] != "<":
                    return None  # a blank node identifier: a second blank node
            else:
                term = '"' + escape(value) + '"' + info.suffix  # type: ignore[operator]
            lines.append(subject + " " + info.predicate + " " + term + " .\n")
        lines.sort()
        return "".join(lines)


def _shape(document: dict[str, Any]) -> tuple[tuple[str, str | None], ...] | None:
    shape = []
    for key, value in document.items():
        if key == "@context":
            continue
        if type(value) is not str or type(key) is not str:
            return None
        shape.append((key, None if key in _VARIABLE else value))
    return tuple(shape)


def _build_template(root: _State, document: dict[str, Any]) -> _Template | None:
    """A template for documents shaped as ``document`` (one node object, string values,
    no blank node but perhaps the node), checked against the general path's answer."""
    out = _Out(careful=True)
    subject = _node(root, document, 0, out, None)
    quads = out.quads
    keys = tuple(document)
    type_key = root.plan(keys)
    active = root if type_key is None else root.with_types(_as_list(document[type_key]))
    own_type_key, _, entries = active.rdf_entries(keys)
    if own_type_key != type_key:
        return None
    predicates: set[str] = set()
    variable: list[tuple[str, _Slot, _Info]] = []
    for key, slot in entries:
        if slot.kind != _PROPERTY or slot.json:
            return None
        info = _info(slot)
        if info.mode != _PLAIN or info.predicate in predicates or info.predicate == _RDF_TYPE:
            return None
        predicates.add(info.predicate)
        if key in _VARIABLE:
            if not (info.text or slot.coerce == _AS_ID):
                return None
            variable.append((key, slot, info))
    if {key for key in keys if key in _VARIABLE} != {key for key, _, _ in variable}:
        return None  # a variable key that is not a property (an alias of @id, @type...)
    types = sum(1 for quad in quads if quad[1] == _RDF_TYPE)
    if len(quads) != types + len(entries):
        return None  # a value that made no quad, or two alike
    label = "_:c14n0" if subject[0] == "_" else subject
    fixed: list[str] = []
    for s, p, o, g in quads:
        if s != subject or g is not None or o[0] == "_":
            return None
        if not any(p == info.predicate for _, _, info in variable):
            fixed.append(label + " " + p + " " + o + " .\n")
    template = _Template(label, fixed, variable)
    if template.render(document) != canonical_nquads(quads):
        return None
    return template


def _as_list(value: Any) -> list[Any]:
    return value if type(value) is list else [value]


def flat_canonical(document: Any, loader: FrozenDocumentLoader | None = None) -> str | None:
    """The canonical N-Quads of a one-node document whose values are strings (Data
    Integrity proof options), from a template kept for its shape, or None when there is
    no template (yet, or for this shape: then the general path decides).

    Not None only where ``to_quads`` answers, with the same canonical form. The first
    document of a shape makes its template (checked against the general path's answer);
    later ones of the shape, whatever their ``_VARIABLE`` values, use it. Never raises.
    """
    if type(document) is not dict:
        return None
    try:
        shape = _shape(document)
        if shape is None:
            return None
        loader = loader or default_loader()
        root = loader.compiled_roots.get(_context_key(document.get("@context")))
        if root is None:
            return None  # the general path finds (and keeps) the root first
        template = root.flat.get(shape)
        if template is None:
            if len(root.flat) >= MAX_TEMPLATES:
                return None
            try:
                template = _build_template(root, document)
            except _Unsure:
                template = None
            root.flat[shape] = _NO_TEMPLATE if template is None else template
        if template is None or template is _NO_TEMPLATE:
            return None
        return template.render(document)  # type: ignore[no-any-return]
    except _Unsure:
        return None
    except Exception:  # anything unforeseen: "don't know"
        return None
