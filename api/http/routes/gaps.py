"""Rule gaps of a 考核细则 (JSON or an uploaded file), an enterprise's stored 考核细则, law-change impact."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from api.contracts.review import GapRunIn, GapRunOut
from api.http.deps import ChangeDep, CurrentUser, ReviewQueueDep, ServicesDep
from api.http.errors import problem_responses
from api.services.change_engine import ChangeEngine
from api.services.enterprise_rules import enterprise_rules
from api.services.review import ReviewQueue
from kg.errors import UnsupportedDocumentError
from retrieval.change.impact import ImpactReport
from retrieval.change.inputs import GapScenario, ProcessInput
from retrieval.change.rules_sheet import RulesSheetReader

__all__ = ["router"]

router = APIRouter(tags=["gaps and impact"], responses=problem_responses(401, 403, 404, 413, 422, 500, 503))

_SEPARATORS = re.compile(r"[,，、;；\n]+")


def _gap_run(
    scenario: GapScenario, send: bool, change: ChangeEngine, queue: ReviewQueue, *, actor: str, enterprise: str
) -> GapRunOut:
    report = change.gaps.run(scenario)
    if not send or not report.suggestions:
        return GapRunOut(report=report)
    run_id, views = queue.add_gap_suggestions(report, scenario, change, enterprise_id=enterprise, actor=actor)
    return GapRunOut(report=report, proposal_ids=[v.id for v in views], run_id=run_id)


@router.post("/gaps", name="gaps.run", response_model=GapRunOut)
def run_gaps(body: GapRunIn, user: CurrentUser, change: ChangeDep, queue: ReviewQueueDep) -> GapRunOut:
    """Applicable duties, which current indicators cover each and why, the uncovered ones with suggested
    indicators (optionally sent to the review queue), and citations of repealed articles."""
    return _gap_run(
        body.scenario, body.send_to_review, change, queue, actor=user.username, enterprise=user.enterprise_id
    )


@router.post("/gaps/upload", name="gaps.upload", response_model=GapRunOut)
async def upload_gaps(
    user: CurrentUser,
    change: ChangeDep,
    queue: ReviewQueueDep,
    file: Annotated[UploadFile, File(description="The 考核细则: .xlsx (header row with 指标) or .json")],
    sector: Annotated[str, Form(max_length=100)] = "",
    enterprise: Annotated[str, Form(max_length=200)] = "",
    processes: Annotated[str, Form(max_length=4000, description="Process names, separated by 、 , ; or lines")] = "",
    permit_class: Annotated[str, Form(max_length=20)] = "",
    send_to_review: Annotated[bool, Form()] = False,
) -> GapRunOut:
    """The gaps of an uploaded 考核细则 for the given processes (citations read from the file)."""
    data = await file.read()
    if not data:
        raise UnsupportedDocumentError(f"{file.filename or 'the file'} is empty")
    sheet = RulesSheetReader(change.law_names()).run(data, file.filename or "")
    names = [n.strip() for n in _SEPARATORS.split(processes) if n.strip()]
    scenario = GapScenario(
        id=enterprise or "upload",
        sector=sector,
        enterprise=enterprise,
        processes=[ProcessInput(name=n) for n in names],
        indicators=sheet.indicators,
        permit_class=permit_class,
    )
    out = _gap_run(scenario, send_to_review, change, queue, actor=user.username, enterprise=user.enterprise_id)
    return out.model_copy(update={"unresolved": sheet.unresolved, "skipped": sheet.skipped})


@router.get("/enterprises/{enterprise_id}/rules", name="gaps.rules", response_model=GapScenario)
def stored_rules(enterprise_id: str, user: CurrentUser, services: ServicesDep) -> GapScenario:
    """The enterprise's current 考核细则 (its assigned indicators with their cited articles) and processes,
    ready for ``POST /gaps``."""
    user.check_enterprise(enterprise_id)
    return enterprise_rules(services.engine, services.kb, enterprise_id)


@router.get("/impact/{regulation_id:path}", name="impact.get", response_model=ImpactReport)
def impact(regulation_id: str, user: CurrentUser, change: ChangeDep) -> ImpactReport:
    """For a replaced regulation: the indicators citing it, the successor articles (with mapping scores) and
    the re-citation proposal for each."""
    return change.impact.run(regulation_id)
