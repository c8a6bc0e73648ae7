"""User-written Markdown, rendered and then sanitised."""

from __future__ import annotations

import markdown
import nh3

_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "pre", "blockquote",
    "h3", "h4", "h5", "h6", "hr",
}  # fmt: skip


def render_markdown(source: str) -> str:
    """HTML for ``source``: Markdown first, then only harmless tags and http(s) links kept."""
    html = markdown.markdown(source or "", extensions=[], output_format="html")
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
