"""Security events: refused logins, tokens and requests, aggregated per (kind, subject, source, minute, detail).

Revision ID: api_0004_security_events
Revises: api_0003_keyed_audit
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "api_0004_security_events"
down_revision: str | None = "api_0003_keyed_audit"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the table of this revision."""
    op.create_table(
        "api_security_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("minute", sa.DateTime(), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_security_events")),
        sa.UniqueConstraint("kind", "subject", "source", "minute", "detail", name="uq_api_security_events_key"),
    )
    op.create_index("ix_api_security_events_minute", "api_security_events", ["minute"], unique=False)
    op.create_index(
        "ix_api_security_events_enterprise_minute", "api_security_events", ["enterprise_id", "minute"], unique=False
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_api_security_events_enterprise_minute", table_name="api_security_events")
    op.drop_index("ix_api_security_events_minute", table_name="api_security_events")
    op.drop_table("api_security_events")
