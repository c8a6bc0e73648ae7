"""The same change leaves the same audit entry, whether a teacher makes it on the staff pages
or a platform makes it through the JSON API: same action, subject, summary and details; only
who did it, ``via`` and the IP differ (each entry is written by the service that makes the
change, not by the page or the API endpoint)."""

from __future__ import annotations

import io
import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from issuer.models import Achievement, AuditEvent, Award, AwardBatch, Organisation
from issuer.services import accounts, tokens

PASSWORD = "parity horse battery staple"
NAME, DESCRIPTION, RENAMED = (
    "Peace messenger",
    "Organised a peace day at school.",
    "Peace messenger of the year",
)
SINGLE = ("Ona Petraitytė", "ona@pupils.example")
CLASS = [
    ("Jonas Jonaitis", "jonas@pupils.example"),
    ("Gabija Šimkutė", "gabija@pupils.example"),
    ("Aistė Kazlauskė", "aiste@pupils.example"),
]
# what both routes do, in this order
ACTIONS = [
    "achievement.create",
    "award.issue",
    "award.batch",
    "award.suspend",
    "award.unsuspend",
    "award.revoke",
    "achievement.update",
]


def csrf(client: FlaskClient) -> str:
    with client.session_transaction() as sess:
        sess.setdefault("csrf", "parity-csrf-token")
        return str(sess["csrf"])


def form(client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """POST a form as the browser does, with the session's CSRF token."""
    return client.post(url, data={"csrf_token": csrf(client), **(data or {})}, **kwargs)


def through_the_pages(client: FlaskClient, database: Any, org: Organisation) -> None:
    with database.transaction() as session:
        user = accounts.create_user(
            session, email="ruta@parity.example", name="Rūta Teacher", password=PASSWORD
        )
        accounts.add_member(session, user=user, org=session.get(Organisation, org.id), role="admin")
    assert (
        form(client, "/login", {"email": "ruta@parity.example", "password": PASSWORD}).status_code
        == 302
    )
    staff = f"/staff/{org.slug}"
    fields = {
        "name": NAME,
        "description": DESCRIPTION,
        "language": "en",
        "achievement_type": "Badge",
    }
    created = form(client, f"{staff}/achievements/new", fields)
    assert created.status_code == 302, created.text
    achievement = re.search(r"/achievements/([^/]+)/award", created.location).group(1)
    base = f"{staff}/achievements/{achievement}"
    name, email = SINGLE
    single = form(
        client,
        f"{base}/award",
        {"learner_name": name, "learner_email": email, "request_key": "one"},
    )
    assert single.status_code == 302, single.text
    single_id = single.location.rstrip("/").rsplit("/", 1)[1]
    csv = ("name,email\n" + "".join(f"{n},{e}\n" for n, e in CLASS)).encode()
    preview = form(
        client,
        f"{base}/bulk",
        {"csv": (io.BytesIO(csv), "class.csv")},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200, preview.text
    csv_b64 = re.search(r'name="csv_b64" value="([^"]+)"', preview.text).group(1)
    key = re.search(r'name="request_key" value="([^"]+)"', preview.text).group(1)
    done = form(client, f"{base}/bulk/confirm", {"csv_b64": csv_b64, "request_key": key}).get_data(
        as_text=True
    )
    assert "badges were awarded" in done, done
    first = first_of_class(database, org)
    assert (
        form(
            client, f"{staff}/awards/{first}/suspend", {"reason": "A complaint is looked into"}
        ).status_code
        == 302
    )
    assert form(client, f"{staff}/awards/{first}/unsuspend", {"reason": ""}).status_code == 302
    assert (
        form(
            client, f"{staff}/awards/{single_id}/revoke", {"reason": "Awarded by mistake"}
        ).status_code
        == 302
    )
    edited = form(client, f"{base}/edit", fields | {"name": RENAMED})
    assert edited.status_code == 302, edited.text


def through_the_api(client: FlaskClient, database: Any, org: Organisation) -> None:
    with database.transaction() as session:
        _token, secret = tokens.create_token(
            session, org=session.get(Organisation, org.id), name="Moodle"
        )
    auth = {"Authorization": f"Bearer {secret}"}

    def call(method: str, path: str, body: dict[str, Any], status: int) -> Any:
        response = client.open(f"/api/v1{path}", method=method, json=body, headers=auth)
        assert response.status_code == status, response.get_data(as_text=True)
        return response.json

    achievement = call("POST", "/achievements", {"name": NAME, "description": DESCRIPTION}, 201)[
        "id"
    ]
    name, email = SINGLE
    single = call(
        "POST", f"/achievements/{achievement}/awards", {"name": name, "email": email}, 201
    )["id"]
    call(
        "POST",
        f"/achievements/{achievement}/awards",
        {"learners": [{"name": n, "email": e} for n, e in CLASS]},
        201,
    )
    first = first_of_class(database, org)
    call("POST", f"/awards/{first}/suspend", {"reason": "A complaint is looked into"}, 200)
    call("POST", f"/awards/{first}/unsuspend", {"reason": ""}, 200)
    call("POST", f"/awards/{single}/revoke", {"reason": "Awarded by mistake"}, 200)
    call("PATCH", f"/achievements/{achievement}", {"name": RENAMED}, 200)


def first_of_class(database: Any, org: Organisation) -> str:
    with database.transaction() as session:
        return str(
            session.scalar(
                select(Award.public_id).where(
                    Award.org_id == org.id, Award.learner_name == CLASS[0][0]
                )
            )
        )


def logged(database: Any, org: Organisation) -> list[dict[str, Any]]:
    """``org``'s entries of people's and platforms' changes, oldest first, each record's own
    id replaced by a name that is the same in both organisations (e.g. <award of Ona …>)."""
    with database.transaction() as session:
        names = {
            a.public_id: f"<award of {a.learner_name}>"
            for a in session.scalars(select(Award).where(Award.org_id == org.id))
        }
        names |= {
            a.public_id: "<achievement>"
            for a in session.scalars(select(Achievement).where(Achievement.org_id == org.id))
        }
        names |= {
            f"batch:{b.id}": "batch:<class>"
            for b in session.scalars(select(AwardBatch).where(AwardBatch.org_id == org.id))
        }
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.org_id == org.id, AuditEvent.via.in_(("web", "api")))
            .order_by(AuditEvent.id)
        ).all()
        pattern = re.compile("|".join(re.escape(k) for k in sorted(names, key=len, reverse=True)))

        def plain(value: Any) -> Any:
            if isinstance(value, str):
                return pattern.sub(lambda m: names[m.group(0)], value)
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        return [
            {
                "action": e.action,
                "subject": plain(e.subject),
                "summary": plain(e.summary),
                "details": plain(e.details),
                "via": e.via,
                "actor": e.actor,
                "user": e.actor_user_id,
            }
            for e in rows
        ]


