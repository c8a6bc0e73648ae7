"""The verifier shows each endorsement a badge carries with its own outcome, and the API
reports them (checked against the OpenAPI document); a withdrawn one never fails the badge."""

from __future__ import annotations

from badges.model import EndorsementCredential, EndorsementSubject, Profile
from badges.status import bitstring_status_list as bsl
from tests.conftest import ISSUED, SCHOOL, SCHOOL_DID, build_credential
from tests.verifier.conftest import Api, School, page

ACHIEVEMENT_ID = "urn:uuid:7c1f3e4a-2b1d-4c6e-9f00-1a2b3c4d5e6f"


def _endorsement(school: School, number: int, index: int, name: str) -> dict:
    unsigned = EndorsementCredential(
        id=f"urn:uuid:9b0d2f6e-1c1d-4f1e-8e8e-{number:012d}",
        name=f"{name} endorses the badge",
        issuer=Profile(id=SCHOOL_DID, name=name),
        valid_from=ISSUED,
        credential_subject=EndorsementSubject(
            id=ACHIEVEMENT_ID, endorsement_comment=f"Endorsed by {name}."
        ),
        credential_status=[bsl.status_entry(f"{SCHOOL}/status/endorsements", index)],
    ).to_json()
    signed = school.sign(unsigned, proof="data-integrity").json
    assert signed is not None
    return signed


def test_each_endorsement_is_shown_with_its_outcome(school: School, client, api: Api):
    school.status_list("/status/endorsements", set_bits=(9,))
    active = _endorsement(school, 1, 4, "Lithuanian ASPnet Centre")
    withdrawn = _endorsement(school, 2, 9, "Baltic Sea Project")
    signed = school.sign(build_credential(SCHOOL_DID, endorsements=[active, withdrawn]))
    url = school.publish("endorsed", signed)["json"]

    report = api.get(url).get_json()
    assert report["verdict"] == "valid"
    assert [(e["endorser"], e["verdict"], e["withdrawn"]) for e in report["endorsements"]] == [
        ("Lithuanian ASPnet Centre", "valid", False),
        ("Baltic Sea Project", "invalid", True),
    ]
    response = client.post("/verify", data={"input": url})
    assert response.status_code == 200
    shown = page(response)
    assert shown.checks["Endorsements"] == "warning"
    html = response.get_data(as_text=True)
    assert "✔ verified</span> <strong>Lithuanian ASPnet Centre</strong>" in html
    assert "✘ withdrawn</span> <strong>Baltic Sea Project</strong>" in html
    assert "The endorser has withdrawn this endorsement." in html
