"""Compiled contexts: a fast, exact pre-check for strict expansion.

``expand_strict`` runs a full pyld expansion (milliseconds) to learn one thing: whether
every key and type of a document is defined by its contexts and every identifier is an
absolute IRI. For documents whose ``@context`` is a list of known URLs, that answer can be
found by a walk over the JSON alone, given the term definitions of each *active context*
the expansion would pass through (the document's contexts, then type-scoped and
property-scoped contexts as it descends, and back again where type-scoped contexts do not
propagate).

This module builds those active contexts lazily with pyld itself, the first time each is
needed, and keeps them: a ``_State`` wraps one pyld active context, and its transitions
(by types, by a term's scoped context, by a node's own ``@context``, back to the previous
context) are the same pyld calls that expansion makes, in the same order, memoised. The
walk then mirrors pyld's expansion algorithm (``JsonLdProcessor._expand`` and
``_expand_object``) for a deliberately small subset of JSON-LD: node objects, plain
values, arrays, ``@set``/``@list``/``@graph`` containers, ``@id``/``@vocab``/``@json``
coercion, ``@id``/``@type`` and their aliases, and ``@context`` values made of known
URLs. It answers "certainly passes" or "don't know". Anything outside that subset (an
inline context, another keyword such as ``@value`` or ``@included``, an index, language,
id or type-map container, a reverse property, nested arrays, null or empty types, a
relative reference, very deep documents) is "don't know", and the caller runs
``expand_strict``, which decides and explains.

The only promise is one way: ``context_certainly_ok(doc, loader)`` is True only when
``expand_strict(doc, loader)`` would succeed. ``tests/core/test_terms.py`` checks that
on thousands of generated and mutated documents.
"""

from __future__ import annotations

import re
import threading
import weakref
from typing import Any

from ..memo import LruMemo
from .loader import FrozenDocumentLoader, default_loader
from .options import _ABSOLUTE_IRI, RELATIVE_BASE, _is_absolute, _options

MAX_DEPTH = 64  # deeper documents are left to expand_strict
MAX_STATES = 256  # active contexts kept per context combination
MAX_COMBINATIONS = 16  # context combinations kept per loader
MAX_TERMS = 512  # undefined keys remembered per active context (defined ones: all)

# pyld's own test for an absolute IRI (note its character range '+-.', which includes ',')
_PYLD_ABSOLUTE = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")

# What a key expands to.
_DROPPED = 0  # nothing, or a relative IRI: expansion would drop it (strict mode refuses)
_PROPERTY = 1  # an absolute IRI (or a blank node identifier)
_ID = 2  # @id
_TYPE = 3  # @type
_KEYWORD = 4  # any other keyword: not modelled
_AS_ID = 1
_AS_VOCAB = 2
# Containers that change nothing but the shape of the expanded values (a @graph
# container wraps each value in a graph object; its nodes are expanded as usual).
_PLAIN_CONTAINERS = frozenset({"@set", "@list", "@graph"})


class _Unsure(Exception):
    """The walk met something it does not model exactly, or a certain failure."""


class _Term:
    """What one key means in one active context (pyld's own answers, remembered)."""

    __slots__ = ("containers", "iri", "kind", "language", "plain", "reverse", "scoped", "type")

    iri: str | None

    def __init__(self, compiled: _Compiled, ctx: dict[str, Any], key: str) -> None:
        undefined = _undefined_iri(ctx, key)
        if undefined is not None:
            # what pyld's get_context_value gives for a key outside the mappings
            self.iri = undefined
            self.kind = _PROPERTY if _PYLD_ABSOLUTE.match(undefined) else _DROPPED
            self.plain = True
            self.containers: frozenset[str] = frozenset()
            self.type = None
            self.language = ctx.get("@language")
            self.scoped = None
            self.reverse = False
            return
        from pyld import jsonld

        with compiled.lock:  # every pyld call holds the loader's lock
            iri = compiled.processor._expand_iri(ctx, key, vocab=True)
        self.iri = iri if isinstance(iri, str) else None
        if iri is None:
            self.kind = _DROPPED
        elif iri in jsonld.KEYWORDS:
            self.kind = _ID if iri == "@id" else _TYPE if iri == "@type" else _KEYWORD
        elif isinstance(iri, str) and _PYLD_ABSOLUTE.match(iri):
            self.kind = _PROPERTY
        else:
            self.kind = _DROPPED
        get = jsonld.JsonLdProcessor.get_context_value
        raw = get(ctx, key, "@container")
        container = [] if raw is None else jsonld.JsonLdProcessor.arrayify(raw)
        names = frozenset(c for c in container if isinstance(c, str))
        self.plain = len(names) == len(container) and names <= _PLAIN_CONTAINERS
        self.containers = names
        self.type = get(ctx, key, "@type")
        # a string value's language (the term's, else the context's default), as
        # pyld's _expand_value finds it
        self.language = get(ctx, key, "@language")
        self.scoped = get(ctx, key, "@context")
        mapping = ctx["mappings"].get(key)
        self.reverse = bool(mapping and mapping["reverse"])


