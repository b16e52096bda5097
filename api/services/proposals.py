"""Proposals and gaps as use cases: a change → stored proposals; a 考核细则 → its gaps (optionally queued);
an enterprise's stored 考核细则; a replaced regulation's impact; expert decisions on the proposals.

The retrieval layer computes (proposer, gap detector, validator, impact analyzer, over one
:class:`~api.services.change_engine.ChangeEngine`); the review queue stores, each write with its audit
entry in the same transaction. Nothing here knows HTTP or the command line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from api.services.change_engine import ChangeEngine
from api.services.review.proposals import Decision, ProposalDecisionView, ProposalView, ReviewQueue, RunInput
from api.services.security import Principal
from kg.errors import HsekgError, NotFoundError, UnsupportedDocumentError
from retrieval.change.gaps import GapReport
from retrieval.change.impact import ImpactReport
from retrieval.change.inputs import ChangeScenario, CurrentIndicator, GapScenario, ProcessInput
from retrieval.change.models import ChangeProposal
from retrieval.change.rules_sheet import RulesSheetReader
from retrieval.change.validator import from_current

__all__ = ["BulkOutcome", "ChangeRun", "GapRun", "ProposalService", "SheetGapRequest"]

_SEPARATORS = re.compile(r"[,，、;；\n]+")


@dataclass(frozen=True)
class ChangeRun:
    """A change's proposals as computed and as stored in the review queue."""

    run_id: str
    result: ChangeProposal
    proposals: list[ProposalView]


@dataclass(frozen=True)
class GapRun:
    """A gap report and, when sent to review, the run and proposals stored from its suggestions."""

    report: GapReport
    run_id: str | None = None
    proposal_ids: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SheetGapRequest:
    """An uploaded 考核细则 (xlsx or json) and the enterprise facts given with it."""

    data: bytes
    filename: str
    sector: str = ""
    enterprise: str = ""
    processes: str = ""
    permit_class: str = ""
    send_to_review: bool = False


@dataclass(frozen=True)
class BulkOutcome:
    """One proposal's outcome in a bulk decision."""

    id: str
    ok: bool
    status: str | None = None
    detail: str = ""


