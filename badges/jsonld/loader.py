"""A frozen JSON-LD document loader: bundled contexts or an error, never a download."""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from typing import Any

from cachetools import LRUCache

from .. import standards
from ..errors import ContextError


class FrozenDocumentLoader:
    """Answers pyld's document requests from bundled copies (plus any extra documents).

    Any other URL raises ContextError, so a credential naming an unknown context fails
    instead of triggering a fetch.
    """

    def __init__(self, extra: Mapping[str, Any] | None = None) -> None:
        self._extra = dict(extra or {})
        # pyld's resolved contexts for this loader's documents (never shared across loaders)
        self.context_cache: LRUCache[Any, Any] = LRUCache(maxsize=64)
        # pyld is not thread-safe: it reads and evicts entries of ``context_cache`` and of
        # the LRU caches inside the resolved contexts it keeps there (cachetools caches,
        # which are not thread-safe either) without any lock, so two threads expanding at
        # once can see a KeyError mid-eviction and a valid document fails. Every pyld call
        # given this loader (expansion, to_rdf, context processing) holds this lock.
        self.lock = threading.RLock()
        # the compiled root context of each ``@context`` combination (a URL or a tuple of
        # URLs) whose documents this loader knows, for ``badges.jsonld.compiled``: found
        # once, then a dictionary lookup per document
        self.compiled_roots: dict[str | tuple[str, ...], Any] = {}

    def knows(self, url: str) -> bool:
        return url in self._extra or url in standards.bundled_urls()

    def __call__(self, url: str, options: Any = None) -> dict[str, Any]:
        document = self._extra.get(url)
        if document is None:
            document = standards.load_document(url)
        if document is None:
            raise ContextError(f"unknown JSON-LD context {url!r}: only bundled contexts are used")
        return {
            "contextUrl": None,
            "documentUrl": url,
            # pyld may annotate what it is given; hand it a copy of the shared object.
            "document": copy.deepcopy(document),
            # Bundled documents never change, so pyld may keep them resolved.
            "tag": "static",
        }


_DEFAULT = FrozenDocumentLoader()


def default_loader() -> FrozenDocumentLoader:
    """The loader over the bundled contexts alone."""
    return _DEFAULT
