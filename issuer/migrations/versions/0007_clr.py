"""renewals (issue 14)

``award.renewal_of_id``: a renewed badge names the expired or expiring badge it renews
(``reissue_of_id`` is a copy replacing one whose key was compromised: another meaning).
The platform's own issuer row (kind ``platform``) needs no schema change.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 11:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


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
    _without_expression_index()
    with op.batch_alter_table("award", schema=None) as batch_op:
        batch_op.add_column(sa.Column("renewal_of_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_award_renewal_of_id"), ["renewal_of_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_award_renewal_of_id_award"), "award", ["renewal_of_id"], ["id"]
        )
    _with_expression_index()


def downgrade() -> None:
    _without_expression_index()
    with op.batch_alter_table("award", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_award_renewal_of_id_award"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_award_renewal_of_id"))
        batch_op.drop_column("renewal_of_id")
    _with_expression_index()
