"""The review queue: proposal runs, proposals, decisions.

Revision ID: api_0002_review_queue
Revises: api_0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "api_0002_review_queue"
down_revision: str | None = "api_0001_initial"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the tables of this revision."""
    op.create_table(
        "api_proposal_runs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=False),
        sa.Column("sector", sa.String(length=100), nullable=False),
        sa.Column("process", sa.String(length=300), nullable=False),
        sa.Column("change", sa.Text(), nullable=False),
        sa.Column("scenario", sa.Text(), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_proposal_runs")),
    )
    op.create_index(op.f("ix_api_proposal_runs_enterprise_id"), "api_proposal_runs", ["enterprise_id"], unique=False)
    op.create_table(
        "api_proposals",
        sa.Column("id", sa.String(length=48), nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("sector", sa.String(length=100), nullable=False),
        sa.Column("process", sa.String(length=300), nullable=False),
        sa.Column("change", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("indicator", sa.Text(), nullable=False),
        sa.Column("original", sa.Text(), nullable=False),
        sa.Column("obligations", sa.Text(), nullable=False),
        sa.Column("risks", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["api_proposal_runs.id"],
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_proposals")),
    )
    op.create_index(op.f("ix_api_proposals_enterprise_id"), "api_proposals", ["enterprise_id"], unique=False)
    op.create_index(op.f("ix_api_proposals_run_id"), "api_proposals", ["run_id"], unique=False)
    op.create_index(op.f("ix_api_proposals_sector"), "api_proposals", ["sector"], unique=False)
    op.create_index(op.f("ix_api_proposals_status"), "api_proposals", ["status"], unique=False)
    op.create_table(
        "api_proposal_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("proposal_id", sa.String(length=48), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["api_proposals.id"],
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_proposal_decisions")),
    )
    op.create_index(
        op.f("ix_api_proposal_decisions_proposal_id"), "api_proposal_decisions", ["proposal_id"], unique=False
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_index(op.f("ix_api_proposal_decisions_proposal_id"), table_name="api_proposal_decisions")
    op.drop_table("api_proposal_decisions")
    op.drop_index(op.f("ix_api_proposals_status"), table_name="api_proposals")
    op.drop_index(op.f("ix_api_proposals_sector"), table_name="api_proposals")
    op.drop_index(op.f("ix_api_proposals_run_id"), table_name="api_proposals")
    op.drop_index(op.f("ix_api_proposals_enterprise_id"), table_name="api_proposals")
    op.drop_table("api_proposals")
    op.drop_index(op.f("ix_api_proposal_runs_enterprise_id"), table_name="api_proposal_runs")
    op.drop_table("api_proposal_runs")
