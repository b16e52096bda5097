"""The review queue: AI-proposed indicators stored with their evidence and their review state.

A run (a change, a gap report's suggestions, a law-change impact) stores one row per proposed
indicator, with the chain change → risk → obligation (quoted clause) → indicator, the validator's
verdicts and the provenance (which run, which change, which model if any). Experts then decide::

    proposed ──(all verdicts pass)──► validated ──approve──► approved
        │                               │ ──reject───► rejected
        └──edit (re-validated)──────────┴──edit─────► edited   (accepted with corrections)

    approved / rejected / edited ──reopen (comment required)──► validated or proposed

A proposal that fails validation stays visible with its failures: it cannot be approved (409) until
an edit makes it pass. A decision is final: deciding a decided proposal again is refused (409), so a
later click cannot silently revoke an approval; an expert who changes their mind reopens it, with a
comment, and decides anew. Every decision is kept (who, when, why, what changed) and written to the
audit trail in the same transaction.

Tables::

    api_proposal_runs        one per run: kind, enterprise, change text, scenario JSON, model, who, when
    api_proposals            one per proposed indicator: status, validity, indicator JSON (after edits),
                             the original JSON, obligations and risks JSON, last decision
    api_proposal_decisions   every decision: approve / reject / edit / reopen, comment, changes, actor, time
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from api.services.review.decisions import DECISION_STATUS, AuditSink, check_decision
from api.services.storage import ProposalDecisionRow, ProposalRow, ProposalRunRow
from kg.errors import ConflictError, NotFoundError, ValidationFailedError
from retrieval.change.models import IndicatorProposal, ObligationProposal, RiskProposal
from scoring.db import utcnow

__all__ = [
    "EDITABLE_FIELDS",
    "ProposalDecisionView",
    "ProposalView",
    "ReviewQueue",
    "RunInput",
    "Revalidator",
]

Source = Literal["change", "gap", "impact"]
Decision = Literal["approve", "reject", "edit", "reopen"]

#: Indicator fields an expert may correct.
EDITABLE_FIELDS = (
    "name", "level", "target", "comparator", "unit", "target_text", "bands", "method", "data_source", "owner", "cites",
)  # fmt: skip


class Revalidator(Protocol):
    """Re-runs the validator on an edited indicator (:class:`retrieval.change.validator.IndicatorValidator`)."""

    def run(self, candidate: IndicatorProposal, existing: Sequence[IndicatorProposal] = ()) -> IndicatorProposal:
        """The candidate with fresh verdicts."""
        ...


@dataclass(frozen=True)
class RunInput:
    """What a run stores besides its proposals."""

    source: Source
    enterprise_id: str
    sector: str = ""
    process: str = ""
    change: str = ""
    scenario: Mapping[str, Any] | None = None
    model: str | None = None


@dataclass(frozen=True)
class ProposalView:
    """A stored proposal, decoded."""

    id: str
    run_id: str
    source: str
    enterprise_id: str
    sector: str
    process: str
    change: str
    status: str
    valid: bool
    indicator: IndicatorProposal
    original: IndicatorProposal
    obligations: list[ObligationProposal]
    risks: list[RiskProposal]
    created_by: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    comment: str
    model: str | None


@dataclass(frozen=True)
class ProposalDecisionView:
    """One decision."""

    id: int
    proposal_id: str
    decision: str
    status: str
    comment: str
    changes: dict[str, Any]
    actor: str
    at: datetime


class ReviewQueue:
    """Store proposals and record expert decisions on them.

    Args:
        engine: the records database (API tables created).
        audit: where each write is recorded, in the writer's transaction.
        clock: the current time.
    """

    def __init__(self, engine: Engine, audit: AuditSink, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._audit = audit
        self._clock = clock

    def add_run(
        self,
        run: RunInput,
        indicators: Sequence[IndicatorProposal],
        *,
        obligations: Sequence[ObligationProposal] = (),
        risks: Sequence[RiskProposal] = (),
        actor: str,
    ) -> tuple[str, list[ProposalView]]:
        """Store a run and its proposals (status ``validated`` when every verdict passed, else ``proposed``).

        Each proposal keeps the obligations and risks its indicator stems from (by duty and risk id).

        Returns:
            The run id and the stored proposals, in the given order.
        """
        now = self._clock()
        run_id = uuid.uuid4().hex[:16]
        with Session(self._engine) as session, session.begin():
            session.add(
                ProposalRunRow(
                    id=run_id,
                    source=run.source,
                    enterprise_id=run.enterprise_id,
                    sector=run.sector,
                    process=run.process[:300],
                    change=run.change,
                    scenario=json.dumps(dict(run.scenario or {}), ensure_ascii=False, default=str),
                    model=run.model,
                    created_by=actor,
                    created_at=now,
                )
            )
            session.flush()
            rows = [
                self._row(run_id, seq, run, indicator, obligations, risks, actor=actor, now=now)
                for seq, indicator in enumerate(indicators, start=1)
            ]
            session.add_all(rows)
            session.flush()
            self._audit.append(
                session,
                actor=actor,
                enterprise_id=run.enterprise_id,
                action="proposals.run",
                target=f"run:{run_id}",
                before=None,
                after={"source": run.source, "change": run.change, "proposals": [r.id for r in rows]},
                covers={"api_proposal_runs": [run_id], "api_proposals": [r.id for r in rows]},
            )
            return run_id, [_view(r, run.model) for r in rows]

    @staticmethod
    def _row(
        run_id: str,
        seq: int,
        run: RunInput,
        indicator: IndicatorProposal,
        obligations: Sequence[ObligationProposal],
        risks: Sequence[RiskProposal],
        *,
        actor: str,
        now: datetime,
    ) -> ProposalRow:
        duty_ids, risk_ids = set(indicator.duty_ids), set(indicator.risk_ids)
        cited = {c.key for c in indicator.cites}
        own_obligations = [o for o in obligations if o.duty_id in duty_ids or o.key in cited]
        own_risks = [r for r in risks if r.id in risk_ids]
        status = "validated" if indicator.valid else "proposed"
        indicator = indicator.model_copy(update={"status": status})
        data = indicator.model_dump_json()
        return ProposalRow(
            id=f"{run_id}-{seq:03d}",
            run_id=run_id,
            seq=seq,
            enterprise_id=run.enterprise_id,
            source=run.source,
            sector=run.sector,
            process=run.process[:300],
            change=run.change,
            status=status,
            valid=indicator.valid,
            indicator=data,
            original=data,
            obligations=json.dumps([o.model_dump() for o in own_obligations], ensure_ascii=False),
            risks=json.dumps([r.model_dump() for r in own_risks], ensure_ascii=False),
            created_by=actor,
            created_at=now,
            comment="",
        )

    def get(self, proposal_id: str) -> ProposalView:
        """One proposal.

        Raises:
            NotFoundError: no such proposal.
        """
        with Session(self._engine) as session:
            row = session.get(ProposalRow, proposal_id)
            if row is None:
                raise NotFoundError(f"no proposal {proposal_id!r}")
            run = session.get(ProposalRunRow, row.run_id)
            return _view(row, run.model if run else None)

    def find(
        self,
        *,
        enterprise_id: str,
        status: str | None = None,
        sector: str | None = None,
        process: str | None = None,
        run_id: str | None = None,
        source: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[ProposalView], int]:
        """Proposals of one enterprise, newest run first, filtered; and the total matching.

        ``process`` matches a substring of the proposal's process names.
        """
        p = ProposalRow
        conditions = [p.enterprise_id == enterprise_id]
        if status:
            conditions.append(p.status == status)
        if sector:
            conditions.append(p.sector == sector)
        if process:
            conditions.append(p.process.contains(process, autoescape=True))
        if run_id:
            conditions.append(p.run_id == run_id)
        if source:
            conditions.append(p.source == source)
        with Session(self._engine) as session:
            total = session.execute(select(func.count()).select_from(p).where(*conditions)).scalar_one()
            stmt = (
                select(p, ProposalRunRow.model)
                .join(ProposalRunRow, ProposalRunRow.id == p.run_id)
                .where(*conditions)
                .order_by(p.created_at.desc(), p.run_id, p.seq)
                .limit(limit)
                .offset(offset)
            )
            return [_view(row, model) for row, model in session.execute(stmt).all()], int(total)

    def facets(self, enterprise_id: str) -> dict[str, list[str]]:
        """The distinct statuses, sectors and sources of an enterprise's proposals (for filters)."""
        p = ProposalRow
        out: dict[str, list[str]] = {}
        with Session(self._engine) as session:
            for name, column in (("status", p.status), ("sector", p.sector), ("source", p.source)):
                stmt = select(column).where(p.enterprise_id == enterprise_id).distinct().order_by(column)
                out[name] = [v for v in session.execute(stmt).scalars() if v]
        return out

    def decide(
        self,
        proposal_id: str,
        decision: Decision,
        *,
        comment: str,
        changes: Mapping[str, Any],
        actor: str,
        validator: Revalidator | None = None,
        enterprise_id: str | None = None,
    ) -> ProposalView:
        """Approve, reject or edit a proposal.

        Args:
            proposal_id: the proposal.
            decision: ``approve`` (only a valid proposal), ``reject`` (comment required), ``edit``
                (changes required; the edited indicator is re-validated and must pass), or ``reopen``
                (a decided proposal, comment required; back to ``validated`` or ``proposed``).
            comment: why.
            changes: the corrected fields of an edit (see :data:`EDITABLE_FIELDS`).
            actor: who decides.
            validator: re-validates an edit (required for edits).
            enterprise_id: when given, the proposal must belong to it.

        Raises:
            NotFoundError: no such proposal (or not of ``enterprise_id``).
            ValidationFailedError: a rejection without comment, an edit without changes, unknown fields,
                changes with approve/reject, or an edit that still fails validation.
            ConflictError: approving a proposal that failed validation, deciding a decided proposal
                (reopen it first), or reopening one that is not decided.
        """
        _check_decision(decision, comment, changes)
        with Session(self._engine) as session, session.begin():
            row = session.get(ProposalRow, proposal_id, with_for_update=True)
            if row is None or (enterprise_id is not None and row.enterprise_id != enterprise_id):
                raise NotFoundError(f"no proposal {proposal_id!r}")
            before = {"status": row.status, "valid": row.valid, "indicator": json.loads(row.indicator)}
            indicator = IndicatorProposal.model_validate_json(row.indicator)
            decided = row.status in DECIDED
            if decision == "reopen" and not decided:
                raise ConflictError(f"proposal {proposal_id} is not decided (status {row.status}); nothing to reopen")
            if decision != "reopen" and decided:
                when = f" at {row.decided_at:%Y-%m-%d %H:%M}" if row.decided_at else ""
                raise ConflictError(
                    f"proposal {proposal_id} is already {row.status} (by {row.decided_by}{when}); "
                    "reopen it, with a comment, before deciding again"
                )
            if decision == "approve" and not row.valid:
                failed = "；".join(f"{v.rule}: {v.reason}" for v in indicator.failures) or "not validated"
                raise ConflictError(f"proposal {proposal_id} failed validation and cannot be approved ({failed})")
            if decision == "edit":
                indicator = _edited(indicator, changes, validator)
                row.valid = True
            status = DECISION_STATUS.get(decision) or ("validated" if row.valid else "proposed")
            row.status = status
            row.indicator = indicator.model_copy(update={"status": status}).model_dump_json()
            now = self._clock()
            # reopened, the proposal is undecided again: who reopened it and why is in its history
            row.decided_by, row.decided_at, row.comment = (
                (None, None, "") if decision == "reopen" else (actor, now, comment)
            )
            decision_row = ProposalDecisionRow(
                proposal_id=proposal_id,
                decision=decision,
                status=status,
                comment=comment,
                changes=json.dumps(dict(changes), ensure_ascii=False, sort_keys=True, default=str),
                actor=actor,
                at=now,
            )
            session.add(decision_row)
            session.flush()
            after = {"status": status, "comment": comment, "changes": dict(changes)}
            self._audit.append(
                session,
                actor=actor,
                enterprise_id=row.enterprise_id,
                action=f"proposals.{decision}",
                target=f"proposal:{proposal_id}",
                before=before,
                after=after,
                covers={"api_proposal_decisions": [decision_row.id], "api_proposals": [proposal_id]},
            )
            run = session.get(ProposalRunRow, row.run_id)
            return _view(row, run.model if run else None)

    def decisions(self, proposal_id: str) -> list[ProposalDecisionView]:
        """Every decision on a proposal, oldest first."""
        d = ProposalDecisionRow
        with Session(self._engine) as session:
            stmt = select(d).where(d.proposal_id == proposal_id).order_by(d.id)
            return [
                ProposalDecisionView(
                    id=r.id,
                    proposal_id=r.proposal_id,
                    decision=r.decision,
                    status=r.status,
                    comment=r.comment,
                    changes=json.loads(r.changes),
                    actor=r.actor,
                    at=r.at,
                )
                for r in session.execute(stmt).scalars()
            ]


