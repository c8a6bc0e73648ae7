"""The compiled contexts of the bundled JSON-LD contexts, stored with the package.

``terms._Compiled`` learns each active context from pyld the first time a document
needs it (pyld's context processing, memoised). Importing pyld alone is most of the
start-up of a ``badges verify`` process, so the compiled contexts that the project's own
credentials, endorsements, records and proofs pass through are kept in
``compiled_contexts.pickle``: pyld's own answers, written by

    python -m tests.generators.compiled_contexts

and loaded here for the default loader (bundled contexts only). A credential whose
contexts, types and terms are all in it is canonicalised without importing pyld; anything
else (a term or a type-scoped context the snapshot has not seen) is asked of pyld as
before, lazily.

The file starts with a fingerprint of everything its content depends on (the bundled
contexts, pyld's context processing, ``terms.py``); a file whose fingerprint is not the
current one is ignored, so a stale snapshot can cost time, never a verdict.
``tests/core/test_compiled.py`` checks that the committed file is current and gives the
same quads as pyld.

The file is part of the package, written by the project, like the code beside it: it is
unpickled as such, never anything a user supplies.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from .. import standards
from .loader import FrozenDocumentLoader

PATH = Path(__file__).with_name("compiled_contexts.pickle")
FORMAT = b"badges-compiled-contexts 1\n"

_LOCK = threading.Lock()
# each combination's pickle, unpickled when a document first uses it
_LOADED: dict[str | tuple[str, ...], bytes] | None = None


def fingerprint() -> bytes:
    """A digest of what the stored compiled contexts depend on."""
    digest = hashlib.sha256(FORMAT)
    digest.update(Path(__file__).with_name("terms.py").read_bytes())
    spec = find_spec("pyld")  # found, not imported
    locations = list(spec.submodule_search_locations or ()) if spec else []
    for name in ("jsonld.py", "context_resolver.py", "resolved_context.py"):
        for folder in locations:
            path = Path(folder) / name
            if path.is_file():
                digest.update(name.encode() + path.read_bytes())
    for url, data in standards.context_files().items():
        digest.update(url.encode() + b"\0" + data + b"\0")
    return digest.hexdigest().encode()


def _read() -> dict[str | tuple[str, ...], bytes] | None:
    try:
        data = PATH.read_bytes()
    except OSError:
        return None
    head, _, body = data.partition(b"\n")
    if not body or head != fingerprint():
        return None
    try:
        found = pickle.loads(body)  # noqa: S301  (the package's own file, see above)
    except Exception:  # a damaged file: as if there were none
        return None
    return found if isinstance(found, dict) else None


def stored(loader: FrozenDocumentLoader, contexts: str | tuple[str, ...]) -> Any:
    """The stored compiled contexts (a ``terms._Compiled``: this module does not import
    terms, which imports it) for this ``@context`` value, taken into use with
    ``loader`` (the default loader; called under its lock, once per combination)."""
    global _LOADED
    with _LOCK:
        loaded = _LOADED
        if loaded is None:
            loaded = _LOADED = _read() or {}
        data = loaded.pop(contexts, None)
    if data is None:
        return None
    try:
        compiled, states = pickle.loads(data)  # noqa: S301  (the package's own file)
    except Exception:  # a damaged file: as if there were none
        return None
    compiled.adopt(loader, states)
    return compiled


def dump(combinations: dict[str | tuple[str, ...], Any], path: Path = PATH) -> int:
    """Write these compiled contexts (built with the default loader); the file's size."""
    content: dict[str | tuple[str, ...], bytes] = {}
    for key, compiled in combinations.items():
        if compiled.root is None:
            continue
        states = compiled.states()
        for state in states:
            for slot in state.slots.values():
                slot.rdf = None  # derived again by compiled.py, which may change
            state.rdf_nodes = {}  # (plans holding those)
            state.flat = {}
        content[key] = pickle.dumps((compiled, states), protocol=pickle.HIGHEST_PROTOCOL)
    data = fingerprint() + b"\n" + pickle.dumps(content, protocol=pickle.HIGHEST_PROTOCOL)
    path.write_bytes(data)
    return len(data)
