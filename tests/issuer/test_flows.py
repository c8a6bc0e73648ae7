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


def test_a_teacher_awards_a_badge_and_the_public_page_shows_it(client, school, teacher, make_achievement, database):
    achievement = make_achievement(school)
    assert login(client, teacher.email).status_code == 302
    form = client.get(f"/staff/{school.slug}/achievements/{achievement.public_id}/award")
    assert form.status_code == 200
    key = re.search(r'name="request_key" value="([^"]+)"', form.text).group(1)
    data = {
        "learner_name": "Ona Petraitytė", "learner_email": "ona@pupils.example", "level": "Proficient",
        "evidence_url": "https://blog.example/ona/river", "request_key": key,
    }
    response = post(client, f"/staff/{school.slug}/achievements/{achievement.public_id}/award", data)
    assert response.status_code == 302, response.text
    again = post(client, f"/staff/{school.slug}/achievements/{achievement.public_id}/award", data)
    assert again.status_code == 302 and again.location == response.location  # a double submit: one badge
    with database.transaction() as session:
        award = session.scalars(select(Award)).one()
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    page = client.get(f"/credentials/{award.public_id}")
    assert page.status_code == 200
    assert "Ona Petraitytė" in page.text and "Proficient" in page.text
    assert "ona@pupils.example" not in page.text
    served = client.get(f"/credentials/{award.public_id}", headers={"Accept": "application/vc+ld+json"})
    assert served.data.decode() == award.credential_json  # byte for byte as signed
    credential = json.loads(served.data)
    assert credential["id"] == f"{BASE_URL}/credentials/{award.public_id}"
    assert schema_errors(credential, standards.ACHIEVEMENT_CREDENTIAL_SCHEMA) == []
    assert "ona@pupils.example" not in served.data.decode()
    jwt = client.get(f"/credentials/{award.public_id}", headers={"Accept": "application/vc+jwt"})
    assert jwt.data.decode() == award.credential_jwt
