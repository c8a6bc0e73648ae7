"""Compiled JSON-LD (badges.jsonld.compiled, badges.jsonld.rdfc) against pyld.

The compiled path turns a document whose contexts are all bundled straight into its RDF
quads and labels its blank nodes by first-degree hashes; anything it cannot settle goes
to pyld. Two promises, checked here on generated documents (every field of the Open
Badges 3.0 data model from its JSON schema, endorsements, the VC 1.1 shape, CLR records,
the legacy proof contexts, and hostile shapes: unknown terms, embedded and type-scoped
contexts, nested lists, language maps, value objects, ``@json``):

* where it answers, strict expansion accepts the document (it never answers where
  ``expand_strict`` refuses);
* where it answers, its canonical N-Quads are pyld's ``jsonld.normalize`` output byte for
  byte (and so are pyld's own RDFC-1.0 of its quads, which checks the quads themselves
  where blank nodes are alike and the first-degree labelling hands over to pyld).

The property test runs ``BADGES_JSONLD_EXAMPLES`` examples (default 100, a few seconds,
derandomised); set it higher for a deeper, random run.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import random
import re
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld
from pyld.canon import URDNA2015

from badges import standards
from badges.errors import CanonicalizationError, ContextError
from badges.jsonld import canonicalize, expand_strict
from badges.jsonld.canon import clear_canonical_memo
from badges.jsonld.compiled import Quad, to_quads
from badges.jsonld.loader import FrozenDocumentLoader, default_loader
from badges.jsonld.options import RELATIVE_BASE
from badges.jsonld.rdfc import canonical_nquads, first_degree_labels
from tests.conftest import build_credential
from tests.core.test_terms import IRI_VALUES, UNKNOWN_KEYS, mutate, seeds, vocabulary

EXAMPLES = int(os.environ.get("BADGES_JSONLD_EXAMPLES", "100"))
DEEP = "BADGES_JSONLD_EXAMPLES" in os.environ

VC2 = standards.VC_V2
VC1 = standards.VC_V1
OB3 = standards.OB_V3_CONTEXT
OB302, OB301, OB300 = standards.OB_V3_OLDER_CONTEXTS
EXT = standards.OB_V3_EXTENSIONS
DI2 = standards.DATA_INTEGRITY_V2
DI1 = "https://w3id.org/security/data-integrity/v1"
ED2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
STATUS = "https://www.w3.org/ns/credentials/status/v1"
STATUS2021 = "https://w3id.org/vc/status-list/2021/v1"
UNDEFINED_TERMS = "https://www.w3.org/ns/credentials/undefined-terms/v2"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
CLR201 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
CLR200 = "https://purl.imsglobal.org/spec/clr/v2p0/context.json"

SCHEMA = standards.load_document(standards.ACHIEVEMENT_CREDENTIAL_SCHEMA)
DEFS: dict[str, Any] = SCHEMA["$defs"]
ROOT = "AchievementCredential"  # the schema's top level, by another name

# --- the oracle ------------------------------------------------------------------------

LOADER = FrozenDocumentLoader()


def pyld_normalize(document: Any) -> str:
    """pyld's own answer: its generic expansion, to_rdf and URDNA2015."""
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": LOADER,
    }
    with LOADER.lock:
        result: str = jsonld.normalize(copy.deepcopy(document), options)
    return result


def _unescape(text: str) -> str:
    """The inverse of pyld.nquads.escape (\\\\, \\t, \\n, \\r, \\")."""
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(m[1], m[1]), text)


def _term(term: str) -> dict[str, Any]:
    if term[0] == "<":
        return {"type": "IRI", "value": term[1:-1]}
    if term[0] == "_":
        return {"type": "blank node", "value": term}
    end = term.rindex('"')
    found: dict[str, Any] = {"type": "literal", "value": _unescape(term[1:end])}
    suffix = term[end + 1 :]
    if suffix.startswith("^^<"):
        found["datatype"] = suffix[3:-1]
    elif suffix.startswith("@"):
        found["datatype"] = jsonld.RDF_LANGSTRING
        found["language"] = suffix[1:]
    else:
        found["datatype"] = jsonld.XSD_STRING
    return found


def pyld_rdfc_of(quads: list[Quad]) -> str:
    """pyld's URDNA2015 of our quads (in pyld's dataset form)."""
    dataset: dict[str, list[dict[str, Any]]] = {}
    for s, p, o, g in quads:
        dataset.setdefault(g or "@default", []).append(
            {"subject": _term(s), "predicate": _term(p), "object": _term(o)}
        )
    result: str = URDNA2015().main(dataset, {"format": "application/n-quads"})
    return result


def strict_ok(document: Any) -> bool:
    try:
        expand_strict(document, LOADER)
    except ContextError:
        return False
    return True


