"""Crafted inputs that used to end in a 500 get a clear 4xx (and change nothing)."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest

from .conftest import GOOD_ACHIEVEMENT, csrf_of, login, post, post_multipart

HUGE = "9" * 30  # past any 64-bit integer
BEYOND_INT64 = str(2**63)  # one past the largest 64-bit integer


@pytest.fixture
def school(make_org):
    return make_org()


@pytest.fixture
def admin(client, make_user, school):
    user = make_user("ruta@vilnius.example", org=school, role="admin")
    assert login(client, user.email).status_code == 302
    return user


def _no_traceback(response) -> None:
    assert b"Traceback" not in response.data
    assert b"OverflowError" not in response.data and b"psycopg" not in response.data


def test_a_next_with_a_newline_is_a_clear_400(client, make_user, school):
    user = make_user("ruta@vilnius.example", org=school)
    response = client.post(
        "/login?next=" + quote("/staff/\r\nSet-Cookie: evil=1"),
        data={
            "email": user.email,
            "password": "correct horse battery",
            "csrf_token": csrf_of(client),
        },
    )
    assert response.status_code == 400
    assert "This login link is damaged" in response.text
    assert "evil" not in str(response.headers)


@pytest.mark.parametrize(
    "page", [HUGE, BEYOND_INT64, "-" + HUGE, "1e400", "  12  x", "0", "-1", "²"]
)
def test_a_page_number_of_thirty_digits_is_a_clear_400(client, school, admin, page):
    response = client.get(f"/staff/{school.slug}/awards?page={quote(page)}")
    assert response.status_code == 400, response.data[:300]
    assert "The page number must be a whole number from 1 to 1000000000." in response.text
    _no_traceback(response)


@pytest.mark.parametrize("page", [HUGE, BEYOND_INT64])
def test_the_audit_log_says_there_is_no_such_page(client, school, admin, page):
    response = client.get(f"/staff/{school.slug}/audit?page={page}")
    assert response.status_code == 200
    assert f"There is no page {page}." in response.text


def test_a_huge_but_valid_page_number_is_an_empty_page(client, school, admin):
    response = client.get(f"/staff/{school.slug}/awards?page=1000000000")
    assert response.status_code == 200


def test_a_bulk_confirm_with_a_payload_that_is_not_base64_is_a_400(
    client, school, admin, make_achievement, table_counts
):
    achievement = make_achievement(school)
    before = table_counts()
    for payload in ("not base64 at all!!", "QUJD\x01", "=" * 7, "ä"):
        response = post(
            client,
            f"/staff/{school.slug}/achievements/{achievement.public_id}/bulk/confirm",
            {"csv_b64": payload},
        )
        assert response.status_code == 400, (payload, response.status_code)
        assert "The upload was damaged" in response.text
        _no_traceback(response)
    assert table_counts() == before


def test_a_bulk_preview_with_a_payload_that_is_not_base64_is_a_400(
    client, school, admin, make_achievement, table_counts
):
    achievement = make_achievement(school)
    before = table_counts()
    response = post(
        client,
        f"/staff/{school.slug}/achievements/{achievement.public_id}/bulk",
        {"csv_b64": "this is %% not base64"},
    )
    assert response.status_code == 400
    assert "The upload was damaged" in response.text
    assert table_counts() == before


@pytest.mark.parametrize("token_id", [HUGE, BEYOND_INT64, str(2**31)])
def test_an_out_of_range_id_in_a_url_is_a_404(client, school, admin, token_id):
    response = post(client, f"/staff/{school.slug}/tokens/{token_id}/revoke")
    assert response.status_code == 404, response.data[:300]
    _no_traceback(response)


@pytest.mark.parametrize("value", [HUGE, BEYOND_INT64, str(2**31), "-" + HUGE])
def test_an_out_of_range_id_in_a_form_is_a_400_on_its_field(
    client, school, admin, table_counts, value
):
    before = table_counts()
    response = post_multipart(
        client,
        f"/staff/{school.slug}/achievements/new",
        dict(GOOD_ACHIEVEMENT) | {"alignment_ids": value},
    )
    assert response.status_code == 400, response.data[:300]
    assert "Choose competences from the" in response.text
    _no_traceback(response)
    assert table_counts() == before


@pytest.mark.parametrize("value", [HUGE, BEYOND_INT64, "99999999999"])
def test_an_out_of_range_validity_is_a_400_on_its_field(client, school, admin, table_counts, value):
    before = table_counts()
    response = post_multipart(
        client,
        f"/staff/{school.slug}/achievements/new",
        dict(GOOD_ACHIEVEMENT) | {"validity_days": value},
    )
    assert response.status_code == 400, response.data[:300]
    assert "Validity is 1 to 36,500 days" in response.text
    assert table_counts() == before


def test_an_svg_nested_a_thousand_deep_is_a_clear_400(client, school, admin, table_counts):
    before = table_counts()
    deep = (
        b'<svg xmlns="http://www.w3.org/2000/svg">'
        + b"<g>" * 1000
        + b"<circle r='1'/>"
        + b"</g>" * 1000
        + b"</svg>"
    )
    response = post_multipart(
        client,
        f"/staff/{school.slug}/achievements/new",
        dict(GOOD_ACHIEVEMENT) | {"image": (io.BytesIO(deep), "deep.svg")},
    )
    assert response.status_code == 400, response.data[:300]
    assert "nested too deeply" in response.text
    _no_traceback(response)
    assert table_counts() == before


def test_a_long_image_description_is_refused_on_its_field(client, school, admin, table_counts):
    """PostgreSQL refuses text longer than its column (a 500 before); SQLite stored it."""
    before = table_counts()
    response = post_multipart(
        client,
        f"/staff/{school.slug}/achievements/new",
        dict(GOOD_ACHIEVEMENT) | {"image_caption": "x" * 301},
    )
    assert response.status_code == 400
    assert "Keep the image description under 300 characters." in response.text
    assert table_counts() == before


def test_a_long_image_description_is_refused_by_the_api(client, database, school, make_achievement):
    from .api_helpers import token_for

    achievement = make_achievement(school)
    response = client.patch(
        f"/api/v1/achievements/{achievement.public_id}",
        json={"image_caption": "x" * 100_000},
        headers={"Authorization": f"Bearer {token_for(database, school)}"},
    )
    assert response.status_code == 400
    assert (
        response.json["error"]["fields"]["image_caption"]
        == "Keep the image description under 300 characters."
    )


def test_a_tampered_request_key_is_refused_not_a_database_error(
    client, school, admin, make_achievement, table_counts
):
    achievement = make_achievement(school)
    before = table_counts()
    response = post(
        client,
        f"/staff/{school.slug}/achievements/{achievement.public_id}/award",
        {"learner_name": "Ona", "learner_email": "ona@pupils.example", "request_key": "k" * 201},
    )
    assert response.status_code == 400
    assert "The request key is longer than 200 characters" in response.text
    assert table_counts() == before