class ProposalService:
    """Change proposals, rule gaps, impact and the decisions on what they propose.

    Args:
        engine: the proposal, gap, validation and impact machinery over the graph.
        queue: the review queue (stores runs and decisions, audited).
        rules: an enterprise's current 考核细则 by enterprise id (raises NotFoundError when unknown).
    """

    def __init__(self, engine: ChangeEngine, queue: ReviewQueue, rules: Callable[[str], GapScenario]) -> None:
        self._engine = engine
        self._queue = queue
        self._rules = rules

    def run_change(self, scenario: ChangeScenario, *, user: Principal) -> ChangeRun:
        """Propose risks, duties and indicators for a change and store the indicators in the review queue.

        The indicators the caller's enterprise is already assessed on (its stored 考核细则, when the records
        database has one) are what the validator's duplicate rule compares against.
        """
        result = self.preview(scenario, enterprise_id=user.enterprise_id)
        process = scenario.change.process.name if scenario.change.process else ""
        run = RunInput(
            source="change",
            enterprise_id=user.enterprise_id,
            sector=scenario.sector,
            process=process or "、".join(p.name for p in result.processes[:3]),
            change=scenario.change.description,
            scenario=scenario.model_dump(mode="json"),
            model=result.model,
        )
        run_id, views = self._queue.add_run(
            run, result.indicators, obligations=result.obligations, risks=result.risks, actor=user.username
        )
        return ChangeRun(run_id=run_id, result=result, proposals=views)

    def preview(self, scenario: ChangeScenario, *, enterprise_id: str | None = None) -> ChangeProposal:
        """Propose risks, duties and indicators for a change without storing anything.

        The indicators ``enterprise_id`` is already assessed on (its stored 考核细则, when the records
        database has the enterprise) are what the validator's duplicate rule compares against.
        """
        current: list[CurrentIndicator] = []
        if enterprise_id is not None:
            try:
                current = self._rules(enterprise_id).indicators
            except NotFoundError:
                current = []
        return self._engine.proposer.run(scenario, [from_current(i) for i in current])

    def gaps(self, scenario: GapScenario, *, send_to_review: bool, user: Principal) -> GapRun:
        """Applicable duties and their coverage; the uncovered ones' suggestions optionally queued for review."""
        report = self._engine.gaps.run(scenario)
        if not send_to_review or not report.suggestions:
            return GapRun(report=report)
        checked, obligations = self._engine.checked_suggestions(report, scenario)
        run = RunInput(
            source="gap",
            enterprise_id=user.enterprise_id,
            sector=scenario.sector,
            process="、".join(p.name for p in scenario.processes),
            change=f"规则缺口：{scenario.enterprise or scenario.id} 的考核细则未覆盖 {len(report.gaps)} 项义务",
            scenario=scenario.model_dump(mode="json"),
        )
        run_id, views = self._queue.add_run(run, checked, obligations=obligations, actor=user.username)
        return GapRun(report=report, run_id=run_id, proposal_ids=[v.id for v in views])

    def gaps_of_sheet(self, request: SheetGapRequest, *, user: Principal) -> GapRun:
        """The gaps of an uploaded 考核细则 for the given processes (citations read from the file).

        Raises:
            UnsupportedDocumentError: an empty or unreadable file.
        """
        if not request.data:
            raise UnsupportedDocumentError(f"{request.filename or 'the file'} is empty")
        sheet = RulesSheetReader(self._engine.law_names()).run(request.data, request.filename)
        names = [n.strip() for n in _SEPARATORS.split(request.processes) if n.strip()]
        scenario = GapScenario(
            id=request.enterprise or "upload",
            sector=request.sector,
            enterprise=request.enterprise,
            processes=[ProcessInput(name=n) for n in names],
            indicators=sheet.indicators,
            permit_class=request.permit_class,
        )
        run = self.gaps(scenario, send_to_review=request.send_to_review, user=user)
        return GapRun(
            report=run.report,
            run_id=run.run_id,
            proposal_ids=run.proposal_ids,
            unresolved=sheet.unresolved,
            skipped=sheet.skipped,
        )

    def stored_rules(self, enterprise_id: str, *, user: Principal) -> GapScenario:
        """The enterprise's current 考核细则 and processes, ready for :meth:`gaps`.

        Raises:
            PermissionDeniedError: another enterprise's.
            NotFoundError: the enterprise is not in the records database.
        """
        user.check_enterprise(enterprise_id)
        return self._rules(enterprise_id)

    def impact(self, regulation_id: str) -> ImpactReport:
        """A replaced regulation's citing indicators, successor articles and re-citation proposals."""
        return self._engine.impact.run(regulation_id)

    def get(self, proposal_id: str, *, user: Principal) -> ProposalView:
        """One proposal of the caller's enterprise."""
        view = self._queue.get(proposal_id)
        user.check_enterprise(view.enterprise_id)
        return view

    def decisions(self, proposal_id: str, *, user: Principal) -> list[ProposalDecisionView]:
        """Every decision on a proposal of the caller's enterprise, oldest first."""
        self.get(proposal_id, user=user)
        return self._queue.decisions(proposal_id)

    def decide(
        self, proposal_id: str, decision: Decision, *, comment: str, changes: dict[str, object], user: Principal
    ) -> ProposalView:
        """Approve (a valid proposal only), reject (comment required), edit (re-validated) or reopen; audited."""
        self.get(proposal_id, user=user)
        return self._queue.decide(
            proposal_id,
            decision,
            comment=comment,
            changes=changes,
            actor=user.username,
            validator=self._engine.validator if decision == "edit" else None,
            enterprise_id=user.enterprise_id,
        )

    def decide_many(
        self, ids: Sequence[str], decision: Decision, *, comment: str, user: Principal
    ) -> list[BulkOutcome]:
        """Approve or reject several proposals; each one succeeds or fails on its own (with the reason)."""
        outcomes: list[BulkOutcome] = []
        for proposal_id in dict.fromkeys(ids):
            try:
                view = self._queue.decide(
                    proposal_id,
                    decision,
                    comment=comment,
                    changes={},
                    actor=user.username,
                    enterprise_id=user.enterprise_id,
                )
            except HsekgError as e:
                outcomes.append(BulkOutcome(id=proposal_id, ok=False, detail=str(e)))
                continue
            outcomes.append(BulkOutcome(id=proposal_id, ok=True, status=view.status))
        return outcomes
