"""Importing badges from other issuers (issue 14, "Bring badges in").

Every generation and carrier lands as "valid": Open Badges 3.0 on VCDM 2.0 and 1.1, with
a Data Integrity proof or as a VC-JWT, pasted, linked or baked into a PNG or an SVG; Open
Badges 2.0 hosted (1EdTech's own test assertion, served on loopback) and signed. The
peer-made Open Badges 3.0 samples under tests/fixtures (1EdTech, DCC, the legacy
generators) all name a DID as their recipient: they verify, and are refused as "not
awarded to you". A tampered, revoked or foreign badge is refused with the report's plain
reason and stores nothing; a link to a loopback or private address is refused before any
connection. Documents are served by loopback servers through the fetch policy's URL map,
set for the test only; every other name is refused by the resolver.
"""

from __future__ import annotations

import copy
import io
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jwcrypto import jwk, jws
from sqlalchemy import func, select

from badges import baking
from badges.dids import did_key, did_key_verification_method
from badges.fetch import Fetcher, FetchPolicy
from badges.proofs import add_data_integrity_proof
from badges.resolve import KeyResolver
from badges.verification import Verifier
from issuer.models import Achievement, Award, ImportedBadge, Learner, Organisation, ShareLink
from issuer.services import imports
from issuer.services.awards import AwardInput, award_badge
from issuer.urls import PublicUrls
from tests.conftest import FIXTURES, ISSUED, KEYS, SCHOOL, Site, build_credential, load_key
from tests.core.test_baking import SVG, make_png
from tests.core.test_ob2 import EMAIL as OB2_EMAIL
from tests.core.test_ob2 import School, make_assertion, sign

from .conftest import BASE_URL, post, post_multipart, sign_in_learner

pytestmark = pytest.mark.db

ONA = "ona@example.org"  # the address the test credentials are awarded to (hashed)
assert OB2_EMAIL == ONA
NOBODY = "nobody@example.org"  # 1EdTech's OB 2.0 test assertion's recipient (hashed)
PEERS = FIXTURES / "peer-suites"
LEGACY = FIXTURES / "legacy"


# -- the world: loopback servers for every issuer's documents ---------------------------------


class Offline:
    """The fetcher's resolver: loopback only; any other name is refused (and noted)."""

    def __init__(self) -> None:
        self.refused: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        if host == "127.0.0.1":
            return ["127.0.0.1"]
        self.refused.append(host)
        raise OSError(f"offline test: {host} is not resolved")


def _peer_documents() -> list[tuple[str, Path]]:
    found = []
    for project in ("1edtech", "dcc"):
        manifest = json.loads((PEERS / project / "manifest.json").read_text(encoding="utf-8"))
        found += [(doc["url"], PEERS / project / doc["file"]) for doc in manifest["documents"]]
    return found


@pytest.fixture
def world(site: Site) -> Iterator[tuple[Site, imports.ImportTools]]:
    """``site`` answers https://school.example/ (its root) and every peer document's host
    (under /<host>/); the import tools reach them through the URL map, nothing else."""
    hosts = set()
    for url, path in _peer_documents():
        parts = urlsplit(url)
        hosts.add(parts.hostname)
        site.raw(f"/{parts.hostname}{parts.path}", path.read_bytes())
    url_map = (
        (f"{SCHOOL}/", f"{site.base}/"),
        *((f"https://{host}/", f"{site.base}/{host}/") for host in sorted(hosts)),
    )
    fetcher = Fetcher(FetchPolicy(url_map=url_map, timeout=5.0, resolver=Offline()))
    verifier = Verifier(fetcher=fetcher, key_resolver=KeyResolver(fetcher))
    yield site, imports.ImportTools(fetcher=fetcher, verifier=verifier, max_bytes=4 << 20)


@pytest.fixture
def tools(world) -> imports.ImportTools:
    return world[1]


@pytest.fixture
def ona(make_learner):
    return make_learner(ONA, "Ona Petraitytė")


def do_import(database, learner, kind: str, value: Any, tools, **kwargs: Any) -> ImportedBadge:
    with database.transaction() as session:
        row = imports.import_badge(
            session,
            session.get(Learner, learner.id),
            imports.Given(kind, value),
            tools=tools,
            urls=PublicUrls(BASE_URL),
            **kwargs,
        )
        session.expunge(row)
        return row


