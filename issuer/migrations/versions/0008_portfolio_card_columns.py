"""award: what a portfolio card shows, in columns (issue 13, a portfolio of 500 badges)

``awarded_at``, ``school_year``, ``card_name``, ``card_issuer``, ``card_image``,
``card_image_alt``, ``level_id``, ``level_name``, ``level_description``, ``level_rank``,
``level_of``, ``card_alignment``, ``card_description`` and ``card_evidence``: copied from
each award's signed credential, so the portfolio reads columns instead of parsing every
credential. Existing awards are filled
here from their stored credential with the function that fills new ones at signing
(``issuer.services.card_fields.card_fields``, pure: the same reading either way).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 13:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from issuer.models.base import UTCDateTime
from issuer.services.card_fields import card_fields, parse_credential

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TEXTS = (
    "card_name",
    "card_issuer",
    "card_image",
    "card_image_alt",
    "level_id",
    "level_name",
    "level_description",
    "card_description",
)
INTEGERS = ("school_year", "level_rank", "level_of")
BATCH = 500

AWARD = sa.table(
    "award",
    sa.column("id", sa.Integer),
    sa.column("credential_json", sa.Text),
    sa.column("issued_at", UTCDateTime()),
    sa.column("awarded_at", UTCDateTime()),
    *(sa.column(name, sa.Text) for name in TEXTS),
    *(sa.column(name, sa.Integer) for name in INTEGERS),
    sa.column("card_alignment", sa.JSON),
    sa.column("card_evidence", sa.JSON),
)


def upgrade() -> None:
    # nullable columns: a plain ALTER TABLE ADD COLUMN on both databases (no table rebuild)
    op.add_column("award", sa.Column("awarded_at", UTCDateTime(), nullable=True))
    for name in INTEGERS[:1]:
        op.add_column("award", sa.Column(name, sa.Integer(), nullable=True))
    for name in TEXTS:
        op.add_column("award", sa.Column(name, sa.Text(), nullable=True))
    for name in INTEGERS[1:]:
        op.add_column("award", sa.Column(name, sa.Integer(), nullable=True))
    op.add_column("award", sa.Column("card_alignment", sa.JSON(), nullable=True))
    op.add_column("award", sa.Column("card_evidence", sa.JSON(), nullable=True))
    connection = op.get_bind()
    last = 0
    while True:  # in batches by id: a large table is never held in memory at once
        rows = connection.execute(
            sa.select(AWARD.c.id, AWARD.c.credential_json, AWARD.c.issued_at)
            .where(AWARD.c.id > last)
            .order_by(AWARD.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            AWARD.update().where(AWARD.c.id == sa.bindparam("row_id")),
            [
                {"row_id": row.id}
                | card_fields(parse_credential(row.credential_json), issued_at=row.issued_at)
                for row in rows
            ],
        )
        last = rows[-1].id


def downgrade() -> None:
    # SQLite's batch mode rebuilds the award table from its reflection, which cannot read an
    # index on an expression: it goes first and is made again afterwards
    with op.batch_alter_table("award", schema=None) as batch_op:
        batch_op.drop_index("ix_award_learner_email_lower")
    with op.batch_alter_table("award", schema=None) as batch_op:
        for name in ("awarded_at", *INTEGERS, *TEXTS, "card_alignment", "card_evidence"):
            batch_op.drop_column(name)
    with op.batch_alter_table("award", schema=None) as batch_op:
        batch_op.create_index(
            "ix_award_learner_email_lower", [sa.text("lower(learner_email)")], unique=False
        )
