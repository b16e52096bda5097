"""The keyed audit chain: which key an entry was hashed with, and the head's HMAC.

Entries written before this revision keep ``key_id`` NULL: their unkeyed SM3 still verifies, and they are
reported as unkeyed until a keyed entry follows them.

Revision ID: api_0003_keyed_audit
Revises: api_0002_review_queue
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "api_0003_keyed_audit"
down_revision: str | None = "api_0002_review_queue"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the columns of this revision."""
    with op.batch_alter_table("api_audit_log") as batch:
        batch.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))
    with op.batch_alter_table("api_audit_head") as batch:
        batch.add_column(sa.Column("mac", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("api_audit_head") as batch:
        batch.drop_column("mac")
    with op.batch_alter_table("api_audit_log") as batch:
        batch.drop_column("key_id")