def refused(database, learner, kind: str, value: Any, tools) -> str:
    """Import, expecting a refusal: its message (and that nothing was stored)."""
    before = count(database)
    with pytest.raises(imports.ImportRefused) as caught:
        do_import(database, learner, kind, value, tools)
    assert count(database) == before
    return caught.value.description


def count(database) -> int:
    with database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(ImportedBadge)) or 0)


# -- badges made here, of each generation --------------------------------------------------------


def ed_key():
    return load_key("eddsa")


def vc20_signed(email: str = ONA, **kwargs: Any):
    from badges.issuing import sign_credential

    key = ed_key()
    unsigned = build_credential(did_key(key.public), email=email, **kwargs)
    return sign_credential(
        unsigned,
        key,
        verification_method=did_key_verification_method(key.public),
        proof="both",
        created=ISSUED,
    )


def vc11_data_integrity(email: str = ONA) -> dict[str, Any]:
    """The legacy generators' VC 1.1 badge (made with Digital Bazaar's stack), issued again
    by the test key to ``email`` (its subject id a mailto: IRI) with eddsa-rdfc-2022."""
    key = ed_key()
    credential = json.loads((LEGACY / "ob302-vc11-eddsa-2022.json").read_text())
    credential.pop("proof")
    credential["issuer"]["id"] = did_key(key.public)
    credential["credentialSubject"]["id"] = f"mailto:{email}"
    return add_data_integrity_proof(
        credential, key, verification_method=did_key_verification_method(key.public)
    )


def vc11_jwt(email: str = ONA) -> str:
    """The legacy generators' VC 1.1 JWT (``vc`` claim, made with jose), issued again by the
    test key to ``email`` (a hashed identifier) and signed by jwcrypto."""
    import base64
    import hashlib

    token = (LEGACY / "ob302-vc11.jwt").read_text().strip()
    body = token.split(".")[1]
    vc = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))["vc"]
    key = ed_key()
    did = did_key(key.public)
    vc["issuer"]["id"] = did
    subject = vc["credentialSubject"]
    subject.pop("id", None)
    subject["identifier"] = [
        {
            "type": "IdentityObject",
            "identityType": "emailAddress",
            "hashed": True,
            "salt": "pepper",
            "identityHash": "sha256$" + hashlib.sha256(f"{email}pepper".encode()).hexdigest(),
        }
    ]
    payload = {
        "iss": did,
        "jti": vc["id"],
        "nbf": int(datetime(2023, 5, 2, 8, tzinfo=UTC).timestamp()),
        "exp": int(datetime(2030, 5, 2, 8, tzinfo=UTC).timestamp()),
        "vc": vc,
    }
    header = {"alg": "EdDSA", "typ": "JWT", "kid": did_key_verification_method(key.public)}
    signer = jwk.JWK(**json.loads((KEYS / "eddsa.jwk").read_text()))
    compact = jws.JWS(json.dumps(payload).encode())
    compact.add_signature(signer, alg="EdDSA", protected=json.dumps(header))
    return str(compact.serialize(compact=True))


# -- every generation and carrier lands as valid -------------------------------------------------


@pytest.mark.parametrize(
    ("made", "kind", "label"),
    [
        pytest.param("vc20-json", "text", "JSON-LD with an embedded proof", id="vc20-di-json"),
        pytest.param("vc20-jwt", "text", "VC-JWT", id="vc20-jwt"),
        pytest.param("vc11-json", "text", "embedded proof", id="vc11-di-json"),
        pytest.param("vc11-jwt", "text", "VC-JWT", id="vc11-jwt"),
        pytest.param("png-json", "file", "baked PNG", id="baked-png-di"),
        pytest.param("png-jwt", "file", "baked PNG", id="baked-png-jwt"),
        pytest.param("svg-json", "file", "baked SVG", id="baked-svg-di"),
        pytest.param("svg-jwt", "file", "baked SVG", id="baked-svg-jwt"),
        pytest.param("link-json", "link", "embedded proof", id="link-di"),
        pytest.param("link-jwt", "link", "VC-JWT", id="link-jwt"),
    ],
)
def test_open_badges_3_of_each_shape_and_carrier_land_as_valid(
    database, ona, tools, world, made, kind, label
):
    site = world[0]
    signed = vc20_signed()
    assert signed.json is not None and signed.jwt is not None
    forms: dict[str, Any] = {
        "vc20-json": json.dumps(signed.json),
        "vc20-jwt": signed.jwt,
        "vc11-json": json.dumps(vc11_data_integrity()),
        "vc11-jwt": vc11_jwt(),
        "png-json": baking.bake_png(make_png(), json.dumps(signed.json)),
        "png-jwt": baking.bake_png(make_png(), signed.jwt),
        "svg-json": baking.bake_svg(SVG, json.dumps(signed.json)),
        "svg-jwt": baking.bake_svg(SVG, signed.jwt),
    }
    site.json("/badges/1.json", signed.json)
    site.text("/badges/1.jwt", signed.jwt)
    forms["link-json"] = f"{SCHOOL}/badges/1.json"
    forms["link-jwt"] = f"{SCHOOL}/badges/1.jwt"
    value = forms[made]
    row = do_import(database, ona, kind, value, tools)
    assert row.status == "active" and row.format == "ob3"
    assert label in row.format_label
    assert row.issuer_id == did_key(ed_key().public)
    expected = value if isinstance(value, bytes) else value.encode()
    if kind == "link":
        assert row.source_url == value
        expected = site.routes[urlsplit(value).path][2]
    assert row.received == expected  # exactly as received
    assert count(database) == 1


