"""award: the signed texts compressed with lz4 on PostgreSQL (issue 15)

``award.credential_json`` and ``award.credential_jwt`` (about 5 kB each) are compressed by
PostgreSQL when stored (TOAST). Its default method, pglz, cost the server about 0.1 ms of
CPU per award stored (a class of 2,000: 0.2 s, almost half of what signing them costs);
lz4 costs a fifth of that, for rows about a tenth larger. Only the values stored from now
on use it: each value says how it was compressed, and both are read alike. Nothing changes
on SQLite (it does not compress), nor on a PostgreSQL built without lz4 (it keeps pglz).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 22:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

COLUMNS = ("credential_json", "credential_jwt")


def _set_compression(method: str) -> None:
    """``method`` for the award's signed texts, if this server has it ("default": the
    server's default, as the columns were made)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # the methods this server was built with (none before PostgreSQL 14; lz4 needs a
    # server built --with-lz4)
    methods = bind.execute(
        sa.text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
    ).scalar()
    if not methods or (method != "default" and method not in methods):
        return
    for column in COLUMNS:
        op.execute(f"ALTER TABLE award ALTER COLUMN {column} SET COMPRESSION {method}")


def upgrade() -> None:
    _set_compression("lz4")


def downgrade() -> None:
    _set_compression("default")
