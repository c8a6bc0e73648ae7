"""Canonicalisation against the specifications' own vectors, and its guards."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from badges.errors import CanonicalizationError, ContextError
from badges.jsonld import canonicalize, expand_strict
from badges.jsonld.loader import FrozenDocumentLoader
from badges.keys import KeyPair
from badges.proofs import add_data_integrity_proof, verify_data_integrity_proof
from badges.proofs.eddsa_rdfc_2022 import hash_data
from badges.resolve import KeyResolver
from badges.timeutil import parse_datetime
from badges.verification import Verifier
from tests.conftest import VECTORS

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
        credential, key, verification_method=proof["verificationMethod"],
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
    document = {"@context": ["https://www.w3.org/ns/credentials/v2", "https://evil.example/ctx"], "name": "x"}
    with pytest.raises(ContextError, match="unknown JSON-LD context"):
        canonicalize(document)


def test_extra_documents_can_be_added_explicitly() -> None:
    loader = FrozenDocumentLoader({"https://school.example/ctx": {"@context": {"motto": "https://school.example/motto"}}})
    quads = canonicalize({"@context": "https://school.example/ctx", "@id": "urn:x", "motto": "Learn"}, loader)
    assert quads == '<urn:x> <https://school.example/motto> "Learn" .\n'


@pytest.mark.parametrize(
    "document",
    [
        {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "sneaky": 1},
        {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential", "Unheard"]},
        {"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "relative/path", "type": "VerifiableCredential"},
    ],
    ids=["undefined-property", "undefined-type", "relative-id"],
)
def test_terms_that_would_be_dropped_are_refused(document) -> None:
    with pytest.raises(ContextError):
        expand_strict(document)


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

    base = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
            "id": "urn:uuid:1", "name": "A", "validFrom": "2026-01-01T00:00:00Z"}
    same = {**base, "id": "https://school.example/c/2", "name": "B", "validFrom": "2020-01-01T00:00:00Z"}
    assert shape_key(base) == shape_key(same)
    for different in (
        {**base, "extra": "x"},                        # another term
        {**base, "type": ["VerifiableCredential", "X"]},  # another type
        {**base, "id": "relative"},                     # an IRI becomes relative
        {**base, "id": "_:b0"},                         # a blank node
        {**base, "name": 5},                            # another kind of value
        {**base, "@context": ["https://www.w3.org/ns/credentials/v2", "https://x.example"]},
    ):
        assert shape_key(different) != shape_key(base), different