def test_1edtechs_hosted_open_badges_2_assertion_lands_as_valid_by_link(
    database, make_learner, tools
):
    # the 1EdTech validator's own test assertion, hosted at https://example.org/ (loopback)
    nobody = make_learner(NOBODY, "Nobody")
    row = do_import(
        database, nobody, "link", "https://example.org/beths-robotics-badge.json", tools
    )
    assert (row.format, row.status) == ("ob2", "active")
    assert (
        row.name
        == json.loads((PEERS / "1edtech/documents/ob20-assets/robotics-badge.json").read_text())[
            "name"
        ]
    )
    assert row.issuer_name and "hosted" in row.format_label
    # and pasted as JSON: the same badge (its hosted copy checked), so not a second row
    text = (PEERS / "1edtech/ob20/basic-assertion.json").read_text()
    message = refused(database, nobody, "text", text, tools)
    assert "imported this badge already" in message


def test_a_signed_open_badges_2_assertion_lands_as_valid(database, ona, tools, world):
    school = School(world[0])
    token = sign(make_assertion("signed"))
    row = do_import(database, ona, "text", token, tools)
    assert (row.format, row.status) == ("ob2", "active")
    assert "signed" in row.format_label and row.issuer_name == "Vilniaus licėjus"
    assert row.received == token.encode()
    # baked in a PNG (the OB 2.0 carrier): the same badge, so refused as held already
    png = baking.bake_png(make_png(), token, standard="ob2")
    assert "already" in refused(database, ona, "file", png, tools)
    assert school  # its documents were served


def test_a_hosted_open_badges_2_assertion_of_our_test_school(database, ona, tools, world):
    school = School(world[0])
    school.host()
    row = do_import(database, ona, "link", f"{SCHOOL}/ob2/assertions/1", tools)
    assert row.format == "ob2" and row.status == "active"


# -- the peer-made Open Badges 3.0 samples: valid, but not this learner's ----------------------------


DID_EXAMPLE = "did:example:ebfeb1f712ebc6f1c276e12ec21"
DCC = "dcc/vc-test-fixtures"
# the peer-made samples our verifier (like their makers) finds valid, of each shape
PEER_SAMPLES = [
    (f"{DCC}/v1/bothSignatureTypes/didKey/legacy-noStatus-noExpiry-basicOBv3.json", DID_EXAMPLE),
    (f"{DCC}/v1/bothSignatureTypes/didWeb/legacy-validStatus-noExpiry.json", "nobody it names"),
    (f"{DCC}/v1/dataIntegrityProof/didKey/legacy-noStatus-noExpiry.json", "nobody it names"),
    (
        f"{DCC}/v2/dataIntegrityProof/didKey/legacyRegistry-noStatus-noExpiry-basicOBv3.json",
        DID_EXAMPLE,
    ),
    ("dcc/verifier-core/v2EddsaWithValidStatus.json", "nobody it names"),
    ("dcc/verifier-core/v2didWebWithValidStatus.json", "nobody it names"),
    ("dcc/verifier-core/v1WithValidStatus.json", "nobody it names"),
]
LEGACY_SAMPLES = [
    "ob300-vc11-ed25519signature2020.json",
    "ob301-vc11-eddsa-2022.json",
    "ob302-vc11.jwt",
]


