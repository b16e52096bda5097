"""Initial records schema: organisation, indicators, records, monitoring, scores, closed loop.

Revision ID: 0001_initial
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create every table of :mod:`scoring.db` as of this revision."""
    op.create_table(
        "assessment_periods",
        sa.Column("id", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("first_month", sa.String(length=7), nullable=False),
        sa.Column("last_month", sa.String(length=7), nullable=False),
        sa.Column("scored_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_periods")),
    )
    op.create_table(
        "enterprises",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sector", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprises")),
    )
    op.create_table(
        "improvement_actions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("dedupe_key", sa.String(length=300), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=False),
        sa.Column("period_id", sa.String(length=7), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("indicator_id", sa.String(length=100), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("risks", sa.Text(), nullable=False),
        sa.Column("course_id", sa.String(length=100), nullable=True),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("deadline", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closure_note", sa.Text(), nullable=False),
        sa.Column("baseline_value", sa.Float(), nullable=True),
        sa.Column("baseline_grade", sa.String(length=4), nullable=True),
        sa.Column("effect_period", sa.String(length=7), nullable=True),
        sa.Column("effect_value", sa.Float(), nullable=True),
        sa.Column("effect_grade", sa.String(length=4), nullable=True),
        sa.Column("effective", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_actions")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_improvement_actions_dedupe_key")),
    )
    op.create_index(
        op.f("ix_improvement_actions_enterprise_id"), "improvement_actions", ["enterprise_id"], unique=False
    )
    op.create_index(op.f("ix_improvement_actions_period_id"), "improvement_actions", ["period_id"], unique=False)
    op.create_table(
        "indicator_scores",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("period_id", sa.String(length=7), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("indicator_id", sa.String(length=100), nullable=False),
        sa.Column("n_records", sa.Integer(), nullable=False),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("grade", sa.String(length=4), nullable=True),
        sa.Column("points", sa.Float(), nullable=True),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("veto", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_scores")),
        sa.UniqueConstraint("period_id", "level", "unit_id", "indicator_id", name="uq_indicator_score"),
    )
    op.create_index(op.f("ix_indicator_scores_period_id"), "indicator_scores", ["period_id"], unique=False)
    op.create_table(
        "indicators",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.String(length=50), nullable=False),
        sa.Column("metric", sa.Text(), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("comparator", sa.String(length=2), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("excellent", sa.Float(), nullable=False),
        sa.Column("qualified", sa.Float(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("standard", sa.Text(), nullable=False),
        sa.Column("data_source", sa.Text(), nullable=False),
        sa.Column("frequency", sa.String(length=50), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("risks", sa.Text(), nullable=False),
        sa.Column("snapshot_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators")),
    )
    op.create_table(
        "unit_scores",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("period_id", sa.String(length=7), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("grade", sa.String(length=4), nullable=True),
        sa.Column("veto_failed", sa.Boolean(), nullable=False),
        sa.Column("n_failing", sa.Integer(), nullable=False),
        sa.Column("n_unmeasured", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_scores")),
        sa.UniqueConstraint("period_id", "level", "unit_id", name="uq_unit_score"),
    )
    op.create_index(op.f("ix_unit_scores_period_id"), "unit_scores", ["period_id"], unique=False)
    op.create_table(
        "departments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_departments_enterprise_id_enterprises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
    )
    op.create_index(op.f("ix_departments_enterprise_id"), "departments", ["enterprise_id"], unique=False)
    op.create_table(
        "indicator_assignments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=False),
        sa.Column("indicator_id", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("veto", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_indicator_assignments_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicators.id"], name=op.f("fk_indicator_assignments_indicator_id_indicators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_assignments")),
        sa.UniqueConstraint("indicator_id", "level", "unit_id", name="uq_assignment"),
    )
    op.create_index(
        op.f("ix_indicator_assignments_enterprise_id"), "indicator_assignments", ["enterprise_id"], unique=False
    )
    op.create_table(
        "inspection_records",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=False),
        sa.Column("indicator_id", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("observed_at", sa.DateTime(), nullable=False),
        sa.Column("device_observed_at", sa.DateTime(), nullable=True),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("outcome", sa.String(length=4), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("numerator", sa.Float(), nullable=False),
        sa.Column("denominator", sa.Float(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=True),
        sa.Column("batch_id", sa.String(length=64), nullable=True),
        sa.Column("clock_skew_s", sa.Float(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_inspection_records_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicators.id"], name=op.f("fk_inspection_records_indicator_id_indicators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_records")),
        sa.UniqueConstraint("client_id", name=op.f("uq_inspection_records_client_id")),
    )
    op.create_index(
        "ix_records_period",
        "inspection_records",
        ["month", "level", "unit_id", "indicator_id", "numerator", "denominator"],
        unique=False,
    )
    op.create_table(
        "monitoring_points",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("indicator_id", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("pollutant", sa.String(length=100), nullable=False),
        sa.Column("limit_value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_monitoring_points_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicators.id"], name=op.f("fk_monitoring_points_indicator_id_indicators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_points")),
    )
    op.create_table(
        "monitoring_values",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("point_id", sa.String(length=64), nullable=False),
        sa.Column("measured_at", sa.DateTime(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("limit_value", sa.Float(), nullable=True),
        sa.Column("source_file", sa.String(length=300), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["point_id"], ["monitoring_points.id"], name=op.f("fk_monitoring_values_point_id_monitoring_points")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_values")),
        sa.UniqueConstraint("point_id", "measured_at", name="uq_monitoring_value"),
    )
    op.create_index("ix_monitoring_month", "monitoring_values", ["month", "point_id"], unique=False)
    op.create_table(
        "positions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("department_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_positions_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_positions")),
    )
    op.create_index(op.f("ix_positions_department_id"), "positions", ["department_id"], unique=False)
    op.create_table(
        "people",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("position_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["position_id"], ["positions.id"], name=op.f("fk_people_position_id_positions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    op.create_index(op.f("ix_people_position_id"), "people", ["position_id"], unique=False)
    op.create_table(
        "training_assignments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("action_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("course_id", sa.String(length=100), nullable=False),
        sa.Column("course_title", sa.String(length=200), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["improvement_actions.id"],
            name=op.f("fk_training_assignments_action_id_improvement_actions"),
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_training_assignments_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_assignments")),
        sa.UniqueConstraint("action_id", "person_id", "course_id", name="uq_training_assignment"),
    )
    op.create_index(op.f("ix_training_assignments_action_id"), "training_assignments", ["action_id"], unique=False)


def downgrade() -> None:
    """Drop everything."""
    op.drop_index(op.f("ix_training_assignments_action_id"), table_name="training_assignments")
    op.drop_table("training_assignments")
    op.drop_index(op.f("ix_people_position_id"), table_name="people")
    op.drop_table("people")
    op.drop_index(op.f("ix_positions_department_id"), table_name="positions")
    op.drop_table("positions")
    op.drop_index("ix_monitoring_month", table_name="monitoring_values")
    op.drop_table("monitoring_values")
    op.drop_table("monitoring_points")
    op.drop_index("ix_records_period", table_name="inspection_records")
    op.drop_table("inspection_records")
    op.drop_index(op.f("ix_indicator_assignments_enterprise_id"), table_name="indicator_assignments")
    op.drop_table("indicator_assignments")
    op.drop_index(op.f("ix_departments_enterprise_id"), table_name="departments")
    op.drop_table("departments")
    op.drop_index(op.f("ix_unit_scores_period_id"), table_name="unit_scores")
    op.drop_table("unit_scores")
    op.drop_table("indicators")
    op.drop_index(op.f("ix_indicator_scores_period_id"), table_name="indicator_scores")
    op.drop_table("indicator_scores")
    op.drop_index(op.f("ix_improvement_actions_period_id"), table_name="improvement_actions")
    op.drop_index(op.f("ix_improvement_actions_enterprise_id"), table_name="improvement_actions")
    op.drop_table("improvement_actions")
    op.drop_table("enterprises")
    op.drop_table("assessment_periods")
