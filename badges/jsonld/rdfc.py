"""RDFC-1.0 for the usual case: every blank node told apart by its own quads.

RDFC-1.0 (formerly URDNA2015) labels blank nodes in three steps: hash each blank node's
own quads ("Hash First Degree Quads"); issue canonical labels, in hash order, to the
blank nodes whose hash is unique; settle the rest with the expensive, recursive "Hash
N-Degree Quads". In an Open Badges credential every blank node (the subject, its
achievement, criteria, results, alignments, the proof...) almost always has content of
its own, so the first step decides everything. pyld's ``URDNA2015`` takes about as long
for that as for the hard case, on dictionaries per quad term; here it is done on quads
already in N-Quads syntax (``badges.jsonld.compiled``), and anything left for the
N-degree step returns None so that the caller runs pyld's budgeted implementation.

Own code rather than a library: pyld's implementation is the kept one and still runs
whenever this one returns None; ``pyoxigraph`` and ``rdflib`` work on their own term
objects (parsing and re-serialising each quad costs what is saved) and neither bounds
the N-degree work, which ``canon.py`` needs against crafted graphs.
"""

from __future__ import annotations

import re
from hashlib import sha256
from typing import Any

# A quad: subject, predicate, object and graph name (None: the default graph), each in
# N-Quads syntax (<iri>, _:label or a literal).
Quad = tuple[str, str, str, str | None]

_ESCAPED = re.compile(r"\\(.)")
_UNESCAPE = {"t": "\t", "n": "\n", "r": "\r"}


def blank_node_mentions(quads: list[Quad]) -> dict[str, list[Quad]]:
    """Each blank node and the quads it is in, once per position it has there (pyld's
    "blank node to quads" map: a quad whose subject and object are the same blank node
    is hashed twice for it). A blank node naming a graph is always also the object of
    the quad that links it, so these are the blank nodes pyld's to_rdf counts."""
    mentions: dict[str, list[Quad]] = {}
    for quad in quads:
        s, _, o, g = quad
        if s[0] == "_":
            mentions.setdefault(s, []).append(quad)
        if o[0] == "_":
            mentions.setdefault(o, []).append(quad)
        if g is not None and g[0] == "_":
            mentions.setdefault(g, []).append(quad)
    return mentions


def first_degree_labels(
    quads: list[Quad], mentions: dict[str, list[Quad]] | None = None
) -> dict[str, str] | None:
    """Canonical labels for every blank node, or None when two share a first-degree hash
    (then the N-degree step decides, and pyld's implementation is used)."""
    if mentions is None:
        mentions = blank_node_mentions(quads)
    by_hash: dict[bytes, str] = {}
    for blank, found in mentions.items():
        lines: list[str] = []
        for s, p, o, g in found:
            if s[0] == "_":
                s = "_:a" if s == blank else "_:z"
            if o[0] == "_":
                o = "_:a" if o == blank else "_:z"
            if g is None:
                lines.append(f"{s} {p} {o} .\n")
            else:
                if g[0] == "_":
                    g = "_:a" if g == blank else "_:z"
                lines.append(f"{s} {p} {o} {g} .\n")
        lines.sort()
        digest = sha256("".join(lines).encode()).digest()
        if digest in by_hash:
            return None
        by_hash[digest] = blank
    # hex digests sort as the digests' bytes do
    return {by_hash[digest]: f"_:c14n{i}" for i, digest in enumerate(sorted(by_hash))}


def first_degree_lines(quads: list[Quad]) -> dict[str, list[str]]:
    """Each blank node's lines for its first-degree hash, unsorted: its quads (once per
    position it has there, as ``blank_node_mentions`` lists them) with itself written
    ``_:a`` and every other blank node ``_:z``. Its keys are the blank nodes."""
    found: dict[str, list[str]] = {}
    for s, p, o, g in quads:
        if g is None:
            if s[0] == "_":
                if o[0] != "_":
                    line = f"_:a {p} {o} .\n"  # the usual quad: a blank node's own value
                    lines = found.get(s)
                    if lines is None:
                        found[s] = [line]
                    else:
                        lines.append(line)
                elif s == o:
                    line = f"_:a {p} _:a .\n"
                    found.setdefault(s, []).extend((line, line))
                else:
                    found.setdefault(s, []).append(f"_:a {p} _:z .\n")
                    found.setdefault(o, []).append(f"_:z {p} _:a .\n")
            elif o[0] == "_":
                found.setdefault(o, []).append(f"{s} {p} _:a .\n")
            continue
        for blank in (s, o, g):
            if blank[0] != "_":
                continue
            a = "_:a" if s == blank else "_:z" if s[0] == "_" else s
            b = "_:a" if o == blank else "_:z" if o[0] == "_" else o
            c = "_:a" if g == blank else "_:z" if g[0] == "_" else g
            found.setdefault(blank, []).append(f"{a} {p} {b} {c} .\n")
    return found


def canonical_nquads(
    quads: list[Quad],
    mentions: dict[str, list[Quad]] | None = None,
    lines: dict[str, list[str]] | None = None,
) -> str | None:
    """The RDFC-1.0 canonical N-Quads of the quads, or None (see ``first_degree_labels``).

    ``lines`` are the quads' ``first_degree_lines`` when the caller has them
    (``mentions`` is not needed). Raises UnicodeEncodeError for text that is not valid
    Unicode (lone surrogates).
    """
    if lines is None:
        lines = first_degree_lines(quads)
    by_hash: dict[bytes, str] = {}
    for blank, found in lines.items():
        found.sort()
        digest = sha256("".join(found).encode()).digest()
        if digest in by_hash:
            return None
        by_hash[digest] = blank
    # hex digests sort as the digests' bytes do
    labels = {by_hash[digest]: f"_:c14n{i}" for i, digest in enumerate(sorted(by_hash))}
    output: list[str] = []
    append = output.append
    for s, p, o, g in quads:
        if s[0] == "_":
            s = labels[s]
        if o[0] == "_":
            o = labels[o]
        if g is None:
            append(f"{s} {p} {o} .\n")
        else:
            if g[0] == "_":
                g = labels[g]
            append(f"{s} {p} {o} {g} .\n")
    output.sort()
    return "".join(output)


def _term(term: str) -> dict[str, Any]:
    """An N-Quads term of ``compiled`` as a pyld RDF term (the inverse of its writing)."""
    if term[0] == "<":
        return {"type": "IRI", "value": term[1:-1]}
    if term[0] == "_":
        return {"type": "blank node", "value": term}
    end = term.rindex('"')  # the suffix (a datatype IRI or a language) has no quote
    value = _ESCAPED.sub(lambda m: _UNESCAPE.get(m[1], m[1]), term[1:end])
    found: dict[str, Any] = {"type": "literal", "value": value}
    suffix = term[end + 1 :]
    if suffix.startswith("^^<"):
        found["datatype"] = suffix[3:-1]
    elif suffix.startswith("@"):
        found["datatype"] = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
        found["language"] = suffix[1:]
    else:
        found["datatype"] = "http://www.w3.org/2001/XMLSchema#string"
    return found


def pyld_dataset(quads: list[Quad]) -> dict[str, list[dict[str, Any]]]:
    """The quads as the RDF dataset pyld's ``to_rdf`` gives (for its URDNA2015, which
    settles blank nodes that first-degree hashes do not tell apart)."""
    dataset: dict[str, list[dict[str, Any]]] = {}
    for s, p, o, g in quads:
        dataset.setdefault(g or "@default", []).append(
            {"subject": _term(s), "predicate": _term(p), "object": _term(o)}
        )
    return dataset