@pytest.mark.parametrize(("path", "named"), PEER_SAMPLES, ids=lambda p: str(p).rsplit("/", 1)[-1])
def test_peer_made_badges_verify_but_are_refused_as_someone_elses(
    database, ona, tools, path, named
):
    data = (PEERS / path).read_bytes()
    kind = "file" if path.endswith(".svg") else "text"
    message = refused(database, ona, kind, data if kind == "file" else data.decode(), tools)
    assert message.startswith("This badge was not awarded to you"), message
    assert named in message


@pytest.mark.parametrize("name", LEGACY_SAMPLES)
def test_legacy_vc11_badges_verify_but_are_refused_as_someone_elses(database, ona, tools, name):
    message = refused(database, ona, "text", (LEGACY / name).read_text(), tools)
    assert message.startswith("This badge was not awarded to you"), message
    assert "did:example:learner-ona" in message


# -- refused: tampered, revoked, foreign ----------------------------------------------------------


def test_a_tampered_badge_is_refused_with_the_reports_reason(database, ona, tools):
    signed = vc20_signed()
    forged = copy.deepcopy(signed.json)
    forged["credentialSubject"]["achievement"]["name"] = "Nobel Prize"
    message = refused(database, ona, "text", json.dumps(forged), tools)
    assert "not valid" in message and "Nothing was imported" in message
    head, body, _sig = signed.jwt.split(".")
    other = vc20_signed(name="Another").jwt.split(".")[2]
    assert "not valid" in refused(database, ona, "text", f"{head}.{body}.{other}", tools)
    peer = PEERS / "dcc/vc-test-fixtures/v2/ed25519/didKey/legacy-noStatus-noExpiry-tampered.json"
    assert "not valid" in refused(database, ona, "text", peer.read_text(), tools)


def test_revoked_badges_are_refused(database, ona, tools, world):
    # DCC's revoked sample (its status list served on loopback), and an OB 2.0 hosted one
    message = refused(
        database, ona, "text", (PEERS / "dcc/verifier-core/v2Revoked.json").read_text(), tools
    )
    assert "revoked" in message.lower(), message
    school = School(world[0])
    school.host(revoked=True)
    message = refused(database, ona, "link", f"{SCHOOL}/ob2/assertions/1", tools)
    assert "revoked" in message.lower(), message
    school.publish(make_assertion("hosted"), f"{SCHOOL}/ob2/assertions/1", status=410)
    message = refused(database, ona, "link", f"{SCHOOL}/ob2/assertions/1", tools)
    assert "410 Gone" in message and "revoked" in message, message


def test_a_badge_awarded_to_another_address_is_refused(database, make_learner, tools):
    learner = make_learner("ona.personal@example.net")
    message = refused(database, learner, "text", json.dumps(vc20_signed().json), tools)
    assert message.startswith("This badge was not awarded to you"), message
    assert "an address, hashed" in message


def test_only_confirmed_addresses_count(database, make_learner, tools):
    from issuer.models import LearnerEmail
    from issuer.services import learners

    learner = make_learner("ona.personal@example.net")
    with database.transaction() as session:
        session.add(LearnerEmail(learner_id=learner.id, email=ONA))  # added, not confirmed
    assert "not awarded to you" in refused(
        database, learner, "text", json.dumps(vc20_signed().json), tools
    )
    with database.transaction() as session:
        learners.confirm_email(session, session.get(Learner, learner.id), ONA)
    assert do_import(database, learner, "text", json.dumps(vc20_signed().json), tools)


def test_not_a_badge_is_refused_plainly(database, ona, tools):
    assert "not valid" in refused(database, ona, "text", '{"hello": "world"}', tools)
    assert "not valid" in refused(database, ona, "file", make_png(), tools)
    assert "not valid" in refused(database, ona, "text", "eyJhbGciOi.nope.x", tools)


# -- the same badge twice, and this platform's own --------------------------------------------------


def test_the_same_badge_twice_is_one_row_whatever_carries_it(database, ona, tools):
    signed = vc20_signed()
    first = do_import(database, ona, "text", json.dumps(signed.json), tools)
    for kind, value in (
        ("text", json.dumps(signed.json)),
        ("text", signed.jwt),
        ("file", baking.bake_png(make_png(), signed.jwt)),
    ):
        with pytest.raises(imports.AlreadyHeld) as caught:
            do_import(database, ona, kind, value, tools)
        assert "imported this badge already" in caught.value.description
        assert caught.value.href == f"/portfolio/imported/{first.public_id}"
    assert count(database) == 1


