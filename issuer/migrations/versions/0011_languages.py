"""languages (issue 12)

``organisation.default_language``: the language of an organisation's pages and messages for
whoever chose none ("en" unless set); ``user.language`` and ``learner.language``: the
language a person chose with the switcher (NULL: not chosen).

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-07 13:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("default_language", sa.String(length=8), server_default="en", nullable=False)
        )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
    with op.batch_alter_table("learner", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("learner", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("default_language")
