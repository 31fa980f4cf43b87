"""Grading across machines: attempts, who graded, when the broker got it, the archive itself

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as table:
        table.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("published_for", sa.String(length=40), nullable=True))
        table.add_column(sa.Column("worker", sa.String(length=200), nullable=True))
        table.add_column(sa.Column("lost", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(sa.Column("archive", sa.LargeBinary(), nullable=True))
    op.create_table(
        "grading_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submission_id", "number"),
    )
    op.create_index(
        "ix_grading_attempts_submission_id", "grading_attempts", ["submission_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_grading_attempts_submission_id", table_name="grading_attempts")
    op.drop_table("grading_attempts")
    with op.batch_alter_table("submissions") as table:
        table.drop_column("archive")
        table.drop_column("lost")
        table.drop_column("worker")
        table.drop_column("published_for")
        table.drop_column("published_at")
