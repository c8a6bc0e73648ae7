"""The migrations, run on an empty database, build exactly the schema the models describe.

Every other issuer test starts from a copy of a database migrated once per test session
(conftest.py), so this is the one place the chain of migrations runs from nothing: on
SQLite always, and on a PostgreSQL database made for it when DATABASE_URL names a server.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Connection,
    Integer,
    MetaData,
    create_engine,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url

from issuer.db import Database, normalise_url
from issuer.migrate import alembic_config, upgrade
from issuer.models import Award, Base, FrameworkItem
from issuer.seed import seed_frameworks
from issuer.services.achievements import AchievementInput, create_achievement
from issuer.services.awards import AwardInput, award_badge
from issuer.services.card_fields import CARD_COLUMNS, card_fields, parse_credential
from issuer.services.keys import Sealer
from issuer.services.orgs import create_organisation
from issuer.urls import PublicUrls


@pytest.fixture
def empty_postgresql(database_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on DATABASE_URL's server, dropped afterwards."""
    if not database_url:
        pytest.skip("DATABASE_URL names no PostgreSQL (CI runs this with one)")
    server = make_url(database_url)
    name = f"{server.database}_migrate_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    url: str = request.getfixturevalue("empty_postgresql")
    return url


def expression_indexes(conn: Connection) -> set[str]:
    """The indexes on an expression (not plain columns), by name."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        )
    else:
        rows = conn.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
        )
    return {name for name, sql in rows if "lower(" in sql.lower()}


def test_the_migrations_build_the_models_schema_from_empty(empty_database: str) -> None:
    database = Database(empty_database)
    try:
        assert inspect(database.engine).get_table_names() == []
        upgrade(empty_database)
        head = ScriptDirectory.from_config(alembic_config(empty_database)).get_current_head()
        with database.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            assert context.get_current_revision() == head
            with warnings.catch_warnings():
                # neither SQLAlchemy nor Alembic compares expression indexes (lower(...));
                # the one we have is checked by name below
                warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
                warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified")
                assert compare_metadata(context, Base.metadata) == []
            assert expression_indexes(conn) == {"ix_award_learner_email_lower"}
        # the seed the app fixture's copies start from goes in as well
        with database.transaction() as session:
            seed_frameworks(session)
        upgrade(empty_database)  # a second upgrade at head changes nothing
    finally:
        database.dispose()


def test_a_test_writes_only_to_its_own_copy(app, database, make_org, table_counts, request) -> None:
    make_org()
    assert table_counts()["organisation"] == 1
    if not request.getfixturevalue("database_url"):
        template = request.getfixturevalue("migrated_sqlite")
        assert database.url != f"sqlite:///{template}"
        copy = Database(f"sqlite:///{template}")
        try:
            with copy.engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM organisation")).scalar_one() == 0
        finally:
            copy.dispose()


def test_each_test_starts_from_the_seeded_schema(table_counts) -> None:
    """Runs after the test above wrote an organisation: none of it is left."""
    seeded = {"framework", "framework_item"}
    counts = table_counts()
    assert all(counts[name] > 0 for name in seeded), counts
    assert {name: n for name, n in counts.items() if name not in seeded and n} == {}


def test_0008_fills_the_card_columns_of_awards_signed_before_it(
    empty_database: str, sealer: Sealer
) -> None:
    """An award signed before migration 0008 gets the columns its portfolio card reads,
    read from its stored credential exactly as signing now writes them; downgrading drops
    them again."""
    upgrade(empty_database)
    database = Database(empty_database)
    try:
        with database.transaction() as session:
            seed_frameworks(session)
            items = list(session.scalars(select(FrameworkItem.id).order_by(FrameworkItem.id)))
            org = create_organisation(session, sealer=sealer, slug="klaipeda", name="Klaipėda")
            achievement = create_achievement(
                session,
                org=org,
                data=AchievementInput(
                    name="Baltic Sea Project",
                    description="Water samples, four seasons.",
                    levels=["Emerging", "Developing", "Proficient", "Mastered"],
                    alignment_ids=items[:2],
                ),
            )
            award = award_badge(
                session,
                org=org,
                achievement=achievement,
                sealer=sealer,
                urls=PublicUrls("https://badges.example"),
                data=AwardInput(
                    learner_name="Ona", learner_email="ona@pupils.example", level="Proficient"
                ),
            )
            signed = {column: getattr(award, column) for column in CARD_COLUMNS}
            award_id = award.id
        assert signed["card_name"] == "Baltic Sea Project"
        assert (signed["level_name"], signed["level_rank"], signed["level_of"]) == (
            "Proficient",
            3,
            4,
        )
        assert len(signed["card_alignment"]) == 2 and signed["awarded_at"] is not None
        database.dispose()

        command.downgrade(alembic_config(empty_database), "0007")  # as before 0008
        with database.engine.connect() as conn:
            names = {column["name"] for column in inspect(conn).get_columns("award")}
        assert names.isdisjoint(CARD_COLUMNS)
        database.dispose()

        upgrade(empty_database)
        with database.transaction() as session:
            row = session.get_one(Award, award_id)
            assert {column: getattr(row, column) for column in CARD_COLUMNS} == signed
    finally:
        database.dispose()


def test_an_unreadable_credential_gives_a_card_of_dates_only() -> None:
    issued = datetime(2025, 10, 1, 8, tzinfo=UTC)
    fields = card_fields(parse_credential("not json"), issued_at=issued)
    assert fields["awarded_at"] == issued and fields["school_year"] == 2025
    assert fields["card_alignment"] is None and fields["card_name"] is None
    empty = card_fields(parse_credential("{}"), issued_at=issued)
    assert empty["awarded_at"] == issued and empty["card_alignment"] == []


# -- every migration as a round trip with data (issue 16) -------------------------------------


def _value(column: Any) -> Any:
    """A plain value of the column's type (JSON: an empty list, which every list column
    of ours reads; text: as long as the column allows)."""
    kind = column.type
    if isinstance(kind, JSON):
        return []
    try:
        python = kind.python_type
    except NotImplementedError:
        python = str
    if python is bool:
        return False
    if python is int:
        return 1
    if python is float or python is Decimal:
        return 1
    if python is datetime:
        return datetime(2026, 1, 1, 8, tzinfo=UTC)
    if python is date:
        return date(2026, 1, 1)
    if python is bytes:
        return b"\x00data"
    length = getattr(kind, "length", None) or 40
    return f"{column.table.name}.{column.name}"[:length]


def _reflect(conn: Connection) -> MetaData:
    metadata = MetaData()
    with warnings.catch_warnings():  # (the expression index is not needed to insert rows)
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
        metadata.reflect(conn)
    return metadata


def _fill_empty_tables(conn: Connection, inserted: dict[str, dict[str, Any]]) -> None:
    """One row in every table that has none, every column given a value (a foreign key the
    row of the table it names), in dependency order; ``inserted`` keeps each row's values."""
    metadata = _reflect(conn)
    for table in metadata.sorted_tables:
        if table.name == "alembic_version":
            continue
        if conn.execute(select(func.count()).select_from(table)).scalar_one():
            continue
        row: dict[str, Any] = {}
        for column in table.columns:
            generated = (
                column.primary_key
                and not column.foreign_keys  # a key that names another row's (job_file.job_id)
                and column.autoincrement in (True, "auto")
                and (isinstance(column.type, Integer) and len(table.primary_key.columns) == 1)
            )
            if generated:
                continue
            targets = [fk.column for fk in column.foreign_keys]
            if targets:
                target = targets[0]
                parent = inserted.get(target.table.name)
                if parent is None or target.table.name == table.name:
                    assert column.nullable, f"{table.name}.{column.name} names no row"
                    row[column.name] = None
                else:
                    row[column.name] = parent[target.name]
                continue
            row[column.name] = _value(column)
        keys = list(table.primary_key.columns)
        returned = conn.execute(table.insert().values(row).returning(*keys)).one()
        inserted[table.name] = {**row, **dict(zip([k.name for k in keys], returned, strict=True))}


