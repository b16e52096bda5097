"""Recognise knowledge-base process templates and risks in an enterprise's free text.

A template matches through its name and aliases (substring or bigram similarity), its keywords, and,
when an embedder is given, the cosine of the text to the template's description, so process names the
knowledge base has never seen still find their template. Risks are scored by their keywords in the
text of the change, plus the weight of the templates that list them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrieval.change.catalog import KnowledgeCatalog
from retrieval.change.models import ProcessMatch, RiskProposal
from retrieval.change.text import dice, hits, normalize
from retrieval.embedder import Embedder

__all__ = ["ProcessMatcher", "RiskScorer"]


class ProcessMatcher:
    """Score the catalog's process templates against a text.

    Args:
        catalog: the knowledge base.
        embedder: optional; adds the cosine to each template's description as a signal.
    """

    def __init__(self, catalog: KnowledgeCatalog, embedder: Embedder | None = None) -> None:
        self.catalog = catalog
        self.embedder = embedder
        self._ids = sorted(catalog.processes)
        self._vectors: np.ndarray | None = None

    def _template_vectors(self, embedder: Embedder) -> np.ndarray:
        if self._vectors is None:
            texts = []
            for pid in self._ids:
                p = self.catalog.processes[pid]
                texts.append(f"{p['name']}（{'、'.join(p.get('aliases') or [])}）：{p.get('description', '')}")
            self._vectors = np.asarray(embedder.embed_passages(texts))
        return self._vectors

    def _cosines(self, text: str) -> dict[str, float]:
        if self.embedder is None or not self._ids:
            return {}
        vectors = self._template_vectors(self.embedder)
        query = np.asarray(self.embedder.embed_queries([text]))[0]
        scores = vectors @ query
        order = np.argsort(-scores)
        # rank, don't threshold (e5 cosines bunch): the best five get a decreasing bonus
        return {self._ids[i]: 1.0 - 0.2 * rank for rank, i in enumerate(order[:5])}

    def run(self, name: str, text: str, *, top: int = 3) -> list[ProcessMatch]:
        """The ``top`` templates best matching a process called ``name`` described by ``text``."""
        norm_name, norm_text = normalize(name), normalize(f"{name} {text}")
        cosines = self._cosines(f"{name}：{text}")
        found: list[ProcessMatch] = []
        for pid in self._ids:
            p = self.catalog.processes[pid]
            names = [str(p["name"]), *(p.get("aliases") or [])]
            evidence = [n for n in names if len(n) >= 2 and (normalize(n) in norm_text or norm_name in normalize(n))]
            keywords = hits(p.get("keywords") or [], norm_text)
            similarity = max((dice(norm_name, n) for n in names), default=0.0)
            score = 2.0 * bool(evidence) + 0.5 * min(len(keywords), 6) + 2.0 * similarity + cosines.get(pid, 0.0)
            if score >= 1.0:
                found.append(
                    ProcessMatch(template_id=pid, name=str(p["name"]), score=score, evidence=evidence + keywords)
                )
        found.sort(key=lambda m: -m.score)
        return found[:top]


class RiskScorer:
    """Score risks by their keywords in a focus text and by the templates that list them.

    Args:
        catalog: the knowledge base.
    """

    def __init__(self, catalog: KnowledgeCatalog) -> None:
        self.catalog = catalog

    def run(self, focus: str, templates: Sequence[ProcessMatch], *, context: str = "") -> list[RiskProposal]:
        """Every risk with some evidence, best first.

        Args:
            focus: the text of the change (its description and process).
            templates: the templates matched for the changed processes.
            context: the rest of the enterprise's text, a weak signal.
        """
        best = max((t.score for t in templates), default=1.0) or 1.0
        weight: dict[str, tuple[float, str]] = {}
        for t in templates:
            for rid in self.catalog.process_risks.get(t.template_id, []):
                if t.score / best > weight.get(rid, (0.0, ""))[0]:
                    weight[rid] = (t.score / best, t.name)
        out: list[RiskProposal] = []
        for rid, risk in self.catalog.risks.items():
            terms = [*(risk.get("keywords") or []), str(risk["name"])]
            found = hits(terms, focus)
            around = hits(terms, context) if context else []
            tmpl, via = weight.get(rid, (0.0, ""))
            score = (
                1.0 * min(len(found), 5) + 1.5 * tmpl + 0.2 * min(len(around), 3) + 3.0 * dice(str(risk["name"]), focus)
            )
            if not found and tmpl == 0.0:
                continue
            evidence = [f"关键词：{'、'.join(found)}"] if found else []
            if via:
                evidence.append(f"工序模板：{via}")
            out.append(
                RiskProposal(
                    id=rid,
                    name=str(risk["name"]),
                    category=str(risk.get("category", "")),
                    score=score,
                    evidence=evidence,
                )
            )
        out.sort(key=lambda r: (-r.score, r.id))
        return out
