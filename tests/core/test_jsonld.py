"""Canonicalisation against the specifications' own vectors, and its guards."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from cachetools import LRUCache

from badges.errors import CanonicalizationError, ContextError
from badges.jsonld import canonicalize, expand_strict
from badges.jsonld.loader import FrozenDocumentLoader
from badges.jsonld.terms import context_certainly_ok
from badges.keys import KeyPair
from badges.proofs import add_data_integrity_proof, verify_data_integrity_proof
from badges.proofs.eddsa_rdfc_2022 import hash_data
from badges.resolve import KeyResolver
from badges.timeutil import parse_datetime
from badges.verification import Verifier
from tests.conftest import VECTORS, build_credential

W3C = VECTORS / "eddsa-rdfc-2022"
OB = VECTORS / "ob-v3p0"


def _json(path):
    return json.loads(path.read_text())


def test_w3c_eddsa_rdfc_2022_vector_byte_for_byte() -> None:
    unsigned = _json(W3C / "unsigned.json")
    proof_config = _json(W3C / "proofConfigDataInt.json")
    assert canonicalize(unsigned) == (W3C / "canonDocDataInt.txt").read_text()
    assert canonicalize(proof_config) == (W3C / "proofCanonDataInt.txt").read_text()
    doc_hash = hashlib.sha256(canonicalize(unsigned).encode()).hexdigest()
    assert doc_hash == (W3C / "docHashDataInt.txt").read_text().strip()
    signed = _json(W3C / "signedDataInt.json")
    combined = hash_data(unsigned, signed["proof"])
    assert combined.hex() == (W3C / "combinedHashDataInt.txt").read_text().strip()

    key = KeyPair.from_ed25519_multibase(_json(W3C / "keyPair.json")["privateKeyMultibase"])
    ours = add_data_integrity_proof(
        unsigned,
        key,
        verification_method=signed["proof"]["verificationMethod"],
        created=parse_datetime(signed["proof"]["created"]),
    )
    assert ours["proof"][0]["proofValue"] == signed["proof"]["proofValue"]
    assert ours["proof"][0]["proofValue"] == (W3C / "sigBTC58DataInt.txt").read_text().strip()
    verify_data_integrity_proof(signed, signed["proof"], key.public)


def test_ob_v3_implementation_guide_vector() -> None:
    credential = _json(OB / "credential.json")
    hashes = _json(OB / "hashes.json")
    proof = _json(OB / "proof.json")
    assert canonicalize(credential) == (OB / "document-canon.txt").read_text()
    assert hash_data(credential, proof).hex() == hashes["dataToSignHex"]
    keys = _json(OB / "keys.json")
    key = KeyPair.from_ed25519_multibase("z" + _b58_of_seed(keys["privateKeyHex"]))
    ours = add_data_integrity_proof(
        credential,
        key,
        verification_method=proof["verificationMethod"],
        created=parse_datetime(proof["created"]),
    )
    assert ours["proof"][0]["proofValue"] == hashes["proofValue"]


def _b58_of_seed(private_hex: str) -> str:
    from badges.multibase import b58encode

    return b58encode(bytes.fromhex(private_hex)[:32])


def test_ob_vector_verifies_through_the_whole_pipeline() -> None:
    """The 1EdTech signed credential verifies with its controller document offline."""
    signed = _json(OB / "signed-credential.json")
    controller = _json(OB / "controller-document.json")
    resolver = KeyResolver(documents={"https://example.edu/issuers/565049": controller})
    report = Verifier(key_resolver=resolver).verify(
        signed, now=datetime(2026, 1, 1, tzinfo=UTC), check_status=False
    )
    assert report.check("proof").outcome.value == "passed", report.to_dict()["checks"]
    assert report.check("issuer").outcome.value == "passed"


def test_unknown_context_is_an_error_never_a_download() -> None:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://evil.example/ctx"],
        "name": "x",
    }
    with pytest.raises(ContextError, match="unknown JSON-LD context"):
        canonicalize(document)


def test_extra_documents_can_be_added_explicitly() -> None:
    loader = FrozenDocumentLoader(
        {"https://school.example/ctx": {"@context": {"motto": "https://school.example/motto"}}}
    )
    quads = canonicalize(
        {"@context": "https://school.example/ctx", "@id": "urn:x", "motto": "Learn"}, loader
    )
    assert quads == '<urn:x> <https://school.example/motto> "Learn" .\n'


@pytest.mark.parametrize(
    "document",
    [
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "sneaky": 1,
        },
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", "Unheard"],
        },
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": "relative/path",
            "type": "VerifiableCredential",
        },
    ],
    ids=["undefined-property", "undefined-type", "relative-id"],
)
def test_terms_that_would_be_dropped_are_refused(document) -> None:
    with pytest.raises(ContextError):
        expand_strict(document)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"@context": {"@version": 1.1}, "@id": "urn:x", "@type": "Unheard"},
            "the type 'Unheard' is not defined by any @context",
        ),
        (
            {"@context": {"name": "https://schema.org/name"}, "@id": "relative/path", "name": "x"},
            "the identifier 'relative/path' is not an absolute IRI",
        ),
    ],
    ids=["type", "identifier"],
)
def test_a_refusal_names_the_type_or_identifier_as_the_document_wrote_it(document, message):
    # strict expansion resolves relative IRIs against a placeholder base only to find them:
    # the reader is shown what they wrote, not the placeholder
    with pytest.raises(ContextError) as refused:
        expand_strict(document)
    assert refused.value.description == message


def _clique(size: int) -> dict:
    # Every blank node points at every other through the same predicate: all first-degree
    # hashes are equal, so RDFC-1.0 must explore permutations (a "poison graph").
    nodes = [{"@id": f"_:n{i}"} for i in range(size)]
    for i, node in enumerate(nodes):
        node["https://example.org/knows"] = [{"@id": f"_:n{j}"} for j in range(size) if j != i]
    return {"@graph": nodes}


def test_poison_graph_is_stopped_by_the_work_budget() -> None:
    with pytest.raises(CanonicalizationError, match=r"too interlinked|blank nodes"):
        canonicalize(_clique(12), max_n_degree_calls=200)


def test_too_many_blank_nodes_are_refused() -> None:
    document = {"@graph": [{"https://example.org/p": i} for i in range(600)]}
    with pytest.raises(CanonicalizationError, match="blank nodes"):
        canonicalize(document)


def test_shape_ignores_values_but_not_terms_types_or_iri_kinds():
    from badges.jsonld.shape import shape_key

    base = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "id": "urn:uuid:1",
        "name": "A",
        "validFrom": "2026-01-01T00:00:00Z",
    }
    same = {
        **base,
        "id": "https://school.example/c/2",
        "name": "B",
        "validFrom": "2020-01-01T00:00:00Z",
    }
    assert shape_key(base) == shape_key(same)
    for different in (
        {**base, "extra": "x"},  # another term
        {**base, "type": ["VerifiableCredential", "X"]},  # another type
        {**base, "id": "relative"},  # an IRI becomes relative
        {**base, "id": "_:b0"},  # a blank node
        {**base, "name": 5},  # another kind of value
        {**base, "@context": ["https://www.w3.org/ns/credentials/v2", "https://x.example"]},
    ):
        assert shape_key(different) != shape_key(base), different


class _WatchedCache(LRUCache[Any, Any]):
    """pyld's shared context cache, recording whether two threads ever use it at once.

    Each use lingers a moment so that, were pyld's calls not serialised, another thread
    would surely run inside it too (cachetools caches are not thread-safe: a concurrent
    eviction raises KeyError inside pyld, and a valid credential then fails).
    """

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize)
        self.inside: dict[int, int] = {}
        self.overlaps = 0
        self.uses = 0
        self._guard = threading.Lock()

    @contextmanager
    def _use(self) -> Iterator[None]:
        me = threading.get_ident()
        with self._guard:
            self.uses += 1
            if any(thread != me for thread in self.inside):
                self.overlaps += 1
            self.inside[me] = self.inside.get(me, 0) + 1
        time.sleep(0.001)
        try:
            yield
        finally:
            with self._guard:
                self.inside[me] -= 1
                if not self.inside[me]:
                    del self.inside[me]

    def __getitem__(self, key: Any) -> Any:
        with self._use():
            return super().__getitem__(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        with self._use():
            super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        with self._use():
            super().__delitem__(key)

    def __contains__(self, key: object) -> bool:
        with self._use():
            return super().__contains__(key)


def test_pyld_is_never_run_by_two_threads_at_once() -> None:
    """pyld's context caches are not thread-safe, so the threads of a verifier that
    expand, canonicalise and pre-check credentials at the same time take turns in pyld
    (this is what made test_terms' concurrent test fail now and then)."""
    loader = FrozenDocumentLoader()
    watched = _WatchedCache(maxsize=64)
    loader.context_cache = watched
    documents = [build_credential(f"did:example:issuer{i}") for i in range(4)]
    expected = [canonicalize(doc) for doc in documents]  # the default loader, one thread
    failures: list[BaseException] = []
    answers: dict[int, tuple[str, bool]] = {}
    barrier = threading.Barrier(len(documents))

    def run(index: int) -> None:
        barrier.wait()
        try:
            document = documents[index]
            answers[index] = (
                canonicalize(document, loader),
                context_certainly_ok(document, loader),
            )
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(documents))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert watched.uses > 0
    assert watched.overlaps == 0
    assert [answers[i] for i in range(len(documents))] == [(nq, True) for nq in expected]
