"""Expert review decisions on the knowledge base's indicators, and each indicator's current review state."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from api.services.review.decisions import DECISION_STATUS, AuditSink, Decision, check_decision
from api.services.storage import IndicatorReviewRow, IndicatorStateRow
from scoring.db import utcnow

__all__ = ["IndicatorReviews", "ReviewState", "ReviewView"]


@dataclass(frozen=True)
class ReviewView:
    """One review decision."""

    id: int
    indicator_id: str
    decision: str
    comment: str
    changes: dict[str, Any]
    reviewer: str
    at: datetime


@dataclass(frozen=True)
class ReviewState:
    """The current review state of an indicator."""

    indicator_id: str
    status: str
    edits: dict[str, Any] = field(default_factory=dict)
    updated_by: str = ""
    updated_at: datetime | None = None


class IndicatorReviews:
    """Expert review of indicators: approve, reject or edit, always with a comment where it matters.

    Args:
        engine: the records database.
        audit: where each decision is recorded (same transaction).
        clock: the current time.
    """

    def __init__(self, engine: Engine, audit: AuditSink, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._audit = audit
        self._clock = clock

    def review(
        self,
        indicator_id: str,
        decision: Decision,
        *,
        comment: str,
        changes: Mapping[str, Any],
        reviewer: str,
        enterprise_id: str,
    ) -> ReviewView:
        """Record a decision and update the indicator's state.

        Raises:
            ValidationFailedError: a rejection without a comment, an edit without changes, or
                changes given with approve/reject.
        """
        check_decision(decision, comment, changes)
        now = self._clock()
        with Session(self._engine) as session, session.begin():
            state = session.get(IndicatorStateRow, indicator_id)
            before = None if state is None else {"status": state.status, "edits": json.loads(state.edits)}
            row = IndicatorReviewRow(
                indicator_id=indicator_id,
                decision=decision,
                comment=comment,
                changes=json.dumps(dict(changes), ensure_ascii=False, sort_keys=True),
                reviewer=reviewer,
                at=now,
            )
            session.add(row)
            session.flush()
            edits = {**(before["edits"] if before else {}), **changes}
            if state is None:
                state = IndicatorStateRow(indicator_id=indicator_id)
                session.add(state)
            state.status = DECISION_STATUS[decision]
            state.edits = json.dumps(edits, ensure_ascii=False, sort_keys=True)
            state.last_review_id = row.id
            state.updated_by = reviewer
            state.updated_at = now
            after = {"status": state.status, "edits": edits, "comment": comment}
            self._audit.append(
                session,
                actor=reviewer,
                enterprise_id=enterprise_id,
                action="indicators.review",
                target=f"indicator:{indicator_id}",
                before=before,
                after=after,
                covers={"api_indicator_reviews": [row.id], "api_indicator_state": [indicator_id]},
            )
            return _review_view(row)

    def state(self, indicator_id: str) -> ReviewState | None:
        """The current state, or None if never reviewed."""
        return self.states([indicator_id]).get(indicator_id)

    def states(self, indicator_ids: Sequence[str]) -> dict[str, ReviewState]:
        """indicator id → current state, for those reviewed."""
        if not indicator_ids:
            return {}
        with Session(self._engine) as session:
            stmt = select(IndicatorStateRow).where(IndicatorStateRow.indicator_id.in_(list(indicator_ids)))
            return {
                s.indicator_id: ReviewState(
                    indicator_id=s.indicator_id,
                    status=s.status,
                    edits=json.loads(s.edits),
                    updated_by=s.updated_by,
                    updated_at=s.updated_at,
                )
                for s in session.execute(stmt).scalars()
            }

    def history(self, indicator_id: str) -> list[ReviewView]:
        """Every decision on an indicator, oldest first."""
        with Session(self._engine) as session:
            stmt = (
                select(IndicatorReviewRow)
                .where(IndicatorReviewRow.indicator_id == indicator_id)
                .order_by(IndicatorReviewRow.id)
            )
            return [_review_view(r) for r in session.execute(stmt).scalars()]


def _review_view(row: IndicatorReviewRow) -> ReviewView:
    return ReviewView(
        id=row.id,
        indicator_id=row.indicator_id,
        decision=row.decision,
        comment=row.comment,
        changes=json.loads(row.changes),
        reviewer=row.reviewer,
        at=row.at,
    )
