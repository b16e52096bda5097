"""An index for listing an enterprise's records newest first (the records list of the API).

Revision ID: 0002_records_by_enterprise
Revises: 0001_initial
"""

from __future__ import annotations

from alembic import op

revision = "0002_records_by_enterprise"
down_revision: str | None = "0001_initial"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Index inspection records by (enterprise, observation time, id)."""
    op.create_index(
        "ix_records_enterprise_observed", "inspection_records", ["enterprise_id", "observed_at", "id"], unique=False
    )


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_records_enterprise_observed", table_name="inspection_records")