def check(document: dict[str, Any]) -> str:
    """Compare the compiled path with pyld on one document; say what happened."""
    before = json.dumps(document, sort_keys=True)
    quads = to_quads(document, LOADER)
    assert json.dumps(document, sort_keys=True) == before, "the document was changed"
    # the default loader starts from the stored compiled contexts (badges/jsonld/snapshot.py)
    assert to_quads(document, default_loader()) == quads, "the stored contexts differ"
    strict = strict_ok(document)
    if quads is None:
        return "pyld decides" if strict else "refused"
    assert strict, "the compiled path answered where strict expansion refuses"
    try:
        theirs = pyld_normalize(document)
    except Exception:  # pyld cannot canonicalise it (e.g. unpaired surrogates)
        clear_canonical_memo()
        with pytest.raises((CanonicalizationError, ContextError, UnicodeEncodeError)):
            canonicalize(document, LOADER)
        return "pyld fails"
    assert pyld_rdfc_of(quads) == theirs, "the quads differ from pyld's"
    labelled = first_degree_labels(quads)
    if labelled is not None:
        assert canonical_nquads(quads) == theirs
    clear_canonical_memo()
    assert canonicalize(document, LOADER) == theirs
    return "compiled" if labelled is not None else "compiled, alike blank nodes"


# --- generated documents ----------------------------------------------------------------

GOOD_IRIS = [
    "https://school.example/a",
    "https://school.example/b",
    "https://school.example/a#x",
    "urn:uuid:2f1e6d2c-9a8b-4c7d-8e6f-5a4b3c2d1e0f",
    "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    "did:web:school.example",
    "mailto:ona@example.org",
    "tag:school.example,2026:x",
    "_:x",
    "_:y",
]
TEXTS = [
    "",
    "Water monitor",
    'a "quoted" word',
    "back\\slash",
    "line\nbreak\r\n\ttab",
    "Žirmūnų gimnazija",
    "🌊",
    "\u2028\u0000\u007f",
    "https://school.example/a",
    "_:x",
    "1",
    "true",
    "2026-09-01T08:00:00Z",
]
DATES = ["2026-09-01T08:00:00Z", "2026-09-01T08:00:00.5+02:00", "2026-09-01", "soon", ""]
NUMBERS = [0, 1, -1, 1.0, -0.0, 0.1, 1.5, 3.0, 1e21, 10**21, 2**64, 1e-7, 123456789.123]
SCALAR_TYPES = {
    "Proof": ["DataIntegrityProof", "Ed25519Signature2020", "DataIntegrityProof"],
    "CredentialStatus": [
        "BitstringStatusListEntry",
        "1EdTechRevocationList",
        "StatusList2021Entry",
    ],
    "CredentialSchema": ["1EdTechJsonSchemaValidator2019", "JsonSchema"],
    "RefreshService": ["1EdTechCredentialRefresh"],
    "TermsOfUse": ["TrustFrameworkPolicy", "1EdTechCredentialRefresh"],
}
OB_CONTEXTS: list[list[str]] = [
    [VC2, OB3],
    [VC2, OB3, EXT],
    [VC2, OB302],
    [VC2, OB302, EXT],
    [VC2, OB3, DI2],
    [VC2, OB3, STATUS],
    [VC2, OB3, EXT, ED2020],
    [VC2, OB3, UNDEFINED_TERMS],
    [VC2, OB3, EXAMPLES_V2],
    [VC1, OB3],
    [VC1, OB3, EXT],
    [VC1, OB301],
    [VC1, OB300, EXT],
    [VC1, OB3, ED2020],
    [VC1, OB3, DI1],
    [VC1, OB3, STATUS2021],
]
# protected VC 2.0 terms redefined: strict expansion refuses whatever the document
REFUSED_CONTEXTS: list[list[str]] = [[VC2, OB3, DI1], [VC2, OB301], [VC2, OB300, EXT]]


class _Gen:
    """The generator's choices: structure from a seeded random.Random (hypothesis's own
    draws favour the ends of every range, which would make every rare branch common),
    text, numbers and JSON values from hypothesis strategies."""

    def __init__(self, data: st.DataObject, seed: int) -> None:
        self.data = data
        self.rng = random.Random(seed)

    def chance(self, percent: int) -> bool:
        return self.rng.random() * 100 < percent

    def pick(self, items: Any) -> Any:
        return self.rng.choice(list(items))

    def draw(self, strategy: Any) -> Any:
        return self.data.draw(strategy)


def _iri(g: _Gen) -> str:
    pool = IRI_VALUES if g.chance(6) else GOOD_IRIS
    return str(g.pick(pool))


def _text(g: _Gen) -> str:
    if g.chance(30):
        return str(g.draw(st.text(max_size=8)))
    return str(g.pick(TEXTS))


def _number(g: _Gen) -> Any:
    if g.chance(30):
        return g.draw(st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)))
    return g.pick(NUMBERS)


def _scalar(g: _Gen, origin: str) -> Any:
    if origin in ("URI", "IRI", "URL"):
        return _iri(g)
    if origin.startswith("Date"):
        return g.pick(DATES)
    if origin in ("Float", "Integer"):
        return _number(g)
    if origin == "Boolean":
        return g.draw(st.booleans())
    return _text(g)


def _origin(schema: dict[str, Any]) -> str:
    found = re.match(r"Origin: (\w+)", schema.get("$comment", ""))
    return found[1] if found else ""


