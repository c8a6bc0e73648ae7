"""Strict JSON-LD expansion and RDFC-1.0 canonicalisation with a work budget.

Two dangers of signing JSON-LD are handled here:

* JSON-LD silently drops terms that no context defines, so a property or type added
  after signing would not change the canonical form and the signature would still
  check out. Expansion here raises instead of dropping (a "safe mode").
* Canonicalising a crafted graph of interlinked blank nodes takes factorial time
  (a "poison graph"). The canonicaliser here counts its N-degree hashing work (calls,
  and permutations weighted by the size of the issuer each one copies) and stops at a
  budget.
"""

from __future__ import annotations

import math
from functools import cache
from hashlib import sha256
from typing import Any

from ..errors import CanonicalizationError, ContextError, FormatError
from ..jsonutil import dumps_sorted
from ..memo import LruMemo
from .compiled import flat_canonical, to_quads
from .loader import FrozenDocumentLoader, default_loader
from .options import RELATIVE_BASE as RELATIVE_BASE  # re-exported: the base strict expansion uses
from .options import _is_absolute, _options
from .rdfc import canonical_nquads, first_degree_lines, pyld_dataset

MAX_BLANK_NODES = 512
# A CLR 2.0 record (a ClrCredential) carries many credentials, each with its own blank nodes
# (subject, criteria, result, evidence, proof...: about seven for a badge), so it may have
# more: enough for some 2,000 badges. The N-degree work budget, which is what a crafted
# "poison graph" exhausts, is the same for a record as for a badge.
MAX_RECORD_BLANK_NODES = 16384
MAX_N_DEGREE_CALLS = 4096
MAX_ALIKE_NEIGHBOURS = 6  # 6! = 720 permutations at most per step
# Each permutation tried deep-copies the path issuer, so a step costs about
# permutations x (issued identifiers + 1); this caps the sum over the whole run.
MAX_N_DEGREE_WORK = 2_000_000


def _raise_dropped(term: str, *args: Any, **kwargs: Any) -> None:
    raise ContextError(
        f"the term {term!r} is not defined by any @context, so it would not be signed"
    )


def _as_written(iri: Any) -> Any:
    """A relative IRI as the document wrote it: strict expansion resolves it against a
    placeholder base (``RELATIVE_BASE``) only to find it, and the reader never wrote that."""
    return iri.removeprefix(RELATIVE_BASE) if isinstance(iri, str) else iri


def _check_iris(node: Any, where: str = "") -> None:
    if isinstance(node, list):
        for item in node:
            _check_iris(item, where)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "@type":
            if "@value" in node:
                continue  # a literal's datatype: checked by to_rdf
            for type_iri in value if isinstance(value, list) else [value]:
                if not _is_absolute(type_iri):
                    raise ContextError(
                        f"the type {_as_written(type_iri)!r} is not defined by any @context"
                    )
        elif key == "@id":
            if not (isinstance(value, str) and (value.startswith("_:") or _is_absolute(value))):
                raise ContextError(f"the identifier {_as_written(value)!r} is not an absolute IRI")
        elif key in ("@value", "@language", "@direction", "@index"):
            continue
        else:
            _check_iris(value, key)


