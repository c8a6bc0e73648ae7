"""A learner's awards exported as one CLR 2.0, signed by the platform's own did:web.

The platform is an issuer of its own (an Organisation of the kind "platform", made on first
use) whose DID document the base URL's did:web resolves to: /.well-known/did.json.
"""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from badges.clr import JWT_DATA_URL, clr_entries, clr_model_problems, entry_source
from badges.verification import Outcome, Verdict
from issuer.models import Achievement, Award, ImportedBadge, Organisation, OrgKind
from issuer.services.clr import export_clr, pathway_links_of
from issuer.services.platform import PLATFORM_SLUG, ensure_platform_issuer
from issuer.services.status import revoke_award
from issuer.urls import PublicUrls
from tests.peers import verify_ob3

from .conftest import BASE_URL, ob2_in_the_clear
from .test_imports import ONA, do_import, vc20_signed

URLS = PublicUrls(BASE_URL)


@pytest.fixture
def held(make_org, make_achievement, award_to, database):
    """Ona's three badges: two from a school signing Data Integrity + JWT (one of them a
    pathway requiring the other), one from a school signing ES256 VC-JWTs only."""
    school = make_org()
    other = make_org("kaunas-gymnasium", "Kauno gimnazija", key_alg="ES256")
    river = make_achievement(school, "River monitor")
    coast = make_achievement(school, "Coast keeper")
    mediation = make_achievement(other, "Peer mediation")
    with database.transaction() as session:
        session.get(Achievement, coast.id).requirement = {
            "op": "all",
            "items": [{"achievement": river.id}, {"op": "any", "items": [{"achievement": 999}]}],
        }
    awards = [
        award_to(school, river, level="Proficient"),
        award_to(school, coast),
        award_to(other, mediation),
    ]
    return awards


def export(database, sealer, awards, **kwargs):
    with database.transaction() as session:
        rows = [session.get(Award, a.id) for a in awards]
        return export_clr(session, rows, sealer=sealer, urls=URLS, **kwargs)


def test_the_export_holds_each_badge_as_issued_and_links_the_pathway(held, database, sealer):
    text, token = export(database, sealer, held)
    clr = json.loads(text)
    assert clr_model_problems(clr) == []
    assert token is not None and token.count(".") == 2
    assert clr["issuer"] == {
        "id": "did:web:badges.test",
        "type": ["Profile"],
        "name": "ASPnet Badges",
        "url": BASE_URL,
    }
    assert clr["proof"][0]["verificationMethod"] == "did:web:badges.test#key-1"
    entries = clr_entries(clr)
    assert entries[0] == json.loads(held[0].credential_json)
    assert entries[1] == json.loads(held[1].credential_json)
    assert entries[2]["id"] == JWT_DATA_URL + held[2].credential_jwt  # ES256: JWT only
    subject = clr["credentialSubject"]
    river, coast = (
        URLS.achievement(held[0].achievement.public_id),
        URLS.achievement(held[1].achievement.public_id),
    )
    assert subject["association"] == [
        {
            "type": "Association",
            "associationType": "isParentOf",
            "sourceId": coast,
            "targetId": river,
        }
    ]
    assert [a["name"] for a in subject["achievement"]] == [
        "River monitor",
        "Coast keeper",
        "Peer mediation",
    ]


def test_pathway_links_come_from_the_requirement_rules(held, database):
    with database.transaction() as session:
        rows = [session.get(Award, a.id) for a in held]
        links = pathway_links_of(session, rows, URLS)
    coast, river = held[1].achievement.public_id, held[0].achievement.public_id
    assert links == [(URLS.achievement(coast), URLS.achievement(river))]  # 999 is no achievement


def test_the_platform_is_made_once_and_publishes_its_did_document(held, database, sealer, client):
    assert client.get("/.well-known/did.json").status_code == 404  # nothing signed yet
    export(database, sealer, held[:1])
    export(database, sealer, held[1:])
    with database.transaction() as session:
        platforms = session.scalars(
            select(Organisation).where(Organisation.kind == OrgKind.PLATFORM)
        ).all()
        assert [p.slug for p in platforms] == [PLATFORM_SLUG]
        assert ensure_platform_issuer(session, sealer=sealer, urls=URLS).id == platforms[0].id
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200 and response.mimetype == "application/did+json"
    document = response.get_json()
    assert document["id"] == "did:web:badges.test"
    assert document["assertionMethod"] == ["did:web:badges.test#key-1"]
    assert client.get("/did.json").status_code == 404  # the base URL has no path
    # the platform is no school: not on the home page, nor in the registry
    home = client.get("/").get_data(as_text=True)
    assert PLATFORM_SLUG not in home and "Vilnius Lyceum" in home
    issuers = client.get("/registry.json").get_json()["issuers"]
    assert sorted(entry["name"] for entry in issuers.values()) == [
        "Kauno gimnazija",
        "Vilnius Lyceum",
    ]


def test_with_a_base_path_the_did_document_is_at_path_did_json():
    urls = PublicUrls("https://school.example/badges")
    assert urls.platform_did() == "did:web:school.example:badges"
    assert urls.platform_did_document() == "https://school.example/badges/did.json"


def test_the_exported_clr_and_each_badge_verify_through_the_platforms_did_web(
    held, database, sealer, make_verifier
):
    text, token = export(database, sealer, held)
    for form in (text, token):
        report = make_verifier().verify(form)
        assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
        assert report.verified_issuer == "did:web:badges.test"
        assert [c.verdict for c in report.credentials or []] == [Verdict.VALID] * 3
    for entry in clr_entries(json.loads(text)):
        assert make_verifier().verify(entry_source(entry)).verdict is Verdict.VALID


