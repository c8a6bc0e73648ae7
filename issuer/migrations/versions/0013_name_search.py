"""award: the learner's name as searched (issue 12: case and diacritics ignored)

``award.learner_name_search``: the learner's name folded (case, diacritics, Kazakh letters)
by ``issuer.services.search.fold``, which the services write with every new award; existing
awards are filled here with that same function. Indexed with the organisation, as every
search is within one organisation.

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-07 15:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from issuer.services.search import fold

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None

BATCH = 500
AWARD = sa.table(
    "award",
    sa.column("id", sa.Integer),
    sa.column("learner_name", sa.String),
    sa.column("learner_name_search", sa.Text),
)


def _without_expression_index() -> None:
    # SQLite's batch mode rebuilds the award table from its reflection, which cannot read an
    # index on an expression: it goes first and is made again afterwards
    with op.batch_alter_table("award", schema=None) as batch_op:
        batch_op.drop_index("ix_award_learner_email_lower")


def _with_expression_index() -> None:
    with op.batch_alter_table("award", schema=None) as batch_op:
        batch_op.create_index(
            "ix_award_learner_email_lower", [sa.text("lower(learner_email)")], unique=False
        )


def upgrade() -> None:
    op.add_column("award", sa.Column("learner_name_search", sa.Text(), nullable=True))
    connection = op.get_bind()
    last = 0
    while True:  # in batches by id: a large table is never held in memory at once
        rows = connection.execute(
            sa.select(AWARD.c.id, AWARD.c.learner_name)
            .where(AWARD.c.id > last)
            .order_by(AWARD.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            AWARD.update().where(AWARD.c.id == sa.bindparam("row_id")),
            [{"row_id": row.id, "learner_name_search": fold(row.learner_name)} for row in rows],
        )
        last = rows[-1].id
    # every award has it from now on (SQLite rebuilds the table to say so)
    _without_expression_index()
    with op.batch_alter_table("award", schema=None) as batch_op:
        batch_op.alter_column("learner_name_search", existing_type=sa.Text(), nullable=False)
        batch_op.create_index(
            "ix_award_org_id_learner_name_search", ["org_id", "learner_name_search"], unique=False
        )
    _with_expression_index()


def downgrade() -> None:
    _without_expression_index()
    with op.batch_alter_table("award", schema=None) as batch_op:
        batch_op.drop_index("ix_award_org_id_learner_name_search")
        batch_op.drop_column("learner_name_search")
    _with_expression_index()
