"""An index on the time of failed logins: the limiter drops every key's failures past its window.

Revision ID: api_0005_login_failures_at
Revises: api_0004_security_events
"""

from __future__ import annotations

from alembic import op

revision = "api_0005_login_failures_at"
down_revision: str | None = "api_0004_security_events"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the index of this revision."""
    op.create_index("ix_login_failures_at", "api_login_failures", ["at"], unique=False)


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_login_failures_at", table_name="api_login_failures")