class _Slot:
    """How a key of a node object is handled in one active context (pyld's
    ``_expand_object`` for that key): an ``@id``, or a property whose values are
    expanded in ``state`` (the context with the term's own scoped context applied),
    where the same key means ``term``."""

    __slots__ = ("child", "coerce", "json", "kind", "outer", "rdf", "state", "term")

    def __init__(self, kind: int, state: _State | None = None, term: _Term | None = None) -> None:
        self.kind = kind
        self.state = state
        self.term = term
        # the key's meaning in the node's own context (its IRI, containers, @json)
        self.outer = term
        self.json = False
        self.rdf: Any = None  # what badges.jsonld.compiled derives from it, once
        # the context a node object given as its value is expanded in, in the usual case
        # (no own ``@context``, and not a bare reference that keeps the type-scoped
        # context): ``_nested_context``'s answer, the same for every such node (``_child``)
        self.child: _State | None = None
        # how a string value is read: 0 as it is, _AS_ID an identifier, _AS_VOCAB a term or IRI
        self.coerce = 0
        if kind == _ID:
            self.coerce = _AS_ID
        elif term is not None:
            self.coerce = (
                _AS_ID if term.type == "@id" else _AS_VOCAB if term.type == "@vocab" else 0
            )


_UNSURE_SLOT = _Slot(_KEYWORD)
_MISSING: Any = object()  # not in a memo yet


def _undefined_iri(ctx: dict[str, Any], key: str) -> str | None:
    """pyld's ``_expand_iri(ctx, key, vocab=True)`` for a key this active context does
    not define, found without pyld; None for pyld to answer (defined keys, keyword-like
    keys, anything expanding to a keyword)."""
    mappings = ctx["mappings"]
    if type(key) is not str or key in mappings or key[:1] == "@":
        return None
    iri: str | None = None
    colon = key.find(":")
    if colon > 0:
        prefix, suffix = key[:colon], key[colon + 1 :]
        if prefix == "_" or suffix.startswith("//"):
            iri = key
        else:
            mapping = mappings.get(prefix)
            if mapping and mapping["_prefix"]:
                iri = mapping["@id"] + suffix
            elif _PYLD_ABSOLUTE.match(key):
                iri = key
    if iri is None:
        if "@vocab" in ctx:
            vocab = ctx["@vocab"]
            if type(vocab) is not str:
                return None
            iri = vocab + key
        else:
            iri = key  # relative (pyld is given no base here): dropped
    if type(iri) is not str or iri[:1] == "@":
        return None
    return iri


