"""The review queue: run a change, list and read proposals with their evidence, decide (one or many)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.contracts.common import Page
from api.contracts.review import (
    BulkDecisionIn,
    BulkDecisionOut,
    BulkResult,
    DecisionIn,
    DecisionOut,
    ProposalFacetsOut,
    ProposalOut,
    ProposalRunIn,
    ProposalRunOut,
)
from api.http.deps import ChangeDep, CurrentUser, PageParams, ReviewQueueDep, ServicesDep
from api.http.errors import problem_responses
from api.services.enterprise_rules import enterprise_rules
from api.services.review import ProposalView, RunInput
from kg.errors import HsekgError, NotFoundError
from retrieval.change.validator import from_current

__all__ = ["proposal_out", "router"]

router = APIRouter(tags=["proposals"], responses=problem_responses(401, 403, 404, 409, 422, 500, 503))

Status = Annotated[str | None, Query(max_length=10, description="proposed / validated / approved / rejected / edited")]
Filter = Annotated[str | None, Query(max_length=100)]


def proposal_out(view: ProposalView) -> ProposalOut:
    """The response shape of a stored proposal."""
    return ProposalOut(
        id=view.id,
        run_id=view.run_id,
        source=view.source,
        status=view.status,
        valid=view.valid,
        enterprise=view.enterprise_id,
        sector=view.sector,
        process=view.process,
        change=view.change,
        indicator=view.indicator,
        original=view.original,
        obligations=view.obligations,
        risks=view.risks,
        created_at=view.created_at,
        created_by=view.created_by,
        decided_at=view.decided_at,
        decided_by=view.decided_by,
        comment=view.comment,
        model=view.model,
    )


@router.post("/proposals/runs", name="proposals.run", response_model=ProposalRunOut, status_code=201)
def run_change(
    body: ProposalRunIn, user: CurrentUser, change: ChangeDep, queue: ReviewQueueDep, services: ServicesDep
) -> ProposalRunOut:
    """Propose risks, duties and indicators for a change and store the indicators in the review queue.

    The indicators the caller's enterprise is already assessed on (its stored 考核细则, when the records
    database has one) are what the validator's duplicate rule compares against."""
    scenario = body.scenario
    try:
        current = enterprise_rules(services.engine, services.kb, user.enterprise_id).indicators
    except NotFoundError:
        current = []
    result = change.proposer.run(scenario, [from_current(i) for i in current])
    process = scenario.change.process.name if scenario.change.process else ""
    run = RunInput(
        source="change",
        enterprise_id=user.enterprise_id,
        sector=scenario.sector,
        process=process or "、".join(p.name for p in result.processes[:3]),
        change=scenario.change.description,
        scenario=scenario.model_dump(mode="json"),
    )
    run_id, views = queue.add_run(
        run, result.indicators, obligations=result.obligations, risks=result.risks, actor=user.username
    )
    return ProposalRunOut(
        run_id=run_id,
        change=result.change,
        proposals=[proposal_out(v) for v in views],
        risks=result.risks,
        obligations=result.obligations,
        dropped=result.dropped,
        ms=result.ms,
    )


@router.get("/proposals", name="proposals.list", response_model=Page[ProposalOut])
def list_proposals(
    user: CurrentUser,
    queue: ReviewQueueDep,
    page: PageParams,
    status: Status = None,
    sector: Filter = None,
    process: Filter = None,
    run_id: Annotated[str | None, Query(max_length=40)] = None,
    source: Annotated[str | None, Query(max_length=10)] = None,
) -> Page[ProposalOut]:
    """The caller's enterprise's proposals, newest run first, filtered by status, sector, process, run."""
    views, total = queue.find(
        enterprise_id=user.enterprise_id,
        status=status,
        sector=sector,
        process=process,
        run_id=run_id,
        source=source,
        limit=page.limit,
        offset=page.offset,
    )
    return Page[ProposalOut](items=[proposal_out(v) for v in views], total=total, limit=page.limit, offset=page.offset)


@router.get("/proposals/facets", name="proposals.facets", response_model=ProposalFacetsOut)
def proposal_facets(user: CurrentUser, queue: ReviewQueueDep) -> ProposalFacetsOut:
    """The statuses, sectors and sources present in the caller's queue (for filters)."""
    return ProposalFacetsOut(**queue.facets(user.enterprise_id))


@router.get("/proposals/{proposal_id}", name="proposals.get", response_model=ProposalOut)
def get_proposal(proposal_id: str, user: CurrentUser, queue: ReviewQueueDep) -> ProposalOut:
    """One proposal with its chain, verdicts and review state."""
    view = queue.get(proposal_id)
    user.check_enterprise(view.enterprise_id)
    return proposal_out(view)


@router.get("/proposals/{proposal_id}/decisions", name="proposals.decisions", response_model=list[DecisionOut])
def proposal_decisions(proposal_id: str, user: CurrentUser, queue: ReviewQueueDep) -> list[DecisionOut]:
    """Every decision on a proposal, oldest first."""
    user.check_enterprise(queue.get(proposal_id).enterprise_id)
    return [
        DecisionOut(
            id=d.id, decision=d.decision, status=d.status, comment=d.comment, changes=d.changes, actor=d.actor, at=d.at
        )
        for d in queue.decisions(proposal_id)
    ]


@router.post("/proposals/{proposal_id}/decision", name="proposals.decide", response_model=ProposalOut)
def decide(
    proposal_id: str, body: DecisionIn, user: CurrentUser, queue: ReviewQueueDep, change: ChangeDep
) -> ProposalOut:
    """Approve (a valid proposal only: 409 otherwise), reject (comment required) or edit (re-validated); audited."""
    user.check_enterprise(queue.get(proposal_id).enterprise_id)
    changes = body.changes.model_dump(exclude_none=True) if body.changes is not None else {}
    view = queue.decide(
        proposal_id,
        body.decision,
        comment=body.comment,
        changes=changes,
        actor=user.username,
        validator=change.validator if body.decision == "edit" else None,
        enterprise_id=user.enterprise_id,
    )
    return proposal_out(view)


@router.post("/proposals/decisions", name="proposals.bulk", response_model=BulkDecisionOut)
def decide_many(body: BulkDecisionIn, user: CurrentUser, queue: ReviewQueueDep) -> BulkDecisionOut:
    """Approve or reject several proposals; each one succeeds or fails on its own (with the reason)."""
    results: list[BulkResult] = []
    for proposal_id in dict.fromkeys(body.ids):
        try:
            view = queue.decide(
                proposal_id,
                body.decision,
                comment=body.comment,
                changes={},
                actor=user.username,
                enterprise_id=user.enterprise_id,
            )
        except HsekgError as e:
            results.append(BulkResult(id=proposal_id, ok=False, detail=str(e)))
            continue
        results.append(BulkResult(id=proposal_id, ok=True, status=view.status))
    return BulkDecisionOut(results=results)
