"""Suspension: a badge's one status entry is for suspension when its organisation chose
the status method "bitstring-suspension"; such a badge can be suspended and restored, and
revoking it sets its suspension bit for good. Badges whose entry is for revocation cannot
be suspended. Checked through the status lists the issuer serves, by the core Verifier.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from badges import standards
from badges.schema import schema_errors
from badges.verification import Verdict
from issuer.errors import Conflict, SuspensionUnsupported
from issuer.models import Award, Organisation, StatusMethod
from issuer.services import status as status_service

from .api_helpers import ACHIEVEMENT, AWARDS, Api, audit_rows, token_for
from .conftest import BASE_URL, login, post


@pytest.fixture
def suspending(make_org):
    return make_org("riga-school", "Riga School", status_method="bitstring-suspension")


def _api_with_achievement(client, database, org) -> tuple[Api, str]:
    api = Api(client, token_for(database, org))
    created = api.post("/achievements", ACHIEVEMENT)
    assert created.status_code == 201
    return api, created.json["id"]


def _verdicts(make_verifier, award: dict) -> list[tuple[Verdict, str]]:
    """The verdict and status message for the URL, the JSON and the JWT of one badge."""
    results = []
    for source in (award["url"], award["credential"], award["credential_jwt"]):
        report = make_verifier().verify(source)
        results.append((report.verdict, report.check("status").message))
    return results


def test_a_badge_is_suspended_and_restored_through_the_served_status_list(
    client, database, suspending, make_user, make_verifier
):
    api, achievement_id = _api_with_achievement(client, database, suspending)
    award = api.post(
        AWARDS, {"name": "Ona", "email": "ona@pupils.example"}, achievement_id=achievement_id
    ).json
    keep = api.post(
        AWARDS, {"name": "Jonas", "email": "jonas@pupils.example"}, achievement_id=achievement_id
    ).json
    assert award["status_purpose"] == "suspension"
    [entry] = (
        award["credential"]["credentialStatus"]
        if isinstance(award["credential"]["credentialStatus"], list)
        else [award["credential"]["credentialStatus"]]
    )
    assert entry["statusPurpose"] == "suspension"
    assert entry["statusListCredential"] == f"{BASE_URL}/orgs/riga-school/status/suspension"
    assert schema_errors(award["credential"], standards.ACHIEVEMENT_CREDENTIAL_SCHEMA) == []
    assert all(v is Verdict.VALID for v, _ in _verdicts(make_verifier, award))

    suspended = api.post(
        "/awards/{award_id}/suspend", {"reason": "Under review"}, award_id=award["id"]
    )
    assert suspended.status_code == 200 and suspended.json["status"] == "suspended"
    for verdict, message in _verdicts(make_verifier, award):
        assert verdict is Verdict.INVALID and "suspended" in message
    assert make_verifier().verify(keep["url"]).verdict is Verdict.VALID  # the list's other badge
    assert "Suspended" in client.get(f"/credentials/{award['id']}").text
    make_user("teacher@riga.example", org=suspending, role="teacher")
    assert login(client, "teacher@riga.example").status_code == 302
    assert (
        '<span class="status revoked">suspended</span>'
        in client.get("/staff/riga-school/awards").text
    )
    again = api.post("/awards/{award_id}/suspend", award_id=award["id"])
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    assert [a["id"] for a in api.get("/awards", query={"status": "suspended"}).json["awards"]] == [
        award["id"]
    ]

    restored = api.post("/awards/{award_id}/unsuspend", award_id=award["id"])
    assert restored.status_code == 200 and restored.json["status"] == "active"
    assert all(v is Verdict.VALID for v, _ in _verdicts(make_verifier, award))
    assert api.post("/awards/{award_id}/unsuspend", award_id=award["id"]).status_code == 409

    # revoking a suspension-purpose badge sets its bit for good
    api.post("/awards/{award_id}/revoke", {"reason": "Awarded by mistake"}, award_id=award["id"])
    for verdict, message in _verdicts(make_verifier, award):
        assert verdict is Verdict.INVALID and "suspended" in message
    for action in ("suspend", "unsuspend"):
        refused = api.post(f"/awards/{{award_id}}/{action}", award_id=award["id"])
        assert refused.status_code == 409 and "revoked" in refused.json["error"]["message"]
    assert make_verifier().verify(keep["url"]).verdict is Verdict.VALID

    events = [(e.action, e.summary) for e in audit_rows(database) if e.action.startswith("award.")]
    assert [a for a, _ in events] == [
        "award.issue",
        "award.issue",
        "award.suspend",
        "award.unsuspend",
        "award.revoke",
    ]
    assert "Under review" in events[2][1]


def test_the_status_lists_hold_the_right_bits(
    database, sealer, make_org, make_achievement, award_to
):
    """An organisation that switched from revocation to suspension has badges of both kinds:
    each list carries only the bits of its own purpose."""
    org = make_org("switching", "Switching School")
    achievement = make_achievement(org)
    old_revoked = award_to(org, achievement, email="a@pupils.example")
    award_to(org, achievement, email="b@pupils.example")
    with database.transaction() as session:
        session.get(Organisation, org.id).status_method = StatusMethod.BITSTRING_SUSPENSION
    new_suspended = award_to(org, achievement, email="c@pupils.example")
    new_revoked = award_to(org, achievement, email="d@pupils.example")
    new_active = award_to(org, achievement, email="e@pupils.example")
    assert (old_revoked.status_purpose, new_active.status_purpose) == ("revocation", "suspension")
    with database.transaction() as session:
        org_row = session.get(Organisation, org.id)
        rows = {a.id: a for a in session.scalars(select(Award))}
        status_service.revoke_award(session, award=rows[old_revoked.id], reason="Mistake")
        status_service.revoke_award(session, award=rows[new_revoked.id], reason="Mistake")
        status_service.set_suspended(
            session, award=rows[new_suspended.id], org=org_row, suspended=True
        )
        with pytest.raises(SuspensionUnsupported) as refused:
            status_service.set_suspended(
                session, award=rows[old_revoked.id], org=org_row, suspended=True
            )
        assert refused.value.code == "suspension_unsupported" and refused.value.http_status == 409
        with pytest.raises(Conflict):
            status_service.set_suspended(
                session, award=rows[new_revoked.id], org=org_row, suspended=True
            )
    with database.transaction() as session:
        org_row = session.get(Organisation, org.id)
        revocation = status_service._bits(session, org_row, "revocation")
        suspension = status_service._bits(session, org_row, "suspension")
        every = [a.status_index for a in session.scalars(select(Award))]
    assert [i for i in every if revocation.get(i)] == [old_revoked.status_index]
    assert sorted(i for i in every if suspension.get(i)) == sorted(
        [new_suspended.status_index, new_revoked.status_index]
    )


@pytest.mark.parametrize("method", ["bitstring", "1edtech"])
def test_revocation_purpose_badges_cannot_be_suspended(
    client, database, make_org, table_counts, method
):
    org = make_org(f"school-{method}", "School", status_method=method)
    api, achievement_id = _api_with_achievement(client, database, org)
    award = api.post(
        AWARDS, {"name": "Ona", "email": "ona@pupils.example"}, achievement_id=achievement_id
    ).json
    assert award["status_purpose"] == ("1edtech" if method == "1edtech" else "revocation")
    before = table_counts()
    for action in ("suspend", "unsuspend"):
        refused = api.post(f"/awards/{{award_id}}/{action}", award_id=award["id"])
        assert (
            refused.status_code == 409 and refused.json["error"]["code"] == "suspension_unsupported"
        )
        assert "revocation" in refused.json["error"]["message"]
    assert table_counts() == before
    assert api.get("/awards/{award_id}", award_id=award["id"]).json["status"] == "active"


def test_the_suspension_list_of_a_suspending_organisation_is_served(client, suspending):
    for purpose in ("suspension", "revocation"):
        served = client.get(f"/orgs/riga-school/status/{purpose}")
        assert served.status_code == 200
        assert json.loads(served.data)["credentialSubject"]["statusPurpose"] == purpose


def test_the_platform_admin_can_choose_suspension_for_a_new_organisation(
    client, make_user, database
):
    make_user("root@platform.example", admin=True)
    assert login(client, "root@platform.example").status_code == 302
    form = client.get("/admin/organisations")
    assert 'value="bitstring-suspension"' in form.text
    created = post(
        client,
        "/admin/organisations",
        {
            "name": "Tallinn School",
            "slug": "tallinn-school",
            "kind": "school",
            "status_method": "bitstring-suspension",
            "key_alg": "EdDSA",
            "admin_email": "head@tallinn.example",
        },
    )
    assert created.status_code == 200, created.text
    with database.transaction() as session:
        org = session.scalar(select(Organisation).where(Organisation.slug == "tallinn-school"))
        assert org is not None and org.status_method == StatusMethod.BITSTRING_SUSPENSION