class _State:
    """One pyld active context and the transitions out of it."""

    __slots__ = (
        "_previous",
        "_types",
        "by_types",
        "compiled",
        "contexts",
        "ctx",
        "flat",
        "has_previous",
        "mappings",
        "objects",
        "plans",
        "rdf_nodes",
        "rdf_objects",
        "rdf_types",
        "scoped",
        "slots",
        "terms",
        "vocab",
    )

    def __init__(self, compiled: _Compiled, ctx: dict[str, Any]) -> None:
        self.compiled = compiled
        self.ctx = ctx
        self.mappings: dict[str, Any] = ctx["mappings"]
        self.vocab: str | None = ctx.get("@vocab")
        self.has_previous = bool(ctx.get("previousContext"))
        self._previous: _State | None = None
        self.terms: dict[str, _Term] = {}
        self.slots: dict[str, _Slot] = {}
        self.plans: dict[tuple[str, ...], str | None] = {}
        self.objects: dict[
            tuple[str, ...], tuple[str | None, tuple[tuple[str, _Slot], ...]] | None
        ] = {}
        self.rdf_objects: dict[
            tuple[str, ...], tuple[str | None, str | None, tuple[tuple[str, _Slot], ...]] | None
        ] = {}
        self._types: dict[str, bool] = {}
        self.rdf_types: dict[str, str] = {}  # a node type's rdf:type object, for compiled.py
        # a node's plan for compiled.py, by its keys and types
        self.rdf_nodes: dict[tuple[Any, ...], Any] = {}
        self.by_types: dict[tuple[str, ...], _State] = {}
        self.scoped: dict[int, tuple[Any, _State]] = {}
        self.contexts: dict[str | tuple[str, ...], _State] = {}
        # canonical templates of one-node documents in this (root) context, for compiled.py
        self.flat: dict[tuple[tuple[str, str | None], ...], Any] = {}

    # -- keys ---------------------------------------------------------------------------

    def term(self, key: str) -> _Term:
        found = self.terms.get(key)
        if found is None:
            found = _Term(self.compiled, self.ctx, key)
            # Bounded: every defined term, and a few hundred others (mostly keys defined
            # only in a scoped context, looked at before it applies).
            if key in self.mappings or len(self.terms) < MAX_TERMS:
                self.terms[key] = found
        return found

    def slot(self, key: str) -> _Slot:
        found = self.slots.get(key)
        if found is None:
            found = self._slot(key)
            if key in self.mappings or len(self.slots) < MAX_TERMS:
                self.slots[key] = found
        return found

    def _slot(self, key: str) -> _Slot:
        term = self.term(key)
        if term.kind != _PROPERTY:
            return _Slot(term.kind, self) if term.kind in (_ID, _TYPE) else _UNSURE_SLOT
        if not term.plain:
            return _UNSURE_SLOT  # @graph, @index, @id, @type or @language containers
        try:
            state = self if term.scoped is None else self.with_scoped(term.scoped)
        except _Unsure:
            return _UNSURE_SLOT
        inner = state.term(key) if state is not self else term
        if inner.reverse or inner.kind != _PROPERTY or not inner.plain:
            return _UNSURE_SLOT
        slot = _Slot(_PROPERTY, state, inner)
        slot.json = term.type == "@json"  # kept as a JSON literal, whatever it is
        slot.outer = term
        return slot

    def plan(self, keys: tuple[str, ...]) -> str | None:
        """The key that gives a node with these keys its types (None for none);
        raises _Unsure for keys spelled as keywords or several type keys."""
        try:
            found = self.plans[keys]
        except KeyError:
            found = self._plan(keys)
            if len(self.plans) < MAX_TERMS:
                self.plans[keys] = found
        if found == "@":
            raise _Unsure
        return found

    def _plan(self, keys: tuple[str, ...]) -> str | None:
        type_key = None
        for key in keys:
            if key == "@context":
                continue  # applied by the caller
            if type(key) is not str or (key[:1] == "@" and key not in ("@id", "@type")):
                return "@"
            if self.term(key).kind == _TYPE:
                if type_key is not None:
                    return "@"
                type_key = key
        return type_key

    def entries(self, keys: tuple[str, ...]) -> tuple[str | None, tuple[tuple[str, _Slot], ...]]:
        """For a node with these keys in this (type-scoped) context: its type key and
        the keys to look at (its ``@id`` and properties, ``@json`` ones left out);
        raises _Unsure for anything else (undefined keys among them)."""
        try:
            found = self.objects[keys]
        except KeyError:
            found = self._entries(keys)
            if len(self.objects) < MAX_TERMS:
                self.objects[keys] = found
        if found is None:
            raise _Unsure
        return found

    def _entries(
        self, keys: tuple[str, ...]
    ) -> tuple[str | None, tuple[tuple[str, _Slot], ...]] | None:
        type_key = None
        seen_id = False
        entries = []
        for key in keys:
            if key == "@context":
                continue
            slot = self.slot(key)
            if slot.kind == _TYPE:
                if type_key is not None:
                    return None
                type_key = key
            elif slot.kind == _ID:
                if seen_id:
                    return None  # colliding keywords
                seen_id = True
                entries.append((key, slot))
            elif slot.kind != _PROPERTY:
                return None  # dropped (refused), or a keyword alias not modelled
            elif not slot.json:
                entries.append((key, slot))
        return type_key, tuple(entries)

    def rdf_entries(
        self, keys: tuple[str, ...]
    ) -> tuple[str | None, str | None, tuple[tuple[str, _Slot], ...]]:
        """Like ``entries``, for ``badges.jsonld.compiled``: the type key, the key
        giving the node's ``@id``, and every property (``@json`` ones included)."""
        try:
            found = self.rdf_objects[keys]
        except KeyError:
            found = self._rdf_entries(keys)
            if len(self.rdf_objects) < MAX_TERMS:
                self.rdf_objects[keys] = found
        if found is None:
            raise _Unsure
        return found

    def _rdf_entries(
        self, keys: tuple[str, ...]
    ) -> tuple[str | None, str | None, tuple[tuple[str, _Slot], ...]] | None:
        try:
            type_key, _ = self.entries(keys)
        except _Unsure:
            return None
        id_key = None
        properties = []
        for key in keys:
            if key == "@context" or key == type_key:
                continue
            slot = self.slot(key)
            if slot.kind == _ID:
                id_key = key
            else:
                properties.append((key, slot))
        return type_key, id_key, tuple(properties)

    # -- values ---------------------------------------------------------------------------

    def _expand(self, value: str, vocab: bool) -> str | None:
        """pyld's ``_expand_iri(ctx, value, base=RELATIVE_BASE, vocab=vocab)``, or None
        where it would resolve against the base (or for keyword-like values), which
        strict expansion always refuses or which this module does not model."""
        if value[:1] == "@":
            return None  # a keyword, or dropped as keyword-like: never an absolute IRI
        mappings = self.mappings
        try:
            if vocab and value in mappings:
                mapping = mappings[value]
                target = None if mapping is None else mapping["@id"]
                return target if isinstance(target, str) else None
            colon = value.find(":")
            if colon > 0:
                prefix = value[:colon]
                suffix = value[colon + 1 :]
                if prefix == "_" or suffix.startswith("//"):
                    return value
                mapping = mappings.get(prefix)
                if mapping and mapping["_prefix"]:
                    return mapping["@id"] + suffix  # type: ignore[no-any-return]
                if _PYLD_ABSOLUTE.match(value):
                    return value
            if vocab and self.vocab is not None:
                return self.vocab + value
        except (KeyError, TypeError):
            return None
        return None

    def id_ok(self, value: str) -> bool:
        """Would ``value`` as a node identifier (``@id``, or ``"@type": "@id"``) pass?"""
        colon = value.find(":")
        if colon > 0 and value.startswith("//", colon + 1) and value[0] != "_":
            # "scheme://...": ``_expand`` keeps it as it is, whatever the context defines
            # (most identifiers of a badge), so only the absolute-IRI test is left
            return _ABSOLUTE_IRI.match(value) is not None and not value.startswith(RELATIVE_BASE)
        result = self._expand(value, vocab=False)
        return isinstance(result, str) and (result.startswith("_:") or _is_absolute(result))

    def vocab_id_ok(self, value: str) -> bool:
        """Would ``value`` of a ``"@type": "@vocab"`` term pass as an identifier?"""
        result = self._expand(value, vocab=True)
        return isinstance(result, str) and (result.startswith("_:") or _is_absolute(result))

    def type_ok(self, value: str) -> bool:
        """Would ``value`` as a node type pass (an absolute IRI, not a blank node)?"""
        known = self._types.get(value)
        if known is None:
            result = self._expand(value, vocab=True)
            known = isinstance(result, str) and _is_absolute(result)
            if value in self.mappings:
                self._types[value] = known
        return known

    # -- transitions ----------------------------------------------------------------------

    def previous(self) -> _State:
        """pyld's ``_revert_to_previous_context``."""
        if self._previous is None:
            previous = self.ctx.get("previousContext")
            self._previous = self if previous is None else self.compiled.wrap(previous)
        return self._previous

    def with_scoped(self, local_ctx: Any) -> _State:
        """A term's scoped context applied (``propagate=True, override_protected=True``)."""
        hit = self.scoped.get(id(local_ctx))
        if hit is not None and hit[0] is local_ctx:
            return hit[1]
        state = self.compiled.process(self, local_ctx, propagate=True, override_protected=True)
        self.scoped[id(local_ctx)] = (local_ctx, state)
        return state

    def with_context(self, contexts: str | tuple[str, ...]) -> _State:
        """A node's own ``@context`` (a URL or a list of URLs) applied."""
        hit = self.contexts.get(contexts)
        if hit is None:
            local = contexts if isinstance(contexts, str) else list(contexts)
            hit = self.compiled.process(self, local, propagate=True, override_protected=False)
            if len(self.contexts) < MAX_TERMS:
                self.contexts[contexts] = hit
        return hit

    def with_types(self, types: list[str]) -> _State:
        """pyld's ``_prepare_nested_context`` for a node of these types (no own context)."""
        key = tuple(types)
        hit = self.by_types.get(key)
        if hit is not None:
            return hit
        from pyld import jsonld

        state = self
        for type_ in sorted(types):
            local_ctx = jsonld.JsonLdProcessor.get_context_value(self.ctx, type_, "@context")
            if local_ctx is not None and local_ctx is not False:
                state = self.compiled.process(
                    state, local_ctx, propagate=False, override_protected=False
                )
        if len(self.by_types) < MAX_TERMS:
            self.by_types[key] = state
        return state


