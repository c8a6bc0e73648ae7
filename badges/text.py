"""User-written Markdown (achievement descriptions, criteria), rendered and then sanitised.

Shared by the issuer's pages and the verifier's: a badge's Markdown is anyone's text, so
only harmless tags survive (no images, no attributes but a link's href and title) and
only http(s) and mailto links.
"""

from __future__ import annotations

import threading

import markdown
import nh3

TAGS = frozenset({
    "p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "pre", "blockquote",
    "h3", "h4", "h5", "h6", "hr",
})  # fmt: skip
MAX_SOURCE = 100_000  # characters rendered; the rest is dropped
# Building a Markdown converter costs more than converting a short text with it (a share page
# renders hundreds of reflections): one per thread (a converter is not thread-safe), reset
# before each use as markdown.markdown() would start afresh.
_local = threading.local()


def _converter() -> markdown.Markdown:
    converter: markdown.Markdown | None = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = markdown.Markdown(extensions=[], output_format="html")
    return converter


def render_markdown(source: str) -> str:
    """HTML for ``source``: Markdown first, then only harmless tags and http(s) links kept."""
    html = _converter().reset().convert((source or "")[:MAX_SOURCE])
    return nh3.clean(
        html,
        tags=set(TAGS),
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
