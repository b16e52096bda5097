"""Scoring as a use case: score a period for an enterprise (audited), read its report.

A scoring run recomputes derived rows in scoring's own transaction; its audit entry records the grades it
produced, which exist only once that transaction has committed, so the entry is written right after it
(re-running a period replaces its scores, so a run whose entry failed can simply be run again).
"""

from __future__ import annotations

from api.services.audit import AuditLog
from scoring.reports import PeriodReport
from scoring.schemas import Level
from scoring.service import ScoreSummary, ScoringService

__all__ = ["ScoreService"]

#: Who scores a period from the command line (no logged-in user there).
CLI_ACTOR = "cli"


class ScoreService:
    """Score periods and read their reports.

    Args:
        scoring: the scoring layer.
        audit: the audit trail.
    """

    def __init__(self, scoring: ScoringService, audit: AuditLog) -> None:
        self._scoring = scoring
        self._audit = audit

    def run(self, period: str, *, enterprise_id: str | None, actor: str = CLI_ACTOR) -> ScoreSummary:
        """Score a period (for one enterprise, or all with None); idempotent, audited.

        Raises:
            ScoringError: the period could not be scored or the entry not written.
        """
        summary = self._scoring.score(period, enterprise_id=enterprise_id)
        self._audit.record(
            actor=actor,
            enterprise_id=enterprise_id or "*",
            action="scores.run",
            target=f"period:{period}",
            before=None,
            after={"positions_by_grade": summary.positions_by_grade, "failing": summary.failing_positions[:50]},
        )
        return summary

    def report(
        self, period: str, *, enterprise_id: str, level: Level | None = None, unit_id: str | None = None
    ) -> PeriodReport:
        """The report of a scored period: grades per 企业/部门/岗位, failing indicators, trend."""
        return self._scoring.report(period, level=level, unit_id=unit_id, enterprise_id=enterprise_id)
