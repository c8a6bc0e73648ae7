"""Other implementations' own test credentials, judged as their makers' tests judge them.

Issue 18. ``tests/fixtures/peer-suites/<project>/manifest.json`` lists, for each credential
taken from the test suite of the 1EdTech validator or of the Digital Credentials
Consortium (verifier-core and its shared vc-test-fixtures): where it comes from (repository,
path, commit, licence), the verdict the makers' own test asserts and why, and ours. Ours is
the makers' unless the Open Badges 3.0 specification requires otherwise; the entry then
names the sentence (``spec``: quote, section, URL). Every document a credential needs (status
lists, DID and controller documents, OB 2.0 badge classes and issuers) is served from a
loopback server the test starts; every other host name is refused by the resolver, so
nothing is fetched from the internet, and the test fails if anything was asked for.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from badges.baking import unbake
from badges.cli import main
from badges.errors import ImageError
from badges.fetch import Fetcher, FetchPolicy
from badges.resolve import KeyResolver
from badges.status import bitstring_status_list as bsl
from badges.timeutil import parse_datetime
from badges.verification import Outcome, Verdict, Verifier
from tests.conftest import Site

SUITES = Path(__file__).resolve().parents[1] / "fixtures" / "peer-suites"
PROJECTS = ("dcc", "1edtech")
MANIFESTS: dict[str, dict[str, Any]] = {
    project: json.loads((SUITES / project / "manifest.json").read_text(encoding="utf-8"))
    for project in PROJECTS
}
CASES = [
    pytest.param(project, entry, id=f"{project}:{entry['file']}")
    for project, manifest in MANIFESTS.items()
    for entry in manifest["fixtures"]
]


def _documents() -> list[tuple[str, Path]]:
    return [
        (doc["url"], SUITES / project / doc["file"])
        for project, manifest in MANIFESTS.items()
        for doc in manifest["documents"]
    ]


class Offline:
    """A resolver for the fetcher: loopback only; any other name is refused and noted."""

    def __init__(self) -> None:
        self.refused: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        if host == "127.0.0.1":
            return ["127.0.0.1"]
        self.refused.append(host)
        raise OSError(f"offline test: {host} is not resolved")


@pytest.fixture(scope="module")
def peer_site() -> Iterator[Site]:
    """Every document the fixtures need, at /<host><path> on one loopback server."""
    site = Site()
    for url, path in _documents():
        parts = urlsplit(url)
        site.raw(f"/{parts.hostname}{parts.path}", path.read_bytes())
    yield site
    site.close()


def _verifier(site: Site, offline: Offline) -> Verifier:
    hosts = sorted({urlsplit(url).hostname or "" for url, _ in _documents()})
    url_map = tuple((f"https://{host}/", f"{site.base}/{host}/") for host in hosts)
    fetcher = Fetcher(FetchPolicy(url_map=url_map, timeout=5.0, resolver=offline))
    return Verifier(fetcher=fetcher, key_resolver=KeyResolver(fetcher))


def _source(project: str, entry: dict[str, Any]) -> Any:
    path = SUITES / project / entry["file"]
    return path.read_bytes() if path.suffix == ".svg" else path.read_text(encoding="utf-8")


def _now(project: str) -> datetime:
    return parse_datetime(MANIFESTS[project]["now"])


def _first_failed(report: Any) -> str | None:
    return next((str(c.name) for c in report.checks if c.outcome is Outcome.FAILED), None)


# --- the manifests ------------------------------------------------------------------------


def test_at_least_fifty_fixtures_from_the_two_projects_each_listed_once():
    counts = {project: len(manifest["fixtures"]) for project, manifest in MANIFESTS.items()}
    assert sum(counts.values()) >= 50, counts
    assert all(count >= 10 for count in counts.values()), counts
    for project, manifest in MANIFESTS.items():
        listed = {entry["file"] for entry in manifest["fixtures"]}
        listed |= {doc["file"] for doc in manifest["documents"]}
        on_disk = {
            p.relative_to(SUITES / project).as_posix()
            for p in (SUITES / project).rglob("*")
            if p.is_file() and p.name != "manifest.json"
        }
        assert on_disk == listed, (project, on_disk ^ listed)


@pytest.mark.parametrize("project", PROJECTS)
def test_each_manifest_says_where_each_file_comes_from_and_under_what_licence(project):
    manifest = MANIFESTS[project]
    assert manifest["now"] and manifest["sources"]
    for repo, source in manifest["sources"].items():
        assert source["licence"] and source["url"].endswith(repo)
    for entry in manifest["fixtures"]:
        source = entry["source"]
        assert source["repo"] in manifest["sources"] and source["path"]
        assert len(source["commit"]) == 40, entry["file"]
        assert entry["makers"]["verdict"] in ("valid", "invalid") and entry["makers"]["asserted_by"]
    for doc in manifest["documents"]:
        assert doc["url"].startswith("https://")
        assert ("source" in doc) != ("constructed" in doc), doc  # copied, or said how it was made


@pytest.mark.parametrize("project", PROJECTS)
def test_every_verdict_of_ours_that_differs_quotes_the_specification(project):
    manifest = MANIFESTS[project]
    for entry in manifest["fixtures"]:
        ours, makers = entry["ours"], entry["makers"]
        if ours["verdict"] != makers["verdict"]:
            spec = manifest["spec"][ours["spec"]]
            assert spec["quote"] and spec["where"] and spec["url"].startswith("https://")
        else:
            assert "spec" not in ours, entry["file"]


# --- the verdicts -------------------------------------------------------------------------


@pytest.mark.parametrize(("project", "entry"), CASES)
def test_peer_fixture_is_judged_as_its_makers_or_the_specification_require(
    peer_site, project, entry
):
    offline = Offline()
    report = _verifier(peer_site, offline).verify(_source(project, entry), now=_now(project))
    ours = entry["ours"]
    checks = {c["name"]: c for c in report.to_dict()["checks"]}
    assert report.verdict is Verdict(ours["verdict"]), checks
    failed = ours.get("failed_check")
    assert _first_failed(report) == failed, checks
    if "format" in ours:  # read from a baked image with the standard SVG DOCTYPE
        assert checks["format"]["outcome"] == ours["format"], checks["format"]
    if "reason" in ours:
        assert checks[failed]["reason"] == ours["reason"], checks[failed]
    if ours.get("status") == "warning":  # a list below 131,072 entries: said, not refused
        status = checks["status"]
        assert status["outcome"] == "warning" and not status["undecided"], status
        assert "fewer than the 131,072" in status["detail"]
    elif ours["verdict"] == "valid":
        assert all(c["outcome"] != "warning" or c["name"] == "schema" for c in checks.values())
    assert offline.refused == [], "a document the fixture needs is not served"


def test_how_many_are_judged_as_their_makers_expect():
    agree = {
        project: sum(e["ours"]["verdict"] == e["makers"]["verdict"] for e in m["fixtures"])
        for project, m in MANIFESTS.items()
    }
    total = {project: len(m["fixtures"]) for project, m in MANIFESTS.items()}
    # the rest differ where the specification requires it (quoted in the manifests)
    assert agree == {"dcc": total["dcc"] - 5, "1edtech": total["1edtech"] - 3}, (agree, total)


def _entries_with(key: str) -> list[Any]:
    return [
        pytest.param(project, entry, id=f"{project}:{entry['file']}")
        for project, manifest in MANIFESTS.items()
        for entry in manifest["fixtures"]
        if key in entry["ours"]
    ]


@pytest.mark.parametrize(("project", "entry"), _entries_with("exit"))
def test_a_credential_that_is_not_an_open_badge_exits_1(capsys, project, entry):
    path = SUITES / project / entry["file"]
    code = main(["verify", str(path), "--now", MANIFESTS[project]["now"]])
    out = capsys.readouterr().out
    assert code == entry["ours"]["exit"] == 1 and "INVALID" in out


# --- what stays refused -------------------------------------------------------------------

DCC_LIST = "documents/e5WK8CbZ1GjycuPombrj.json"
REVOKED = "vc-test-fixtures/v1/bothSignatureTypes/didWeb/legacy-revokedStaus-noExpiry.json"
LIST_URL = (
    "https://digitalcredentials.github.io/vc-test-fixtures/statusLists/"
    "didkey-ed25519Signature2020/e5WK8CbZ1GjycuPombrj"
)


def _site_with(replaced: dict[str, bytes]) -> Site:
    site = Site()
    for url, path in _documents():
        parts = urlsplit(url)
        site.raw(f"/{parts.hostname}{parts.path}", replaced.get(url, path.read_bytes()))
    return site


def test_a_forged_short_status_list_is_refused_not_read():
    """The DCC list with its bits cleared (the revoked badge would pass): its proof fails."""
    forged = json.loads((SUITES / "dcc" / DCC_LIST).read_text())
    forged["credentialSubject"]["encodedList"] = bsl.BitstringStatusList(
        size=100_000, minimum=8
    ).encode()
    site = _site_with({LIST_URL: json.dumps(forged).encode()})
    try:
        offline = Offline()
        source = (SUITES / "dcc" / REVOKED).read_text()
        report = _verifier(site, offline).verify(source, now=_now("dcc"))
    finally:
        site.close()
    status = report.check("status")
    assert report.verdict is Verdict.INVALID
    assert status.outcome is Outcome.FAILED and "not trustworthy" in status.message
    assert "does not verify" in (status.detail or "")


def test_the_revoked_dcc_badge_is_revoked_through_a_list_of_another_issuer():
    offline = Offline()
    site = _site_with({})
    try:
        source = (SUITES / "dcc" / REVOKED).read_text()
        report = _verifier(site, offline).verify(source, now=_now("dcc"))
    finally:
        site.close()
    assert report.verdict is Verdict.INVALID and report.revoked
    assert report.check("status").message == "The issuer has revoked this badge."


def test_a_did_web_issuer_that_does_not_publish_the_key_is_refused():
    """The legacy did:web document without the key its credentials name."""
    url = "https://digitalcredentials.github.io/vc-test-fixtures/dids/legacy/did.json"
    document = json.loads((SUITES / "dcc" / "documents" / "did-web-legacy.json").read_text())
    other = "z6MkuL7x2mTEoBmUuuaQ2hvEUd2YsEtmsHeX9JzqJZ8VYaVH"
    for method in document["verificationMethod"]:
        method["publicKeyMultibase"] = other
    site = _site_with({url: json.dumps(document).encode()})
    try:
        source = (
            SUITES
            / "dcc"
            / "vc-test-fixtures/v1/bothSignatureTypes/didWeb/legacy-noStatus-noExpiry.json"
        ).read_text()
        report = _verifier(site, Offline()).verify(source, now=_now("dcc"))
    finally:
        site.close()
    assert report.verdict is Verdict.INVALID
    assert _first_failed(report) in ("proof", "issuer")


def test_the_1edtech_svg_with_an_entity_in_its_doctype_is_refused():
    svg = (SUITES / "1edtech" / "ob30" / "simple-json.svg").read_bytes()
    standard = b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
    assert standard in svg
    assert unbake(svg) is not None  # the standard DOCTYPE is read
    hostile = svg.replace(
        standard,
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" '
        b'[ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>',
    ).replace(b'"name": "Example University Degree"', b'"name": "&xxe;"')
    with pytest.raises(ImageError, match="DOCTYPE"):
        unbake(hostile)
    report = Verifier().verify(hostile, now=_now("1edtech"))
    assert report.verdict is Verdict.INVALID
    assert report.check("format").outcome is Outcome.FAILED
