"""The review queue: run a change, list and read proposals with their evidence, decide (one or many)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.contracts.change import IndicatorProposal, ObligationProposal, RiskProposal
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
from api.http.deps import CurrentUser, PageParams, ProposalsDep, ReviewQueueDep
from api.http.errors import problem_responses
from api.http.mapping import change_scenario_in, to_wire, to_wire_list
from api.services.review.proposals import ProposalView

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
        indicator=to_wire(view.indicator, IndicatorProposal),
        original=to_wire(view.original, IndicatorProposal),
        obligations=to_wire_list(view.obligations, ObligationProposal),
        risks=to_wire_list(view.risks, RiskProposal),
        created_at=view.created_at,
        created_by=view.created_by,
        decided_at=view.decided_at,
        decided_by=view.decided_by,
        comment=view.comment,
        model=view.model,
    )


@router.post("/proposals/runs", name="proposals.run", response_model=ProposalRunOut, status_code=201)
def run_change(body: ProposalRunIn, user: CurrentUser, proposals: ProposalsDep) -> ProposalRunOut:
    """Propose risks, duties and indicators for a change and store the indicators in the review queue.

    The indicators the caller's enterprise is already assessed on (its stored 考核细则, when the records
    database has one) are what the validator's duplicate rule compares against."""
    run = proposals.run_change(change_scenario_in(body.scenario), user=user)
    return ProposalRunOut(
        run_id=run.run_id,
        change=run.result.change,
        proposals=[proposal_out(v) for v in run.proposals],
        risks=to_wire_list(run.result.risks, RiskProposal),
        obligations=to_wire_list(run.result.obligations, ObligationProposal),
        dropped=run.result.dropped,
        notes=run.result.notes,
        unknown=run.result.unknown,
        ms=run.result.ms,
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
def get_proposal(proposal_id: str, user: CurrentUser, proposals: ProposalsDep) -> ProposalOut:
    """One proposal with its chain, verdicts and review state."""
    return proposal_out(proposals.get(proposal_id, user=user))


@router.get("/proposals/{proposal_id}/decisions", name="proposals.decisions", response_model=list[DecisionOut])
def proposal_decisions(proposal_id: str, user: CurrentUser, proposals: ProposalsDep) -> list[DecisionOut]:
    """Every decision on a proposal, oldest first."""
    return [
        DecisionOut(
            id=d.id, decision=d.decision, status=d.status, comment=d.comment, changes=d.changes, actor=d.actor, at=d.at
        )
        for d in proposals.decisions(proposal_id, user=user)
    ]


@router.post("/proposals/{proposal_id}/decision", name="proposals.decide", response_model=ProposalOut)
def decide(proposal_id: str, body: DecisionIn, user: CurrentUser, proposals: ProposalsDep) -> ProposalOut:
    """Approve (a valid proposal only: 409 otherwise), reject (comment required) or edit (re-validated); audited."""
    changes = body.changes.model_dump(exclude_none=True) if body.changes is not None else {}
    return proposal_out(proposals.decide(proposal_id, body.decision, comment=body.comment, changes=changes, user=user))


@router.post("/proposals/decisions", name="proposals.bulk", response_model=BulkDecisionOut)
def decide_many(body: BulkDecisionIn, user: CurrentUser, proposals: ProposalsDep) -> BulkDecisionOut:
    """Approve or reject several proposals; each one succeeds or fails on its own (with the reason)."""
    outcomes = proposals.decide_many(body.ids, body.decision, comment=body.comment, user=user)
    return BulkDecisionOut(results=[BulkResult(id=o.id, ok=o.ok, status=o.status, detail=o.detail) for o in outcomes])
