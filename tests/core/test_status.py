"""Bitstring Status List and 1EdTech Revocation List, as data."""

from __future__ import annotations

import base64
import gzip

import pytest

from badges.errors import StatusError
from badges.status import bitstring_status_list as bsl
from badges.status import revocation_list_1edtech as rl
from tests.conftest import ISSUED


def test_bits_are_numbered_from_the_most_significant_bit():
    bits = bsl.BitstringStatusList()
    bits.set(0)
    bits.set(9)
    assert bits.bits[0] == 0b1000_0000 and bits.bits[1] == 0b0100_0000
    assert bits.get(0) and bits.get(9) and not bits.get(1)
    bits.set(9, False)
    assert not bits.get(9) and bits.count() == 1


def test_encode_decode_round_trip_with_multibase_prefix():
    bits = bsl.BitstringStatusList(size=bsl.MIN_ENTRIES * 2)
    for index in (0, 5, 131_071, 262_143):
        bits.set(index)
    encoded = bits.encode()
    assert encoded.startswith("u") and "=" not in encoded
    again = bsl.BitstringStatusList.decode(encoded)
    assert again.size == bits.size and again.bits == bits.bits
    # the W3C StatusList2021 predecessor wrote no multibase prefix
    assert bsl.BitstringStatusList.decode(encoded[1:]).bits == bits.bits


def test_the_w3c_spec_example_empty_list_decodes():
    # 16 KiB of zeros, compressed: the example encodedList of the Bitstring Status List spec
    encoded = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
    decoded = bsl.BitstringStatusList.decode(encoded)
    assert decoded.size == bsl.MIN_ENTRIES and decoded.count() == 0


def _encoded(raw: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(gzip.compress(raw)).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        (_encoded(bytes(1024)), "fewer than the minimum"),
        (_encoded(bytes(64 * 1024 * 1024)), "expands beyond"),
        ("u!!!not-base64", "base64url|gzip"),
        ("u" + base64.urlsafe_b64encode(b"plain bytes").decode(), "gzip"),
        ("", "missing"),
    ],
    ids=["too-short", "gzip-bomb", "bad-base64", "not-gzip", "empty"],
)
def test_bad_encoded_lists_are_refused(encoded, message):
    with pytest.raises(StatusError, match=message):
        bsl.BitstringStatusList.decode(encoded)


@pytest.mark.parametrize("index", [-1, bsl.MIN_ENTRIES, True, "3"])
def test_out_of_range_indexes(index):
    with pytest.raises(StatusError):
        bsl.BitstringStatusList().get(index)


def test_lists_below_the_minimum_cannot_be_made():
    with pytest.raises(StatusError):
        bsl.BitstringStatusList(size=1024)


def test_random_allocation_gives_distinct_unpredictable_indexes():
    used: set[int] = set()
    for _ in range(2000):
        used.add(bsl.allocate_index(used))
    assert len(used) == 2000
    assert max(used) > bsl.MIN_ENTRIES // 2, "indexes are spread over the list, not sequential"
    assert sorted(used) != list(range(2000))


def test_allocation_fills_a_nearly_full_list_and_then_stops():
    size = bsl.MIN_ENTRIES
    used = set(range(size - 3))
    for _ in range(3):
        used.add(bsl.allocate_index(used, size))
    assert len(used) == size
    with pytest.raises(StatusError, match="full"):
        bsl.allocate_index(used, size)


def test_entry_and_list_credential_shapes():
    entry = bsl.status_entry("https://school.example/status/1", 94567, "suspension")
    assert entry == {
        "id": "https://school.example/status/1#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "suspension",
        "statusListIndex": "94567",
        "statusListCredential": "https://school.example/status/1",
    }
    credential = bsl.status_list_credential(
        list_url="https://school.example/status/1",
        issuer="did:web:school.example",
        status_list=bsl.BitstringStatusList(),
        purpose="suspension",
        valid_from=ISSUED,
        ttl_ms=300000,
    )
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["credentialSubject"]["statusPurpose"] == "suspension"
    ref = bsl.parse_entry(entry)
    assert bsl.read_list_credential(credential, ref).size == bsl.MIN_ENTRIES
    with pytest.raises(StatusError, match=r"suspension|revocation"):
        bsl.read_list_credential(
            credential, bsl.parse_entry(bsl.status_entry("https://school.example/status/1", 1))
        )


@pytest.mark.parametrize("index", ["-1", "1e3", "", "12345678901234", 5])
def test_malformed_entries(index):
    entry = {**bsl.status_entry("https://s.example/l", 1), "statusListIndex": index}
    with pytest.raises(StatusError):
        bsl.parse_entry(entry)


def test_1edtech_revocation_list_lookup():
    document = rl.revocation_list(
        list_url="https://s.example/rl",
        issuer_id="did:web:s.example",
        revoked=[("urn:uuid:a", "Plagiarised evidence"), ("urn:uuid:b", None)],
    )
    assert document["revokedCredentials"][0] == {
        "id": "urn:uuid:a",
        "revoked": True,
        "revocationReason": "Plagiarised evidence",
    }
    found = rl.lookup(
        document, "urn:uuid:a", list_url="https://s.example/rl", issuer_id="did:web:s.example"
    )
    assert found.revoked and found.reason == "Plagiarised evidence"
    assert not rl.lookup(
        document, "urn:uuid:c", list_url="https://s.example/rl", issuer_id="did:web:s.example"
    ).revoked
    reinstated = {**document, "revokedCredentials": [{"id": "urn:uuid:a", "revoked": False}]}
    assert not rl.lookup(
        reinstated, "urn:uuid:a", list_url="https://s.example/rl", issuer_id="did:web:s.example"
    ).revoked
    with pytest.raises(StatusError, match="another issuer"):
        rl.lookup(
            document,
            "urn:uuid:a",
            list_url="https://s.example/rl",
            issuer_id="did:web:other.example",
        )
