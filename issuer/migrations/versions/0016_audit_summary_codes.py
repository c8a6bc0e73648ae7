"""audit_event: the summary as a code and its parameters (issue 12: the log in the reader's language)

``audit_event.summary_code`` and ``summary_params``: the summary as a code of
``issuer.services.audit_summaries`` with its parameters, rendered in the reader's language
on the audit page. ``summary`` keeps the English. Entries written before have neither
(NULL): the page shows their English.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 18:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary_code", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("summary_params", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("summary_params")
        batch_op.drop_column("summary_code")