#: The statuses of a decided proposal (reopen takes it back to the status validation gave it).
DECIDED = frozenset(DECISION_STATUS.values())


def _check_decision(decision: str, comment: str, changes: Mapping[str, Any]) -> None:
    if decision == "reopen":
        if not comment.strip():
            raise ValidationFailedError("reopening a decided proposal needs a comment saying why")
        if changes:
            raise ValidationFailedError("changes are only accepted with decision 'edit'")
        return
    check_decision(decision, comment, changes)
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationFailedError(f"fields that cannot be edited: {', '.join(unknown)}")


def _edited(
    indicator: IndicatorProposal, changes: Mapping[str, Any], validator: Revalidator | None
) -> IndicatorProposal:
    if validator is None:
        raise ValidationFailedError("an edit cannot be validated here (no validator)")
    try:
        edited = IndicatorProposal.model_validate({**indicator.model_dump(), **changes, "verdicts": []})
    except ValueError as e:
        raise ValidationFailedError(f"the edited indicator is malformed: {e}") from e
    checked = validator.run(edited)
    if not checked.valid:
        failed = "；".join(f"{v.rule}: {v.reason}" for v in checked.failures)
        raise ValidationFailedError(f"the edited indicator still fails validation: {failed}")
    return checked


def _view(row: ProposalRow, model: str | None) -> ProposalView:
    return ProposalView(
        id=row.id,
        run_id=row.run_id,
        source=row.source,
        enterprise_id=row.enterprise_id,
        sector=row.sector,
        process=row.process,
        change=row.change,
        status=row.status,
        valid=row.valid,
        indicator=IndicatorProposal.model_validate_json(row.indicator),
        original=IndicatorProposal.model_validate_json(row.original),
        obligations=[ObligationProposal.model_validate(o) for o in json.loads(row.obligations)],
        risks=[RiskProposal.model_validate(r) for r in json.loads(row.risks)],
        created_by=row.created_by,
        created_at=row.created_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        comment=row.comment,
        model=model,
    )
