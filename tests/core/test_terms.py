"""The compiled-context pre-check (badges.jsonld.terms) against strict expansion.

``context_certainly_ok`` may say "don't know" (False) for a document that strict
expansion accepts, but never "ok" (True) for one that ``expand_strict`` refuses. These
tests check that on every example credential and test vector and on thousands of
generated and mutated documents, check that the fast path does accept the credentials
we issue (or it would be useless), and check that the corpus is strong enough to catch a
broken checker.
"""

from __future__ import annotations

import copy
import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import pytest

from badges import standards
from badges.dids import did_key, did_key_verification_method
from badges.errors import ContextError
from badges.issuing import sign_credential
from badges.jsonld import expand_strict, terms
from badges.jsonld.canon import RELATIVE_BASE, _is_absolute
from badges.jsonld.loader import FrozenDocumentLoader
from badges.jsonld.terms import context_certainly_ok
from badges.model import EndorsementCredential, EndorsementSubject, Profile
from badges.status import bitstring_status_list as bsl
from badges.status import revocation_list_1edtech as rl
from badges.verification import Verifier
from tests.conftest import ISSUED, NOW, VECTORS, build_credential, load_key

VC2 = standards.VC_V2
VC1 = standards.VC_V1
OB3 = standards.OB_V3_CONTEXT
OB302, OB301, OB300 = standards.OB_V3_OLDER_CONTEXTS
EXT = standards.OB_V3_EXTENSIONS
DI2 = standards.DATA_INTEGRITY_V2
UNDEFINED_TERMS = "https://www.w3.org/ns/credentials/undefined-terms/v2"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
STATUS_V1 = "https://www.w3.org/ns/credentials/status/v1"
CLR201 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
CLR200 = "https://purl.imsglobal.org/spec/clr/v2p0/context.json"
OB2 = "https://w3id.org/openbadges/v2"


# --- the oracle ---------------------------------------------------------------------------


def strict_ok(document: Any, loader: FrozenDocumentLoader | None = None) -> bool:
    try:
        expand_strict(document, loader)
    except ContextError:
        return False
    return True


def _json(path: Any) -> Any:
    return json.loads(path.read_text())


def _clone(document: Any) -> Any:
    return json.loads(json.dumps(document))


