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
"""

from __future__ import annotations

import math
import re
from typing import Any

from .loader import FrozenDocumentLoader, default_loader
from .options import _ABSOLUTE_IRI, RELATIVE_BASE
from .terms import (
    _AS_VOCAB,
    _MISSING,
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

# A quad: subject, predicate, object and graph name (None: the default graph), each in
# N-Quads syntax (<iri>, _:label or a literal).
Quad = tuple[str, str, str, str | None]

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

    __slots__ = ("count", "json", "labels", "quads", "seen")

    def __init__(self) -> None:
        self.quads: list[Quad] = []
        self.seen: set[tuple[Any, ...]] = set()
        self.json: dict[tuple[Any, ...], list[Any]] = {}
        self.labels: dict[str, str] = {}
        self.count = 0

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


def _node(active: _State, element: dict[str, Any], depth: int, out: _Out, graph: str | None) -> str:
    """A node object whose scoped and reverted context ``active`` is already applied
    (``terms._node``, emitting): its quads, and its subject term."""
    if depth > MAX_DEPTH:
        raise _Unsure
    keys = tuple(element)
    # the memos of ``plan``, ``with_types`` and ``rdf_entries`` read directly (a call
    # each only the first time)
    type_key = active.plans.get(keys, _MISSING)
    if type_key is _MISSING:
        type_key = active.plan(keys)
    elif type_key == "@":
        raise _Unsure
    types: list[str] = []
    if type_key is not None:
        found = element[type_key]
        if type(found) is str:
            found = [found]
        elif type(found) is not list or not found:
            raise _Unsure  # null, empty, or not strings: let expand_strict decide
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
            types.append(term)
        typed = active.by_types.get(tuple(found))
        active = typed if typed is not None else active.with_types(found)
    planned = active.rdf_objects.get(keys)
    if planned is None:
        planned = active.rdf_entries(keys)
    own_type_key, id_key, entries = planned
    if own_type_key != type_key:
        raise _Unsure  # a type key only before or only after the type-scoped contexts
    if id_key is None:
        subject = out.fresh()
    else:
        identifier = element[id_key]
        if type(identifier) is not str:
            raise _Unsure
        subject = _reference(active, identifier, False, out)
    seen = out.seen
    quads = out.quads
    for term in types:
        mark: tuple[Any, ...] = (graph, subject, _RDF_TYPE, ("@type", term))  # not a property's
        if mark not in seen:
            seen.add(mark)
            quads.append((subject, _RDF_TYPE, term, graph))
    for key, slot in entries:
        value = element[key]
        info = slot.rdf
        if info is None or info is _UNSURE_INFO:
            info = _info(slot)
        kind = type(value)
        if kind is str and info.text:
            # the most common entry, a plain text value: ``_property`` inlined
            predicate = info.predicate
            mark = (graph, subject, predicate, (value, False, info.datatype, info.language))
            if mark not in seen:
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
            mark = (graph, subject, predicate, term)
            if mark not in seen:
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