def _types(g: _Gen, names: list[str]) -> Any:
    """A node's type: its class (as a string or a list), at times with another."""
    names = list(names)
    if g.chance(8):
        _, known_types = vocabulary()
        names.append(g.pick(known_types))
    if len(names) == 1 and g.chance(30):
        return names[0]
    return names


def _value(g: _Gen, name: str, schema: dict[str, Any], depth: int, base: tuple[str, ...]) -> Any:
    if "$ref" in schema:
        return _object(g, schema["$ref"].rsplit("/", 1)[1], depth + 1, base)
    if "oneOf" in schema:
        branch = g.pick(schema["oneOf"])
        if "pattern" in branch and "enum" not in branch:
            return "ext:" + g.pick(["Local", "Pathway", "x-1"])
        return _value(g, name, branch, depth, base)
    if "allOf" in schema:  # a credential's type
        names = [c["contains"]["enum"][0] for c in schema["allOf"]]
        return _types(g, names)
    kind = schema.get("type")
    if kind == "array":
        if "contains" in schema:
            return _types(g, [g.pick(schema["contains"]["enum"])])
        count = g.rng.randint(schema.get("minItems", 0), 2)
        items = [_value(g, name, schema.get("items", {}), depth, base) for _ in range(count)]
        if count == 1 and g.chance(25):
            return items[0]  # a single value for a list: the same JSON-LD
        if items and g.chance(10):
            items.append(copy.deepcopy(items[0]))  # a duplicate value
        return items
    if "enum" in schema:
        return g.pick(schema["enum"])
    if kind == "number":
        return _number(g)
    if kind == "boolean":
        return g.draw(st.booleans())
    return _scalar(g, _origin(schema))


def _extra(
    g: _Gen, definition: str, node: dict[str, Any], depth: int, base: tuple[str, ...]
) -> None:
    """Properties the schema leaves open that the bundled contexts define."""
    kind = node.get("type")
    if definition == "Proof" and g.chance(50):
        if kind == "DataIntegrityProof":
            node["cryptosuite"] = g.pick(["eddsa-rdfc-2022", "eddsa-2022"])
        node["expires"] = g.pick(DATES)
        if g.chance(20):
            node["previousProof"] = _iri(g)
    elif definition == "CredentialStatus" and g.chance(70):
        node["statusPurpose"] = g.pick(["revocation", "suspension"])
        node["statusListIndex"] = g.pick(["94567", "0", 7])
        node["statusListCredential"] = _iri(g)
    elif definition == "CredentialSchema" and kind == "JsonSchema" and g.chance(80):
        node["jsonSchema"] = g.draw(
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.text(max_size=4),
                lambda inner: (
                    st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=3), inner, max_size=3)
                ),
                max_leaves=6,
            )
        )
    elif definition == "Profile" and g.chance(10):
        node["endorsement"] = [_endorsement(g, depth + 1, base)]


def _object(g: _Gen, definition: str, depth: int, base: tuple[str, ...]) -> Any:
    if definition == "ProfileRef":
        if depth > 3 or g.chance(30):
            return _iri(g)
        return _object(g, "Profile", depth, base)
    if definition == "EndorsementCredential":
        return _endorsement(g, depth, base)
    spec = SCHEMA if definition == ROOT else DEFS[definition]
    required = set(spec.get("required", ()))
    node: dict[str, Any] = {}
    for name, schema in spec["properties"].items():
        if name == "@context":
            continue
        if name == "type" and definition in SCALAR_TYPES:
            node["type"] = g.pick(SCALAR_TYPES[definition])
            continue
        wanted = name in required or (depth <= 3 and g.chance(30 if depth < 2 else 15))
        if wanted:
            node[name] = _value(g, name, schema, depth, base)
    _extra(g, definition, node, depth, base)
    return node


def _endorsement(g: _Gen, depth: int, base: tuple[str, ...]) -> dict[str, Any]:
    """An embedded EndorsementCredential, with its own @context: the document's (other
    versions redefine protected terms of the document's)."""
    spec = DEFS["EndorsementCredential"]
    node: dict[str, Any] = {"@context": list(base)}
    for name, schema in spec["properties"].items():
        if name == "@context":
            continue
        if name in spec["required"] or (depth <= 3 and g.chance(20)):
            node[name] = _value(g, name, schema, depth, base)
    return node


def _vc11(document: dict[str, Any]) -> None:
    if "validFrom" in document:
        document["issuanceDate"] = document.pop("validFrom")
    if "validUntil" in document:
        document["expirationDate"] = document.pop("validUntil")


def _clr(g: _Gen, credentials: list[dict[str, Any]]) -> dict[str, Any]:
    achievements = [
        c["credentialSubject"]["achievement"]
        for c in credentials
        if isinstance(c.get("credentialSubject"), dict) and "achievement" in c["credentialSubject"]
    ]
    subject: dict[str, Any] = {
        "type": g.pick([["ClrSubject"], "ClrSubject"]),
        "verifiableCredential": credentials,
    }
    if g.chance(60):
        subject["achievement"] = achievements
    if g.chance(40):
        subject["association"] = [
            {
                "type": "Association",
                "associationType": g.pick(["isParentOf", "isChildOf"]),
                "sourceId": _iri(g),
                "targetId": _iri(g),
            }
        ]
    if g.chance(30):
        subject["id"] = _iri(g)
    contexts = g.pick([(VC2, CLR201, OB3), (VC2, CLR200, OB3)])
    clr: dict[str, Any] = {
        "@context": list(contexts),
        "id": _iri(g),
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": _text(g),
        "issuer": _object(g, "ProfileRef", 2, contexts),
        "validFrom": g.pick(DATES),
        "credentialSubject": subject,
    }
    if g.chance(30):
        clr["partial"] = g.pick([True, False, "yes", 1])
    return clr


