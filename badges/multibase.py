"""base58btc, multibase and multicodec helpers used by Multikey and did:key."""

from __future__ import annotations

import base64
import binascii

from .errors import FormatError

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {ch: i for i, ch in enumerate(_ALPHABET)}
MAX_MULTIBASE_CHARS = 4096


def b58encode(data: bytes) -> str:
    """Bitcoin base58 encoding."""
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rem = divmod(number, 58)
        out.append(_ALPHABET[rem])
    leading = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Bitcoin base58 decoding. Raises FormatError for characters outside the alphabet."""
    if len(text) > MAX_MULTIBASE_CHARS:
        raise FormatError("base58 value is too long")
    number = 0
    for ch in text:
        try:
            number = number * 58 + _INDEX[ch]
        except KeyError:
            raise FormatError(f"invalid base58 character {ch!r}") from None
    leading = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading + body


def b64url_encode(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_URLSAFE = bytes.maketrans(b"-_", b"+/")


def b64url_decode(text: str) -> bytes:
    """base64url with or without padding. Raises FormatError for invalid input.

    ``base64.urlsafe_b64decode(text + padding)``, without its layers of calls: like it,
    characters outside the alphabet are skipped, and only a string is accepted."""
    try:
        data = text.encode("ascii")
        return binascii.a2b_base64(data.translate(_URLSAFE) + b"=" * (-len(data) % 4))
    except (ValueError, TypeError, AttributeError) as exc:
        raise FormatError("invalid base64url value") from exc


def multibase_encode_b58(data: bytes) -> str:
    """Multibase base58btc ('z' prefix)."""
    return "z" + b58encode(data)


def multibase_decode(text: str) -> bytes:
    """Decode a base58btc ('z') or base64url ('u') multibase value."""
    if not isinstance(text, str) or not text:
        raise FormatError("empty multibase value")
    if text[0] == "z":
        return b58decode(text[1:])
    if text[0] == "u":
        return b64url_decode(text[1:])
    raise FormatError(f"unsupported multibase prefix {text[0]!r}")


# multicodec varint prefixes
ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"
P256_PUB = b"\x80\x24"