def _without_proof(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


# --- seeds: every example we have ---------------------------------------------------------


def _endorsement() -> dict[str, Any]:
    key = load_key("eddsa-other")
    unsigned = EndorsementCredential(
        id="urn:uuid:9b0d2f6e-1c1d-4f1e-8e8e-000000000001",
        name="Endorsed by the Lithuanian ASPnet coordination",
        issuer=Profile(id=did_key(key.public), name="Lithuanian ASPnet coordination"),
        valid_from=ISSUED,
        credential_subject=EndorsementSubject(
            id="urn:uuid:7c1f3e4a-2b1d-4c6e-9f00-1a2b3c4d5e6f",
            endorsement_comment="A model for the network.",
        ),
    ).to_json()
    signed = sign_credential(
        unsigned,
        key,
        verification_method=did_key_verification_method(key.public),
        proof="data-integrity",
    )
    return dict(signed.json)


def _vc11(credential: dict[str, Any], ob_context: str) -> dict[str, Any]:
    """The VC 1.1 shape of a credential: the v1 context and issuanceDate."""
    data = _clone(credential)
    data["@context"] = [VC1, ob_context, *data["@context"][2:]]
    data["issuanceDate"] = data.pop("validFrom")
    if "validUntil" in data:
        data["expirationDate"] = data.pop("validUntil")
    return data


@cache
def seeds() -> tuple[tuple[str, dict[str, Any]], ...]:
    """Every credential and vector the project has, and variants of their contexts."""
    key = load_key("eddsa")
    issuer = did_key(key.public)
    found: list[tuple[str, dict[str, Any]]] = []
    ours = build_credential(issuer)
    found.append(("ours", ours))
    found.append(("ours, no extensions", build_credential(issuer, extensions=False)))
    found.append(("ours, no email", build_credential(issuer, email=None, valid_until=NOW)))
    found.append(
        (
            "ours, status lists",
            build_credential(
                issuer,
                status=[
                    bsl.status_entry("https://school.example/status/1", 94567),
                    bsl.status_entry("https://school.example/status/2", 7, "suspension"),
                ],
            ),
        )
    )
    found.append(
        (
            "ours, 1EdTech revocation list",
            build_credential(issuer, status=[rl.status_entry("https://school.example/revoked")]),
        )
    )
    endorsement = _endorsement()
    found.append(("endorsement", endorsement))
    found.append(("endorsement, no proof", _without_proof(endorsement)))
    found.append(("ours, endorsed", build_credential(issuer, endorsements=[endorsement])))
    signed = sign_credential(
        ours, key, verification_method=did_key_verification_method(key.public), proof="both"
    )
    found.append(("ours, signed", dict(signed.json)))
    older = _clone(ours)  # without the one term 3.0.3 added that we use
    del older["credentialSubject"]["achievement"]["inLanguage"]
    found.append(("ours, VC 1.1 + context-3.0.3.json", _vc11(ours, OB3)))
    for ob in (OB302, OB301, OB300):
        found.append((f"ours, VC 1.1 + {ob.rsplit('/', 1)[1]}", _vc11(older, ob)))
    variant = _clone(older)  # (3.0.1 and 3.0.0 redefine protected VC 2.0 terms)
    variant["@context"][1] = OB302
    found.append(("ours, context-3.0.2.json", variant))
    found.append(
        (
            "status list credential",
            bsl.status_list_credential(
                list_url="https://school.example/status/1",
                issuer=issuer,
                status_list=bsl.BitstringStatusList(),
                purpose="revocation",
                valid_from=ISSUED,
            ),
        )
    )
    for path in sorted(VECTORS.rglob("*.json")):
        document = _json(path)
        if isinstance(document, dict) and "@context" in document:
            name = str(path.relative_to(VECTORS))
            found.append((name, document))
            if "proof" in document:
                found.append((f"{name}, no proof", _without_proof(document)))
    return tuple(found)


# --- the vocabulary mutations draw on -----------------------------------------------------


@cache
def vocabulary() -> tuple[list[str], list[str]]:
    """Every term any bundled context defines (in any scope), and those that name types."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if not key.startswith("@"):
                    names.add(key)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for url in standards.bundled_urls():
        document = standards.load_document(url)
        if isinstance(document, dict) and "@context" in document:
            walk(document["@context"])
    for _, seed in seeds():
        walk({k: v for k, v in seed.items() if k != "@context"})
    ordered = sorted(names)
    return ordered, [n for n in ordered if n[:1].isupper()]


UNKNOWN_KEYS = [
    "sneaky",
    "Name",
    "nme",
    "name ",
    " name",
    "",
    "ex:prop",
    "xsd:string",
    "schema:name",
    "https://example.org/prop",
    "http://schema.org/name",
    "urn:x:p",
    "_:p",
    "did:example:p",
    "cred:issuer",
    "sec:proof",
    "obi:narrative",
    "dc:title",
    "a b",
    "ID",
    "Type",
    "types",
]
KEYWORD_KEYS = [
    "@id",
    "@type",
    "@value",
    "@language",
    "@graph",
    "@included",
    "@reverse",
    "@nest",
    "@index",
    "@list",
    "@set",
    "@json",
    "@context",
    "@vocab",
    "@base",
    "@foo",
    "@",
]
IRI_VALUES = [
    "relative/path",
    "/abs/path",
    "//other.example/x",
    "#frag",
    "?q=1",
    "",
    ".",
    "..",
    "_:b0",
    "_:",
    "_:a b",
    "urn:x",
    "urn:uuid:3f1e6d2c-9a8b-4c7d-8e6f-5a4b3c2d1e0f",
    "did:example:123",
    "did:key:z6Mk",
    "https://a b",
    "https://x.example/\n",
    "https://x.example/\t",
    " https://x.example/",
    "https://x.example/ ",
    "a,b:c",
    "1ab:c",
    "+a:b",
    "a+b.c-d:e",
    "xsd:string",
    "xsd:",
    "ob:foo",
    "schema:x",
    "cred:x",
    "sec:x",
    "dc:x",
    "obi:x",
    "@id",
    "@foo",
    "@",
    "https:",
    "https:x",
    "mailto:ona@example.org",
    "HTTP://X.EXAMPLE",
    "tel:+370",
    "https://relative-iri.invalid/x",
    "https://relative-iri.invalid",
    "https://relative-iri.invalid/",
    "ftp://x.example/",
    "https://x.example/ü",
    "https://x.example/%20",
    "x:y:z",
    "Profile",
    "Achievement",
    "name",
    "id",
    "type",
    "VerifiableCredential",
    "https://example.org/T",
]
LITERALS: list[Any] = [
    "plain text",
    "",
    0,
    1,
    -1,
    1.5,
    1e300,
    True,
    False,
    None,
    "2026-09-01T08:00:00Z",
]


# --- mutations ----------------------------------------------------------------------------


def _nodes(
    document: Any, path: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Every JSON object in the document (not inside @context), with its path."""
    if isinstance(document, dict):
        yield path, document
        for key, value in document.items():
            if key != "@context":
                yield from _nodes(value, (*path, key))
    elif isinstance(document, list):
        for index, item in enumerate(document):
            yield from _nodes(item, (*path, index))


def _value(rng: random.Random, depth: int = 0) -> Any:
    known, types = vocabulary()
    roll = rng.random()
    if roll < 0.3:
        return rng.choice(IRI_VALUES)
    if roll < 0.5:
        return rng.choice(LITERALS)
    if roll < 0.6:
        return [rng.choice(IRI_VALUES + LITERALS) for _ in range(rng.randint(0, 3))]
    if roll < 0.65:
        return [[rng.choice(IRI_VALUES)]]
    if depth > 1:
        return rng.choice(LITERALS)
    node: dict[str, Any] = {}
    if rng.random() < 0.6:
        node["type"] = rng.choice([rng.choice(types), [rng.choice(types)], rng.choice(IRI_VALUES)])
    if rng.random() < 0.5:
        node["id"] = rng.choice(IRI_VALUES)
    for _ in range(rng.randint(0, 3)):
        node[rng.choice(known + UNKNOWN_KEYS[:4])] = _value(rng, depth + 1)
    return node


def _inline_context(rng: random.Random) -> Any:
    return rng.choice(
        [
            {"name": "https://example.org/name"},  # a protected term redefined
            {"id": "@id", "type": "@type"},  # protected, and the same: allowed
            {"sneaky": "https://example.org/sneaky"},
            {"@vocab": "https://example.org/vocab#"},
            {"@protected": True, "x": {"@id": "https://example.org/x", "@type": "@id"}},
            None,
            [None],
            VC2,
            OB3,
            EXT,
            "https://evil.example/ctx",
            [VC2, {"sneaky": "https://example.org/sneaky"}],
            {"@base": "https://example.org/"},
            {"Profile": {"@id": "https://example.org/P", "@context": {"x": "https://e.org/x"}}},
            *CONTEXT_LISTS,
        ]
    )


CONTEXT_LISTS: list[Any] = [
    [VC2, OB3],
    [VC2, OB3, EXT],
    [VC2, OB302],
    [VC2, OB302, EXT],
    [VC2, OB301],
    [VC2, OB300],
    [VC1, OB3],
    [VC1, OB3, EXT],
    [VC1, OB301],
    [VC1, OB300, EXT],
    [VC2, OB3, DI2],
    [VC2, OB3, EXT, DI2],
    [VC2, OB3, UNDEFINED_TERMS],
    [VC2, UNDEFINED_TERMS],
    [VC2, EXAMPLES],
    [VC2, CLR201, OB3],
    [VC2, CLR200, OB301],
    [OB3, VC2],
    [VC2],
    [OB3],
    [VC2, OB3, OB3],
    [VC2, VC2, OB3],
    [VC2, OB3, STATUS_V1],
    [VC1, OB3, STATUS_V1],
    [VC2, OB2],
    [OB2],
    [VC1, VC2, OB3],
    [VC2, OB3, "https://evil.example/ctx"],
    VC2,
    [],
    [VC2, OB3, {"sneaky": "https://example.org/sneaky"}],
    [VC2, OB3, standards.ACHIEVEMENT_CREDENTIAL_SCHEMA],
]


@cache
def transplants() -> dict[str, list[tuple[str, Any]]]:
    """For each type, the (key, value) pairs nodes of that type have in the seeds."""
    found: dict[str, list[tuple[str, Any]]] = {}
    for _, seed in seeds():
        for _, node in _nodes({k: v for k, v in seed.items() if k != "@context"}):
            for type_ in _as_list(node.get("type")):
                if isinstance(type_, str):
                    found.setdefault(type_, []).extend(
                        (k, v) for k, v in node.items() if k not in ("@context", "type")
                    )
    return found


GOOD_IRIS = [
    "https://school.example/x",
    "urn:uuid:00000000-0000-4000-8000-000000000001",
    "did:example:456",
    "did:web:school.example",
    "_:b1",
    "mailto:ona@example.org",
    "https://school.example/a#b",
    "http://example.com/p?q=1",
    "tag:school.example,2026:x",
]


def mutate(document: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """One to three random edits of a copy of ``document``: some keep it valid (new
    values for its properties, keys its types have elsewhere), most break it somewhere."""
    document = _clone(document)
    known, types = vocabulary()
    for _ in range(rng.choices([1, 2, 3], [65, 25, 10])[0]):
        nodes = list(_nodes(document))
        _, node = rng.choice(nodes)
        op = rng.randrange(19)
        if op == 0:  # an unknown key, at any depth
            node[rng.choice(UNKNOWN_KEYS)] = _value(rng)
        elif op == 1:  # a key defined somewhere, perhaps not in this scope
            node[rng.choice(known)] = _value(rng)
        elif op == 2:  # another type: unknown, from another scope, or not an IRI
            choice = rng.choice([rng.choice(types), rng.choice(IRI_VALUES), "Unheard"])
            shape = rng.randrange(6)
            node["type"] = (
                choice
                if shape == 0
                else [choice]
                if shape == 1
                else [*_as_list(node.get("type")), choice]
                if shape == 2
                else None
                if shape == 3
                else []
                if shape == 4
                else [choice, 7]
            )
        elif op == 3:  # drop a key (a dropped type changes the scope of the others)
            if node:
                node.pop(
                    "type" if "type" in node and rng.random() < 0.5 else rng.choice(list(node))
                )
        elif op == 4:  # an IRI where one is expected, or anywhere
            strings = [k for k, v in node.items() if isinstance(v, str) and k != "@context"]
            target = rng.choice(strings) if strings else "id"
            node[target] = rng.choice(IRI_VALUES)
        elif op == 5:  # a literal, null, list or object in place of a value
            if node:
                node[rng.choice([k for k in node if k != "@context"] or ["id"])] = _value(rng)
        elif op == 6:  # move a subtree under another key (keys used in another scope)
            _, other = rng.choice(nodes)
            if other is not document:
                node[rng.choice(known)] = copy.deepcopy(other)
        elif op == 7:  # an embedded context
            node["@context"] = _inline_context(rng)
        elif op == 8:  # a keyword spelled out
            keyword = rng.choice(KEYWORD_KEYS)
            node[keyword] = rng.choice(
                [rng.choice(IRI_VALUES), {"@value": "x"}, [], {}, rng.choice(types), None]
            )
        elif op == 9:  # the document's own contexts
            document["@context"] = _clone(rng.choice(CONTEXT_LISTS))
        elif op == 10:  # a value object or a reference in place of a value
            if node:
                key = rng.choice([k for k in node if k != "@context"] or ["name"])
                node[key] = rng.choice(
                    [
                        {"@value": "x", "@language": "en"},
                        {"@value": "x", "@type": "xsd:string"},
                        {"@id": rng.choice(IRI_VALUES)},
                        {"id": rng.choice(IRI_VALUES)},
                        {"@list": ["x"]},
                        {"@set": ["x"]},
                    ]
                )
        elif op == 11:  # the identifier is not a string
            node["id"] = rng.choice([1, None, ["urn:x"], {"id": "urn:x"}, True])
        elif op == 12:  # wrap or unwrap a value
            if node:
                key = rng.choice(list(node))
                value = node[key]
                node[key] = value[0] if isinstance(value, list) and value else [value]
        elif op == 13:  # an aliased keyword written as the keyword
            if "type" in node:
                node["@type"] = node.pop("type")
            elif "id" in node:
                node["@id"] = node.pop("id")
            else:
                node["type"] = rng.choice(types)
        elif op in (14, 15):  # a key nodes of this type have elsewhere (mostly valid)
            pairs = [
                p
                for t in _as_list(node.get("type"))
                if isinstance(t, str)
                for p in transplants().get(t, [])
            ]
            if pairs:
                key, value = rng.choice(pairs)
                node[key] = copy.deepcopy(value)
        elif op == 16:  # another absolute IRI (valid wherever an IRI is)
            strings = [
                k for k, v in node.items() if isinstance(v, str) and k not in ("@context", "type")
            ]
            if strings:
                node[rng.choice(strings)] = rng.choice(GOOD_IRIS)
        elif op == 17:  # another literal where text was
            strings = [
                k
                for k, v in node.items()
                if isinstance(v, str) and k not in ("@context", "type", "id")
            ]
            if strings:
                node[rng.choice(strings)] = rng.choice(LITERALS)
        else:  # one of the document's nodes again, in a list
            lists = [k for k, v in node.items() if isinstance(v, list) and v]
            if lists:
                key = rng.choice(lists)
                node[key] = [*node[key], copy.deepcopy(rng.choice(node[key]))]
    return document


def _as_list(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


# the tests that read the corpus (here and in test_compiled.py) run in one pytest-xdist
# worker: it is made once per process, in about ten seconds of pyld's strict expansion
CORPUS_WORKER = pytest.mark.xdist_group("terms-corpus")


@cache
def corpus() -> tuple[tuple[str, dict[str, Any], bool], ...]:
    """Seeds and generated documents, each with strict expansion's verdict.

    Mutants are drawn mostly from documents strict expansion accepts (the seeds, then
    accepted mutants), so that many are one small defect away from valid, until there
    are enough of both verdicts.
    """
    rng = random.Random(20261123)
    found: list[tuple[str, dict[str, Any], bool]] = []
    for name, seed in seeds():
        found.append((name, seed, strict_ok(seed)))
        for contexts in CONTEXT_LISTS:
            variant = {**seed, "@context": contexts}
            found.append((f"{name} with @context {contexts}", variant, strict_ok(variant)))
    valid = [doc for _, doc, ok in found if ok]
    anything = [doc for _, doc, _ in found]
    accepted = refused = 0
    for i in range(8000):
        if accepted >= 1400 and refused >= 1600:
            break
        base = rng.choice(valid if rng.random() < 0.85 else anything)
        mutant = mutate(base, rng)
        ok = strict_ok(mutant)
        found.append((f"mutant {i}", mutant, ok))
        if ok:
            accepted += 1
            valid.append(mutant)
        else:
            refused += 1
    return tuple(found)


def disagreements(
    loader: FrozenDocumentLoader, *, first_only: bool = False
) -> list[tuple[str, dict[str, Any]]]:
    """Documents the fast check accepts although strict expansion refuses them (only those
    strict expansion refuses can be one, so only they are put to the fast check)."""
    found = []
    for name, document, ok in corpus():
        if not ok and context_certainly_ok(_clone(document), loader):
            found.append((name, document))
            if first_only:
                break
    return found


def fast_verdicts(loader: FrozenDocumentLoader) -> list[bool]:
    """The fast check's answer on every document of the corpus, in its order."""
    return [context_certainly_ok(_clone(document), loader) for _, document, _ in corpus()]


# --- the tests ----------------------------------------------------------------------------


@CORPUS_WORKER
@pytest.mark.slow
def test_never_ok_where_strict_expansion_refuses() -> None:
    fast = fast_verdicts(FrozenDocumentLoader())
    wrong = [
        (name, document)
        for (name, document, ok), certain in zip(corpus(), fast, strict=True)
        if certain and not ok
    ]
    assert not wrong, (
        f"{len(wrong)} documents, e.g. {wrong[0][0]}: {json.dumps(wrong[0][1])[:2000]}"
    )
    # The corpus is not trivial: strict expansion refuses many and accepts many, and the
    # fast check settles most of what strict expansion accepts (so it is really tested).
    verdicts = [ok for _, _, ok in corpus()]
    assert len(verdicts) > 4000
    assert verdicts.count(False) > 2000
    assert verdicts.count(True) > 1500
    assert sum(fast) > 0.65 * verdicts.count(True)


def test_the_fast_path_takes_every_example() -> None:
    """Every example credential, vector and issued badge (with proofs, endorsements,
    status entries, VC 1.1 and older OB contexts) is settled without pyld."""
    loader = FrozenDocumentLoader()
    for name, document in seeds():
        assert strict_ok(document), name
        assert context_certainly_ok(document, loader), name


def test_the_fast_path_takes_known_context_combinations() -> None:
    loader = FrozenDocumentLoader()
    ours = build_credential("did:example:issuer")
    for contexts in ([VC2, OB3, EXT], [VC2, OB3, EXT, DI2], [VC2, OB3, EXT, STATUS_V1]):
        document = {**ours, "@context": contexts}
        assert strict_ok(document) and context_certainly_ok(document, loader), contexts
    plain = build_credential("did:example:issuer", extensions=False)
    for contexts in ([VC2, OB3], [VC2, OB3, DI2], [VC2, OB3, UNDEFINED_TERMS]):
        document = {**plain, "@context": contexts}
        assert strict_ok(document) and context_certainly_ok(document, loader), contexts
    document = _vc11(ours, OB3)
    assert strict_ok(document) and context_certainly_ok(document, loader)


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda d: d.update(sneaky=1), "an undefined key"),
        (
            lambda d: d["credentialSubject"]["achievement"].update(identityHash="x"),
            "a key of another scope",
        ),
        (lambda d: d["issuer"].pop("type"), "an untyped profile: its keys are out of scope"),
        (
            lambda d: d["credentialSubject"]["achievement"].update(type=["Unheard"]),
            "an undefined type",
        ),
        (lambda d: d["issuer"].update(id="schools/1"), "a relative identifier"),
        (
            lambda d: d["credentialSubject"]["achievement"]["image"].update(id="img.png"),
            "a relative @id value",
        ),
        (
            lambda d: d["credentialSubject"]["achievement"].update({"@context": [VC2, OB301]}),
            "an embedded context in conflict",
        ),
        (
            lambda d: d.update({"@context": [VC2, OB3, {"name": "urn:n"}]}),
            "a protected term redefined",
        ),
        (
            lambda d: d.update({"@context": [VC2, OB301, EXT]}),
            "OB 3.0.1 redefines protected VC 2.0 terms",
        ),
        (
            lambda d: d.update(type=["VerifiableCredential", "OpenBadgeCredential", "_:b"]),
            "a blank node type",
        ),
        (
            lambda d: d["credentialSubject"]["achievement"].update(image="pics/1.png"),
            "a relative reference",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_cases_it_must_not_settle(edit: Callable[[dict[str, Any]], None], reason: str) -> None:
    document = build_credential("did:example:issuer")
    assert context_certainly_ok(document, FrozenDocumentLoader())
    edit(document)
    assert not strict_ok(document), reason
    assert not context_certainly_ok(document, FrozenDocumentLoader()), reason


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (
            lambda d: d["credentialSubject"]["achievement"].update({"@context": {"x": "urn:x"}}),
            "an inline context",
        ),
        (lambda d: d.update(name={"@value": "x", "@language": "en"}), "a value object"),
        (lambda d: d["credentialSubject"].update(result=[[]]), "nested arrays"),
        (lambda d: d["issuer"].update({"@type": "Profile"}), "two type keys"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_cases_it_leaves_to_strict_expansion(
    edit: Callable[[dict[str, Any]], None], reason: str
) -> None:
    """Valid JSON-LD the walk does not model: "don't know", and expand_strict decides."""
    document = build_credential("did:example:issuer")
    edit(document)
    assert strict_ok(document), reason
    assert not context_certainly_ok(document, FrozenDocumentLoader()), reason


def _accept_any_key(monkeypatch: pytest.MonkeyPatch) -> None:
    original = terms._Term.__init__

    def init(self: Any, processor: Any, ctx: Any, key: str) -> None:
        original(self, processor, ctx, key)
        if self.kind == terms._DROPPED:
            self.kind = terms._PROPERTY

    monkeypatch.setattr(terms._Term, "__init__", init)


def _accept_any_identifier(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(terms._State, "id_ok", lambda self, value: True)


def _accept_any_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(terms._State, "type_ok", lambda self, value: True)


def _ignore_type_scopes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys are looked up in the document's contexts, not the type-scoped ones: a key
    defined for one type passes everywhere."""
    monkeypatch.setattr(terms._State, "with_types", lambda self, types: self)
    original = terms._Compiled.__init__

    def init(self: Any, loader: Any, contexts: Any) -> None:
        original(self, loader, contexts)
        if self.root is None:
            return
        # pretend every type-scoped term is in the document's contexts
        merged = dict(self.root.ctx["mappings"])
        for mapping in list(merged.values()):
            scoped = mapping.get("@context") if mapping else None
            if isinstance(scoped, dict):
                try:
                    state = self.process(self.root, scoped, propagate=True, override_protected=True)
                except terms._Unsure:
                    continue
                for key, value in state.mappings.items():
                    merged.setdefault(key, value)
        self.root = terms._State(self, {**self.root.ctx, "mappings": merged})

    monkeypatch.setattr(terms._Compiled, "__init__", init)


def _no_revert(monkeypatch: pytest.MonkeyPatch) -> None:
    """Type-scoped contexts leak into nested objects (they do not propagate in JSON-LD)."""
    monkeypatch.setattr(terms._State, "previous", lambda self: self)


def _embedded_contexts_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(terms._State, "with_context", lambda self, contexts: self)


def _coercion_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """Values of ``"@type": "@id"`` terms are not read as identifiers."""
    original = terms._Slot.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if self.kind == terms._PROPERTY:
            self.coerce = 0

    monkeypatch.setattr(terms._Slot, "__init__", init)


@CORPUS_WORKER
@pytest.mark.slow
@pytest.mark.parametrize(
    "break_it",
    [
        _accept_any_key,
        _accept_any_identifier,
        _accept_any_type,
        _ignore_type_scopes,
        _no_revert,
        _embedded_contexts_ignored,
        _coercion_ignored,
    ],
)
def test_a_broken_checker_is_caught(
    break_it: Callable[[pytest.MonkeyPatch], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The corpus is strong enough: each of these bugs makes the fast check accept a
    document strict expansion refuses."""
    corpus()  # computed with the real checker not involved
    break_it(monkeypatch)
    assert disagreements(FrozenDocumentLoader(), first_only=True)


def test_identifier_and_type_expansion_agree_with_pyld() -> None:
    """The walk's own IRI expansion (its hot path, for every identifier and type) gives
    pyld's answer wherever it gives one, and passes only what strict expansion keeps."""
    loader = FrozenDocumentLoader()
    for _, seed in seeds():  # reach the active contexts of every scope the examples use
        context_certainly_ok(seed, loader)
    context_certainly_ok(
        {"@context": [VC2, UNDEFINED_TERMS], "type": "VerifiableCredential"}, loader
    )  # a context with @vocab
    every = [
        state
        for compiled in terms._BY_LOADER[loader]._data.values()
        for state in compiled._states.values()
    ]
    with_prefixes = [s for s in every if any(m and m["_prefix"] for m in s.mappings.values())]
    with_vocab = [s for s in every if s.vocab is not None]
    assert with_prefixes and with_vocab
    rng = random.Random(7)
    states = rng.sample(every, 12) + rng.sample(with_prefixes, 6) + with_vocab[:2]
    known, types = vocabulary()
    prefixes = [
        "",
        "",
        "xsd:",
        "cred:",
        "sec:",
        "schema:",
        "_:",
        "did:",
        "https:",
        "https://",
        "http://",
        "urn:",
        "ob:",
        "obi:",
        "cred:",
        "sec:",
        "dc:",
        "@",
        "a,b:",
        "1a:",
        "+a:",
        "a b:",
        "xsd",
        *known[:40],
        *types[:20],
    ]
    alphabet = "ab:/_@#?., \n\t+-1é"
    checked = 0
    for state in states:
        processor = state.compiled.processor
        for _ in range(1000):
            value = rng.choice(prefixes) + "".join(
                rng.choice(alphabet) for _ in range(rng.randint(0, 5))
            )
            pyld_id = processor._expand_iri(state.ctx, value, base=RELATIVE_BASE)
            pyld_vocab = processor._expand_iri(state.ctx, value, base=RELATIVE_BASE, vocab=True)
            for vocab, theirs in ((False, pyld_id), (True, pyld_vocab)):
                ours = state._expand(value, vocab)
                if ours is not None:
                    assert ours == theirs, (value, vocab)
                    checked += 1
            if state.id_ok(value):
                assert isinstance(pyld_id, str), value
                assert pyld_id.startswith("_:") or _is_absolute(pyld_id), value
            if state.vocab_id_ok(value):
                assert isinstance(pyld_vocab, str), value
                assert pyld_vocab.startswith("_:") or _is_absolute(pyld_vocab), value
            if state.type_ok(value):
                assert isinstance(pyld_vocab, str) and _is_absolute(pyld_vocab), value
    assert checked > 5000


def test_bad_input_is_never_ok_and_never_raises() -> None:
    loader = FrozenDocumentLoader()
    for document in (
        None,
        [],
        "x",
        1,
        {},
        {"@context": None},
        {"@context": [1]},
        {"@context": [{}]},
        {"@context": "https://evil.example/"},
        {"@context": [VC2], 1: "x"},
    ):
        assert context_certainly_ok(document, loader) is False
    deep: dict[str, Any] = {"@context": [VC2, OB3], "type": "VerifiableCredential"}
    node = deep
    for _ in range(200):
        node["credentialSubject"] = {"type": "AchievementSubject"}
        node = node["credentialSubject"]
    assert context_certainly_ok(deep, loader) is False


def test_verifier_reports_context_failures_as_before() -> None:
    """A refused credential still gets expand_strict's explanation."""
    document = build_credential("did:example:issuer")
    document["credentialSubject"]["sneaky"] = "x"
    report = Verifier().verify(document, now=NOW)
    check = report.check("context")
    assert check.outcome.value == "failed"
    assert "sneaky" in (check.detail or "")


def test_extra_documents_of_a_loader_are_respected() -> None:
    """A loader may map a URL to its own document: the compiled contexts are the loader's."""
    url = "https://school.example/ctx"
    permissive = FrozenDocumentLoader(
        {url: {"@context": {"motto": "https://school.example/motto"}}}
    )
    strict = FrozenDocumentLoader({url: {"@context": {}}})
    document = {"@context": url, "id": "urn:x", "motto": "Learn"}
    assert context_certainly_ok({**document, "@context": [VC2, url]}, permissive)
    assert strict_ok({**document, "@context": [VC2, url]}, permissive)
    assert not context_certainly_ok({**document, "@context": [VC2, url]}, strict)
    assert not strict_ok({**document, "@context": [VC2, url]}, strict)


def test_concurrent_first_use_agrees() -> None:
    """Threads racing to build the same compiled contexts all get the right answers."""
    loader = FrozenDocumentLoader()
    documents = [doc for _, doc in seeds()]
    bad = build_credential("did:example:issuer")
    bad["credentialSubject"]["achievement"]["sneaky"] = 1
    documents.append(bad)
    expected = [strict_ok(doc) for doc in documents]
    results: list[list[bool]] = []
    barrier = threading.Barrier(8)

    def run() -> None:
        barrier.wait()  # all start together
        results.append([context_certainly_ok(doc, loader) for doc in documents])

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    for answers in results:
        assert answers == expected


def test_compiled_contexts_are_built_once_under_contention(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Threads that first meet a context combination together build it once, and all
    use that one (each used to build its own and run pyld on it alongside the others)."""
    built: list[tuple[str, ...] | str] = []
    original = terms._Compiled

    class SlowCompiled(original):  # type: ignore[misc, valid-type]
        def __init__(self, loader: FrozenDocumentLoader, contexts: Any) -> None:
            built.append(contexts)
            time.sleep(0.05)  # a slow first build: every other thread arrives meanwhile
            super().__init__(loader, contexts)

    monkeypatch.setattr(terms, "_Compiled", SlowCompiled)
    loader = FrozenDocumentLoader()
    document = build_credential("did:example:issuer")
    threads_count = 6
    barrier = threading.Barrier(threads_count)
    answers: list[bool] = []
    compiled: list[Any] = []

    def run() -> None:
        barrier.wait()
        answers.append(context_certainly_ok(document, loader))
        compiled.append(terms._compiled(loader, tuple(document["@context"])))

    threads = [threading.Thread(target=run) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [True] * threads_count
    assert built == [tuple(document["@context"])]
    assert all(c is compiled[0] for c in compiled)


def test_undefined_keys_are_read_as_pyld_reads_them() -> None:
    """A key an active context does not define is expanded without pyld
    (``terms._undefined_iri``): the same term pyld's own lookup gives, in every active
    context the examples reach, for undefined words, compact IRIs (known and unknown
    prefixes), absolute IRIs, blank node identifiers and keys defined only elsewhere."""
    from pyld import jsonld as pyld_jsonld

    loader = FrozenDocumentLoader()
    for _, seed in seeds():
        context_certainly_ok(seed, loader)
    context_certainly_ok(
        {"@context": [VC2, UNDEFINED_TERMS], "type": "VerifiableCredential"}, loader
    )  # a context with @vocab
    states = [
        state
        for compiled in terms._BY_LOADER[loader]._data.values()
        for state in compiled._states.values()
    ]
    elsewhere = sorted({key for state in states for key in state.mappings})
    keys = [
        *UNKNOWN_KEYS,
        *elsewhere,
        "sec:proofValue",
        "xsd:string",
        "schema:name",
        "cred:issuer",
        "nope:thing",
        "https://example.org/term",
        "urn:x:y",
        "_:b0",
        "a//b",
        "x://y",
        "ex:",
        "a b:c",
        "1a:b",
    ]
    compared = 0
    for state in states:
        processor = state.compiled.processor
        get = pyld_jsonld.JsonLdProcessor.get_context_value
        for key in keys:
            if terms._undefined_iri(state.ctx, key) is None:
                continue
            ours = terms._Term(state.compiled, state.ctx, key)
            iri = processor._expand_iri(state.ctx, key, vocab=True)
            assert ours.iri == iri, (key, ours.iri, iri)
            assert ours.type == get(state.ctx, key, "@type")
            assert ours.language == get(state.ctx, key, "@language")
            assert ours.scoped is None and get(state.ctx, key, "@context") is None
            assert get(state.ctx, key, "@container") is None and ours.plain
            compared += 1
    assert compared > 1000