class _Compiled:
    """The active contexts reachable from one ``@context`` value, built as they are met.

    Threads share it. Every pyld call and every new ``_State`` is made under the
    loader's lock (pyld's context caches, kept in the loader, are not thread-safe); the
    per-state memos are plain dicts filled with values that are the same whichever
    thread computes them, so a thread sees a complete entry or none.
    """

    def __init__(self, loader: FrozenDocumentLoader, contexts: str | tuple[str, ...]) -> None:
        self.loader = loader
        self.lock = loader.lock
        self._processor: Any = None
        self._options: dict[str, Any] | None = None
        self._states: dict[int, _State] = {}
        self.root: _State | None = None
        local = contexts if isinstance(contexts, str) else list(contexts)
        try:
            with self.lock:
                initial = self.processor._get_initial_context(self.options)
                ctx = self.processor._process_context(initial, local, self.options)
        except Exception:  # pyld reports bad contexts in many ways: never "ok" then
            return
        self.root = self.wrap(ctx)

    # pyld is imported only when a context must be processed or a term looked up that
    # the stored snapshot (``snapshot.py``) does not hold.
    @property
    def processor(self) -> Any:
        if self._processor is None:
            from pyld import jsonld

            self._processor = jsonld.JsonLdProcessor()
        return self._processor

    @property
    def options(self) -> dict[str, Any]:
        if self._options is None:
            options = dict(_options(self.loader))
            options.setdefault("isFrame", False)
            options.setdefault("keepFreeFloatingNodes", False)
            options.setdefault("extractAllScripts", False)
            self._options = options
        return self._options

    def __getstate__(self) -> dict[str, Any]:
        """For the snapshot: the states and what they learnt, not pyld's objects."""
        state = dict(self.__dict__)
        for name in ("loader", "lock", "_processor", "_options", "_states"):
            state.pop(name)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.loader = self.lock = None  # type: ignore[assignment]  # set by adopt()
        self._processor = self._options = None
        self._states = {}

    def states(self) -> list[_State]:
        """Every active context built so far."""
        return list(self._states.values())

    def adopt(self, loader: FrozenDocumentLoader, states: list[_State]) -> None:
        """Take a snapshot's compiled contexts into use with ``loader`` (whose bundled
        contexts they were built from): the memos keyed by object identity rebuilt."""
        self.loader = loader
        self.lock = loader.lock
        for state in states:
            self._states[id(state.ctx)] = state
            state.scoped = {id(local): (local, hit) for local, hit in state.scoped.values()}

    def wrap(self, ctx: dict[str, Any]) -> _State:
        state = self._states.get(id(ctx))
        if state is None or state.ctx is not ctx:
            with self.lock:  # one _State per pyld context, even when threads race here
                state = self._states.get(id(ctx))
                if state is None or state.ctx is not ctx:
                    if len(self._states) >= MAX_STATES:
                        raise _Unsure
                    state = _State(self, ctx)
                    self._states[id(ctx)] = state
        return state

    def process(
        self, state: _State, local_ctx: Any, *, propagate: bool, override_protected: bool
    ) -> _State:
        try:
            with self.lock:
                ctx = self.processor._process_context(
                    state.ctx,
                    local_ctx,
                    self.options,
                    override_protected=override_protected,
                    propagate=propagate,
                )
        except Exception as exc:  # e.g. a protected term redefined: expand_strict explains
            raise _Unsure from exc
        return self.wrap(ctx)