@pytest.fixture
def own_award(database, sealer, school, make_achievement):
    achievement = make_achievement(school, "Baltic Sea Project")
    with database.transaction() as session:
        return award_badge(
            session,
            org=session.get(Organisation, school.id),
            achievement=session.get(Achievement, achievement.id),
            data=AwardInput(learner_name="Ona", learner_email=ONA),
            sealer=sealer,
            urls=PublicUrls(BASE_URL),
        )


def test_one_of_this_platforms_own_badges_is_in_the_portfolio_already(
    database, ona, own_award, make_learner
):
    # no fetch at all: the tools refuse every address, and none is needed
    closed = imports.import_tools(
        {
            "IMPORT_MAX_BYTES": 1 << 20,
            "IMPORT_ALLOWED_HOSTS": (),
            "IMPORT_URL_MAP": (),
            "IMPORT_FETCH_TIMEOUT": 1.0,
            "IMPORT_DOCUMENT_TTL": 1.0,
            "IMPORT_STATUS_TTL": 1.0,
            "IMPORT_DEADLINE": 1.0,
            "IMPORT_FETCHES_PER_BADGE": 1,
        }
    )
    with database.transaction() as session:
        award = session.get(Award, own_award.id)
        text, token, public_id = award.credential_json, award.credential_jwt, award.public_id
    for kind, value in (
        ("text", text),
        ("text", token),
        ("file", baking.bake_svg(SVG, token)),
        ("link", PublicUrls(BASE_URL).credential(public_id)),
    ):
        with pytest.raises(imports.AlreadyHeld) as caught:
            do_import(database, ona, kind, value, closed)
        assert "already in your portfolio" in caught.value.description
        assert caught.value.href == f"/portfolio/badges/{public_id}"
    other = make_learner("someone@example.net")
    assert "not one of your confirmed addresses" in refused(database, other, "text", text, closed)
    assert count(database) == 0


# -- links to loopback and private addresses: refused before any connection ---------------------------


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP listener on loopback that never accepts: a connection attempt would queue."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    yield sock
    sock.close()


def _no_connection(sock: socket.socket) -> bool:
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return True
    conn.close()
    return False


def test_links_to_loopback_or_private_addresses_are_refused_without_a_connection(
    app, database, ona, listener
):
    tools = imports.import_tools(app.config)  # the default policy: nothing allowlisted
    port = listener.getsockname()[1]
    for url in (
        f"http://127.0.0.1:{port}/badge.json",
        f"https://127.0.0.1:{port}/badge.json",
        f"https://localhost:{port}/badge.json",
        f"https://[::1]:{port}/badge.json",
        f"https://127.1:{port}/badge.json",
        "https://10.0.0.8/badge.json",
        "https://192.168.1.20/badge.json",
        "https://169.254.169.254/latest/meta-data/",
    ):
        message = refused(database, ona, "link", url, tools)
        assert "That link is refused" in message or "https" in message, message
    assert _no_connection(listener)


# -- the pages ---------------------------------------------------------------------------------------


@pytest.fixture
def web(app, world):
    app.extensions["issuer.import_tools"] = world[1]
    return app


def test_the_import_form_imports_and_shows_the_badge(client, database, ona, web):
    sign_in_learner(client, database, ona)
    page = client.get("/portfolio/import")
    assert page.status_code == 200
    for field in ("f-url", "f-text", "f-file"):
        assert f'<label for="{field}"' in page.text
    signed = vc20_signed()
    response = post_multipart(
        client,
        "/portfolio/import",
        {
            "url": "",
            "text": "",
            "file": (io.BytesIO(baking.bake_png(make_png(), signed.jwt)), "b.png"),
        },
    )
    assert response.status_code == 302, response.text
    shown = client.get(response.headers["Location"])
    assert shown.status_code == 200
    assert "Imported, issued by <strong>Vilniaus licėjus</strong>" in shown.text
    assert "Valid" in shown.text and "Mastered" in shown.text
    home = client.get("/portfolio/")
    assert "Baltic Sea Project: water monitor" in home.text
    assert "imported, issued by Vilniaus licėjus" in home.text