LANGUAGE_MAP = {"label": {"@id": "https://school.example/label", "@container": "@language"}}


def _hostile(g: _Gen, document: dict[str, Any]) -> dict[str, Any]:
    """One of the shapes JSON-LD allows that the compiled path leaves to pyld, or one
    that strict expansion refuses, somewhere in the document."""
    nodes = [n for n in _nodes(document)]
    node = g.pick(nodes)
    what = g.rng.randint(0, 9)
    if what == 0:  # an unknown term
        node[g.pick(UNKNOWN_KEYS)] = _text(g)
    elif what == 1:  # a term of another scope
        known, _ = vocabulary()
        node[g.pick(known)] = _iri(g)
    elif what == 2:  # an embedded context: bundled, inline, or a type-scoped one
        node["@context"] = g.draw(
            st.sampled_from(
                [
                    OB3,
                    [VC2, OB3],
                    [OB302, EXT],
                    DI2,
                    {"extra": "https://school.example/extra"},
                    {"Profile": {"@id": "https://e.example/P", "@context": {"n": "urn:n"}}},
                    None,
                ]
            )
        )
    elif what == 3:  # a nested list
        keys = [k for k in node if not k.startswith("@") and k not in ("id", "type")]
        if keys:
            key = g.pick(keys)
            node[key] = [[node[key]]]
    elif what == 4:  # a language map (an inline context) or a value object
        if g.chance(50):
            document["@context"] = [*_as_list(document.get("@context")), LANGUAGE_MAP]
            document["label"] = {"en": "Water monitor", "lt": "Vandens stebėtojas"}
        else:
            node["name"] = {"@value": _text(g), "@language": "en"}
    elif what == 5:  # @json where the context says so
        node["credentialSchema"] = {
            "id": _iri(g),
            "type": "JsonSchema",
            "jsonSchema": g.pick([{"a": [1, True, None]}, [], "x", 1.5]),
        }
    elif what == 6:  # a keyword spelled out
        node[g.pick(["@type", "@id", "@list", "@graph", "@included"])] = _iri(g)
    elif what == 7:  # the same node twice (merged by identifier), or a node repeated
        others = [n for n in nodes if n is not node and "id" in n]
        if others:
            node[g.pick(["source", "creator", "related"])] = copy.deepcopy(g.pick(others))
    else:  # the mutations of test_terms (19 kinds), from a drawn seed
        document = mutate(document, random.Random(g.rng.randint(0, 2**32)))
    return document


