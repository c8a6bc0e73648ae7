"""The 1EdTech Revocation List, exactly: the documents we write and each rule of the lookup.

Written to kill the mutants tests/mutation/run.py found alive in
badges/status/revocation_list_1edtech.py (tests/core/test_status.py checks the main path).
"""

from __future__ import annotations

import re

import pytest

from badges.errors import StatusError
from badges.status import revocation_list_1edtech as rl

URL = "https://s.example/rl"
ISSUER = "did:web:s.example"


def lookup(document, credential_id="urn:uuid:a"):
    return rl.lookup(document, credential_id, list_url=URL, issuer_id=ISSUER)


def refused(document, message: str) -> None:
    with pytest.raises(StatusError, match=f"^{re.escape(message)}$"):
        lookup(document)


def test_the_status_entry_points_at_the_list():
    assert rl.status_entry(URL) == {"id": URL, "type": "1EdTechRevocationList"}


def test_the_list_we_publish():
    document = rl.revocation_list(
        list_url=URL,
        issuer_id=ISSUER,
        revoked=[("urn:uuid:a", "Plagiarised evidence"), ("urn:uuid:b", None), ("urn:uuid:c", "")],
    )
    assert document == {
        "id": URL,
        "issuer": ISSUER,
        "revokedCredentials": [
            {"id": "urn:uuid:a", "revoked": True, "revocationReason": "Plagiarised evidence"},
            {"id": "urn:uuid:b", "revoked": True},
            {"id": "urn:uuid:c", "revoked": True},
        ],
    }
    assert rl.revocation_list(list_url=URL, issuer_id=ISSUER, revoked=[]) == {
        "id": URL,
        "issuer": ISSUER,
        "revokedCredentials": [],
    }


@pytest.mark.parametrize("document", [None, [], "list", 3])
def test_a_list_that_is_not_an_object_is_refused(document):
    refused(document, "the revocation list is not a JSON object")


def test_the_issuer_named_as_an_object_counts():
    listed = {"id": URL, "issuer": {"id": ISSUER}, "revokedCredentials": ["urn:uuid:a"]}
    assert lookup(listed) == rl.Revocation(True, None)
    refused(
        {**listed, "issuer": {"id": "did:web:other.example"}},
        "the revocation list belongs to another issuer",
    )
    refused(
        {**listed, "issuer": "did:web:other.example"},
        "the revocation list belongs to another issuer",
    )
    # an issuer object without an id names nobody: not refused
    assert lookup({**listed, "issuer": {"name": "S"}}).revoked


def test_a_list_without_issuer_or_entries():
    assert lookup({"id": URL}) == rl.Revocation(False, None)
    assert lookup({}) == rl.Revocation(False, None)


@pytest.mark.parametrize("entries", [None, {"urn:uuid:a": True}, "urn:uuid:a", 1])
def test_entries_that_are_not_a_list_are_refused(entries):
    refused({"id": URL, "revokedCredentials": entries}, "revokedCredentials must be a list")


def test_a_list_of_exactly_the_maximum_is_read(monkeypatch):
    monkeypatch.setattr(rl, "MAX_LISTED", 3)
    entries = ["urn:uuid:x", "urn:uuid:y", "urn:uuid:a"]
    assert lookup({"revokedCredentials": entries}).revoked
    refused({"revokedCredentials": [*entries, "urn:uuid:z"]}, "revokedCredentials must be a list")


def test_an_entry_is_an_id_or_an_object():
    assert lookup({"revokedCredentials": ["urn:uuid:a"]}) == rl.Revocation(True, None)
    assert lookup({"revokedCredentials": [{"id": "urn:uuid:a"}]}) == rl.Revocation(True, None)
    # a string entry is an id, never a dict to read "revoked" or a reason from
    assert lookup({"revokedCredentials": ["urn:uuid:b", "urn:uuid:a"]}).revoked
    assert not lookup({"revokedCredentials": ["urn:uuid:b", 7, None]}).revoked


@pytest.mark.parametrize(
    ("flag", "revoked"),
    [(True, True), (False, False), (None, True), ("false", True), (0, True)],
)
def test_only_revoked_false_reinstates(flag, revoked):
    entry = {"id": "urn:uuid:a", "revoked": flag}
    found = lookup({"revokedCredentials": [entry]})
    assert found.revoked is revoked
    assert found == rl.Revocation(revoked, None)


def test_the_reason_is_kept_only_as_text():
    def reason(value):
        entry = {"id": "urn:uuid:a", "revocationReason": value}
        return lookup({"revokedCredentials": [entry]})

    assert reason("Plagiarised") == rl.Revocation(True, "Plagiarised")
    assert reason(["Plagiarised"]) == rl.Revocation(True, None)
    assert reason(None) == rl.Revocation(True, None)


def test_the_first_entry_for_the_credential_decides():
    entries = [{"id": "urn:uuid:a", "revoked": False}, {"id": "urn:uuid:a", "revoked": True}]
    assert lookup({"revokedCredentials": entries}) == rl.Revocation(False, None)


def test_not_listed_is_not_revoked():
    found = lookup({"revokedCredentials": [{"id": "urn:uuid:b", "revocationReason": "x"}]})
    assert found == rl.Revocation(False, None) and found.revoked is False


def test_a_list_whose_id_is_another_url_is_refused():
    listed = {"revokedCredentials": ["urn:uuid:a"]}
    refused(
        {**listed, "id": URL + "/other"}, "the revocation list's id is not the URL it came from"
    )
    refused({**listed, "id": 7}, "the revocation list's id is not the URL it came from")
    assert lookup({**listed, "id": URL}).revoked
    assert lookup({**listed, "ID": URL + "/other"}).revoked  # only "id" names the list
