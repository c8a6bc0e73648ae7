"""job: a learner's jobs (the archive of a portfolio), and the file a job made (issue 16)

``job.learner_id``: the learner whose job it is (an archive); ``job.org_id`` may now be empty
(a learner's job has no school). ``job_file``: what a finished job made for its owner to
download, stored with the job's ``done``.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 19:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("learner_id", sa.Integer(), nullable=True))
        batch_op.alter_column("org_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_job_learner_id_learner"),
            "learner",
            ["learner_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_job_learner_id"), ["learner_id", "request_key"]
        )
        batch_op.create_index(batch_op.f("ix_job_learner_id"), ["learner_id"], unique=False)
    op.create_table(
        "job_file",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_job_file_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_file")),
    )


def downgrade() -> None:
    op.drop_table("job_file")
    # a learner's jobs have no school: they cannot be kept under the old schema
    op.execute("DELETE FROM job WHERE org_id IS NULL")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_learner_id"))
        batch_op.drop_constraint(batch_op.f("uq_job_learner_id"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_job_learner_id_learner"), type_="foreignkey")
        batch_op.alter_column("org_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("learner_id")