def test_pages_and_api_leave_the_same_audit_entries(client, database, make_org):
    web = make_org("parity-web", "Parity School", status_method="bitstring-suspension")
    api = make_org("parity-api", "Parity School Online", status_method="bitstring-suspension")
    through_the_pages(client, database, web)
    through_the_api(client, database, api)
    on_pages, by_api = logged(database, web), logged(database, api)
    assert [e["action"] for e in on_pages] == ACTIONS
    assert [e["action"] for e in by_api] == ACTIONS
    # who: the teacher on the pages, the token through the API (each service was given its actor)
    assert all(e["via"] == "web" and e["actor"].startswith("Rūta Teacher") for e in on_pages)
    assert all(e["via"] == "api" and e["actor"].startswith("API token Moodle (") for e in by_api)
    assert all(e["user"] is not None for e in on_pages) and all(e["user"] is None for e in by_api)
    # what: the same, entry by entry
    for page_entry, api_entry in zip(on_pages, by_api, strict=True):
        for part in ("subject", "summary", "details"):
            assert page_entry[part] == api_entry[part], (
                page_entry["action"],
                part,
                page_entry[part],
                api_entry[part],
            )
    # and the entries say what happened (not only the same on both routes)
    entry = dict(zip(ACTIONS, on_pages, strict=True))
    assert entry["award.issue"]["summary"] == f"Awarded “{NAME}” to {SINGLE[0]}"
    assert entry["award.batch"]["details"]["count"] == len(CLASS)
    assert entry["award.revoke"]["details"]["reason"] == "Awarded by mistake"
    assert entry["achievement.update"]["details"]["fields"] == ["name"]
    assert (
        entry["achievement.update"]["summary"]
        == f"Edited the achievement “{RENAMED}” (now version 2)"
    )


def test_every_action_is_named_once_and_offered_by_the_log_filter():
    from issuer.services.audit import AuditAction
    from issuer.views.audit import ACTION, ACTIONS

    values = [str(action) for action in AuditAction]
    assert len(values) == len(set(values)) and all(ACTION.fullmatch(v) and "." in v for v in values)
    assert {v.split(".")[0] for v in values} <= {noun for noun, _label in ACTIONS}
