"""The hand-made fast paths of a VC-JWT verification answer exactly as what they replace.

Each is checked against the plain library call it stands for, on generated inputs that
reach its edges: the token sniff against its regular expression, base64url decoding
against ``base64.urlsafe_b64decode``, the date writer against ``strftime`` (years before
1000 included), and the compact-bytes JSON path against the text path.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from badges import jsonutil
from badges.errors import FormatError, InputTooLargeError
from badges.multibase import b64url_decode
from badges.proofs.vc_jwt import looks_like_jwt
from badges.timeutil import format_datetime

COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# the base64url alphabet, the dots, and characters near it that the sniff must refuse
TOKEN_CHARS = st.sampled_from(list("Az09-_..+/= \t\n\u00e9\u0660\x00\u2028"))


@settings(max_examples=3000, deadline=None)
@given(st.text(TOKEN_CHARS, max_size=12))
def test_looks_like_jwt_is_its_regular_expression(text: str) -> None:
    assert looks_like_jwt(text) is (COMPACT_JWS.fullmatch(text.strip()) is not None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a.b.c", True),
        ("a.b.", True),
        (" a.b.c\n", True),
        (".b.c", False),
        ("a..c", False),
        ("a.b.c.d", False),
        ("a.b", False),
        ("a.b.c=", False),
        ("\u00e9.b.c", False),
    ],
)
def test_looks_like_jwt_edges(text: str, expected: bool) -> None:
    assert looks_like_jwt(text) is expected


def _reference_b64(text: Any) -> Any:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        return "refused"


def _ours_b64(text: Any) -> Any:
    try:
        return b64url_decode(text)
    except FormatError:
        return "refused"


@settings(max_examples=3000, deadline=None)
@given(st.text(st.sampled_from(list("Az09-_+/=. \n\u00e9")), max_size=13))
def test_b64url_decode_is_urlsafe_b64decode(text: str) -> None:
    assert _ours_b64(text) == _reference_b64(text)


@pytest.mark.parametrize("value", [b"YWJj", None, 5, bytearray(b"YWJj")])
def test_b64url_decode_refuses_what_is_not_text(value: Any) -> None:
    assert _ours_b64(value) == _reference_b64(value) == "refused"


@settings(max_examples=2000, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.builds(timezone, st.integers(-1439, 1439).map(lambda m: timedelta(minutes=m))),
    )
)
def test_format_datetime_is_strftime(value: datetime) -> None:
    expected = value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert format_datetime(value) == expected


@pytest.mark.parametrize("year", [1, 999, 1000, 2025, 9999])
def test_format_datetime_years(year: int) -> None:
    value = datetime(year, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    assert format_datetime(value) == value.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_compact_bytes_keep_the_depth_limit() -> None:
    deep = b'{"a":' * 70 + b"1" + b"}" * 70
    assert jsonutil._compact_loads(deep) is not jsonutil._NOT_FAST
    with pytest.raises(InputTooLargeError, match="nested deeper"):
        jsonutil.loads(deep)
    assert jsonutil.loads(b'{"a":' * 60 + b"1" + b"}" * 60)


@pytest.mark.parametrize(
    "raw",
    [
        b'\xef\xbb\xbf{"a":1}',  # a byte order mark: read as the text path reads it
        b'{"a":"\\u00e9"}',  # an escape: left to the text path
        b'{"a": 1}',  # whitespace: not compact
        b'{"a":1,"a":1}',  # a duplicate that writes back shorter
        b'{"a":"\xff"}',  # not UTF-8
    ],
)
def test_compact_bytes_path_agrees_with_the_text_path(raw: bytes) -> None:
    def outcome(data: Any) -> Any:
        try:
            return jsonutil.loads(data)
        except FormatError as exc:
            return type(exc)

    try:
        text: Any = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        assert outcome(raw) is FormatError
        return
    assert outcome(raw) == outcome(text)
