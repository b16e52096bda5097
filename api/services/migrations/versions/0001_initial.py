"""The API's first tables: users, login failures, indicator reviews and state, audit log and head.

Revision ID: api_0001_initial
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "api_0001_initial"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the tables of this revision."""
    op.create_table(
        "api_audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_audit_head")),
    )
    op.create_table(
        "api_audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_api_audit_log")),
    )
    op.create_index(op.f("ix_api_audit_log_enterprise_id"), "api_audit_log", ["enterprise_id"], unique=False)
    op.create_table(
        "api_indicator_reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("indicator_id", sa.String(length=100), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_indicator_reviews")),
    )
    op.create_index(
        op.f("ix_api_indicator_reviews_indicator_id"), "api_indicator_reviews", ["indicator_id"], unique=False
    )
    op.create_table(
        "api_login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_login_failures")),
    )
    op.create_index("ix_login_failures_key_at", "api_login_failures", ["key", "at"], unique=False)
    op.create_table(
        "api_users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=False),
        sa.Column("department_id", sa.String(length=64), nullable=True),
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_users")),
        sa.UniqueConstraint("username", name=op.f("uq_api_users_username")),
    )
    op.create_index(op.f("ix_api_users_enterprise_id"), "api_users", ["enterprise_id"], unique=False)
    op.create_table(
        "api_indicator_state",
        sa.Column("indicator_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("edits", sa.Text(), nullable=False),
        sa.Column("last_review_id", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["last_review_id"],
            ["api_indicator_reviews.id"],
        ),
        sa.PrimaryKeyConstraint("indicator_id", name=op.f("pk_api_indicator_state")),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("api_indicator_state")
    op.drop_index(op.f("ix_api_users_enterprise_id"), table_name="api_users")
    op.drop_table("api_users")
    op.drop_index("ix_login_failures_key_at", table_name="api_login_failures")
    op.drop_table("api_login_failures")
    op.drop_index(op.f("ix_api_indicator_reviews_indicator_id"), table_name="api_indicator_reviews")
    op.drop_table("api_indicator_reviews")
    op.drop_index(op.f("ix_api_audit_log_enterprise_id"), table_name="api_audit_log")
    op.drop_table("api_audit_log")
    op.drop_table("api_audit_head")
