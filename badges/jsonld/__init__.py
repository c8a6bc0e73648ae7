"""JSON-LD over bundled contexts only: a frozen document loader and guarded RDFC-1.0."""

from .canon import canonicalize, expand_strict
from .loader import FrozenDocumentLoader, default_loader

__all__ = ["FrozenDocumentLoader", "canonicalize", "default_loader", "expand_strict"]
