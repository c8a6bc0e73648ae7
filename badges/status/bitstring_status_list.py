"""W3C Bitstring Status List v1.0: revocation and suspension bits in a signed list.

The list is a bitstring (index 0 is the most significant bit of the first byte),
GZIP-compressed and multibase base64url encoded (``u`` prefix) in ``encodedList``.
"""

from __future__ import annotations

import base64
import gzip
import re
import secrets
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .. import standards
from ..errors import FormatError, StatusError
from ..timeutil import format_datetime

MIN_ENTRIES = 131_072  # 16 KiB: the spec's minimum, for herd privacy
MAX_ENTRIES = 8 * 16 * 1024 * 1024  # 16 MiB decompressed at most
PURPOSES = ("revocation", "suspension")
ENTRY_TYPE = "BitstringStatusListEntry"
LIST_TYPE = "BitstringStatusList"
CREDENTIAL_TYPE = "BitstringStatusListCredential"

_INDEX = re.compile(r"[0-9]{1,12}")  # ASCII digits only: str.isdigit() takes "٣" and "²"


@dataclass
class BitstringStatusList:
    """A mutable bitstring of at least ``minimum`` entries (131,072 unless read with less).

    Lists we publish always have the specification's minimum; ``decode`` may be asked to
    read a shorter one (``min_entries``), which ``below_minimum`` then reports.
    """

    size: int = MIN_ENTRIES
    bits: bytearray = field(default_factory=bytearray)
    minimum: int = field(default=MIN_ENTRIES, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.size < max(self.minimum, 8) or self.size % 8:
            raise StatusError(f"a status list has at least {self.minimum} entries, in whole bytes")
        if not self.bits:
            self.bits = bytearray(self.size // 8)
        if len(self.bits) * 8 != self.size:
            raise StatusError("the bitstring length does not match the list size")

    @property
    def below_minimum(self) -> bool:
        """True for a list shorter than the specification's 131,072 entries (herd privacy)."""
        return self.size < MIN_ENTRIES

    def _locate(self, index: int) -> tuple[int, int]:
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < self.size:
            raise StatusError(f"status index {index!r} is outside the list (0–{self.size - 1})")
        return index // 8, 7 - index % 8

    def get(self, index: int) -> bool:
        """True when the bit at ``index`` is set."""
        byte, bit = self._locate(index)
        return bool(self.bits[byte] >> bit & 1)

    def set(self, index: int, value: bool = True) -> None:
        """Set (or clear) the bit at ``index``."""
        byte, bit = self._locate(index)
        if value:
            self.bits[byte] |= 1 << bit
        else:
            self.bits[byte] &= ~(1 << bit) & 0xFF

    def encode(self) -> str:
        """``encodedList``: ``u`` + base64url (no padding) of the gzip-compressed bits."""
        compressed = gzip.compress(bytes(self.bits), compresslevel=9, mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(
        cls, encoded: Any, *, max_entries: int = MAX_ENTRIES, min_entries: int = MIN_ENTRIES
    ) -> BitstringStatusList:
        """Read an ``encodedList``, refusing gzip bombs and lists below ``min_entries``.

        Raises StatusError.
        """
        if not isinstance(encoded, str) or not encoded:
            raise StatusError("encodedList is missing")
        text = encoded[1:] if encoded[0] == "u" else encoded  # StatusList2021 had no prefix
        if len(text) > max_entries:  # compressed can never be larger than this honestly
            raise StatusError("encodedList is too large")
        try:
            compressed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except ValueError as exc:
            raise StatusError("encodedList is not base64url") from exc
        limit = max_entries // 8
        decompressor = zlib.decompressobj(wbits=31)
        try:
            bits = decompressor.decompress(compressed, limit + 1)
        except zlib.error as exc:
            raise StatusError("encodedList is not gzip data") from exc
        if len(bits) > limit or decompressor.unconsumed_tail:
            raise StatusError(f"the status list expands beyond {limit} bytes")
        if len(bits) * 8 < max(min_entries, 8):
            raise StatusError(
                f"the status list has {len(bits) * 8} entries, fewer than the minimum {min_entries}"
            )
        return cls(size=len(bits) * 8, bits=bytearray(bits), minimum=min_entries)

    def count(self) -> int:
        """How many bits are set."""
        return sum(bin(b).count("1") for b in self.bits)


def allocate_index(used: Iterable[int] | set[int], size: int = MIN_ENTRIES) -> int:
    """A random index not yet used, so positions say nothing about issue order.

    Raises StatusError when the list is full.
    """
    taken = used if isinstance(used, set) else set(used)
    if len(taken) >= size:
        raise StatusError("the status list is full")
    if len(taken) < size // 2:
        while True:
            index = secrets.randbelow(size)
            if index not in taken:
                return index
    free = [i for i in range(size) if i not in taken]
    return free[secrets.randbelow(len(free))]


def status_entry(list_url: str, index: int, purpose: str = "revocation") -> dict[str, Any]:
    """A ``credentialStatus`` entry pointing at bit ``index`` of the list at ``list_url``."""
    if purpose not in PURPOSES:
        raise StatusError(f"unsupported status purpose {purpose!r}")
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    *,
    list_url: str,
    issuer: str | dict[str, Any],
    status_list: BitstringStatusList,
    purpose: str,
    valid_from: datetime,
    valid_until: datetime | None = None,
    ttl_ms: int | None = None,
) -> dict[str, Any]:
    """An unsigned BitstringStatusListCredential; sign it like any other credential."""
    subject: dict[str, Any] = {
        "id": f"{list_url}#list",
        "type": LIST_TYPE,
        "statusPurpose": purpose,
        "encodedList": status_list.encode(),
    }
    if ttl_ms is not None:
        subject["ttl"] = ttl_ms
    credential: dict[str, Any] = {
        "@context": [standards.VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": format_datetime(valid_from),
        "credentialSubject": subject,
    }
    if valid_until is not None:
        credential["validUntil"] = format_datetime(valid_until)
    return credential


@dataclass(frozen=True)
class EntryRef:
    """A parsed BitstringStatusListEntry."""

    list_url: str
    index: int
    purpose: str


def parse_entry(entry: Any) -> EntryRef:
    """Read a BitstringStatusListEntry. Raises StatusError for a malformed one."""
    if not isinstance(entry, dict) or entry.get("type") != ENTRY_TYPE:
        raise StatusError("not a BitstringStatusListEntry")
    url = entry.get("statusListCredential")
    if not isinstance(url, str) or not url:
        raise StatusError("the status entry names no statusListCredential")
    raw = entry.get("statusListIndex")
    if not isinstance(raw, str) or not _INDEX.fullmatch(raw):
        raise StatusError(f"statusListIndex {raw!r} is not a non-negative integer string")
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str):
        raise StatusError("the status entry has no statusPurpose")
    return EntryRef(url, int(raw), purpose)


def read_list_credential(credential: Any, entry: EntryRef) -> BitstringStatusList:
    """The bitstring of a (verified) status list credential, checked against the entry.

    A list shorter than the specification's 131,072 entries is read (its
    ``below_minimum`` is then true): the minimum protects the holders' herd privacy, a
    duty of the issuer, and says nothing of whether the entry's bit is set; the verifier
    reports it as a warning. Raises StatusError when its type, purpose or size do not fit.
    """
    if not isinstance(credential, dict):
        raise StatusError("the status list is not a JSON object")
    types = credential.get("type")
    types = types if isinstance(types, list) else [types]
    if CREDENTIAL_TYPE not in types and "StatusList2021Credential" not in types:
        raise StatusError("the status list is not a BitstringStatusListCredential")
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        raise StatusError("the status list credential has no credentialSubject")
    if subject.get("statusPurpose") != entry.purpose:
        raise StatusError(
            f"the list is for {subject.get('statusPurpose')!r}, the entry for {entry.purpose!r}"
        )
    try:
        bits = BitstringStatusList.decode(subject.get("encodedList"), min_entries=8)
    except FormatError as exc:
        raise StatusError(str(exc)) from exc
    if entry.index >= bits.size:
        raise StatusError(f"status index {entry.index} is outside the list of {bits.size}")
    return bits


__all__ = [
    "MIN_ENTRIES",
    "BitstringStatusList",
    "EntryRef",
    "allocate_index",
    "parse_entry",
    "read_list_credential",
    "status_entry",
    "status_list_credential",
]
