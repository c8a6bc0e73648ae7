"""achievement: language versions (issue 12: badges in several languages)

``achievement.language_of_id``: a language version of another achievement names the first
one (the group's original; NULL for an achievement that is no version of another). Each
version is an achievement of its own, signed with its ``inLanguage`` and naming the others
in ``related[]`` (issuer.services.achievements).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 16:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("achievement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_achievement_language_of_id_achievement", "achievement", ["language_of_id"], ["id"]
        )
        batch_op.create_index("ix_achievement_language_of_id", ["language_of_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("achievement", schema=None) as batch_op:
        batch_op.drop_index("ix_achievement_language_of_id")
        batch_op.drop_constraint("fk_achievement_language_of_id_achievement", type_="foreignkey")
        batch_op.drop_column("language_of_id")
