"""jsonutil.loads: its orjson fast path must agree with the strict standard parse, always."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from badges import jsonutil
from badges.errors import FormatError, InputTooLargeError


def strict_reference(text: str) -> Any:
    """What loads must return: the standard parser, refusing duplicate keys and NaN."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        if len(keys) != len(set(keys)):
            raise FormatError("duplicate")
        return dict(pairs)

    def no_constants(name: str) -> Any:
        raise FormatError(name)

    return json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constants)


KEYS = [
    "id",
    "type",
    "name",
    "a",
    "b",
    "@context",
    "ключ",
    "\u00e9t\u00e9",
    "x y",
    'q"uote',
    "back\\slash",
]
LEAVES: list[Any] = [
    "text",
    "",
    "ünïcödé",
    "🎓",
    'say "hi"',
    "a\\b",
    "line\nbreak",
    "\u2028",
    0,
    -1,
    7,
    2**63 - 1,
    2**64 + 5,
    -(2**70),
    1.5,
    0.1,
    1e300,
    True,
    False,
    None,
    "https://school.example/a",
]


def random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 4 or roll < 0.45:
        return rng.choice(LEAVES)
    if roll < 0.7:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(KEYS): random_value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def render(value: Any, rng: random.Random) -> str:
    """JSON text of ``value`` in a random style, sometimes with a key written twice."""
    if isinstance(value, dict):
        items = list(value.items())
        if items and rng.random() < 0.15:
            items.insert(rng.randrange(len(items) + 1), (items[0][0], rng.choice(LEAVES)))
        space = rng.choice(["", " ", "\n  "])
        colon = rng.choice([":", ": ", " : ", ":\t"])
        body = ("," + space).join(
            f"{json.dumps(k, ensure_ascii=rng.random() < 0.2)}{colon}{render(v, rng)}"
            for k, v in items
        )
        return "{" + space + body + "}"
    if isinstance(value, list):
        return "[" + ", ".join(render(v, rng) for v in value) + "]"
    return json.dumps(value, ensure_ascii=rng.random() < 0.2)


def outcome(text: str, parse: Any) -> Any:
    try:
        return ("ok", parse(text))
    except (FormatError, ValueError) as exc:
        return ("error", type(exc).__name__ if isinstance(exc, FormatError) else "FormatError")


def test_loads_agrees_with_the_strict_parse_on_thousands_of_random_documents():
    rng = random.Random(20261130)
    seen_duplicates = seen_fast = 0
    for _ in range(4000):
        text = render({"root": random_value(rng)}, rng)
        expected = outcome(text, strict_reference)
        got = outcome(text, jsonutil.loads)
        if expected[0] == "error":
            seen_duplicates += 1
            assert got[0] == "error", text
        else:
            assert got == expected, text
            # same values and the same Python types (an int stays an int)
            assert json.dumps(got[1]) == json.dumps(expected[1]), text
        if jsonutil._fast_loads(text) is not jsonutil._NOT_FAST:
            seen_fast += 1
    # both paths were exercised, and duplicates were among the inputs
    assert seen_duplicates > 100 and seen_fast > 500, (seen_duplicates, seen_fast)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 1}',
        '{"a":1,"a":2}',
        '{"x": {"a":1,"b":{"a":3},"a":2}}',
        '{"a":1,"b":[{"c":1,"c":1}]}',
        '{"a" :1,"a":2}',  # a spaced key and a duplicate: the '":' count alone would be fooled
        '{"a":"\\":","a":2}',  # '":' inside an escaped string value
    ],
)
def test_duplicate_keys_are_refused_on_every_path(text):
    with pytest.raises(FormatError, match="twice"):
        jsonutil.loads(text)


def test_integers_beyond_64_bits_stay_exact():
    assert jsonutil.loads('{"n": 123456789012345678901234567890}') == {
        "n": 123456789012345678901234567890
    }