def test_a_revoked_badge_in_an_export_is_reported_revoked_in_a_valid_record(
    held, database, sealer, make_verifier
):
    with database.transaction() as session:
        revoke_award(session, award=session.get(Award, held[1].id), reason="Given in error.")
    text, _token = export(database, sealer, held)
    report = make_verifier().verify(text)
    assert report.verdict is Verdict.VALID
    assert report.check("credentials").outcome is Outcome.WARNING
    results = report.credentials or []
    assert [r.revoked for r in results] == [False, True, False]
    assert results[1].report is not None
    assert results[1].report.check("status").outcome is Outcome.FAILED
    assert "revoked" in results[1].message


def test_nothing_to_export_is_refused(database, sealer):
    from issuer.errors import InvalidInput

    with pytest.raises(InvalidInput):
        export(database, sealer, [])
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Organisation)) == 0


def test_a_school_cannot_be_made_a_platform(make_org):
    from issuer.errors import InvalidInput

    with pytest.raises(InvalidInput) as raised:
        make_org("sneaky", "Sneaky", kind="platform")
    assert "kind" in raised.value.fields


@pytest.mark.interop
@pytest.mark.slow
def test_the_export_verifies_in_the_digital_bazaar_stack(
    held, database, sealer, live_server, tmp_path
):
    text, _token = export(database, sealer, held[:2])
    path = tmp_path / "clr.json"
    path.write_text(text)
    report = verify_ob3(path, "--map", f"{BASE_URL}/={live_server.base}/", "--no-status")
    assert report["engines"]["dbz"]["verified"], report["errors"]
    assert report["verified"], report["errors"]


def test_imported_badges_go_in_as_their_issuers_signed_them_and_open_badges_2_stay_out(
    database, sealer, make_learner, import_tools, make_verifier
):
    from issuer.errors import InvalidInput

    learner = make_learner(ONA)
    token = vc20_signed(email=ONA).jwt
    ob3 = do_import(database, learner, "text", token, import_tools)
    ob2 = do_import(database, learner, "text", ob2_in_the_clear(ONA), import_tools)
    with database.transaction() as session:
        rows = [session.get(ImportedBadge, ob3.id), session.get(ImportedBadge, ob2.id)]
        with pytest.raises(InvalidInput):  # an Open Badges 2.0 badge alone: nothing to hold
            export_clr(session, [], sealer=sealer, urls=URLS, imported=rows[1:])
        text, jwt = export_clr(
            session, [], sealer=sealer, urls=URLS, imported=rows, addresses=["x@y.example", ONA]
        )
    clr = json.loads(text)
    assert clr_model_problems(clr) == []
    assert [entry_source(e) for e in clr_entries(clr)] == [token]  # byte for byte
    assert clr["description"].startswith("1 badge exported from")
    # the record's subject: the address the imported badge was awarded to, hashed
    (identifier,) = clr["credentialSubject"]["identifier"]
    assert identifier["hashed"] is True and ONA not in text
    for form in (text, jwt):
        report = make_verifier().verify(form)
        assert report.verdict is Verdict.VALID, report.to_dict()["checks"]
        assert [c.verdict for c in report.credentials or []] == [Verdict.VALID]


def _received(data: str, credential: dict, fmt: str = "ob3") -> ImportedBadge:
    """An imported badge as the import stores it (only what the CLR reads of it)."""
    media = "application/json" if data.startswith("{") else "application/jwt"
    return ImportedBadge(
        format=fmt,
        received=data.encode(),
        received_type=media,
        credential_json=json.dumps(credential),
    )


def test_which_imported_badges_a_clr_can_hold_as_signed():
    from badges.dids import did_key, did_key_verification_method
    from badges.issuing import sign_credential
    from issuer.services import clr
    from tests.conftest import ISSUED, build_credential, load_key

    from .test_imports import vc11_data_integrity, vc11_jwt

    key = load_key("eddsa")
    method = did_key_verification_method(key.public)
    plain = build_credential(did_key(key.public), email=ONA)
    signed = sign_credential(plain, key, verification_method=method, proof="both", created=ISSUED)
    assert clr.imported_entry(_received(signed.jwt, plain)) == (signed.jwt, None)
    assert clr.imported_entry(_received(json.dumps(signed.json), plain)) == (signed.json, None)
    # an achievement with a term the record's contexts do not define: it could not be signed
    odd = copy.deepcopy(plain)
    odd["credentialSubject"]["achievement"]["ownExtensionTerm"] = "x"
    token = sign_credential(odd, key, verification_method=method, proof="jwt", created=ISSUED).jwt
    assert clr.imported_entry(_received(token, odd)) == (None, clr.UNDEFINED_TERMS)
    # VC Data Model 1.1, as JSON-LD and as a JWT; Open Badges 2.0
    vc11 = vc11_data_integrity(ONA)
    assert clr.imported_entry(_received(json.dumps(vc11), vc11)) == (None, clr.VC_11)
    assert clr.imported_entry(_received(vc11_jwt(ONA), {})) == (None, clr.VC_11)
    ob2 = _received(ob2_in_the_clear(ONA), {}, fmt="ob2")
    assert clr.imported_entry(ob2) == (None, clr.NOT_A_VC)
