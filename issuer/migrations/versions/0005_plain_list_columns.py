"""achievement: plain JSON lists instead of lists wrapped in dicts

``tags`` {"tags": [...]} and ``levels`` {"levels": [...]} become the lists themselves;
``alignments`` {"items": [ids], "external": [{name, url}]} becomes two list columns,
``alignment_ids`` and ``external_alignments``. Stored rows are converted both ways.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OLD = sa.table(
    "achievement",
    sa.column("id", sa.Integer),
    sa.column("tags", sa.JSON),
    sa.column("levels", sa.JSON),
    sa.column("alignments", sa.JSON),
)
NEW = sa.table(
    "achievement",
    sa.column("id", sa.Integer),
    sa.column("tags", sa.JSON),
    sa.column("levels", sa.JSON),
    sa.column("alignment_ids", sa.JSON),
    sa.column("external_alignments", sa.JSON),
)


def _listed(value: Any, key: str) -> list[Any]:
    """The list a stored dict wraps under ``key`` (a list stored as it is stays as it is)."""
    if isinstance(value, dict):
        value = value.get(key)
    return list(value) if isinstance(value, list) else []


def upgrade() -> None:
    with op.batch_alter_table("achievement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alignment_ids", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("external_alignments", sa.JSON(), nullable=True))
    connection = op.get_bind()
    for row in connection.execute(sa.select(OLD)).all():
        alignments = row.alignments if isinstance(row.alignments, dict) else {}
        connection.execute(
            NEW.update()
            .where(NEW.c.id == row.id)
            .values(
                tags=_listed(row.tags, "tags"),
                levels=_listed(row.levels, "levels"),
                alignment_ids=_listed(alignments, "items"),
                external_alignments=_listed(alignments, "external"),
            )
        )
    with op.batch_alter_table("achievement", schema=None) as batch_op:
        batch_op.alter_column("alignment_ids", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("external_alignments", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("alignments")


def downgrade() -> None:
    with op.batch_alter_table("achievement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alignments", sa.JSON(), nullable=True))
    connection = op.get_bind()
    for row in connection.execute(sa.select(NEW)).all():
        connection.execute(
            OLD.update()
            .where(OLD.c.id == row.id)
            .values(
                tags={"tags": _listed(row.tags, "tags")},
                levels={"levels": _listed(row.levels, "levels")},
                alignments={
                    "items": _listed(row.alignment_ids, "items"),
                    "external": _listed(row.external_alignments, "external"),
                },
            )
        )
    with op.batch_alter_table("achievement", schema=None) as batch_op:
        batch_op.alter_column("alignments", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("external_alignments")
        batch_op.drop_column("alignment_ids")
