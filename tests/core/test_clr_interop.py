"""Our CLR 2.0 export in the independent Digital Bazaar stack (tests/peers/verify_ob3).

The record's eddsa-rdfc-2022 proof must verify in Digital Bazaar ``vc`` (and DCC
verifier-core, built on it), and so must every badge it carries, taken out as it is.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from badges.clr import clr_entries, entry_source
from tests.core.test_clr import badge, pathway_badge, record
from tests.peers import verify_many, verify_ob3

pytestmark = [pytest.mark.interop, pytest.mark.slow]


@pytest.fixture
def three(ed_key):
    """As test_clr's, with the JWT-only badge made with Ed25519: verify_ob3's did:key
    resolver knows no P-256 keys."""
    return [
        badge(ed_key).json,
        badge(ed_key, name="Peer mediation", proof="jwt").jwt,
        pathway_badge(ed_key),
    ]


def write(path: Path, content) -> Path:
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_the_record_and_each_badge_inside_verify_in_the_digital_bazaar_stack(
    tmp_path, three, ed_key
):
    clr = record(three, ed_key).json
    report = verify_ob3(write(tmp_path / "clr.json", clr))
    assert report["engines"]["dbz"]["verified"], report["errors"]
    assert report["engines"]["dcc"]["verified"], report["errors"]
    assert report["verified"], report["errors"]
    paths = []
    for number, entry in enumerate(clr_entries(clr), 1):
        source = entry_source(entry)
        name = f"inside-{number}.{'jwt' if isinstance(source, str) else 'json'}"
        paths.append(write(tmp_path / name, source))
    for path, inside in zip(paths, verify_many(paths), strict=True):
        assert inside["verified"], (path.name, inside["errors"])


def test_a_badge_tampered_inside_the_record_breaks_its_proof_there_too(tmp_path, three, ed_key):
    clr = copy.deepcopy(record(three, ed_key).json)
    clr["credentialSubject"]["verifiableCredential"][0]["name"] = "Forged"
    report = verify_ob3(write(tmp_path / "clr.json", clr))
    assert not report["engines"]["dbz"]["verified"]
    assert not report["verified"] and report["exit"] == 1
