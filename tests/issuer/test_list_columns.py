"""Achievements keep tags, levels and alignments as plain JSON lists (migration 0005 converts
the lists once wrapped in dicts, both ways), on SQLite and, with DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from issuer.migrate import alembic_config, upgrade
from issuer.models import Achievement, Organisation
from issuer.services.achievements import AchievementInput, update_achievement

NOW = datetime(2026, 12, 1, tzinfo=UTC)
ORG = {
    "id": 1,
    "slug": "old",
    "name": "Old School",
    "kind": "school",
    "description": "",
    "status_method": "bitstring",
    "key_alg": "EdDSA",
    "created_at": NOW,
}
WRAPPED = [  # (tags, levels, alignments) as they were stored before 0005
    (
        {"tags": ["science", "sea"]},
        {"levels": ["Emerging", "Proficient"]},
        {"items": [3, 5], "external": [{"name": "ESCO", "url": "https://esco.example/1"}]},
    ),
    ({}, {}, {}),  # nothing given
]
PLAIN = [
    (
        ["science", "sea"],
        ["Emerging", "Proficient"],
        [3, 5],
        [{"name": "ESCO", "url": "https://esco.example/1"}],
    ),
    ([], [], [], []),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith("postgres"):
        pytest.skip("PostgreSQL: set DATABASE_URL")
    server = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", server)
    name = f"migrate_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def achievement_table(*names: str) -> sa.TableClause:
    return sa.table(
        "achievement", sa.column("id", sa.Integer), *(sa.column(n, sa.JSON) for n in names)
    )


def test_the_migration_unwraps_the_lists_and_wraps_them_again(empty_database):
    url = empty_database
    upgrade(url, "0003")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.table("organisation", *(sa.column(k) for k in ORG)).insert().values(**ORG))
        for number, (tags, levels, alignments) in enumerate(WRAPPED, 1):
            conn.execute(
                sa.table(
                    "achievement",
                    *(
                        sa.column(k)
                        for k in (
                            "id",
                            "public_id",
                            "org_id",
                            "name",
                            "description",
                            "criteria_md",
                            "achievement_type",
                            "language",
                            "version",
                            "created_at",
                        )
                    ),
                    sa.column("tags", sa.JSON),
                    sa.column("levels", sa.JSON),
                    sa.column("alignments", sa.JSON),
                )
                .insert()
                .values(
                    id=number,
                    public_id=f"a{number}",
                    org_id=1,
                    name=f"Badge {number}",
                    description="",
                    criteria_md="",
                    achievement_type="Badge",
                    language="en",
                    version=1,
                    created_at=NOW,
                    tags=tags,
                    levels=levels,
                    alignments=alignments,
                )
            )
    engine.dispose()
    upgrade(url)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        plain = achievement_table("tags", "levels", "alignment_ids", "external_alignments")
        rows = conn.execute(sa.select(plain).order_by(plain.c.id)).all()
        assert [tuple(row[1:]) for row in rows] == PLAIN
        assert "alignments" not in {c["name"] for c in sa.inspect(conn).get_columns("achievement")}
    engine.dispose()
    command.downgrade(alembic_config(url), "0003")
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        wrapped = achievement_table("tags", "levels", "alignments")
        rows = conn.execute(sa.select(wrapped).order_by(wrapped.c.id)).all()
        assert [tuple(row[1:]) for row in rows] == [
            WRAPPED[0],
            ({"tags": []}, {"levels": []}, {"items": [], "external": []}),
        ]
    engine.dispose()


def test_an_edited_achievement_stores_plain_lists(make_org, make_achievement, database):
    org = make_org()
    badge = make_achievement(org)
    with database.transaction() as session:
        row = session.get_one(Achievement, badge.id)
        update_achievement(
            session,
            achievement=row,
            org=session.get_one(Organisation, org.id),
            data=AchievementInput(
                name="Sea science",
                description="Studied the sea.",
                tags=["sea", "science"],
                levels=["Emerging", "Proficient"],
                external_alignments=[{"name": "ESCO", "url": "https://esco.example/1"}],
            ),
        )
    with database.engine.connect() as conn:
        stored = conn.execute(
            sa.select(
                achievement_table("tags", "levels", "alignment_ids", "external_alignments")
            ).where(sa.column("id") == badge.id)
        ).one()
    assert tuple(stored[1:]) == (
        ["sea", "science"],
        ["Emerging", "Proficient"],
        [],
        [{"name": "ESCO", "url": "https://esco.example/1"}],
    )
