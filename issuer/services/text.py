"""User-written Markdown, rendered and then sanitised (the core's helper, shared with the verifier)."""

from __future__ import annotations

from badges.text import render_markdown

__all__ = ["render_markdown"]
