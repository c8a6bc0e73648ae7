"""Finds text in the templates that does not come from the translation functions.

Each template is read with Jinja's own lexer: what lies between ``{{ }}`` and ``{% %}`` is
code (a translated string, a variable), what lies outside is the template's literal text.
That literal text is then read as HTML (the standard library's parser): every text node,
and every attribute a reader sees or hears (title, alt, placeholder, aria-label, ...), must
hold no words of its own, only code, punctuation, numbers and the few names kept as they are
(``ALLOWED``). A problem is reported as ``file:line: text``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment, nodes

# Where code stood: a character that is neither a letter nor a digit (so it is no word).
CODE = "\x01"

# Words a template may hold literally in every language: names of the standard, the
# product and formats, and symbols.
ALLOWED = frozenset(
    {
        "Open Badges",
        "Open Badges 3.0",
        "ASPnet Badges",
        "OB 3.0",
        "JSON",
        "JSON-LD",
        "API",
        "CSV",
        "PNG",
        "SVG",
        "QR",
        "JWT",
        "VC-JWT",
        "DID",
        "ID",
        "URL",
        "CLR",
        "SHA-256",
        "did:web",
        "did:key",
        "Ed25519",
        "x",
        "×",
    }
)

# Attributes whose value is read to (or by) a person.
VISIBLE_ATTRIBUTES = frozenset(
    {
        "title",
        "alt",
        "placeholder",
        "aria-label",
        "aria-description",
        "aria-roledescription",
        "label",
        "data-label",  # shown by the stylesheet as a narrow table's cell heading
    }
)
# Inputs whose ``value`` is the button's label.
BUTTON_INPUTS = frozenset({"submit", "button", "reset"})
# Elements whose content is not shown as text, or is code shown as it is.
HIDDEN_CONTENT = frozenset({"script", "style", "pre", "code", "kbd", "samp"})

_WORD = re.compile(r"[^\W\d_]", re.UNICODE)  # a letter of any alphabet


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def literal_text(source: str, env: Environment | None = None) -> str:
    """The template with each piece of code replaced by ``CODE``, its lines kept in place."""
    env = env or Environment(extensions=["jinja2.ext.i18n"])
    out: list[str] = []
    line = 1
    in_code = False
    for lineno, kind, value in env.lex(source):
        if lineno > line:
            out.append("\n" * (lineno - line))
            line = lineno
        if kind == "data":
            out.append(value)
            line += value.count("\n")
            in_code = False
        elif kind in ("variable_begin", "block_begin", "comment_begin"):
            if not in_code:
                out.append(CODE)
            in_code = True
        elif kind in ("raw_begin", "raw_end"):
            out.append(CODE)
        # everything else is inside the code: newlines come from the next token's number
    return "".join(out)


def has_words(text: str) -> bool:
    cleaned = " ".join(text.replace(CODE, " ").split())
    if not cleaned:
        return False
    if cleaned in ALLOWED:
        return False
    # each piece between code may be an allowed name or hold no letters
    pieces = [p.strip(" \t\n.,:;·—–-()[]/|*?!…→←↑↓") for p in text.split(CODE)]
    return any(p and p not in ALLOWED and _WORD.search(p) for p in pieces)


class _Finder(HTMLParser):
    def __init__(self, path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.problems: list[Problem] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN_CONTENT:
            self.hidden += 1
        values = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            visible = name in VISIBLE_ATTRIBUTES or (
                name == "value" and tag == "input" and values.get("type") in BUTTON_INPUTS
            )
            if visible and has_words(value):
                self.problems.append(Problem(self.path, self.getpos()[0], f"{name}={value}"))
        if tag == "meta" and values.get("name") == "description":
            content = values.get("content") or ""
            if has_words(content):
                self.problems.append(Problem(self.path, self.getpos()[0], f"content={content}"))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in HIDDEN_CONTENT:
            self.hidden -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_CONTENT and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if self.hidden or not has_words(data):
            return
        line = (
            self.getpos()[0]
            + len(data)
            - len(data.lstrip("\n"))
            - data[: len(data) - len(data.lstrip())].count(" ") * 0
        )
        line = self.getpos()[0] + data[: len(data) - len(data.lstrip())].count("\n")
        self.problems.append(Problem(self.path, line, " ".join(data.replace(CODE, "{…}").split())))


# Calls whose string arguments are not text to show (or are already translated).
_GETTEXT = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext"})
_CODE_CALLS = frozenset({"url_for", "csrf_token", "range", "dict"})
# Keyword arguments of a call that are not text to show.
_CODE_KEYWORDS = frozenset({"type", "attrs", "filename", "slug", "_anchor", "name", "id", "class"})


def _looks_like_text(value: str) -> bool:
    """A string constant a reader would see: words with a space, or a capitalised word
    (field names, CSS classes, URL parts and values compared against are neither)."""
    words = value.strip()
    if not words or words in ALLOWED or not _WORD.search(words):
        return False
    return " " in words or words[0].isupper()


def _constants(node: nodes.Node, shown: bool, strict: bool = False) -> list[nodes.Const]:
    """String constants that end up on the page (``shown``) outside a translation call;
    ``strict``: any word counts (a value put into a translated message)."""
    found: list[nodes.Const] = []
    if isinstance(node, nodes.Const):
        value = node.value
        if shown and isinstance(value, str) and _looks_like_text(value):
            found.append(node)
        elif (
            strict
            and isinstance(value, str)
            and value.strip() not in ALLOWED
            and _WORD.search(value)
        ):
            found.append(node)
        return found
    if strict and isinstance(node, nodes.CondExpr):
        found += _constants(node.expr1, True, True)
        if node.expr2 is not None:
            found += _constants(node.expr2, True, True)
        return found
    if isinstance(node, nodes.Call):
        called = node.node
        if isinstance(called, nodes.Name) and called.name in _GETTEXT:
            # the message is translated; the values put into it are shown, even one word
            for kwarg in node.kwargs:
                found += [c for c in _constants(kwarg.value, True, strict=True)]
            return found
        if isinstance(called, nodes.Name) and called.name in _CODE_CALLS:
            return found
        if isinstance(called, nodes.Getattr) and called.attr == "strftime":
            return found
        found += _constants(node.node, False)
        for arg in node.args:
            found += _constants(arg, True)
        for kwarg in node.kwargs:
            found += _constants(kwarg.value, kwarg.key not in _CODE_KEYWORDS)
        return found
    if isinstance(node, nodes.Filter | nodes.Test):
        if node.node is not None:
            found += _constants(node.node, shown)
        for arg in node.args:  # default('...') shows its argument; others do not
            found += _constants(arg, shown and node.name == "default")
        return found
    if isinstance(node, nodes.Getitem | nodes.Getattr) and isinstance(node.node, nodes.Dict):
        # a table of labels looked up ({'a': 'Shown text'}[key], {...}.get(key)): its
        # values are shown, its keys are not
        for pair in node.node.items:
            found += _constants(pair.value, True)
        return found
    if isinstance(node, nodes.Compare | nodes.Getitem | nodes.Getattr | nodes.Test):
        return found
    if isinstance(node, nodes.With):
        # {% with title='Shown text' %}: the values are given to what is inside
        for value in node.values:
            found += _constants(value, True)
        for child in node.body:
            found += _constants(child, shown)
        return found
    if isinstance(node, nodes.CondExpr):
        found += _constants(node.expr1, shown)
        if node.expr2 is not None:
            found += _constants(node.expr2, shown)
        return found
    if isinstance(node, nodes.If | nodes.For):
        # the test and the iterable are not shown; the body is
        for child in node.body + node.else_:
            found += _constants(child, shown)
        if isinstance(node, nodes.If):
            for elif_ in node.elif_:
                found += _constants(elif_, shown)
        return found
    if isinstance(node, nodes.Output | nodes.Assign | nodes.Concat | nodes.Tuple | nodes.List):
        shown = True
    if isinstance(
        node, nodes.Macro | nodes.CallBlock | nodes.FilterBlock | nodes.Template | nodes.Block
    ):
        shown = False  # set again by the Output nodes inside
    for child in node.iter_child_nodes():
        found += _constants(child, shown)
    return found


def untranslated_constants(source: str, path: str) -> list[Problem]:
    """String constants in the template's code that are shown untranslated, e.g. a label
    given to a macro (``field('name', 'Name', ...)``) or ``{{ 'Yes' if x else 'No' }}``."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    tree = env.parse(source)
    return [
        Problem(path, const.lineno, f"{{{{ {const.value!r} }}}}")
        for const in _constants(tree, False)
    ]


def untranslated_text(path: Path, root: Path) -> list[Problem]:
    """The problems of one template (``path``), named relative to ``root``."""
    name = str(path.relative_to(root))
    source = path.read_text(encoding="utf-8")
    finder = _Finder(name)
    finder.feed(literal_text(source))
    finder.close()
    return sorted(finder.problems + untranslated_constants(source, name), key=lambda p: p.line)


def all_problems(root: Path) -> list[Problem]:
    problems: list[Problem] = []
    for path in sorted(root.rglob("*.html")):
        problems.extend(untranslated_text(path, root))
    return problems


if __name__ == "__main__":  # python -m tests.i18n.template_text: list what is left to wrap
    here = Path(__file__).resolve().parents[2] / "templates"
    for problem in all_problems(here):
        print(problem)
