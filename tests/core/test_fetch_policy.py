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
    refused("[127.0.0.1]:80", "invalid IPv6 address '127.0.0.1'")
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