def _nodes(document: Any) -> list[dict[str, Any]]:
    found = []
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(item)
            stack.extend(v for k, v in item.items() if k != "@context")
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _as_list(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


_UNDEFINED = re.compile(r"the (term|type) '([^']*)' is not defined")


def _repaired(document: dict[str, Any]) -> dict[str, Any]:
    """The document without the terms and types its contexts do not define where they
    stand (the schema knows no JSON-LD scopes), so that most generated documents are
    valid: strict expansion names them one at a time."""
    for _ in range(8):
        try:
            expand_strict(document, LOADER)
        except ContextError as exc:
            found = _UNDEFINED.search(exc.description)
            if found is None:
                return document
            kind, name = found.groups()
            name = name.removeprefix(RELATIVE_BASE)
            for node in _nodes(document):
                if kind == "term":
                    node.pop(name, None)
                elif isinstance(node.get("type"), list) and name in node["type"]:
                    node["type"] = [t for t in node["type"] if t != name] or ["Evidence"]
                elif node.get("type") == name:
                    node.pop("type")
        else:
            return document
    return document


@st.composite
def documents(draw: Any) -> dict[str, Any]:
    g = _Gen(draw(st.data()), draw(st.integers(0, 2**32)))
    refused = g.chance(4)
    contexts = g.pick(REFUSED_CONTEXTS if refused else OB_CONTEXTS)
    document = {"@context": list(contexts), **_object(g, ROOT, 0, tuple(contexts))}
    if contexts[0] == VC1:
        _vc11(document)
    if g.chance(20):
        document["type"] = ["VerifiableCredential", "EndorsementCredential"]
        document["credentialSubject"] = _object(g, "EndorsementSubject", 1, tuple(contexts))
    if contexts[0] == VC2 and g.chance(10):
        document = _clr(g, [document])
    if not refused:
        document = _repaired(document)
    for _ in range(g.rng.choices([0, 1, 2], [65, 25, 10])[0]):
        document = _hostile(g, document)
    return document


PROFILE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not DEEP,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_generated_documents_agree_with_pyld() -> None:
    outcomes: Counter[str] = Counter()

    @PROFILE
    @given(documents())
    def run(document: dict[str, Any]) -> None:
        outcomes[check(document)] += 1

    run()
    total = sum(outcomes.values())
    # the generator reaches every outcome, and most documents take the compiled path
    assert outcomes["compiled"] > 0.3 * total, outcomes
    assert outcomes["refused"] > 0.05 * total, outcomes
    assert outcomes["pyld decides"] > 0, outcomes


# --- examples and edge cases ------------------------------------------------------------


def test_every_example_takes_the_compiled_path() -> None:
    """Every credential and vector the project has (issued badges, endorsements, status
    lists, VC 1.1, older contexts, W3C and 1EdTech vectors, with and without proofs)."""
    for name, document in seeds():
        assert check(document).startswith("compiled"), name


@pytest.mark.parametrize(
    "document",
    [
        # the same node twice: one node, its values once
        {
            "@context": [VC2, OB3],
            "type": "VerifiableCredential",
            "issuer": {"id": "urn:x", "type": "Profile", "name": ["a", "a"]},
            "credentialSubject": [
                {"id": "urn:x", "type": "Profile", "name": "a"},
                {"id": "urn:x", "name": "b"},
            ],
        },
        # one identified node in two places, with the same values (each quad once)
        {
            "@context": [VC2, OB3],
            "type": "VerifiableCredential",
            "issuer": {"id": "urn:x", "type": "Profile", "name": "a", "url": "urn:u"},
            "credentialSubject": {
                "type": "AchievementSubject",
                "achievement": {
                    "type": "Achievement",
                    "creator": {"id": "urn:x", "type": "Profile", "name": "a", "url": "urn:u"},
                },
            },
            "evidence": [{"id": "urn:e", "name": "e"}, {"id": "urn:e", "name": "e"}],
        },
        # numbers, booleans and their duplicates (1 and 1.0 are one value, True is not)
        {
            "@context": [VC2, OB3],
            "type": "VerifiableCredential",
            "credentialSubject": {
                "type": "AchievementSubject",
                "creditsEarned": [1, 1.0, True, 1.5, 1e21, 10**21, -0.0, 2**70, "1"],
            },
        },
        # an @list container, empty and not, and a null in it
        {
            "@context": [VC2, OB3],
            "type": "VerifiableCredential",
            "credentialSubject": {
                "type": "AchievementSubject",
                "achievement": {
                    "type": "Achievement",
                    "resultDescription": [
                        {"type": "ResultDescription", "allowedValue": ["b", None, "a", "b"]},
                        {"type": "ResultDescription", "allowedValue": []},
                        {"type": "ResultDescription", "allowedValue": "x"},
                    ],
                },
            },
        },
        # @graph containers (VC 2.0 proof): nodes, references, literals, null
        {
            "@context": [VC2, OB3],
            "type": "VerifiableCredential",
            "proof": [
                {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"},
                "urn:proof",
                None,
                {},
            ],
        },
        # @json values of every kind, and blank node identifiers shared between nodes
        {
            "@context": [VC2],
            "type": "VerifiableCredential",
            "id": "_:x",
            "credentialSchema": [
                {"id": "_:s", "type": "JsonSchema", "jsonSchema": {"b": [1, 2.5], "a": None}},
                {"id": "_:s", "type": "JsonSchema", "jsonSchema": None},
                {"id": "_:x", "type": "JsonSchema", "jsonSchema": [True, "x"]},
            ],
        },
        # blank nodes alike (the N-degree step): left to pyld's RDFC-1.0
        {
            "@context": [VC2, OB3],
            "type": "VerifiableCredential",
            "evidence": [{"type": "Evidence", "name": "x"}, {"type": "Evidence", "name": "x"}],
        },
        # CLR datatype coercion of strings (achievement: obi:Achievement)
        {
            "@context": [VC2, CLR201, OB3],
            "type": ["VerifiableCredential", "ClrCredential"],
            "partial": True,
            "credentialSubject": {"type": "ClrSubject", "achievement": ["urn:a", 5]},
        },
        # text that needs escaping
        {
            "@context": [VC2, OB3],
            "type": "VerifiableCredential",
            "name": 'a "b" \\ c\nd\re\tf \u2028 \u0000 😀',
        },
    ],
)
def test_edge_cases(document: dict[str, Any]) -> None:
    assert check(document).startswith("compiled")


def test_alike_blank_nodes_hand_over_to_pyld() -> None:
    document = {
        "@context": [VC2, OB3],
        "type": "VerifiableCredential",
        "evidence": [{"type": "Evidence", "name": "x"}, {"type": "Evidence", "name": "x"}],
    }
    quads = to_quads(document, LOADER)
    assert quads is not None
    assert first_degree_labels(quads) is None and canonical_nquads(quads) is None
    clear_canonical_memo()
    assert canonicalize(document, LOADER) == pyld_normalize(document)


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.update(sneaky=1),
        lambda d: d["credentialSubject"].update({"@context": {"x": "urn:x"}, "x": 1}),
        lambda d: d.update(name={"@value": "x", "@language": "en"}),
        lambda d: d["credentialSubject"].update(result=[[]]),
        lambda d: d["credentialSubject"]["achievement"].update(tag=[["a"]]),
        lambda d: d.update({"@context": [*d["@context"], LANGUAGE_MAP], "label": {"en": "x"}}),
        lambda d: d["credentialSubject"].update({"_:p": "x"}),
        lambda d: d["issuer"].update({"@type": "Profile"}),
        lambda d: d.update(name=float("nan")),
        lambda d: d.update({"@context": [VC2, OB301]}),
    ],
)
def test_what_it_leaves_to_pyld(edit: Any) -> None:
    """Shapes outside the compiled subset: no answer, and canonicalize still gives pyld's
    answer or strict expansion's refusal, as before."""
    document = build_credential("did:example:issuer")
    edit(document)
    assert to_quads(document, LOADER) is None
    clear_canonical_memo()
    if strict_ok(document):
        try:
            theirs = pyld_normalize(document)
        except Exception:
            return
        assert canonicalize(document, LOADER) == theirs
    else:
        with pytest.raises(ContextError):
            canonicalize(document, LOADER)


