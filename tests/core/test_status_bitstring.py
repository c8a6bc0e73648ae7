"""Bitstring Status List, exactly: the bits, the encoding, the documents and every refusal.

Written to kill the mutants tests/mutation/run.py found alive in
badges/status/bitstring_status_list.py (tests/core/test_status.py checks the main paths).
The minimum list size (a short list refused) is left to tests/core/test_status.py: issue 18
changes that rule.
"""

from __future__ import annotations

import base64
import gzip
import re
import tracemalloc
import zlib
from datetime import UTC, datetime

import pytest

from badges import standards
from badges.errors import StatusError
from badges.status import bitstring_status_list as bsl

MIN = bsl.MIN_ENTRIES
URL = "https://s.example/status/revocation"


def refuses(message: str):
    return pytest.raises(StatusError, match=f"^{re.escape(message)}$")


def encoded(raw: bytes, *, prefix: str = "u") -> str:
    compressed = gzip.compress(raw, mtime=0)
    return prefix + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()


# -- the bits ----------------------------------------------------------------------------------


def test_a_list_has_at_least_the_minimum_in_whole_bytes():
    with refuses(f"a status list has at least {MIN} entries, in whole bytes"):
        bsl.BitstringStatusList(size=MIN - 8)
    with refuses(f"a status list has at least {MIN} entries, in whole bytes"):
        bsl.BitstringStatusList(size=MIN + 4)
    with refuses("the bitstring length does not match the list size"):
        bsl.BitstringStatusList(size=MIN, bits=bytearray(MIN // 8 + 1))
    assert len(bsl.BitstringStatusList(size=MIN + 8).bits) == MIN // 8 + 1


@pytest.mark.parametrize("index", [-1, MIN, MIN + 7, True, 1.0, "3", None])
def test_an_index_outside_the_list_is_refused_with_the_range(index):
    bits = bsl.BitstringStatusList()
    with refuses(f"status index {index!r} is outside the list (0–{MIN - 1})"):
        bits.get(index)
    with refuses(f"status index {index!r} is outside the list (0–{MIN - 1})"):
        bits.set(index)


def test_each_index_is_one_bit_most_significant_first():
    bits = bsl.BitstringStatusList()
    for index in (0, 7, 8, 100, 101, 111, MIN - 1):
        bits.set(index)
    expected = bytearray(MIN // 8)
    expected[0] = 0b1000_0001
    expected[1] = 0b1000_0000
    expected[12] = 0b0000_1100  # 100 and 101: bits 4 and 5 of byte 12
    expected[13] = 0b0000_0001  # 111: the last bit of byte 13
    expected[-1] = 0b0000_0001
    assert bits.bits == expected
    assert [bits.get(i) for i in (0, 1, 7, 8, 9, 99, 100, 101, 102, 111, MIN - 1)] == [
        True,
        False,
        True,
        True,
        False,
        False,
        True,
        True,
        False,
        True,
        True,
    ]
    assert bits.count() == 7


def test_clearing_a_bit_keeps_its_neighbours():
    bits = bsl.BitstringStatusList()
    for index in (16, 17, 23):
        bits.set(index)
    bits.set(17, False)
    assert bits.bits[2] == 0b1000_0001
    assert bits.get(16) and not bits.get(17) and bits.get(23)
    bits.set(17, False)  # clearing a clear bit changes nothing
    assert bits.bits[2] == 0b1000_0001 and bits.count() == 2


# -- the encoding ------------------------------------------------------------------------------


def test_the_encoding_is_deterministic_gzip_without_padding():
    bits = bsl.BitstringStatusList()
    bits.set(5)
    text = bits.encode()
    assert text.startswith("u") and "=" not in text
    compressed = base64.urlsafe_b64decode(text[1:] + "=" * (-len(text[1:]) % 4))
    assert compressed[:3] == b"\x1f\x8b\x08"  # gzip, deflate
    assert compressed[4:8] == b"\0\0\0\0", "no modification time: the same list, the same text"
    assert gzip.decompress(compressed) == bytes(bits.bits)
    assert text == encoded(bytes(bits.bits)) == bits.encode()


@pytest.mark.parametrize("value", [None, "", 7, b"uH4sI"])
def test_a_missing_encoded_list_is_refused(value):
    with refuses("encodedList is missing"):
        bsl.BitstringStatusList.decode(value)


def test_the_multibase_prefix_is_optional_for_status_list_2021():
    raw = bytes(MIN // 8)
    assert bsl.BitstringStatusList.decode(encoded(raw, prefix="")).bits == raw
    assert bsl.BitstringStatusList.decode(encoded(raw)).bits == raw


def test_a_text_longer_than_any_honest_list_is_refused_before_decoding():
    with refuses("encodedList is too large"):
        bsl.BitstringStatusList.decode("u" + "A" * (MIN + 1), max_entries=MIN)
    # exactly the largest: read on (and refused for what it is, not for its length)
    with refuses("encodedList is not gzip data"):
        bsl.BitstringStatusList.decode("u" + "A" * MIN, max_entries=MIN)


def test_text_that_is_not_base64url_is_refused():
    with refuses("encodedList is not base64url"):
        bsl.BitstringStatusList.decode("uAAAAA")  # 5 characters: no whole byte


def test_zlib_or_raw_deflate_data_is_not_gzip():
    raw = bytes(MIN // 8)
    for data in (zlib.compress(raw), zlib.compress(raw)[2:-4], b"not compressed at all"):
        text = "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode()
        with refuses("encodedList is not gzip data"):
            bsl.BitstringStatusList.decode(text)


def test_a_list_of_exactly_the_largest_size_is_read():
    size = MIN + 64
    raw = bytes(range(256)) * (size // 8 // 256) + bytes(size // 8 % 256)
    bits = bsl.BitstringStatusList.decode(encoded(raw), max_entries=size)
    assert bits.size == size and bits.bits == raw


@pytest.mark.parametrize("extra", [1, 2, 1000])
def test_a_list_larger_than_the_largest_is_refused(extra):
    size = MIN
    raw = bytes(size // 8 + extra)
    with refuses(f"the status list expands beyond {size // 8} bytes"):
        bsl.BitstringStatusList.decode(encoded(raw), max_entries=size)


def test_a_gzip_bomb_is_refused_without_expanding_it():
    bomb = encoded(bytes(32 * 1024 * 1024))  # 32 MiB of zeros, about 45 KB of text
    largest = 8 * MIN  # 128 KiB
    tracemalloc.start()
    try:
        with refuses(f"the status list expands beyond {largest // 8} bytes"):
            bsl.BitstringStatusList.decode(bomb, max_entries=largest)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, f"decoding took {peak} bytes"


# -- choosing an index -------------------------------------------------------------------------


def test_a_full_list_has_no_index():
    with refuses("the status list is full"):
        bsl.allocate_index(range(16), size=16)
    with refuses("the status list is full"):
        bsl.allocate_index(set(range(MIN)))


def test_the_index_is_always_a_free_one():
    used = {0, 1, 2, 3, 5, 8, 13}  # fewer than half of 16: drawn at random
    drawn = {bsl.allocate_index(used, size=16) for _ in range(200)}
    assert drawn and drawn.isdisjoint(used) and drawn <= set(range(16))
    assert all(isinstance(i, int) for i in drawn)
    used = set(range(16)) - {6, 11}  # more than half: chosen among the free
    assert {bsl.allocate_index(used, size=16) for _ in range(100)} <= {6, 11}


def test_used_indexes_may_be_any_iterable_with_repeats():
    # a list with repeats counts each index once: two of four used, not a full list
    assert bsl.allocate_index([0, 0, 1, 1], size=4) in (2, 3)
    assert bsl.allocate_index(iter([3, 2, 1]), size=4) == 0


# -- the documents -----------------------------------------------------------------------------


def test_the_status_entry():
    assert bsl.status_entry(URL, 42, "suspension") == {
        "id": f"{URL}#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "suspension",
        "statusListIndex": "42",
        "statusListCredential": URL,
    }
    with refuses("unsupported status purpose 'refresh'"):
        bsl.status_entry(URL, 1, "refresh")


def test_the_status_list_credential():
    bits = bsl.BitstringStatusList()
    bits.set(3)
    start = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    end = datetime(2027, 9, 1, 8, 0, tzinfo=UTC)
    credential = bsl.status_list_credential(
        list_url=URL,
        issuer="did:web:s.example",
        status_list=bits,
        purpose="revocation",
        valid_from=start,
        valid_until=end,
        ttl_ms=300_000,
    )
    assert credential == {
        "@context": [standards.VC_V2],
        "id": URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "did:web:s.example",
        "validFrom": "2026-09-01T08:00:00Z",
        "validUntil": "2027-09-01T08:00:00Z",
        "credentialSubject": {
            "id": f"{URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": bits.encode(),
            "ttl": 300_000,
        },
    }
    bare = bsl.status_list_credential(
        list_url=URL,
        issuer={"id": "did:web:s.example"},
        status_list=bits,
        purpose="suspension",
        valid_from=start,
    )
    assert "validUntil" not in bare and "ttl" not in bare["credentialSubject"]
    assert bare["issuer"] == {"id": "did:web:s.example"}
    assert bare["credentialSubject"]["statusPurpose"] == "suspension"


# -- reading an entry --------------------------------------------------------------------------

ENTRY = {
    "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation",
    "statusListIndex": "42",
    "statusListCredential": URL,
}


def test_an_entry_is_read():
    assert bsl.parse_entry(ENTRY) == bsl.EntryRef(URL, 42, "revocation")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (None, "not a BitstringStatusListEntry"),
        (["BitstringStatusListEntry"], "not a BitstringStatusListEntry"),
        ({**ENTRY, "type": "StatusList2021Entry"}, "not a BitstringStatusListEntry"),
        ({**ENTRY, "statusListCredential": ""}, "the status entry names no statusListCredential"),
        (
            {**ENTRY, "statusListCredential": [URL]},
            "the status entry names no statusListCredential",
        ),
        (
            {**ENTRY, "statusListIndex": 42},
            "statusListIndex 42 is not a non-negative integer string",
        ),
        (
            {**ENTRY, "statusListIndex": "-1"},
            "statusListIndex '-1' is not a non-negative integer string",
        ),
        ({**ENTRY, "statusPurpose": None}, "the status entry has no statusPurpose"),
        ({**ENTRY, "statusPurpose": ["revocation"]}, "the status entry has no statusPurpose"),
    ],
)
def test_a_malformed_entry_is_refused_saying_why(entry, message):
    with refuses(message):
        bsl.parse_entry(entry)


# -- reading a list credential -----------------------------------------------------------------


def list_credential(**changes):
    bits = bsl.BitstringStatusList()
    bits.set(42)
    credential = bsl.status_list_credential(
        list_url=URL,
        issuer="did:web:s.example",
        status_list=bits,
        purpose="revocation",
        valid_from=datetime(2026, 9, 1, tzinfo=UTC),
    )
    credential.update(changes)
    return credential


def entry(index: int = 42, purpose: str = "revocation") -> bsl.EntryRef:
    return bsl.EntryRef(URL, index, purpose)


def test_a_list_credential_is_read():
    bits = bsl.read_list_credential(list_credential(), entry())
    assert bits.get(42) and bits.count() == 1
    # StatusList2021 lists are read too, and a single type as a string
    assert bsl.read_list_credential(
        list_credential(type=["VerifiableCredential", "StatusList2021Credential"]), entry()
    ).get(42)
    assert bsl.read_list_credential(
        list_credential(type="BitstringStatusListCredential"), entry()
    ).get(42)


@pytest.mark.parametrize(
    ("credential", "message"),
    [
        ("a list", "the status list is not a JSON object"),
        (
            list_credential(type=["VerifiableCredential"]),
            "the status list is not a BitstringStatusListCredential",
        ),
        (
            list_credential(type="VerifiableCredential"),
            "the status list is not a BitstringStatusListCredential",
        ),
        (list_credential(type=None), "the status list is not a BitstringStatusListCredential"),
        (
            list_credential(credentialSubject=None),
            "the status list credential has no credentialSubject",
        ),
        (
            list_credential(credentialSubject=[{}]),
            "the status list credential has no credentialSubject",
        ),
    ],
    ids=["not-object", "no-type", "string-type", "none-type", "no-subject", "subject-list"],
)
def test_a_list_credential_of_the_wrong_shape_is_refused(credential, message):
    with refuses(message):
        bsl.read_list_credential(credential, entry())


def test_the_list_must_be_for_the_entrys_purpose():
    with refuses("the list is for 'revocation', the entry for 'suspension'"):
        bsl.read_list_credential(list_credential(), entry(purpose="suspension"))
    unnamed = list_credential()
    del unnamed["credentialSubject"]["statusPurpose"]
    with refuses("the list is for None, the entry for 'revocation'"):
        bsl.read_list_credential(unnamed, entry())


def test_a_bad_encoded_list_is_refused_with_its_reason():
    broken = list_credential()
    broken["credentialSubject"]["encodedList"] = ""
    with refuses("encodedList is missing"):
        bsl.read_list_credential(broken, entry())


def test_the_index_must_be_inside_the_list():
    assert not bsl.read_list_credential(list_credential(), entry(MIN - 1)).get(MIN - 1)
    with refuses(f"status index {MIN} is outside the list of {MIN}"):
        bsl.read_list_credential(list_credential(), entry(MIN))
    with refuses(f"status index {MIN + 1} is outside the list of {MIN}"):
        bsl.read_list_credential(list_credential(), entry(MIN + 1))


def test_a_list_of_one_byte_is_read_when_so_few_entries_are_allowed():
    short = bsl.BitstringStatusList(size=8, minimum=8)
    short.set(3)
    encoded = short.encode()
    read = bsl.BitstringStatusList.decode(encoded, min_entries=8)
    assert (read.size, read.minimum, read.below_minimum, read.get(3), read.get(2)) == (
        8,
        8,
        True,
        True,
        False,
    )
    message = "the status list has 8 entries, fewer than the minimum 9"
    with pytest.raises(StatusError, match=f"^{re.escape(message)}$"):
        bsl.BitstringStatusList.decode(encoded, min_entries=9)
    credential = {
        "type": ["VerifiableCredential", bsl.CREDENTIAL_TYPE],
        "credentialSubject": {"statusPurpose": "revocation", "encodedList": encoded},
    }
    entry = bsl.parse_entry(bsl.status_entry("https://s.example/status/1", 3))
    bits = bsl.read_list_credential(credential, entry)
    assert (bits.size, bits.get(3)) == (8, True)