def test_a_refusal_is_tied_to_the_field_and_stores_nothing(client, database, ona, web):
    sign_in_learner(client, database, ona)
    forged = vc20_signed().json
    forged["name"] = "Forged"
    response = post(client, "/portfolio/import", {"text": json.dumps(forged)})
    assert response.status_code == 400
    assert 'aria-invalid="true" aria-describedby="e-text"' in response.text
    assert 'id="e-text"' in response.text and "not valid" in response.text
    assert count(database) == 0
    response = post(client, "/portfolio/import", {})
    assert response.status_code == 400 and 'id="e-url"' in response.text
    # a link pasted into the text field: fetched as a link, its refusal shown at that field
    response = post(client, "/portfolio/import", {"text": "https://10.1.2.3/badge.json"})
    assert response.status_code == 400 and 'id="e-text"' in response.text
    assert "That link is refused" in response.text


def test_another_learners_imported_badge_answers_404(
    client, database, ona, make_learner, web, tools
):
    row = do_import(database, ona, "text", json.dumps(vc20_signed().json), tools)
    other = make_learner("someone@example.net")
    sign_in_learner(client, database, other)
    for url in (
        f"/portfolio/imported/{row.public_id}",
        f"/portfolio/imported/{row.public_id}/received",
    ):
        assert client.get(url).status_code == 404
    assert post(client, f"/portfolio/imported/{row.public_id}/remove").status_code == 404
    assert count(database) == 1
    assert "Baltic Sea Project" not in client.get("/portfolio/").text
    # signed out: the sign-in page, never the badge
    client.post("/logout")
    with client.session_transaction() as sess:
        sess.clear()
    assert client.get(f"/portfolio/imported/{row.public_id}").status_code in (302, 401, 404)


def test_the_learner_downloads_it_as_received_and_removes_it(client, database, ona, web, tools):
    token = vc20_signed().jwt
    row = do_import(database, ona, "text", token, tools)
    sign_in_learner(client, database, ona)
    received = client.get(f"/portfolio/imported/{row.public_id}/received")
    assert received.status_code == 200 and received.data == token.encode()
    response = post(client, f"/portfolio/imported/{row.public_id}/remove")
    assert response.status_code == 302
    assert count(database) == 0
    assert client.get(f"/portfolio/imported/{row.public_id}").status_code == 404


def test_a_later_revocation_shows_when_the_badge_is_shown(client, database, ona, web, world):
    school = School(world[0])
    school.host()
    row = do_import(
        database, ona, "link", f"{SCHOOL}/ob2/assertions/1", web.extensions["issuer.import_tools"]
    )
    sign_in_learner(client, database, ona)
    assert "Valid" in client.get(f"/portfolio/imported/{row.public_id}").text
    school.host(revoked=True, revocationReason="Awarded by mistake.")
    page = client.get(f"/portfolio/imported/{row.public_id}").text
    assert ">Revoked<" in page and "Awarded by mistake." in page
    with database.transaction() as session:
        assert session.get(ImportedBadge, row.id).status == "revoked"


# -- among the school's own: the map, the timeline, share links ----------------------------------------


def test_imported_badges_join_the_map_and_the_timeline_marked_with_their_issuer(
    client, database, ona, web, tools
):
    do_import(database, ona, "text", json.dumps(vc20_signed().json), tools)
    sign_in_learner(client, database, ona)
    page = client.get("/portfolio/competences")
    assert page.status_code == 200
    assert "Baltic Sea Project: water monitor" in page.text
    assert "imported, issued by Vilniaus licėjus" in page.text
    assert "Learning to do" in page.text  # the area the credential is aligned to
    assert "Mastered" in page.text  # and the level it records
    timeline = client.get("/portfolio/timeline")
    assert "imported, issued by Vilniaus licėjus" in timeline.text
    assert "/portfolio/imported/" in page.text


