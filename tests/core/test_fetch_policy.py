"""The fetcher's address policy, exactly: which addresses are public, how allowlist entries
are read, and how URL prefixes and origins compare.

tests/core/test_fetch.py checks that private addresses are refused; a policy that refused
every address (or let a wrapped private one through) must fail here too. Written to kill
the mutants tests/mutation/run.py found alive in badges/fetch.py.
"""

from __future__ import annotations

import ipaddress
import re

import pytest

from badges import fetch


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001:82a::200e"],
)
def test_public_addresses_are_public(address):
    assert fetch._is_public_address(ipaddress.ip_address(address)) is True


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:0a00:0001::",  # 6to4 of 10.0.0.1
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # teredo
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        # refused by the module's own table where this Python's ipaddress flags miss them
        "192.88.99.1",  # the old 6to4 relay anycast
        "3fff::1",  # documentation (RFC 9637)
        # reserved by the IETF: only ipaddress's is_reserved refuses these
        "4000::1",
        "e000::1",
    ],
)
def test_private_and_wrapped_private_addresses_are_not(address):
    assert fetch._is_public_address(ipaddress.ip_address(address)) is False


def test_a_scoped_address_is_not_public():
    assert fetch._is_public_address(ipaddress.ip_address("2606:4700:4700::1111%eth0")) is False


def test_a_6to4_address_of_a_public_one_is_refused_by_its_network():
    # 2002::/16 wraps 93.184.216.34: public inside, but the prefix itself is not global
    wrapped = ipaddress.ip_address("2002:5db8:d822::1")
    assert wrapped.sixtofour == ipaddress.ip_address("93.184.216.34")
    assert fetch._is_public_address(wrapped) is bool(wrapped.is_global)


def refused(entry: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        fetch._parse_host_port(entry)


def test_allowlist_entries_are_normalised():
    assert fetch._parse_host_port(" 127.0.0.1:8765 ") == "127.0.0.1:8765"
    assert fetch._parse_host_port("Issuer.Example:443") == "issuer.example:443"
    assert fetch._parse_host_port("[::1]:8080") == "[::1]:8080"
    assert fetch._parse_host_port("[0:0:0:0:0:0:0:1]:1") == "[::1]:1"
    assert fetch._parse_host_port("localhost:65535") == "localhost:65535"


def test_bad_allowlist_entries_are_refused_saying_why():
    refused("[::1]8080", "expected [address]:port")
    refused("[::1]", "expected [address]:port")
    refused("[127.0.0.1]:80", "only IPv6 addresses go in brackets, not '127.0.0.1'")
    refused("[nonsense]:80", "invalid IPv6 address 'nonsense'")
    refused("localhost", "expected host:port")
    refused(":8080", "expected host:port")
    refused("::1:8080", "put IPv6 addresses in brackets: [address]:port")
    refused("localhost:0", "invalid port '0'")
    refused("localhost:65536", "invalid port '65536'")
    refused("localhost:http", "invalid port 'http'")
    refused("localhost:", "invalid port ''")
    assert fetch._parse_host_port("localhost:1") == "localhost:1"


def test_the_last_colon_separates_the_port():
    refused("a:b:80", "put IPv6 addresses in brackets: [address]:port")
    refused("[::1]:]:80", "invalid port ']:80'")  # the first "]:" closes the address


def test_origins_are_lower_cased_and_the_rest_kept():
    assert fetch._lower_origin("HTTPS://School.Example/Path?Q=A#F") == (
        "https://school.example/Path?Q=A#F"
    )
    assert fetch._lower_origin("https://School.Example?Q=A") == "https://school.example/?Q=A"
    assert fetch._lower_origin("https://School.Example#Top") == "https://school.example/#Top"
    assert fetch._lower_origin("https://School.Example") == "https://school.example/"
    assert fetch._lower_origin("HTTPS://A.Example/x://Y") == "https://a.example/x://Y"
    assert fetch._lower_origin("https://A.Example/p?x=/Y#/Z") == "https://a.example/p?x=/Y#/Z"
    assert fetch._lower_origin("no scheme At All") == "no scheme At All"
    assert fetch._lower_origin("https://X.example/a/b/c") == "https://x.example/a/b/c"


def test_a_prefix_matches_only_at_a_boundary():
    prefix = "https://school.example/badges"
    assert fetch._prefix_matches(prefix, prefix)
    for rest in ("/1", "?x=1", "#frag"):
        assert fetch._prefix_matches(prefix + rest, prefix)
    for rest in ("X", "x", "-2", "es", "XX"):
        assert not fetch._prefix_matches(prefix + rest, prefix)
    assert fetch._prefix_matches("https://school.example/badgesX", "https://school.example/")
    assert not fetch._prefix_matches("https://other.example/badges", prefix)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "refusing to fetch an empty URL"),
        (42, "refusing to fetch an empty URL"),
        ("https://[::1/x", "refusing to fetch an invalid URL"),
        ("//school.example/x", "refusing to fetch a URL without a scheme"),
        (
            "ftp://school.example/x",
            "refusing to fetch school.example: only https (or allowlisted http) is fetched",
        ),
        (
            "https://ona:secret@school.example/x",
            "refusing to fetch from school.example: URLs with user:password@ are not allowed",
        ),
        ("https:///x", "refusing to fetch a URL without a host"),
        (
            "https://bad_name!.example/x",
            "refusing to fetch from bad_name!.example: invalid host name 'bad_name!.example'",
        ),
    ],
)
def test_a_refused_url_says_why(url, message):
    with pytest.raises(fetch.FetchBlockedError, match=f"^{re.escape(message)}$"):
        fetch._parse_url(url)


