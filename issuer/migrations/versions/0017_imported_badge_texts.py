"""imported_badge: the format and the status reason as report messages (issue 12)

``imported_badge.format_text`` and ``status_text``: what the verifier said of an imported
badge (its format, and why it is no longer valid) as report message codes with their
parameters (``badges.verification.messages.Message.to_dict``), rendered in the reader's
language on the portfolio and shared pages. ``format_label`` and ``status_reason`` keep
the English. Rows written before have neither (NULL): the pages show their English, and a
status reason gets its codes at the badge's next check.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 19:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("imported_badge", schema=None) as batch_op:
        batch_op.add_column(sa.Column("format_text", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("status_text", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("imported_badge", schema=None) as batch_op:
        batch_op.drop_column("status_text")
        batch_op.drop_column("format_text")