def test_a_share_link_shows_imported_badges_and_offers_them_as_issued(
    client, database, ona, make_learner, web, tools
):
    token = vc20_signed().jwt
    row = do_import(database, ona, "text", token, tools)
    sign_in_learner(client, database, ona)
    manage = client.get("/portfolio/shares")
    assert f'name="imported_ids" value="{row.public_id}"' in manage.text
    created = post(
        client,
        "/portfolio/shares",
        {"title": "For the summer school", "scope": "collection", "imported_ids": row.public_id},
    )
    assert created.status_code == 302, created.text
    with database.transaction() as session:
        share = session.scalars(select(ShareLink)).one()
        share_id = share.public_id
        assert share.imported_ids == [row.id] and share.award_ids == []
    client.post("/logout")
    with client.session_transaction() as sess:
        sess.clear()
    shared = client.get(f"/s/{share_id}")
    assert shared.status_code == 200
    assert "Imported, issued by Vilniaus licėjus" in shared.text
    assert f'id="badge-{row.public_id}"' in shared.text
    as_issued = client.get(f"/s/{share_id}/imported/{row.public_id}")
    assert as_issued.status_code == 200 and as_issued.data == token.encode()
    # another learner cannot put it in a share of theirs
    other = make_learner("someone@example.net")
    sign_in_learner(client, database, other)
    refused_share = post(
        client,
        "/portfolio/shares",
        {"title": "Mine", "scope": "collection", "imported_ids": row.public_id},
    )
    assert refused_share.status_code == 400
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ShareLink)) == 1


def test_a_removed_badge_leaves_the_shares_it_was_in(client, database, ona, web, tools):
    row = do_import(database, ona, "text", vc20_signed().jwt, tools)
    sign_in_learner(client, database, ona)
    post(client, "/portfolio/shares", {"title": "All", "scope": "portfolio"})
    with database.transaction() as session:
        share_id = session.scalars(select(ShareLink)).one().public_id
    assert f'id="badge-{row.public_id}"' in client.get(f"/s/{share_id}").text
    post(client, f"/portfolio/imported/{row.public_id}/remove")
    assert f'id="badge-{row.public_id}"' not in client.get(f"/s/{share_id}").text
    assert client.get(f"/s/{share_id}/imported/{row.public_id}").status_code == 404


def test_the_settings_allow_one_loopback_host_for_links(client, app, database, ona, site):
    # IMPORT_ALLOWED_HOSTS, read when the first badge is imported: that host:port only
    app.extensions.pop("issuer.import_tools")  # the test app's, which resolves no names
    app.config["IMPORT_ALLOWED_HOSTS"] = [f"127.0.0.1:{site.port}"]
    signed = vc20_signed()
    site.json("/badges/1.json", signed.json)
    sign_in_learner(client, database, ona)
    response = post(client, "/portfolio/import", {"url": f"{site.base}/badges/1.json"})
    assert response.status_code == 302, response.text
    assert site.requests == ["/badges/1.json"]
    with database.transaction() as session:
        row = session.scalars(select(ImportedBadge)).one()
        assert row.source_url == f"{site.base}/badges/1.json"
        assert row.received == site.routes["/badges/1.json"][2]
    # another port of the same address is not allowed
    other = post(client, "/portfolio/import", {"url": f"http://127.0.0.1:{site.port + 1}/b.json"})
    assert other.status_code == 400 and "That link is refused" in other.text
    assert count(database) == 1


def test_the_refusal_is_in_the_readers_language() -> None:
    """Issue 12: why a badge is not imported, from the report's codes and the issuer's
    catalogue; the verifier's technical detail (in brackets) stays as written."""
    from badges.issuing import sign_credential
    from issuer.translate import in_language
    from tests.conftest import NOW

    key = load_key("eddsa")
    good = sign_credential(
        build_credential(did_key(key.public), email=None),
        key,
        verification_method=did_key_verification_method(key.public),
        proof="data-integrity",
        created=ISSUED,
    ).json
    changed = copy.deepcopy(good)
    changed["credentialSubject"]["achievement"]["name"] = "Another badge"
    report = Verifier().verify(changed, now=NOW)
    english = imports.refusal(report)
    assert english.startswith(
        "This badge is not valid: The signature does not match: the badge was changed or forged"
    )
    assert english.endswith("Nothing was imported.")
    with in_language("lt"):
        lithuanian = imports.refusal(report)
    assert lithuanian.startswith(
        "Šis ženklelis negalioja: Parašas nesutampa: ženklelis buvo pakeistas arba suklastotas"
    )
    assert lithuanian.endswith("). Niekas nebuvo importuota.")
    assert "not valid" not in lithuanian and "Nothing" not in lithuanian


# -- in the reader's language (issue 12) --------------------------------------------------------------


