"""What strict expansion (``canon``) and the compiled contexts (``terms``, ``compiled``)
share: pyld's options over a frozen loader, and the test for an absolute IRI."""

from __future__ import annotations

import re
from typing import Any

from .loader import FrozenDocumentLoader

# Relative IRIs are resolved against this base so that they can be recognised and refused
# (pyld would otherwise resolve them against its own default base and keep them).
RELATIVE_BASE = "https://relative-iri.invalid/"
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]*$")


def _options(loader: FrozenDocumentLoader) -> dict[str, Any]:
    # imported here: a credential the compiled contexts settle never needs pyld (its
    # import is most of the `badges verify` process's start-up)
    from pyld.context_resolver import ContextResolver

    return {
        "documentLoader": loader,
        "contextResolver": ContextResolver(loader.context_cache, loader),
        "base": RELATIVE_BASE,
        "processingMode": "json-ld-1.1",
    }


def _is_absolute(iri: Any) -> bool:
    return (
        isinstance(iri, str)
        and _ABSOLUTE_IRI.match(iri) is not None
        and not iri.startswith(RELATIVE_BASE)
    )
