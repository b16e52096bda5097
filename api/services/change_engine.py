"""The proposal, gap and law-change impact machinery over one graph, built once per process.

The catalog (the knowledge base read from the graph) is loaded on first use and shared by the change
proposer, the gap detector, the validator and the impact analyzer; the retriever is optional (graph
links only without it). No domain logic here: this is composition, like :mod:`api.container`.
"""

from __future__ import annotations

import threading
from functools import cached_property

from kg.store import GraphStore
from retrieval.change.catalog import ClauseLookup, GraphCatalogLoader, KnowledgeCatalog
from retrieval.change.conditions import FactReader
from retrieval.change.gaps import GapDetector, GapReport
from retrieval.change.impact import ImpactAnalyzer
from retrieval.change.inputs import GapScenario
from retrieval.change.llm_drafts import LlmIndicatorDrafter
from retrieval.change.models import IndicatorProposal, ObligationProposal
from retrieval.change.proposals import ChangeProposer
from retrieval.change.validator import IndicatorValidator, from_current
from retrieval.hybrid import HybridRetriever
from retrieval.llm import ChatModel

__all__ = ["ChangeEngine"]


class ChangeEngine:
    """Change proposals, gap detection, validation and impact analysis over one graph.

    Args:
        store: the graph (verified).
        retriever: hybrid article retrieval over change texts; None to use the graph links only.
        facts: the national catalogues' reader (substances, equipment); None: trigger terms only.
        chat: a chat model that drafts the indicators no library indicator covers (through the validator);
            None: templates only.
    """

    def __init__(
        self,
        store: GraphStore,
        *,
        retriever: HybridRetriever | None = None,
        facts: FactReader | None = None,
        chat: ChatModel | None = None,
    ) -> None:
        self.store = store
        self.retriever = retriever
        self.facts = facts
        self.chat = chat
        self._lock = threading.Lock()

    @cached_property
    def clauses(self) -> ClauseLookup:
        """Clause texts and successors (cached lookups)."""
        return ClauseLookup(self.store)

    @cached_property
    def catalog(self) -> KnowledgeCatalog:
        """The knowledge base as read from the graph."""
        with self._lock:
            return GraphCatalogLoader(self.store).run()

    @cached_property
    def proposer(self) -> ChangeProposer:
        """Proposals for a change."""
        llm = LlmIndicatorDrafter(self.chat, self.catalog) if self.chat is not None else None
        return ChangeProposer(self.catalog, self.clauses, retriever=self.retriever, facts=self.facts, llm=llm)

    @cached_property
    def gaps(self) -> GapDetector:
        """Rule gaps of an indicator set."""
        return GapDetector(self.catalog, self.clauses, facts=self.facts)

    @cached_property
    def validator(self) -> IndicatorValidator:
        """The indicator validator (re-validates expert edits)."""
        return IndicatorValidator(self.catalog, self.clauses)

    @cached_property
    def impact(self) -> ImpactAnalyzer:
        """Law-change impact."""
        return ImpactAnalyzer(self.store, self.clauses)

    def law_names(self) -> dict[str, str]:
        """Every name a regulation goes by (id, full title, title without 中华人民共和国) → its id."""
        names: dict[str, str] = {}
        for reg_id, props in self.catalog.regulations.items():
            title = str(props.get("title") or reg_id)
            for name in (reg_id, title, title.removeprefix("中华人民共和国")):
                names.setdefault(name, reg_id)
        return names

    def checked_suggestions(
        self, report: GapReport, scenario: GapScenario
    ) -> tuple[list[IndicatorProposal], list[ObligationProposal]]:
        """A gap report's suggestions validated against the enterprise's current indicators, and the
        uncovered duties they answer with their quoted clauses (the evidence the review queue shows)."""
        existing = [from_current(i) for i in scenario.indicators]
        checked = [self.validator.run(s, existing) for s in report.suggestions]
        obligations = []
        for gap in report.gaps:
            clause = self.clauses.clause(f"{gap.law}#{gap.article}") or {}
            duty = self.catalog.duties.get(gap.duty_id)
            obligations.append(
                ObligationProposal(
                    duty_id=gap.duty_id,
                    law=gap.law,
                    article=gap.article,
                    quote=str(clause.get("text") or ""),
                    subject=duty.subject if duty else "",
                    modality=duty.modality if duty else "",
                    action=duty.action if duty else "",
                    risks=[gap.risk] if gap.risk else [],
                )
            )
        return checked, obligations
