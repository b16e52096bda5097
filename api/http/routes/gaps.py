"""Rule gaps of a 考核细则 (JSON or an uploaded file), an enterprise's stored 考核细则, law-change impact."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from api.contracts.change import GapReport, GapScenario, ImpactReport
from api.contracts.review import GapRunIn, GapRunOut
from api.http.deps import CurrentUser, ProposalsDep
from api.http.errors import problem_responses
from api.http.mapping import gap_scenario_in, to_wire
from api.services.proposals import GapRun, SheetGapRequest

__all__ = ["router"]

router = APIRouter(tags=["gaps and impact"], responses=problem_responses(401, 403, 404, 413, 422, 500, 503))


def _out(run: GapRun) -> GapRunOut:
    return GapRunOut(
        report=to_wire(run.report, GapReport),
        proposal_ids=run.proposal_ids,
        run_id=run.run_id,
        unresolved=run.unresolved,
        skipped=run.skipped,
    )


@router.post("/gaps", name="gaps.run", response_model=GapRunOut)
def run_gaps(body: GapRunIn, user: CurrentUser, proposals: ProposalsDep) -> GapRunOut:
    """Applicable duties, which current indicators cover each and why, the uncovered ones with suggested
    indicators (optionally sent to the review queue), and citations of repealed articles."""
    return _out(proposals.gaps(gap_scenario_in(body.scenario), send_to_review=body.send_to_review, user=user))


@router.post("/gaps/upload", name="gaps.upload", response_model=GapRunOut)
async def upload_gaps(
    user: CurrentUser,
    proposals: ProposalsDep,
    file: Annotated[UploadFile, File(description="The 考核细则: .xlsx (header row with 指标) or .json")],
    sector: Annotated[str, Form(max_length=100)] = "",
    enterprise: Annotated[str, Form(max_length=200)] = "",
    processes: Annotated[str, Form(max_length=4000, description="Process names, separated by 、 , ; or lines")] = "",
    permit_class: Annotated[str, Form(max_length=20)] = "",
    send_to_review: Annotated[bool, Form()] = False,
) -> GapRunOut:
    """The gaps of an uploaded 考核细则 for the given processes (citations read from the file)."""
    request = SheetGapRequest(
        data=await file.read(),
        filename=file.filename or "",
        sector=sector,
        enterprise=enterprise,
        processes=processes,
        permit_class=permit_class,
        send_to_review=send_to_review,
    )
    return _out(proposals.gaps_of_sheet(request, user=user))


@router.get("/enterprises/{enterprise_id}/rules", name="gaps.rules", response_model=GapScenario)
def stored_rules(enterprise_id: str, user: CurrentUser, proposals: ProposalsDep) -> GapScenario:
    """The enterprise's current 考核细则 (its assigned indicators with their cited articles) and processes,
    ready for ``POST /gaps``."""
    return to_wire(proposals.stored_rules(enterprise_id, user=user), GapScenario)


@router.get("/impact/{regulation_id:path}", name="impact.get", response_model=ImpactReport)
def impact(regulation_id: str, user: CurrentUser, proposals: ProposalsDep) -> ImpactReport:
    """For a replaced regulation: the indicators citing it, the successor articles (with mapping scores) and
    the re-citation proposal for each."""
    return to_wire(proposals.impact(regulation_id), ImpactReport)