_BY_LOADER: weakref.WeakKeyDictionary[
    FrozenDocumentLoader, LruMemo[str | tuple[str, ...], _Compiled]
] = weakref.WeakKeyDictionary()
_BY_LOADER_LOCK = threading.Lock()


def _compiled(loader: FrozenDocumentLoader, contexts: str | tuple[str, ...]) -> _Compiled:
    """The compiled contexts for this combination, built once however many threads ask
    at the same time (the first builds it under the loader's lock, the others wait and
    take it from the memo: only complete objects are published there)."""
    with _BY_LOADER_LOCK:
        memo = _BY_LOADER.get(loader)
        if memo is None:
            memo = _BY_LOADER[loader] = LruMemo(maxsize=MAX_COMBINATIONS)
    compiled = memo.get(contexts)
    if compiled is None:
        with loader.lock:
            compiled = memo.get(contexts)
            if compiled is None:
                compiled = _stored(loader, contexts) or _Compiled(loader, contexts)
                memo.put(contexts, compiled)
    return compiled


def _stored(loader: FrozenDocumentLoader, contexts: str | tuple[str, ...]) -> _Compiled | None:
    """The snapshot's compiled contexts for this combination (the default loader only:
    the snapshot was built from the bundled contexts alone), or None."""
    if loader is not default_loader():
        return None
    from .snapshot import stored

    found = stored(loader, contexts)
    return found if isinstance(found, _Compiled) else None


