"""The API's own tables in the records database (one storage module of the application layer).

They live beside scoring's tables (same engine, own ``MetaData``) so that several API workers share
them; they are created and upgraded by the migrations in :mod:`api.services.migrations`
(:func:`ensure_api_schema`, idempotent). Scoring's own tables and queries stay in :mod:`scoring`.

Tables::

    api_users                 login name, argon2 hash, role, enterprise, department, sealed contact data
    api_login_failures        failed logins per (username, client address), for the rate limit
    api_indicator_reviews     every review decision on an indicator (approve / reject / edit + comment)
    api_indicator_state       the current review state of an indicator (status, merged edits)
    api_audit_log             append-only audit entries chained by HMAC-SM3 (see :mod:`api.services.audit`)
    api_audit_head            the chain's head: entry count, last hash and their HMAC (detects a truncated tail)
    api_proposal_runs         one per proposal run: kind, enterprise, change text, scenario JSON, model, who, when
    api_proposals             one per proposed indicator: status, validity, indicator JSON (after edits),
                              the original JSON, obligations and risks JSON, last decision
    api_proposal_decisions    every decision: approve / reject / edit / reopen, comment, changes, actor, time
    api_security_events       refused logins, tokens and requests, one row per (kind, subject, source, minute,
                              detail) with a count (see :mod:`api.services.security_events`)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Engine, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from scoring.db import UtcDateTime, utcnow

__all__ = [
    "ApiBase",
    "AuditEntryRow",
    "AuditHeadRow",
    "IndicatorReviewRow",
    "IndicatorStateRow",
    "LoginFailureRow",
    "ProposalDecisionRow",
    "ProposalRow",
    "ProposalRunRow",
    "SecurityEventRow",
    "UserRow",
    "ensure_api_schema",
]


class ApiBase(DeclarativeBase):
    """Declarative base of the API's tables (a metadata of their own, apart from scoring's)."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class UserRow(ApiBase):
    """A user. ``full_name``, ``phone`` and ``email`` hold SM4-sealed values."""

    __tablename__ = "api_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    enterprise_id: Mapped[str] = mapped_column(String(64), index=True)
    department_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    full_name: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class LoginFailureRow(ApiBase):
    """One failed login; the limiter counts them per key inside a sliding window (older ones are dropped)."""

    __tablename__ = "api_login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"), Index("ix_login_failures_at", "at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class IndicatorReviewRow(ApiBase):
    """One review decision; ``changes`` is the JSON of an edit's field changes."""

    __tablename__ = "api_indicator_reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    indicator_id: Mapped[str] = mapped_column(String(100), index=True)
    decision: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[str] = mapped_column(Text, default="{}")
    reviewer: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class IndicatorStateRow(ApiBase):
    """The current review state of an indicator: status and the edits merged so far."""

    __tablename__ = "api_indicator_state"
    indicator_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))
    edits: Mapped[str] = mapped_column(Text, default="{}")
    last_review_id: Mapped[int] = mapped_column(ForeignKey("api_indicator_reviews.id"))
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditEntryRow(ApiBase):
    """An audit entry. ``hash = HMAC-SM3(key, canonical JSON of prev_hash and the content)``, or the unkeyed SM3
    of entries written before the chain was keyed (``key_id`` None); see :mod:`api.services.audit`."""

    __tablename__ = "api_audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    enterprise_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(300))
    before: Mapped[str] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)  # which key (never the key itself)


class AuditHeadRow(ApiBase):
    """The single row naming the chain's length and last hash, updated with every append; ``mac`` is their
    HMAC-SM3 under the audit key (None in a chain never written with a key)."""

    __tablename__ = "api_audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ProposalRunRow(ApiBase):
    """A run that produced proposals; ``scenario`` is the input JSON as given."""

    __tablename__ = "api_proposal_runs"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    source: Mapped[str] = mapped_column(String(10))
    enterprise_id: Mapped[str] = mapped_column(String(64), index=True)
    sector: Mapped[str] = mapped_column(String(100), default="")
    process: Mapped[str] = mapped_column(String(300), default="")
    change: Mapped[str] = mapped_column(Text, default="")
    scenario: Mapped[str] = mapped_column(Text, default="{}")
    model: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProposalRow(ApiBase):
    """A proposed indicator with its evidence and current review state."""

    __tablename__ = "api_proposals"
    id: Mapped[str] = mapped_column(String(48), primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("api_proposal_runs.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    enterprise_id: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(10))
    sector: Mapped[str] = mapped_column(String(100), default="", index=True)
    process: Mapped[str] = mapped_column(String(300), default="")
    change: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), index=True)
    valid: Mapped[bool] = mapped_column(Boolean)
    indicator: Mapped[str] = mapped_column(Text)
    original: Mapped[str] = mapped_column(Text)
    obligations: Mapped[str] = mapped_column(Text, default="[]")
    risks: Mapped[str] = mapped_column(Text, default="[]")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")


class ProposalDecisionRow(ApiBase):
    """One decision on a proposal; ``changes`` is the JSON of an edit's field changes."""

    __tablename__ = "api_proposal_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    proposal_id: Mapped[str] = mapped_column(ForeignKey("api_proposals.id"), index=True)
    decision: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[str] = mapped_column(Text, default="{}")
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class SecurityEventRow(ApiBase):
    """Refusals of one kind, subject, source and reason within one minute, counted (a flood adds to ``count``)."""

    __tablename__ = "api_security_events"
    __table_args__ = (
        UniqueConstraint("kind", "subject", "source", "minute", "detail", name="uq_api_security_events_key"),
        Index("ix_api_security_events_minute", "minute"),
        Index("ix_api_security_events_enterprise_minute", "enterprise_id", "minute"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24))
    subject: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    minute: Mapped[datetime] = mapped_column(UtcDateTime)
    enterprise_id: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(200), default="")
    count: Mapped[int] = mapped_column(Integer, default=1)
    last_at: Mapped[datetime] = mapped_column(UtcDateTime)


def ensure_api_schema(engine: Engine) -> None:
    """Create or upgrade the API's tables by their Alembic migrations (idempotent).

    Raises:
        ScoringError: the records database refused.
    """
    from api.services.migrations import upgrade_api_schema

    upgrade_api_schema(engine)
