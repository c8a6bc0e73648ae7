"""imported badges (issue 14: bring badges in)

``imported_badge``: a badge a learner brought in from another issuer, stored exactly as
received; ``share_link.imported_ids``: the imported badges of a shared collection.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import issuer.models.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imported_badge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("received", sa.LargeBinary(), nullable=False),
        sa.Column("received_type", sa.String(length=100), nullable=False),
        sa.Column("source_url", sa.String(length=2000), nullable=True),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("format_label", sa.String(length=300), nullable=False),
        sa.Column("credential_id", sa.String(length=2000), nullable=True),
        sa.Column("credential_json", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("issuer_id", sa.String(length=2000), nullable=False),
        sa.Column("issuer_name", sa.String(length=300), nullable=False),
        sa.Column("awarded_at", issuer.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", issuer.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_reason", sa.String(length=500), nullable=True),
        sa.Column(
            "status_checked_at", issuer.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("created_at", issuer.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learner.id"],
            name=op.f("fk_imported_badge_learner_id_learner"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_badge")),
        sa.UniqueConstraint("learner_id", "fingerprint", name=op.f("uq_imported_badge_learner_id")),
        sa.UniqueConstraint("public_id", name=op.f("uq_imported_badge_public_id")),
    )
    with op.batch_alter_table("imported_badge", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_imported_badge_learner_id"), ["learner_id"], unique=False
        )
    with op.batch_alter_table("share_link", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("imported_ids", sa.JSON(), server_default="[]", nullable=False)
        )
    # the default fills the rows there are; new rows get theirs from the model, as award_ids
    with op.batch_alter_table("share_link", schema=None) as batch_op:
        batch_op.alter_column("imported_ids", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("share_link", schema=None) as batch_op:
        batch_op.drop_column("imported_ids")
    with op.batch_alter_table("imported_badge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imported_badge_learner_id"))
    op.drop_table("imported_badge")