def test_blank_node_limit_is_kept() -> None:
    document = build_credential("did:example:issuer")
    quads = to_quads(document, LOADER)
    assert quads is not None
    blanks = {t for q in quads for t in (q[0], q[2]) if t.startswith("_:")}
    clear_canonical_memo()
    with pytest.raises(CanonicalizationError, match="blank nodes"):
        canonicalize(document, LOADER, max_blank_nodes=len(blanks) - 1)
    clear_canonical_memo()
    assert canonicalize(document, LOADER, max_blank_nodes=len(blanks)) == pyld_normalize(document)


def test_bad_input_is_no_answer() -> None:
    for document in (None, [], "x", {}, {"@context": None}, {"@context": [VC2], 1: "x"}):
        assert to_quads(document, LOADER) is None


@pytest.mark.xdist_group("terms-corpus")  # beside test_terms.py's users of the corpus
@pytest.mark.slow
def test_the_terms_corpus_agrees_with_pyld() -> None:
    """The thousands of seeds and mutants of test_terms (strict expansion's verdict
    known for each): where the compiled path answers, pyld agrees."""
    from tests.core.test_terms import corpus

    answered = 0
    for name, document, ok in corpus():
        quads = to_quads(document, LOADER)
        if quads is None:
            continue
        assert ok, name
        answered += 1
        if answered % 7 == 0:  # pyld's normalize is slow: a seventh of them in full
            assert check(document).startswith("compiled"), name
    assert answered > 1000


def test_concurrent_first_use_agrees() -> None:
    """Threads racing through a new loader's first compiled contexts get the quads one
    thread alone gets."""
    import threading

    documents = [document for _, document in seeds()][:12]
    expected = [to_quads(document, FrozenDocumentLoader()) for document in documents]
    loader = FrozenDocumentLoader()
    results: list[list[Any]] = []
    barrier = threading.Barrier(6)

    def run() -> None:
        barrier.wait()
        results.append([to_quads(document, loader) for document in documents])

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6
    assert all(quads is not None for quads in expected)
    for found in results:
        assert found == expected  # the walk is deterministic: the same labels too


def test_the_stored_compiled_contexts_are_current() -> None:
    """badges/jsonld/compiled_contexts.pickle was written from the bundled contexts, pyld
    and terms.py as they are (else it is ignored: rerun
    ``python -m tests.generators.compiled_contexts``), and the default loader takes it."""
    from badges.jsonld import snapshot

    head = snapshot.PATH.read_bytes().partition(b"\n")[0]
    assert head == snapshot.fingerprint()
    assert snapshot._read()


def test_the_stored_compiled_contexts_agree_with_pyld() -> None:
    """Every example, canonicalised through the default loader (the stored compiled
    contexts), gives pyld's N-Quads, and the quads a fresh loader (pyld's context
    processing) gives."""
    for name, document in seeds():
        stored = to_quads(document, default_loader())
        fresh = to_quads(document, FrozenDocumentLoader())
        assert (stored is None) == (fresh is None), name
        if stored is None:
            continue
        assert stored == fresh, name
        found = canonical_nquads(stored) or pyld_rdfc_of(stored)
        assert found == pyld_normalize(document), name


def test_pyld_s_constants_and_escaping_written_out_agree() -> None:
    """compiled.py runs without pyld: its copies of pyld's RDF constants and of
    ``pyld.nquads.escape`` are pyld's."""
    from pyld.nquads import escape as pyld_escape

    from badges.jsonld import compiled

    assert compiled._XSD_STRING == jsonld.XSD_STRING
    assert compiled._XSD_DOUBLE == jsonld.XSD_DOUBLE
    assert compiled._XSD_BOOLEAN == jsonld.XSD_BOOLEAN
    assert compiled._XSD_INTEGER == jsonld.XSD_INTEGER
    assert compiled._LANGSTRING == jsonld.RDF_LANGSTRING
    assert compiled._RDF_TYPE == f"<{jsonld.RDF_TYPE}>"
    assert compiled._RDF_FIRST == f"<{jsonld.RDF_FIRST}>"
    assert compiled._RDF_REST == f"<{jsonld.RDF_REST}>"
    assert compiled._RDF_NIL == f"<{jsonld.RDF_NIL}>"
    rng = random.Random(15)
    alphabet = 'ab \\"\t\n\r\x0b\x0c\x00é€😀'
    texts = ["", "plain", "a\\b", 'say "hi"', "\t\n\r", "\\\\n"] + [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(5000)
    ]
    for text in texts:
        assert compiled.escape(text) == pyld_escape(text), repr(text)


