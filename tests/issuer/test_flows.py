"""The issuer's everyday flows, through the real app and database."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from badges import standards
from badges.schema import schema_errors
from issuer.models import Award, OutboxMessage

from .conftest import BASE_URL, login, post


@pytest.fixture
def school(make_org):
    return make_org()


@pytest.fixture
def teacher(make_user, school):
    user = make_user("ruta@vilnius.example", org=school, role="teacher")
    return user


def test_a_teacher_awards_a_badge_and_the_public_page_shows_it(
    client, school, teacher, make_achievement, database
):
    achievement = make_achievement(school)
    assert login(client, teacher.email).status_code == 302
    form = client.get(f"/staff/{school.slug}/achievements/{achievement.public_id}/award")
    assert form.status_code == 200
    key = re.search(r'name="request_key" value="([^"]+)"', form.text).group(1)
    data = {
        "learner_name": "Ona Petraitytė",
        "learner_email": "ona@pupils.example",
        "level": "Proficient",
        "evidence_url": "https://blog.example/ona/river",
        "request_key": key,
    }
    response = post(
        client, f"/staff/{school.slug}/achievements/{achievement.public_id}/award", data
    )
    assert response.status_code == 302, response.text
    again = post(client, f"/staff/{school.slug}/achievements/{achievement.public_id}/award", data)
    assert (
        again.status_code == 302 and again.location == response.location
    )  # a double submit: one badge
    with database.transaction() as session:
        award = session.scalars(select(Award)).one()
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    page = client.get(f"/credentials/{award.public_id}")
    assert page.status_code == 200
    # nobody has claimed the badge, so nobody made the name public (issue 13): anonymous
    assert "a learner of Vilnius Lyceum" in page.text and "Proficient" in page.text
    assert "Ona Petraitytė" not in page.text
    assert "ona@pupils.example" not in page.text
    served = client.get(
        f"/credentials/{award.public_id}", headers={"Accept": "application/vc+ld+json"}
    )
    assert served.data.decode() == award.credential_json  # byte for byte as signed
    credential = json.loads(served.data)
    assert credential["id"] == f"{BASE_URL}/credentials/{award.public_id}"
    assert schema_errors(credential, standards.ACHIEVEMENT_CREDENTIAL_SCHEMA) == []
    assert "ona@pupils.example" not in served.data.decode()
    jwt = client.get(f"/credentials/{award.public_id}", headers={"Accept": "application/vc+jwt"})
    assert jwt.data.decode() == award.credential_jwt


@pytest.mark.parametrize("alg", ["EdDSA", "ES256"])
@pytest.mark.parametrize("image_type", ["png", "svg"])
def test_baked_images_carry_the_signed_badge_and_verify(
    client, make_org, make_achievement, database, alg, image_type, sealer
):
    from badges import baking
    from badges.resolve import KeyResolver
    from badges.verification import Verifier
    from issuer.services.awards import AwardInput, award_badge
    from issuer.services.orgs import did_document
    from issuer.urls import PublicUrls

    org = make_org(slug=f"school-{alg.lower()}", key_alg=alg)
    achievement = make_achievement(org)
    with database.transaction() as session:
        from issuer.models import Achievement, Organisation

        award = award_badge(
            session,
            org=session.get(Organisation, org.id),
            achievement=session.get(Achievement, achievement.id),
            data=AwardInput("Ona", "ona@pupils.example"),
            sealer=sealer,
            urls=PublicUrls(BASE_URL),
        )
        did = did_document(session, session.get(Organisation, org.id), PublicUrls(BASE_URL))
    response = client.get(f"/credentials/{award.public_id}.{image_type}")
    assert response.status_code == 200
    assert response.mimetype == ("image/png" if image_type == "png" else "image/svg+xml")
    baked = baking.unbake(response.data)
    assert baked is not None
    expected = award.credential_json if alg == "EdDSA" else award.credential_jwt
    assert baked.payload == expected  # the stored signed text, byte for byte
    assert b"ona@pupils.example" not in response.data
    url = f"{BASE_URL}/orgs/{org.slug}/did.json"
    report = Verifier(key_resolver=KeyResolver(documents={url: did})).verify(
        response.data, check_status=False
    )
    assert report.verdict.value == "valid", report.to_dict()["checks"]


def test_the_qr_code_encodes_the_badge_link(client, make_org, make_achievement, database, sealer):
    pytest.importorskip("zxingcpp")
    from issuer.models import Achievement, Organisation
    from issuer.services.awards import AwardInput, award_badge
    from issuer.urls import PublicUrls

    org = make_org()
    achievement = make_achievement(org)
    with database.transaction() as session:
        award = award_badge(
            session,
            org=session.get(Organisation, org.id),
            achievement=session.get(Achievement, achievement.id),
            data=AwardInput("Ona", "ona@pupils.example"),
            sealer=sealer,
            urls=PublicUrls(BASE_URL),
        )
    response = client.get(f"/credentials/{award.public_id}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    from tests.core.test_qr import decode, rasterise_svg

    assert decode(*rasterise_svg(response.data)) == [f"{BASE_URL}/credentials/{award.public_id}"]
    page = client.get(f"/credentials/{award.public_id}")
    assert f"/credentials/{award.public_id}/qr.svg" in page.text
    assert f"/credentials/{award.public_id}.png" in page.text


def _award_page_key(client, school, achievement):
    form = client.get(f"/staff/{school.slug}/achievements/{achievement.public_id}/award")
    return re.search(r'name="request_key" value="([^"]+)"', form.text).group(1)


def test_an_evidence_file_is_stored_linked_from_the_badge_and_served_as_a_download(
    client, school, teacher, make_achievement, database
):
    import io

    from issuer.models import EvidenceFile

    achievement = make_achievement(school)
    login(client, teacher.email)
    pdf = b"%PDF-1.4\n% river measurements\n%%EOF\n"
    data = {
        "learner_name": "Ona",
        "learner_email": "ona@pupils.example",
        "request_key": _award_page_key(client, school, achievement),
        "evidence_file": (io.BytesIO(pdf), "River report (final).pdf"),
    }
    response = post(
        client,
        f"/staff/{school.slug}/achievements/{achievement.public_id}/award",
        data,
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text
    with database.transaction() as session:
        award = session.scalars(select(Award)).one()
        stored = session.scalars(select(EvidenceFile)).one()
    evidence = json.loads(award.credential_json)["evidence"]
    link = f"{BASE_URL}/evidence/{stored.public_id}"
    assert [e["id"] for e in evidence] == [link]
    served = client.get(link.removeprefix(BASE_URL))
    assert served.data == pdf and served.mimetype == "application/pdf"
    assert served.headers["Content-Disposition"] == 'attachment; filename="River-report-final.pdf"'
    assert "sandbox" in served.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "PDF, PNG or JPEG"),
        (b"", "empty"),
        (b"%PDF-" + b"0" * 2000, "5 MB"),
    ],
    ids=["html", "empty", "too-big"],
)
def test_a_bad_evidence_file_is_refused_and_nothing_is_stored(
    client, school, teacher, make_achievement, database, content, message, monkeypatch
):
    import io

    from issuer.services import awards as award_service

    # the cap, lowered so that the test client keeps the body in memory (it leaks the
    # temporary file it spools bodies over 500 KB to)
    monkeypatch.setattr(award_service, "MAX_EVIDENCE_BYTES", 1000)

    from issuer.models import EvidenceFile

    achievement = make_achievement(school)
    login(client, teacher.email)
    data = {
        "learner_name": "Ona",
        "learner_email": "ona@pupils.example",
        "request_key": _award_page_key(client, school, achievement),
        "evidence_file": (io.BytesIO(content), "report.pdf"),
    }
    response = post(
        client,
        f"/staff/{school.slug}/achievements/{achievement.public_id}/award",
        data,
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert message in response.text
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Award)) == 0
        assert session.scalar(select(func.count()).select_from(EvidenceFile)) == 0


def test_a_school_adds_its_own_framework_and_aligns_a_badge_to_it(
    client, school, teacher, make_user, make_org, database
):
    from issuer.models import Framework, FrameworkItem

    login(client, teacher.email)
    url = f"/staff/{school.slug}/achievements/frameworks"
    bad = post(
        client,
        url,
        {"name": "Baltic Sea Project skills", "items": "BSP1 | Water sampling | ftp://x"},
    )
    assert bad.status_code == 400 and "Line 1" in bad.text
    good = post(
        client,
        url,
        {
            "name": "Baltic Sea Project skills",
            "url": "https://bsp.example/skills",
            "items": "BSP1 | Water sampling | https://bsp.example/skills#1\nData sharing",
        },
    )
    assert good.status_code == 302
    with database.transaction() as session:
        framework = session.scalars(select(Framework).where(Framework.org_id == school.id)).one()
        items = session.scalars(
            select(FrameworkItem).where(FrameworkItem.framework_id == framework.id)
        ).all()
        assert [(i.code, i.name) for i in items] == [
            ("BSP1", "Water sampling"),
            (None, "Data sharing"),
        ]
        item_id = items[0].id
    form = post(
        client,
        f"/staff/{school.slug}/achievements/new",
        {
            "name": "River monitor",
            "description": "Sampled the river.",
            "achievement_type": "Competency",
            "language": "en",
            "alignment_ids": str(item_id),
        },
    )
    assert form.status_code == 302
    with database.transaction() as session:
        from issuer.models import Achievement

        achievement = session.scalars(select(Achievement)).one()
    body = client.get(
        f"/achievements/{achievement.public_id}", headers={"Accept": "application/json"}
    ).json
    assert body["alignment"][0]["targetName"] == "Water sampling"
    assert body["alignment"][0]["targetFramework"] == "Baltic Sea Project skills"
    # another school's staff neither see nor use this framework
    other = make_org(slug="kaunas-school", name="Kaunas School")
    make_user("jonas@kaunas.example", org=other)
    assert post(client, "/logout").status_code == 302
    other_client = client.application.test_client()
    assert login(other_client, "jonas@kaunas.example").status_code == 302
    frameworks = other_client.get(f"/staff/{other.slug}/achievements/frameworks")
    assert frameworks.status_code == 200 and "Baltic Sea Project skills" not in frameworks.text
    refused = post(
        other_client,
        f"/staff/{other.slug}/achievements/new",
        {
            "name": "Copy",
            "description": "x",
            "achievement_type": "Badge",
            "language": "en",
            "alignment_ids": str(item_id),
        },
    )
    assert refused.status_code == 400