def expand_strict(document: Any, loader: FrozenDocumentLoader | None = None) -> list[Any]:
    """Expand a JSON-LD document, refusing anything expansion would silently drop.

    Raises ContextError for unknown contexts, undefined terms or types, and relative IRIs.
    """
    from pyld import jsonld  # here: the compiled path never needs pyld

    loader = loader or default_loader()
    processor = jsonld.JsonLdProcessor(on_property_dropped=_raise_dropped)
    try:
        with loader.lock:  # pyld's context caches are not thread-safe (see loader.py)
            expanded: list[Any] = processor.expand(document, _options(loader))
    except ContextError:
        raise
    except jsonld.JsonLdError as exc:
        raise ContextError(_jsonld_message(exc)) from exc
    except (RecursionError, TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ContextError(f"the document is not valid JSON-LD: {exc}") from exc
    _check_iris(expanded)
    return expanded


def _jsonld_message(exc: BaseException) -> str:
    # pyld wraps the real cause (ours, e.g. an unknown context) several levels deep.
    seen = exc
    while seen is not None:
        if isinstance(seen, ContextError):
            return seen.description
        seen = seen.__cause__ or getattr(seen, "cause", None)  # type: ignore[assignment]
    return f"JSON-LD processing failed: {str(exc).splitlines()[0]}"


@cache
def _budgeted_urdna2015() -> Any:
    """pyld's URDNA2015 with a work budget (a class made the first time it is needed,
    so that importing this module does not import pyld)."""
    from pyld.canon import URDNA2015

    class _BudgetedURDNA2015(URDNA2015):  # type: ignore[misc]
        """RDFC-1.0 (the algorithm formerly URDNA2015) that gives up past a work budget."""

        def __init__(self, max_calls: int, max_work: int) -> None:
            super().__init__()
            self._calls_left = max_calls
            self._work_left = max_work

        def create_hash_to_related(self, id_: str, issuer: Any) -> Any:
            related = super().create_hash_to_related(id_, issuer)
            # The N-degree step tries every permutation of each group of alike neighbours:
            # a group of g costs g! rounds, each copying the issuer. Honest documents have
            # tiny groups and small issuers.
            if any(len(group) > MAX_ALIKE_NEIGHBOURS for group in related.values()):
                raise CanonicalizationError(
                    "canonicalisation refused: too many indistinguishable blank nodes"
                )
            copy_cost = len(getattr(issuer, "existing", ())) + 1
            self._work_left -= (
                sum(math.factorial(len(group)) for group in related.values()) * copy_cost
            )
            if self._work_left < 0:
                raise CanonicalizationError(
                    "canonicalisation gave up: the document's blank nodes are too interlinked"
                )
            return related

        def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
            self._calls_left -= 1
            if self._calls_left < 0:
                raise CanonicalizationError(
                    "canonicalisation gave up: the document's blank nodes are too interlinked"
                )
            return super().hash_n_degree_quads(id_, issuer)

    return _BudgetedURDNA2015


_CANONICAL = LruMemo[tuple[FrozenDocumentLoader, bool, bytes], str](maxsize=512)
# A document whose sorted JSON is at most this long is its own memo key: the dictionary
# hashes it faster than SHA-256 would digest it, and compares it byte for byte (a badge
# is about 3 KB; its canonical form, kept as the value, is larger). Longer ones (CLR
# records) are keyed by the SHA-256 of that JSON.
_RAW_KEY_BYTES = 16384


def clear_canonical_memo() -> None:
    """Forget memoised canonical forms (for benchmarks that measure first sight)."""
    _CANONICAL.clear()


def _is_record(document: Any) -> bool:
    """True for a JSON object typed ``ClrCredential`` (see ``MAX_RECORD_BLANK_NODES``)."""
    if not isinstance(document, dict):
        return False
    types = document.get("type")
    return "ClrCredential" in (types if isinstance(types, list) else [types])


def _memo_key(document: Any, loader: FrozenDocumentLoader) -> Any:
    try:
        text = dumps_sorted(document)
    except FormatError:
        return None
    if len(text) <= _RAW_KEY_BYTES:
        return (loader, False, text)
    return (loader, True, sha256(text).digest())  # what ``content_key`` is


def canonicalize(
    document: Any,
    loader: FrozenDocumentLoader | None = None,
    *,
    max_blank_nodes: int = MAX_BLANK_NODES,
    max_n_degree_calls: int = MAX_N_DEGREE_CALLS,
) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document, using bundled contexts only.

    The result is a pure function of the document and the loader, so it is memoised by
    content (a document seen again is not canonicalised again). A CLR record may have
    more blank nodes than a badge (``MAX_RECORD_BLANK_NODES``). Raises ContextError
    (unknown context, dropped terms) or CanonicalizationError (too many blank nodes,
    work budget exhausted).
    """
    loader = loader or default_loader()
    if max_blank_nodes > 0:
        # a one-node document of a known shape (the proof options of a Data Integrity
        # proof): its canonical form from a template, cheaper than the memo's key
        flat = flat_canonical(document, loader)
        if flat is not None:
            return flat
    memo_key = _memo_key(document, loader)
    if memo_key is not None:
        hit = _CANONICAL.get(memo_key)
        if hit is not None:
            return hit
    if max_blank_nodes == MAX_BLANK_NODES and _is_record(document):
        max_blank_nodes = MAX_RECORD_BLANK_NODES
    result = _compiled_canonical(document, loader, max_blank_nodes, max_n_degree_calls)
    if result is None:
        result = _canonicalize_generic(document, loader, max_blank_nodes, max_n_degree_calls)
    if memo_key is not None and max_n_degree_calls == MAX_N_DEGREE_CALLS:
        _CANONICAL.put(memo_key, result)
    return result


def compiled_canonical(document: Any, loader: FrozenDocumentLoader | None = None) -> str | None:
    """``canonicalize(document, loader)`` when the compiled path settles it, else None.

    Not None only when ``expand_strict(document, loader)`` succeeds, so a verifier that
    will check a Data Integrity proof can settle its context check with the canonical
    form the proof needs (memoised for it). Never raises.
    """
    loader = loader or default_loader()
    memo_key = _memo_key(document, loader)
    if memo_key is not None:
        hit = _CANONICAL.get(memo_key)
        if hit is not None:
            return hit
    limit = MAX_RECORD_BLANK_NODES if _is_record(document) else MAX_BLANK_NODES
    try:
        result = _compiled_canonical(document, loader, limit, MAX_N_DEGREE_CALLS)
    except CanonicalizationError:
        return None  # canonicalize explains
    if result is not None and memo_key is not None:
        _CANONICAL.put(memo_key, result)
    return result


def _compiled_canonical(
    document: Any, loader: FrozenDocumentLoader, max_blank_nodes: int, max_n_degree_calls: int
) -> str | None:
    """The compiled path: the quads straight from the bundled contexts
    (``compiled.to_quads``), and RDFC-1.0 where every blank node is told apart by its
    own quads (``rdfc``), else pyld's budgeted RDFC-1.0 of those quads; None where the
    quads are pyld's to find."""
    quads = to_quads(document, loader)
    if quads is None:
        return None
    lines = first_degree_lines(quads)  # (one key per blank node)
    if len(lines) > max_blank_nodes:
        raise CanonicalizationError(
            f"canonicalisation refused: {len(lines)} blank nodes (limit {max_blank_nodes})"
        )
    try:
        found = canonical_nquads(quads, lines=lines)
    except UnicodeEncodeError:
        return None  # pyld's path explains
    if found is None:
        found = _budgeted_rdfc(pyld_dataset(quads), max_n_degree_calls)
    return found


def _canonicalize_generic(
    document: Any, loader: FrozenDocumentLoader, max_blank_nodes: int, max_n_degree_calls: int
) -> str:
    """pyld's path: strict expansion, to_rdf, then RDFC-1.0 with a work budget."""
    from pyld import jsonld

    expanded = expand_strict(document, loader)
    processor = jsonld.JsonLdProcessor()
    try:
        with loader.lock:
            dataset = processor.to_rdf(expanded, _options(loader))
    except jsonld.JsonLdError as exc:
        raise CanonicalizationError(_jsonld_message(exc)) from exc
    blank_nodes = set()
    for triples in dataset.values():
        for quad in triples:
            for part in ("subject", "object"):
                if quad[part]["type"] == "blank node":
                    blank_nodes.add(quad[part]["value"])
    if len(blank_nodes) > max_blank_nodes:
        raise CanonicalizationError(
            f"canonicalisation refused: {len(blank_nodes)} blank nodes (limit {max_blank_nodes})"
        )
    return _budgeted_rdfc(dataset, max_n_degree_calls)


def _budgeted_rdfc(dataset: dict[str, Any], max_n_degree_calls: int) -> str:
    """pyld's RDFC-1.0 of a dataset, within the work budget."""
    try:
        result: str = _budgeted_urdna2015()(max_n_degree_calls, MAX_N_DEGREE_WORK).main(
            dataset, {"format": "application/n-quads"}
        )
    except RecursionError as exc:
        raise CanonicalizationError("canonicalisation gave up: graph too deep") from exc
    except UnicodeEncodeError as exc:
        raise CanonicalizationError("the document contains text that is not valid Unicode") from exc
    return result
