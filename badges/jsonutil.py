"""Strict, bounded JSON parsing and the one canonical way this library writes JSON."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any

import orjson

from .errors import FormatError, InputTooLargeError

MAX_JSON_BYTES = 2 * 1024 * 1024
# A CLR 2.0 record carries whole badges (~4 KB each): 500 of them are ~2.1 MB of JSON. Only a
# ClrCredential may be larger than MAX_JSON_BYTES, up to this (badges.clr, verification).
MAX_RECORD_BYTES = 16 * 1024 * 1024
MAX_JSON_DEPTH = 64


def _reject_constant(name: str) -> Any:
    raise FormatError(f"JSON contains {name}, which is not valid JSON")


def _depth_exceeds(value: Any, max_depth: int) -> bool:
    # An iterative walk: deep input cannot exhaust the Python stack here.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


_NOT_FAST = object()
# Text the fast path leaves to the standard parser: any backslash (escapes, surrogates)
# and whitespace between a key and its colon; and, after parsing, any float (orjson reads
# integers beyond 64 bits as floats).
_KEY_SPACE = re.compile(r'"\s+:')


def _fast_loads(text: str, raw: bytes | None = None) -> Any:
    """orjson's parse when it provably equals the strict one, else ``_NOT_FAST``.

    orjson keeps the last of duplicate keys silently, so duplicates are ruled out by
    counting: in text with no backslash, a quote followed by a colon can only end a key
    (a quote inside a string would need escaping), so the number of '":' is the number
    of keys written; it equals the number of keys parsed only if none was repeated.
    """
    if "\\" in text or _KEY_SPACE.search(text):
        return _NOT_FAST
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _NOT_FAST  # the standard parser gives the message (or takes 1e400, BOMs...)
    if raw is not None and len(raw) < 1_000_000:
        # Compact JSON as orjson writes it (a VC-JWT's payload, usually): when writing the
        # value back gives the very same bytes, no key was dropped as a duplicate and no
        # number was read inexactly, with no walk.
        try:
            if orjson.dumps(value) == raw:
                return value
        except orjson.JSONEncodeError:
            pass
    # orjson gives exactly dict, list, str, int, bool, float and None: exact type tests,
    # and a plain loop (a generator per node costs more than the walk itself).
    kind = type(value)
    if kind is float:
        return _NOT_FAST
    keys = 0
    stack: list[Any] = [value] if kind is dict or kind is list else []
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        children: Iterable[Any]
        if type(node) is dict:
            keys += len(node)
            children = node.values()
        else:
            children = node
        for child in children:
            kind = type(child)
            if kind is dict or kind is list:
                push(child)
            elif kind is float:
                return _NOT_FAST
    if keys != text.count('":'):
        return _NOT_FAST
    return value


def _compact_loads(raw: bytes) -> Any:
    """orjson's parse of ``raw`` when writing it back gives the very same bytes (compact
    JSON as orjson writes it: a VC-JWT's payload, usually), else ``_NOT_FAST``.

    ``_fast_loads``'s first answer, straight from the bytes: text that writes back
    byte for byte has no whitespace, no duplicate key and no inexact number, and one with
    no backslash no escape either (those are left to ``_fast_loads`` and the standard
    parser, as a byte order mark is: orjson never writes one)."""
    if b"\\" in raw or len(raw) >= 1_000_000:
        return _NOT_FAST
    try:
        value = orjson.loads(raw)
        if orjson.dumps(value) == raw:
            return value
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        pass
    return _NOT_FAST


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise FormatError(f"JSON object has the key {key!r} twice")
        result[key] = value
    return result


def loads(
    data: str | bytes,
    *,
    max_bytes: int = MAX_JSON_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
) -> Any:
    """Parse JSON text with size and depth limits, refusing duplicate keys and NaN.

    Raises InputTooLargeError past the limits and FormatError for anything not JSON.
    """
    raw: bytes | None = None
    if isinstance(data, (bytes, bytearray)):
        if len(data) > max_bytes:
            raise InputTooLargeError(f"JSON is larger than {max_bytes} bytes")
        raw = bytes(data)
        value = _compact_loads(raw)
        if value is not _NOT_FAST:
            if raw.count(b"{") + raw.count(b"[") > max_depth and _depth_exceeds(value, max_depth):
                raise InputTooLargeError(f"JSON is nested deeper than {max_depth} levels")
            return value
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FormatError("JSON is not valid UTF-8") from exc
    else:
        text = data
        if len(text) > max_bytes:
            raise InputTooLargeError(f"JSON is larger than {max_bytes} bytes")
    value = _fast_loads(text, raw)
    if value is not _NOT_FAST:
        if text.count("{") + text.count("[") > max_depth and _depth_exceeds(value, max_depth):
            raise InputTooLargeError(f"JSON is nested deeper than {max_depth} levels")
        return value
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except FormatError:
        raise
    except RecursionError as exc:
        raise InputTooLargeError(f"JSON is nested deeper than {max_depth} levels") from exc
    except ValueError as exc:
        raise FormatError(f"not valid JSON: {exc}") from exc
    # Nesting can only exceed the limit when there are that many brackets at all.
    if text.count("{") + text.count("[") > max_depth and _depth_exceeds(value, max_depth):
        raise InputTooLargeError(f"JSON is nested deeper than {max_depth} levels")
    # A lone surrogate (raw, or escaped as "\\ud800") makes a string no UTF-8 can carry.
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise FormatError("JSON contains a lone surrogate, which is not text") from exc
    if _SURROGATE_ESCAPE.search(text):
        _refuse_lone_surrogates(value)
    return value


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _refuse_lone_surrogates(value: Any) -> None:
    try:
        orjson.dumps(value)  # refuses surrogates, at C speed
    except orjson.JSONEncodeError as exc:
        if "surrogate" in str(exc):
            raise FormatError("JSON contains a lone surrogate, which is not text") from exc
        _walk_for_lone_surrogates(value)  # orjson stopped early, e.g. at a huge integer


def _walk_for_lone_surrogates(value: Any) -> None:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise FormatError("JSON contains a lone surrogate, which is not text") from exc


def check_value(
    value: Any, *, max_depth: int = MAX_JSON_DEPTH, max_bytes: int = MAX_JSON_BYTES
) -> None:
    """Check that an already parsed value is JSON that ``loads`` would have accepted.

    For documents handed over as Python objects: raises FormatError for what JSON cannot
    carry (lone surrogates, non-JSON types) and InputTooLargeError past the depth limit.
    """
    try:
        text = orjson.dumps(value)
    except orjson.JSONEncodeError as exc:
        if "ecursion" in str(exc):
            raise InputTooLargeError(f"JSON is nested deeper than {max_depth} levels") from exc
        try:  # e.g. integers beyond 64 bits, which JSON itself allows
            text = json.dumps(value, ensure_ascii=False).encode("utf-8")
        except RecursionError as again:
            raise InputTooLargeError(f"JSON is nested deeper than {max_depth} levels") from again
        except (TypeError, ValueError) as again:
            raise FormatError(f"not JSON: {again}") from again
    if len(text) > max_bytes:
        raise InputTooLargeError(f"JSON is larger than {max_bytes} bytes")
    if text.count(b"{") + text.count(b"[") > max_depth and _depth_exceeds(value, max_depth):
        raise InputTooLargeError(f"JSON is nested deeper than {max_depth} levels")


def is_plain(value: Any) -> bool:
    """True when ``value`` holds only dicts with string keys, lists, strings, integers
    within 64 bits, booleans and None (exact types: no subclass, no float, whose text the
    two encoders write differently), nested at most MAX_JSON_DEPTH deep."""
    return _plain(value, 0)


def _plain(node: Any, depth: int) -> bool:
    # recursive (at most MAX_JSON_DEPTH deep), strings tested inline: most leaves are
    kind = type(node)
    if kind is dict:
        if depth >= MAX_JSON_DEPTH:
            return False
        for key, child in node.items():
            if type(key) is not str:
                return False
            if type(child) is not str and not _plain(child, depth + 1):
                return False
        return True
    if kind is list:
        if depth >= MAX_JSON_DEPTH:
            return False
        for child in node:
            if type(child) is not str and not _plain(child, depth + 1):
                return False
        return True
    if kind is int:
        return bool(-(2**63) <= node < 2**64)
    return kind is str or kind is bool or node is None


def dumps(value: Any, *, pretty: bool = True, plain: bool = False) -> str:
    """Serialise JSON the one way this library writes documents it signs or serves.

    ``plain``: the caller knows ``value`` is plain (``is_plain``: e.g. built from a plain
    template and text), so it is not walked again to check."""
    if pretty:
        if plain or is_plain(value):
            # orjson writes exactly what the standard encoder does for such values (the
            # tests compare them), several times faster: a class award stores thousands
            try:
                return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8")
            except orjson.JSONEncodeError:
                pass  # a lone surrogate, which only the standard encoder writes (escaped)
        return json.dumps(value, indent=2, ensure_ascii=False)
    return compact_bytes(value).decode("utf-8")


def compact_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON bytes (no spaces), as JWT payloads carry them.

    Raises FormatError for values JSON cannot carry exactly (e.g. integers beyond 64 bits).
    """
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        # orjson refuses integers beyond 64 bits; the standard encoder writes them exactly.
        try:
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
        except (TypeError, ValueError) as exc:
            raise FormatError(f"the value cannot be written as JSON: {exc}") from exc


def dumps_sorted(value: Any) -> bytes:
    """Compact, key-sorted JSON bytes: a stable form for hashes and cache keys."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        try:
            return json.dumps(
                value, separators=(",", ":"), ensure_ascii=False, sort_keys=True
            ).encode()
        except (TypeError, ValueError) as exc:
            raise FormatError(f"the value cannot be written as JSON: {exc}") from exc


def content_key(value: Any) -> bytes:
    """A SHA-256 of the value's sorted JSON: equal for equal documents, for memo caches."""
    return hashlib.sha256(dumps_sorted(value)).digest()
