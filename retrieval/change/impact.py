"""Law-change impact: a replaced regulation's cited articles, their successors, and re-citations.

For a regulation that another replaced (``REPLACED_BY``, e.g. 大气污染防治法 → 生态环境法典), every
indicator citing one of its articles is listed with the successor articles (``SUCCEEDED_BY``, with the
mapping's score) and a proposal to cite the best successor instead. Articles without a mapped
successor are reported as needing an expert's reading.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from kg.errors import NotFoundError
from kg.models import Label
from kg.store import GraphStore
from retrieval.change.catalog import ClauseLookup, Successor

__all__ = ["ImpactAnalyzer", "ImpactReport", "ImpactedCitation"]


class ImpactedCitation(BaseModel):
    """One indicator citing one article of the replaced regulation."""

    indicator_id: str
    indicator: str
    law: str
    article: int
    successors: list[Successor] = Field(default_factory=list)
    proposal: str = ""


class ImpactReport(BaseModel):
    """The impact of a regulation's replacement on the indicator set."""

    regulation: str
    status: str
    replaced_by: str | None = None
    citations: list[ImpactedCitation] = Field(default_factory=list)
    unmapped: list[str] = Field(default_factory=list, description="Cited articles without a successor")


class ImpactAnalyzer:
    """Analyse the impact of a replaced regulation.

    Args:
        store: the graph.
        clauses: successor lookup (cached).
    """

    def __init__(self, store: GraphStore, clauses: ClauseLookup | None = None) -> None:
        self.store = store
        self.clauses = clauses or ClauseLookup(store)

    def run(self, regulation_id: str) -> ImpactReport:
        """The impact report.

        Raises:
            NotFoundError: the regulation is not in the graph.
        """
        regulation = self.store.get(Label.REGULATION, regulation_id)
        if regulation is None:
            raise NotFoundError(f"regulation {regulation_id!r} is not in the graph")
        report = ImpactReport(
            regulation=regulation_id,
            status=str(regulation.get("status", "")),
            replaced_by=regulation.get("replaced_by"),
        )
        for cite in self.store.indicators_citing_regulation(regulation_id):
            clause_id = str(cite.clause["id"])
            successors = self.clauses.successors(clause_id)
            line = ImpactedCitation(
                indicator_id=str(cite.indicator["id"]),
                indicator=str(cite.indicator.get("name", "")),
                law=regulation_id,
                article=int(cite.clause.get("article", 0)),
                successors=successors,
            )
            if successors:
                best = successors[0]
                line.proposal = f"改引《{best.law}》第{best.article}条（对应度 {best.score}）"
            else:
                report.unmapped.append(clause_id)
                line.proposal = "无对应条款映射，请专家核对"
            report.citations.append(line)
        report.unmapped = sorted(set(report.unmapped))
        return report
