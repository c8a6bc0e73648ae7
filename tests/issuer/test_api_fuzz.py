"""Schemathesis against the API's own OpenAPI document (in-process WSGI, a fixed seed):
requests that follow the document and requests that break it get no 500 anywhere."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from issuer.models import Organisation
from issuer.services import tokens

pytestmark = pytest.mark.slow
EXAMPLES = 40  # per operation and mode: about a thousand requests in all


@pytest.fixture
def known(database, make_org, make_achievement, award_to) -> dict[str, Any]:
    school = make_org()
    achievement = make_achievement(school)
    award = award_to(school, achievement)
    with database.transaction() as session:
        _token, secret = tokens.create_token(session, org=session.get(Organisation, school.id), name="Fuzz")
    return {"secret": secret, "achievement_id": achievement.public_id, "award_id": award.public_id}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_generated_requests_get_no_server_error(app, known, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    auth = {"Authorization": f"Bearer {known['secret']}"}
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        names = {p.name for p in operation.path_parameters}
        # real ids for the valid requests, so that they reach the work behind the check
        fixed = {k: v for k, v in known.items() if k in names} if mode is GenerationMode.POSITIVE else None
        strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed)

        @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def run(case: Any) -> None:
            response = case.call(headers=auth)
            if response.status_code >= 500 or "Traceback" in response.text:
                failures.append(f"{case.method} {case.formatted_path} {case.query} {str(case.body)[:200]}: "
                                f"{response.status_code}")

        run()
    assert operations >= 10
    assert not failures, "\n".join(failures[:20])