# -- the walk: pyld's expansion (JsonLdProcessor._expand / _expand_object), restricted ---


def _node(active: _State, element: dict[str, Any], depth: int) -> None:
    """A node object whose scoped and reverted context ``active`` is already applied:
    ``_prepare_nested_context`` then ``_expand_object``."""
    if depth > MAX_DEPTH:
        raise _Unsure
    keys = tuple(element)
    # The memos of ``plan``, ``type_ok``, ``with_types`` and ``entries`` read directly
    # (a call each only the first time: a badge has a few dozen nodes, each looked at so)
    type_key = active.plans.get(keys, _MISSING)
    if type_key is _MISSING:
        type_key = active.plan(keys)
    elif type_key == "@":
        raise _Unsure
    if type_key is not None:
        types = element[type_key]
        if type(types) is str:
            types = [types]
        elif type(types) is not list or not types:
            raise _Unsure  # null, empty, or not strings: let expand_strict decide
        known = active._types
        for type_ in types:
            # expanded in the context before the type-scoped contexts apply
            if type(type_) is not str or not (known.get(type_) or active.type_ok(type_)):
                raise _Unsure
        typed = active.by_types.get(tuple(types))
        active = typed if typed is not None else active.with_types(types)
    found = active.objects.get(keys, _MISSING)
    if found is _MISSING:
        own_type_key, entries = active.entries(keys)
    elif found is None:
        raise _Unsure
    else:
        own_type_key, entries = found
    if own_type_key != type_key:
        raise _Unsure  # a type key only before or only after the type-scoped contexts
    depth += 1
    for key, slot in entries:
        value = element[key]
        kind = type(value)
        if kind is str:
            coerce = slot.coerce
            if coerce == _AS_ID:
                colon = value.find(":")
                if colon > 0 and value.startswith("//", colon + 1) and value[0] != "_":
                    # ``id_ok``'s first case, inline: "scheme://..." is kept as it is
                    if _ABSOLUTE_IRI.match(value) is None or value.startswith(RELATIVE_BASE):
                        raise _Unsure
                elif not slot.state.id_ok(value):  # type: ignore[union-attr]
                    raise _Unsure
            elif coerce and not slot.state.vocab_id_ok(value):  # type: ignore[union-attr]
                raise _Unsure
        elif slot.kind == _ID:
            raise _Unsure  # an identifier that is not a string
        elif kind is dict:
            child = slot.child
            if child is None or "@context" in value or len(value) <= 2:
                child = _child(slot, value)  # (``_child``'s usual case, inline)
            _node(child, value, depth)
        elif kind is list:
            for item in value:
                kind = type(item)
                if kind is str:
                    coerce = slot.coerce
                    if coerce and not (
                        slot.state.id_ok(item)  # type: ignore[union-attr]
                        if coerce == _AS_ID
                        else slot.state.vocab_id_ok(item)  # type: ignore[union-attr]
                    ):
                        raise _Unsure
                elif kind is dict:
                    child = slot.child
                    if child is None or "@context" in item or len(item) <= 2:
                        child = _child(slot, item)
                    _node(child, item, depth)
                elif not (kind is bool or kind is int or kind is float or item is None):
                    raise _Unsure  # nested arrays and anything else
        elif not (kind is bool or kind is int or kind is float or value is None):
            raise _Unsure