@pytest.mark.parametrize("text", ['{"a": NaN}', '{"a": Infinity}', '{"a": -Infinity}'])
def test_nan_and_infinity_are_refused(text):
    with pytest.raises(FormatError):
        jsonutil.loads(text)


def test_depth_is_limited_on_the_fast_path_too():
    text = '{"a":' * 70 + "1" + "}" * 70
    assert jsonutil._fast_loads(text) is not jsonutil._NOT_FAST
    with pytest.raises(InputTooLargeError, match="nested deeper"):
        jsonutil.loads(text)
    assert jsonutil.loads('{"a":' * 60 + "1" + "}" * 60)


# -- dumps: its orjson fast path writes what the standard encoder writes -----------------


def standard_dumps(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def test_dumps_writes_what_the_standard_encoder_writes_on_thousands_of_random_values():
    rng = random.Random(20261207)
    plain = 0
    for _ in range(4000):
        value = {"root": random_value(rng)}
        assert jsonutil.dumps(value) == standard_dumps(value), value
        plain += jsonutil.is_plain(value)
    assert plain > 500, plain  # the fast path was taken


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        {"a": {}, "b": [], "c": [[], {}]},
        {"s": '\x00\x01\x1f\x7f\u2028\u2029\ud7ff\ue000\U0010ffff "\\/\b\f\n\r\t'},
        {"lone surrogate": "\ud800"},
        {"big": 2**64 - 1, "bigger": 2**64, "small": -(2**63), "smaller": -(2**63) - 1},
        {"float": 1e16, "also": 0.1, "int-like": 1.0},
        {"bool": True, "none": None, "int": 0},
        {1: "an int key"},
        {"tuple": (1, 2)},
        {"deep": json.loads("[" * 70 + "]" * 70)},
    ],
)
def test_dumps_agrees_on_edge_values(value):
    assert jsonutil.dumps(value) == standard_dumps(value)


def test_dumps_of_subclasses_is_the_standard_encoders():
    class Text(str):
        pass

    class Number(int):
        pass

    value = {"a": Text("x"), "b": Number(3), "c": [True]}
    assert not jsonutil.is_plain(value)
    assert jsonutil.dumps(value) == standard_dumps(value)


def compact_render(value: Any, rng: random.Random) -> str:
    """Compact JSON (as a VC-JWT payload is written), sometimes with a key written twice."""
    if isinstance(value, dict):
        items = list(value.items())
        if items and rng.random() < 0.15:
            items.insert(rng.randrange(len(items) + 1), (items[0][0], rng.choice(LEAVES)))
        body = ",".join(
            f"{json.dumps(k, ensure_ascii=False)}:{compact_render(v, rng)}" for k, v in items
        )
        return "{" + body + "}"
    if isinstance(value, list):
        return "[" + ",".join(compact_render(v, rng) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def test_loads_of_compact_bytes_agrees_with_the_strict_parse():
    """Bytes written as orjson writes them skip the duplicate-key walk (written back, they
    are the same bytes): duplicates and inexact numbers must still be caught."""
    rng = random.Random(20261208)
    duplicates = 0
    for _ in range(4000):
        text = compact_render({"root": random_value(rng)}, rng)
        expected = outcome(text, strict_reference)
        got = outcome(text.encode(), jsonutil.loads)
        if expected[0] == "error":
            duplicates += 1
            assert got[0] == "error", text
        else:
            assert got == expected, text
            assert json.dumps(got[1]) == json.dumps(expected[1]), text
    assert duplicates > 100, duplicates


@pytest.mark.parametrize(
    "raw",
    [b'{"a":1,"a":1}', b'{"a":{"b":2,"b":2}}', b'{"n":18446744073709551621}', b'{"f":1e400}'],
)
def test_compact_bytes_with_duplicates_or_inexact_numbers(raw):
    expected = outcome(raw.decode(), strict_reference)
    assert outcome(raw, jsonutil.loads)[0] == expected[0]
    if expected[0] == "ok":
        assert json.dumps(jsonutil.loads(raw)) == json.dumps(expected[1])