def _counts(conn: Connection) -> dict[str, int]:
    metadata = _reflect(conn)
    return {
        table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
        for table in metadata.sorted_tables
        if table.name != "alembic_version"
    }


def test_every_migration_round_trips_with_rows_in_every_table(empty_database: str) -> None:
    """Up one revision at a time from the first, a row put in every table as it appears;
    then down one at a time to the first revision, every table both revisions have keeping
    its rows; down to nothing; up to the head again and rows in again. Whatever revisions
    the chain holds (other branches add theirs), on SQLite and PostgreSQL."""
    config = alembic_config(empty_database)
    chain = [
        script.revision
        for script in reversed(list(ScriptDirectory.from_config(config).walk_revisions()))
    ]
    assert chain[0] == "0001" and len(chain) >= 8
    engine = create_engine(normalise_url(empty_database))
    inserted: dict[str, dict[str, Any]] = {}
    seen: dict[str, dict[str, int]] = {}
    try:
        for revision in chain:
            command.upgrade(config, revision)
            with engine.begin() as conn:
                before = _counts(conn)
                for name, count in seen.get("last", {}).items():
                    if name in before:
                        assert before[name] == count, (revision, name, "rows lost going up")
                _fill_empty_tables(conn, inserted)
                seen[revision] = seen["last"] = _counts(conn)
            assert all(seen[revision].values()), (revision, seen[revision])
        assert len(seen[chain[-1]]) == len(Base.metadata.tables)  # rows in every table at head
        above = seen[chain[-1]]  # the rows at the revision above, as the way down found them
        for lower, upper in zip(reversed(chain[:-1]), reversed(chain[1:]), strict=True):
            command.downgrade(config, lower)
            with engine.connect() as conn:
                now = _counts(conn)
            assert set(now) == set(seen[lower]), (lower, "tables differ from the way up")
            # a table both revisions have keeps its rows; one the upgrade dropped comes back
            # as it was made (0004's login_attempt: counters of a quarter of an hour)
            kept = {name: count for name, count in above.items() if name in now}
            assert {name: now[name] for name in kept} == kept, (upper, "->", lower)
            above = now
        command.downgrade(config, "base")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        with engine.begin() as conn:
            assert set(_counts(conn)) == set(seen[chain[-1]])
            inserted.clear()
            _fill_empty_tables(conn, inserted)
            assert all(_counts(conn).values())
    finally:
        engine.dispose()