# --- one-node documents from a template (compiled.flat_canonical) ------------------------

PROOF_OPTIONS = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-rdfc-2022",
    "created": "2023-02-24T23:36:38Z",
    "verificationMethod": "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6Mk",
    "proofPurpose": "assertionMethod",
}
PROOF_CONTEXTS = [[VC2], [VC2, OB3], [VC2, OB3, EXT], [VC2, EXAMPLES_V2], [VC2, DI2]]
VARIABLE_VALUES = [
    *GOOD_IRIS,
    *TEXTS,
    "2026-01-01T00:00:00Z",
    "https://relative-iri.invalid/x",
    "relative/path",
    "#fragment",
    "@id",
    "@nonsense",
    "https://a.example/with space",
    "https://a.example/\u00e9",
    "urn:\tx",
    "x:",
    "_://x",
    "\ud800",
]


def _pyld_or_refusal(document: dict[str, Any]) -> str | None:
    """pyld's canonical form where strict expansion accepts the document, else None."""
    if not strict_ok(document):
        return None
    try:
        return pyld_normalize(document)
    except Exception:
        return None


@st.composite
def proof_options(draw: Any) -> dict[str, Any]:
    document: dict[str, Any] = dict(PROOF_OPTIONS)
    for key in ("created", "verificationMethod"):
        if draw(st.booleans()):
            document[key] = draw(st.sampled_from(VARIABLE_VALUES) | st.text(max_size=8))
    for key in ("challenge", "domain", "nonce", "expires"):
        if draw(st.integers(0, 3)) == 0:
            document[key] = draw(st.sampled_from(VARIABLE_VALUES))
    if draw(st.integers(0, 5)) == 0:
        document["proofPurpose"] = draw(st.sampled_from(["authentication", "x", "@id"]))
    if draw(st.integers(0, 5)) == 0:
        document["id"] = draw(st.sampled_from(GOOD_IRIS))
    if draw(st.integers(0, 8)) == 0:
        document["created"] = draw(st.sampled_from([None, 5, ["2026-01-01T00:00:00Z"]]))
    items = list(document.items())
    draw(st.randoms(use_true_random=False)).shuffle(items)
    return {"@context": list(draw(st.sampled_from(PROOF_CONTEXTS))), **dict(items)}


def test_proof_options_from_a_template_agree_with_pyld() -> None:
    """Each document is canonicalised twice: the first of its shape makes the template
    (or finds there is none), and then ``flat_canonical`` answers from it. Where it
    answers, pyld gives the same N-Quads; where strict expansion refuses, it does not
    answer, and canonicalize still refuses."""
    from badges.jsonld.compiled import flat_canonical

    answered = 0

    @PROFILE
    @given(proof_options())
    def run(document: dict[str, Any]) -> None:
        nonlocal answered
        for loader in (LOADER, default_loader()):
            to_quads(document, loader)  # (the root context, as canonicalize finds it)
            flat_canonical(document, loader)
            found = flat_canonical(document, loader)
            if found is None:
                continue
            answered += 1
            assert found == _pyld_or_refusal(document)
            clear_canonical_memo()
            assert canonicalize(document, loader) == found

    run()
    assert answered > EXAMPLES // 2


@pytest.mark.parametrize(
    "values",
    [
        {"created": "2026-01-01T00:00:00Z"},
        {"created": 'a "quoted"\n\\ word', "verificationMethod": "urn:uuid:1"},
        {"verificationMethod": "https://school.example/keys#1", "challenge": "x"},
    ],
)
def test_the_template_gives_pyld_s_answer_for_other_values(values: dict[str, str]) -> None:
    from badges.jsonld.compiled import flat_canonical

    loader = FrozenDocumentLoader()
    first = {"@context": [VC2], **PROOF_OPTIONS, "challenge": "c"}
    assert canonicalize(first, loader) == pyld_normalize(first)
    assert flat_canonical(first, loader) == pyld_normalize(first)
    second = {**first, **values}
    assert flat_canonical(second, loader) == pyld_normalize(second)


@pytest.mark.parametrize(
    ("values", "refused"),
    [
        ({"verificationMethod": "_:key"}, False),  # a second blank node
        ({"verificationMethod": "relative"}, True),
        ({"verificationMethod": "https://relative-iri.invalid/k"}, True),
        ({"verificationMethod": "@id"}, True),
        ({"created": "Žirmūnai"}, False),  # not ASCII: the general path
        ({"created": ["2026-01-01T00:00:00Z"]}, False),  # not a string: no shape
    ],
)
def test_what_the_template_leaves_to_the_general_path(
    values: dict[str, Any], refused: bool
) -> None:
    from badges.jsonld.compiled import flat_canonical

    loader = FrozenDocumentLoader()
    first = {"@context": [VC2], **PROOF_OPTIONS}
    assert canonicalize(first, loader) == pyld_normalize(first)
    second = {**first, **values}
    assert flat_canonical(second, loader) is None
    clear_canonical_memo()
    if refused:
        with pytest.raises(ContextError):
            canonicalize(second, loader)
    else:
        assert canonicalize(second, loader) == pyld_normalize(second)