def test_host_names_are_lower_cased_and_idna_encoded():
    assert fetch._normalize_host(" School.Example ") == "school.example"
    assert fetch._normalize_host("Škola.Example") == "xn--kola-f6a.example"
    assert fetch._normalize_host("::FFFF:7F00:1") == "::ffff:7f00:1"
    # a trailing dot (the DNS root) is kept, and the name before it is what is checked
    assert fetch._normalize_host("school.example.") == "school.example."
    assert fetch._normalize_host("a.") == "a."


def host_refused(host: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        fetch._normalize_host(host)


def test_bad_host_names_are_refused_saying_why():
    host_refused("  ", "empty host")
    host_refused(".", "invalid host name '.'")
    host_refused("school..example", "invalid host name 'school..example'")
    host_refused("-school.example.", "invalid host name '-school.example.'")
    host_refused("s!chool.example.", "invalid host name 's!chool.example.'")
    host_refused("bad name.example", "invalid host name 'bad name.example'")
    # not encodable as IDNA: an empty label between non-ASCII ones
    host_refused("škola..example", "invalid host name 'škola..example'")


def test_a_host_name_may_be_253_characters_long_not_more():
    longest = ".".join(["a" * 63] * 3 + ["b" * 61])
    assert len(longest) == 253
    assert fetch._normalize_host(longest) == longest
    assert fetch._normalize_host(longest + ".") == longest + "."
    host_refused(longest + "c", f"invalid host name {longest + 'c'!r}")
    host_refused(longest + "c.", f"invalid host name {longest + 'c.'!r}")


def test_a_url_is_split_into_what_is_fetched():
    assert fetch._parse_url("HTTPS://School.Example") == fetch._Url(
        "https", "school.example", 443, "/"
    )
    assert fetch._parse_url("http://school.example/x") == fetch._Url(
        "http", "school.example", 80, "/x"
    )
    assert fetch._parse_url("https://[::1]:8443/a:b@c/d;e=f,g?q=1&r=a/b?c") == fetch._Url(
        "https", "::1", 8443, "/a:b@c/d;e=f,g?q=1&r=a/b?c"
    )
    assert fetch._parse_url("https://school.example/é?q=é").target == "/%C3%A9?q=%C3%A9"
    assert fetch._parse_url("https://school.example:1/").port == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "https://school.example:0/",
            "refusing to fetch from school.example: invalid port 0",
        ),
        (
            "https://school.example:99999/",
            "refusing to fetch from school.example: invalid port",
        ),
        (
            "https://school.example/a b",
            "refusing to fetch from school.example: URL contains spaces or control characters",
        ),
    ],
)
def test_a_refused_port_or_character_says_why(url, message):
    with pytest.raises(fetch.FetchBlockedError, match=f"^{re.escape(message)}$"):
        fetch._parse_url(url)


def policy_refused(message: str, **kw) -> None:
    with pytest.raises(fetch.FetchError, match=f"^{re.escape(message)}$"):
        fetch.FetchPolicy(**kw)


def test_a_policy_refuses_bad_limits_saying_which():
    policy_refused("allowed_hosts must be a collection of host:port strings", allowed_hosts="a:1")
    policy_refused("fetch timeout must be a positive number, not 0", timeout=0)
    policy_refused("fetch max_bytes must be a positive integer, not 0", max_bytes=0)
    policy_refused("fetch max_redirects must be a non-negative integer, not -1", max_redirects=-1)
    assert fetch.FetchPolicy(max_bytes=1, max_redirects=0).max_bytes == 1


def test_a_bad_allowed_host_is_named_shortened_to_one_line():
    entry = "h" * 300 + ":80"
    reason = f"invalid host name {'h' * 300!r}"
    policy_refused(f"bad allowed host {entry[:79] + '…'!r}: {reason[:99]}…", allowed_hosts=[entry])
    policy_refused("bad allowed host 'localhost': expected host:port", allowed_hosts=["localhost"])


def test_a_bad_host_in_a_url_is_named_shortened():
    host = "h" * 100 + "!.example"
    message = f"refusing to fetch from {host[:79]}…: invalid host name {host!r}"
    with pytest.raises(fetch.FetchBlockedError, match=f"^{re.escape(message)}$"):
        fetch._parse_url(f"https://{host}/")


def test_a_policy_keeps_its_url_map_as_pairs_of_text():
    policy = fetch.FetchPolicy(url_map=[["https://school.example/", "/srv/school"]])
    assert policy.url_map == (("https://school.example/", "/srv/school"),)
    assert hash(policy) == hash(fetch.FetchPolicy(url_map=policy.url_map))