def _child(slot: _Slot, element: dict[str, Any]) -> _State:
    """``_nested_context`` for a node object that is the value of ``slot``'s key, kept on
    the slot for the usual node: one without an ``@context`` of its own that cannot be
    a bare reference (more than two keys, or no type-scoped context to keep), whose
    context is then the same whatever its keys."""
    state: _State = slot.state  # type: ignore[assignment]
    if "@context" in element or (len(element) <= 2 and state.has_previous):
        return _nested_context(state, slot.term, element)  # type: ignore[arg-type]
    child = slot.child
    if child is None:
        # what _nested_context answers for such a node: type-scoped contexts reverted,
        # then the property's scoped context applied (an empty node takes that path)
        child = slot.child = _nested_context(state, slot.term, {})  # type: ignore[arg-type]
    return child


def _nested_context(term_state: _State, term: _Term, element: dict[str, Any]) -> _State:
    """The context a node object given as a property value is expanded in (pyld's
    ``_expand`` before ``_prepare_nested_context``): type-scoped contexts reverted
    unless it is a bare reference, then the property's scoped context and the node's
    own ``@context`` applied."""
    own_context = element.get("@context")
    must_revert = True
    if own_context is None and term_state.has_previous and len(element) <= 2:
        for k in element:
            if type(k) is not str:
                raise _Unsure
            inner = term_state.term(k).kind
            if inner == _KEYWORD:
                raise _Unsure  # perhaps @value: a value object
            if inner == _ID and len(element) == 1:
                must_revert = False
    active = term_state.previous() if must_revert else term_state
    if term.scoped is not None:
        active = active.with_scoped(term.scoped)
    if "@context" in element:
        active = active.with_context(_context_key(own_context))
    return active


def _context_key(contexts: Any) -> str | tuple[str, ...]:
    """An ``@context`` value this module models: a URL or a list of URLs."""
    if type(contexts) is str:
        return contexts
    if type(contexts) is list and contexts and all(type(c) is str for c in contexts):
        return tuple(contexts)
    raise _Unsure  # an inline context, null, or nothing


def context_certainly_ok(document: Any, loader: FrozenDocumentLoader | None = None) -> bool:
    """True only when ``expand_strict(document, loader)`` is certain to succeed.

    False means "not known": the document may be fine or not, and ``expand_strict``
    must decide. Never raises for bad input.
    """
    if type(document) is not dict:
        return False
    try:
        key = _context_key(document.get("@context"))
    except _Unsure:
        return False
    loader = loader or default_loader()
    if not all(loader.knows(url) for url in ([key] if isinstance(key, str) else key)):
        return False
    try:
        compiled = _compiled(loader, key)
        if compiled.root is None:
            return False
        _node(compiled.root, document, 0)
    except _Unsure:
        return False
    except Exception:  # anything unforeseen (even a pyld change): "don't know", never "ok"
        return False
    return True