def test_shapes_without_a_template() -> None:
    """Variable keys that are not plain properties, two keys of one predicate, a value
    object: no template, whatever the values (each a shape remembered as such)."""
    from badges.jsonld.compiled import flat_canonical

    loader = FrozenDocumentLoader()
    base = {"@context": [VC2], **PROOF_OPTIONS}
    iri = "https://w3id.org/security#cryptosuite"
    for document in (
        {**base, iri: "eddsa-rdfc-2022"},  # two keys, one predicate (and one quad)
        {**base, "created": {"@value": "x"}},
        {**base, "undefinedTerm": "x"},
        {"@context": [VC2], "id": "urn:x", "verificationMethod": "urn:k"},
    ):
        with contextlib.suppress(ContextError):
            canonicalize(document, loader)  # (the root context, for the cases it knows)
        for _ in range(2):
            found = flat_canonical(document, loader)
            assert found is None or found == pyld_normalize(document)
    # documents of a shape with two alike predicates are never answered from a template
    twice = {**base, iri: "eddsa-rdfc-2022"}
    assert flat_canonical({**twice, "created": "2026-01-01T00:00:00Z"}, loader) is None


def test_templates_are_bounded_per_context() -> None:
    from badges.jsonld import compiled

    loader = FrozenDocumentLoader()
    base = {"@context": [VC2], **PROOF_OPTIONS}
    canonicalize(base, loader)
    for i in range(compiled.MAX_TEMPLATES + 5):
        compiled.flat_canonical({**base, "cryptosuite": f"suite-{i}"}, loader)
    root = loader.compiled_roots[(VC2,)]
    assert len(root.flat) == compiled.MAX_TEMPLATES
    late = {**base, "cryptosuite": "late"}
    assert compiled.flat_canonical(late, loader) is None
    assert canonicalize(late, loader) == pyld_normalize(late)


def test_the_w3c_proof_options_vector_from_a_template() -> None:
    from badges.jsonld.compiled import flat_canonical

    vectors = standards_path("eddsa-rdfc-2022")
    options = json.loads((vectors / "proofConfigDataInt.json").read_text())
    expected = (vectors / "proofCanonDataInt.txt").read_text()
    expected = expected if expected.endswith("\n") else expected + "\n"
    loader = FrozenDocumentLoader()
    assert canonicalize(options, loader) == expected
    assert flat_canonical(options, loader) == expected
    other = {**options, "created": "2030-01-01T00:00:00Z"}
    assert flat_canonical(other, loader) == expected.replace(
        "2023-02-24T23:36:38Z", "2030-01-01T00:00:00Z"
    )


def standards_path(name: str) -> Any:
    from pathlib import Path

    return Path(__file__).parents[1] / "vectors" / name


# --- first-degree lines (rdfc.first_degree_lines) -------------------------------------

_BLANKS = ["_:b0", "_:b1", "_:b2", "_:b3"]
_IRIS = ["<urn:a>", "<urn:b>"]
_LITERALS = ['"x"', '"y"^^<urn:t>', '"z"@en']


@st.composite
def quad_lists(draw: Any) -> list[Quad]:
    subjects = st.sampled_from(_BLANKS + _IRIS)
    objects = st.sampled_from(_BLANKS + _IRIS + _LITERALS)
    graphs = st.sampled_from([None, None, None, "<urn:g>", "_:b2", "_:b3"])
    predicates = st.sampled_from(["<urn:p>", "<urn:q>"])
    return draw(st.lists(st.tuples(subjects, predicates, objects, graphs), max_size=12))


def test_first_degree_lines_label_as_the_reference_does() -> None:
    """``canonical_nquads`` (one pass over the quads) against the reference: the
    mentions of each blank node, ``first_degree_labels``, then the lines; and against
    pyld's RDFC-1.0 where it answers."""
    from badges.jsonld.rdfc import blank_node_mentions, first_degree_lines

    @PROFILE
    @given(quad_lists())
    def run(quads: list[Quad]) -> None:
        assert first_degree_lines(quads).keys() == blank_node_mentions(quads).keys()
        labels = first_degree_labels(quads)
        found = canonical_nquads(quads)
        if labels is None:
            assert found is None
            return
        lines = []
        for s, p, o, g in quads:
            s, o = labels.get(s, s), labels.get(o, o)
            lines.append(f"{s} {p} {o} .\n" if g is None else f"{s} {p} {o} {labels.get(g, g)} .\n")
        assert found == "".join(sorted(lines))
        dataset: dict[str, list[dict[str, Any]]] = {}
        for s, p, o, g in quads:
            name = "@default" if g is None else g.strip("<>")
            dataset.setdefault(name, []).append(
                {"subject": _term(s), "predicate": _term(p), "object": _term(o)}
            )
        assert found == URDNA2015().main(dataset, {"format": "application/n-quads"})

    run()
