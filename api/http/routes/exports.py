"""Excel downloads: the 考核细则 (assessment rules) and the scorecards of a period."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from api.http.deps import CurrentUser, ScoringDep
from api.http.errors import problem_responses
from api.http.routes.scores import PeriodPath

__all__ = ["XLSX", "router"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "An xlsx workbook", "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}
}

router = APIRouter(tags=["exports"], responses=problem_responses(401, 403, 404, 422, 500))


def _scratch(name: str) -> FsPath:
    return FsPath(tempfile.mkdtemp(prefix="hsekg-export-")) / name


def _download(path: FsPath, filename: str) -> FileResponse:
    def cleanup() -> None:
        path.unlink(missing_ok=True)
        path.parent.rmdir()

    return FileResponse(path, media_type=XLSX, filename=filename, background=BackgroundTask(cleanup))


@router.get("/exports/rules.xlsx", name="exports.rules", response_class=FileResponse, responses=_XLSX_RESPONSE)
def export_rules(
    user: CurrentUser,
    scoring: ScoringDep,
    library: Annotated[bool, Query(description="The whole indicator library instead of the assignments")] = False,
) -> FileResponse:
    """The enterprise's 考核细则 (or the indicator library) as xlsx."""
    path = _scratch("rules.xlsx")
    try:
        scoring.export_rules(path, enterprise_id=user.enterprise_id, library=library)
    except BaseException:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise
    return _download(path, f"考核细则-{user.enterprise_id}.xlsx")


@router.get(
    "/exports/scorecard/{period}.xlsx", name="exports.scorecard", response_class=FileResponse, responses=_XLSX_RESPONSE
)
def export_scorecard(period: PeriodPath, user: CurrentUser, scoring: ScoringDep) -> FileResponse:
    """The scorecards of a scored period as xlsx."""
    path = _scratch("scorecard.xlsx")
    try:
        scoring.export_scorecard(period, path, enterprise_id=user.enterprise_id)
    except BaseException:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise
    return _download(path, f"考核结果-{user.enterprise_id}-{period}.xlsx")