def _lithuanian(stored: Any) -> str:
    """A report message stored with ``Message.to_dict``, as the issuer's Lithuanian
    catalogue writes it."""
    from badges.verification.messages import Message
    from issuer.translate import in_language, report_text

    message = Message.from_dict(stored)
    assert message is not None, stored
    with in_language("lt"):
        return report_text(message)


def test_an_imported_badges_format_is_shown_in_the_readers_language(
    client, database, ona, web, tools
):
    """The format the verifier found is kept as its report message (code and parameters),
    not as English: the page writes it in the reader's language."""
    row = do_import(database, ona, "file", baking.bake_png(make_png(), vc20_signed().jwt), tools)
    assert row.format_text is not None and row.format_text["code"] == "format.ob3"
    assert (
        row.format_label == "An Open Badges 3.0 credential (VC-JWT, read from a baked PNG image)."
    )
    lithuanian = _lithuanian(row.format_text)
    assert lithuanian != row.format_label and "PNG" in lithuanian
    sign_in_learner(client, database, ona)
    client.set_cookie("lang", "lt")
    page = client.get(f"/portfolio/imported/{row.public_id}").text
    assert lithuanian in page
    assert row.format_label not in page and "read from a baked" not in page
    client.set_cookie("lang", "en")
    assert row.format_label in client.get(f"/portfolio/imported/{row.public_id}").text


def test_a_badge_imported_before_the_codes_shows_its_english(client, database, ona, web, tools):
    """A row from before migration 0017 (no codes): its stored English is still shown."""
    row = do_import(database, ona, "text", vc20_signed().jwt, tools)
    with database.transaction() as session:
        session.get(ImportedBadge, row.id).format_text = None
    sign_in_learner(client, database, ona)
    client.set_cookie("lang", "lt")
    page = client.get(f"/portfolio/imported/{row.public_id}")
    assert page.status_code == 200 and row.format_label in page.text
    assert imports.format_label(row) == row.format_label  # a row without codes


def test_a_revocation_reason_is_shown_in_the_readers_language(client, database, ona, web, world):
    """Why an imported badge is no longer valid is kept as the report's messages: the
    portfolio page and a shared page write it in their reader's language, the issuer's own
    words (the revocation's reason) as they are. A reason stored before the codes gets
    them at the badge's next check."""
    school = School(world[0])
    school.host()
    row = do_import(
        database, ona, "link", f"{SCHOOL}/ob2/assertions/1", web.extensions["issuer.import_tools"]
    )
    sign_in_learner(client, database, ona)
    school.host(revoked=True, revocationReason="Awarded by mistake.")
    client.set_cookie("lang", "lt")
    page = client.get(f"/portfolio/imported/{row.public_id}").text
    with database.transaction() as session:
        stored = session.get(ImportedBadge, row.id)
        english, coded = stored.status_reason, stored.status_text
    assert english is not None and "revoked" in english and "Awarded by mistake." in english
    assert coded is not None
    reason = _lithuanian(coded["reason"])
    assert reason not in english
    assert reason in page and "Awarded by mistake." in page
    assert english not in page and "has revoked" not in page
    # a shared page, read by someone in Russian
    post(client, "/portfolio/shares", {"title": "All", "scope": "portfolio"})
    with database.transaction() as session:
        share_id = session.scalars(select(ShareLink)).one().public_id
    reader = client.application.test_client()
    reader.set_cookie("lang", "ru")
    shared = reader.get(f"/s/{share_id}").text
    assert "Awarded by mistake." in shared and "has revoked" not in shared
    # a reason written before the codes: English until the next check, which adds them
    with database.transaction() as session:
        session.get(ImportedBadge, row.id).status_text = None
        old = session.get(ImportedBadge, row.id)
        session.expunge(old)
    assert imports.status_reason(old) == english
    client.get(f"/portfolio/imported/{row.public_id}")
    with database.transaction() as session:
        assert session.get(ImportedBadge, row.id).status_text == coded


def test_an_imported_badge_in_the_archive_is_labelled_in_the_readers_language(database, ona, tools):
    from issuer.translate import in_language

    row = do_import(database, ona, "text", vc20_signed().jwt, tools)
    assert imports.received_file(row) == ("jwt", "As received (JWT)")
    with in_language("lt"):
        extension, label = imports.received_file(row)
    assert extension == "jwt" and label != "As received (JWT)" and "JWT" in label
