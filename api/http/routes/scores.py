"""Scores and reports of an assessment period (月度 YYYY-MM, 年度 YYYY) for the caller's enterprise."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.contracts.records import Level
from api.contracts.scores import PeriodReport, ScoreSummary
from api.http.deps import CurrentUser, ScoresDep
from api.http.errors import problem_responses
from api.http.mapping import to_wire

__all__ = ["PeriodPath", "router"]

router = APIRouter(tags=["scores"], responses=problem_responses(401, 403, 404, 422, 500))

PeriodPath = Annotated[str, Path(pattern=r"^\d{4}(-(0[1-9]|1[0-2]))?$", examples=["2026-10"])]


@router.post("/scores/{period}/run", name="scores.run", response_model=ScoreSummary)
def run_scores(period: PeriodPath, user: CurrentUser, scores: ScoresDep) -> ScoreSummary:
    """Score a period for the caller's enterprise (idempotent: re-scoring replaces the period's scores)."""
    return to_wire(scores.run(period, enterprise_id=user.enterprise_id, actor=user.username), ScoreSummary)


@router.get("/scores/{period}", name="scores.get", response_model=PeriodReport)
def get_scores(
    period: PeriodPath,
    user: CurrentUser,
    scores: ScoresDep,
    level: Annotated[Level | None, Query(description="Only this level")] = None,
    unit_id: Annotated[str | None, Query(max_length=64, description="Only this unit")] = None,
) -> PeriodReport:
    """The report of a scored period: grades per 企业/部门/岗位, failing indicators, trend."""
    report = scores.report(period, level=level, unit_id=unit_id, enterprise_id=user.enterprise_id)
    return to_wire(report, PeriodReport)
