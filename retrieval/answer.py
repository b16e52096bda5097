"""Answers with article-level citations, from the graph only.

Citations come current law first: a repealed article follows the article that took it over
(``SUCCEEDED_BY``), and an article of a lower-ranked text (行政法规, 部门规章) follows its counterpart in a
higher-ranked one carrying the same duty (上位法, :mod:`retrieval.hierarchy`); the answer says how they
relate. Without an LLM the answer is extractive: who must do what, under which condition, with what penalty,
taken from the duties stored on the cited articles. With an LLM (:mod:`retrieval.llm`), the model
writes from the retrieved clauses only and every citation it makes is checked against them. Weak
evidence gives an explicit "no basis found" instead of an answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from pydantic import BaseModel, Field

from kg.errors import LLMError
from kg.models import Label, Rel
from kg.store import GraphStore, Props
from retrieval.hybrid import ArticleHit, HybridRetriever, Mode, SearchResult
from retrieval.llm import LlmAnswerWriter

__all__ = ["AbstainPolicy", "Answer", "Answerer", "Citation", "Successor", "Superior"]

NO_BASIS = "未找到可依据的法规条文（no basis found）：问题可能不属于安全生产或生态环境法规的范围，请补充具体情形。"


class Successor(BaseModel):
    """The current article that took over a repealed one."""

    law: str
    article: int
    score: float | None = None


class Superior(BaseModel):
    """The article of a higher-ranked regulation (上位法) that carries the same duty as a cited one."""

    law: str
    article: int
    kind: str = Field(default="", description="法律, 行政法规, … as in the manifest")
    effective: str = ""
    score: float | None = Field(default=None, description="Similarity of the two articles' texts")


class Citation(BaseModel):
    """One cited article: where, what it says, and whether it is still in force."""

    law: str
    article: int
    title: str = ""
    kind: str = Field(default="", description="Kind of the regulation (法律, 行政法规, …) as in the manifest")
    effective: str = ""
    topic: str = Field(default="", description="条文主旨 of the article, from the knowledge base")
    quote: str = ""
    status: str = ""
    current: bool = True
    successor: Successor | None = None
    superior: Superior | None = None
    score: float = 0.0


class Duty(BaseModel):
    """A duty stated by a cited article."""

    law: str
    article: int
    subject: str
    modality: str
    action: str
    condition: str = ""
    penalty: str | None = None


class Answer(BaseModel):
    """What ``hsekg ask`` and the API return."""

    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = Field(default_factory=list)
    duties: list[Duty] = Field(default_factory=list)
    risks: list[dict[str, str]] = Field(default_factory=list)
    indicators: list[dict[str, str]] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    llm_model: str | None = None
    ms: float = 0.0


@dataclass(frozen=True)
class AbstainPolicy:
    """Abstain when either signal is weak: the best BM25 score below ``min_bm25`` (the question shares
    almost no terms with any unit) or, when dense retrieval ran, the best cosine below ``min_cosine``.
    Both thresholds are calibrated on the dev sets (``evals/README.md``)."""

    min_cosine: float = 0.0
    min_bm25: float = 0.0

    def abstains(self, result: SearchResult) -> bool:
        """Whether the evidence is too weak to answer."""
        if not result.hits or result.top_bm25 < self.min_bm25:
            return True
        return 0 < result.top_cosine < self.min_cosine


class Answerer:
    """Answer questions from retrieved articles.

    Args:
        retriever: the hybrid retriever.
        store: the graph (clause text, status, successors, duties, risks, indicators).
        policy: when to abstain.
        cite: how many of the ranked citations the answer text draws on (all ``k`` are returned).
    """

    def __init__(
        self,
        retriever: HybridRetriever,
        store: GraphStore,
        *,
        policy: AbstainPolicy | None = None,
        cite: int = 5,
        writer: LlmAnswerWriter | None = None,
    ) -> None:
        self.retriever = retriever
        self.store = store
        self.policy = policy or AbstainPolicy()
        self.cite = cite
        self.writer = writer

    def retrieve(self, question: str, *, k: int = 10, mode: Mode = "hybrid") -> tuple[SearchResult, list[Citation]]:
        """Search and turn hits into citations, current law first: a repealed hit follows its successor, and a
        hit of a lower-ranked text follows its higher-ranked counterpart (上位法)."""
        result = self.retriever.search(question, k=k, mode=mode)
        superiors = self.retriever.superiors
        named = self.retriever.mentioned_laws(question)
        uppers = [c.key for c in (superiors.of(h.key) for h in result.hits) if c is not None]
        # one read each for the hits' clauses and regulations (successors, rarer, are read one by one)
        keys = list(dict.fromkeys([h.key for h in result.hits] + uppers))
        clauses = {str(c["id"]): c for c in self.store.find(Label.CLAUSE, ids=keys)}
        laws = sorted({key.rsplit("#", 1)[0] for key in keys})
        regulations = {str(r["id"]): r for r in self.store.find(Label.REGULATION, ids=laws)}
        citations: list[Citation] = []
        seen: set[str] = set()
        for hit in result.hits:
            citation = self._citation(hit, clauses, regulations)
            group = [citation]
            if citation.successor is not None:
                succ = ArticleHit(f"{citation.successor.law}#{citation.successor.article}", hit.score)
                group.insert(0, self._citation(succ, clauses, regulations))
            elif (upper := superiors.of(hit.key)) is not None:
                lead = self._citation(ArticleHit(upper.key, hit.score), clauses, regulations)
                if lead.current:
                    citation.superior = Superior(
                        law=lead.law, article=lead.article, kind=lead.kind, effective=lead.effective, score=upper.score
                    )
                    # a question naming the lower text asks about it: its article stays first, the law next to it
                    group.insert(1 if hit.law in named and lead.law not in named else 0, lead)
            for c in group:
                if f"{c.law}#{c.article}" not in seen:
                    seen.add(f"{c.law}#{c.article}")
                    citations.append(c)
        return result, citations[:k]

    def ask(self, question: str, *, k: int = 10, mode: Mode = "hybrid") -> Answer:
        """Answer ``question`` extractively, or abstain."""
        started = time.perf_counter()
        result, citations = self.retrieve(question, k=k, mode=mode)
        if self.policy.abstains(result):
            return Answer(question=question, answer=NO_BASIS, abstained=True, ms=_ms(started))
        cited = citations[: self.cite]
        derived = self._derived(cited[:3])
        duties = self._duties(derived)
        answer = Answer(
            question=question,
            answer=self._extractive(cited, duties),
            abstained=False,
            citations=citations,
            duties=duties,
            ms=0.0,
        )
        answer.risks, answer.indicators = self._related(derived)
        if self.writer is not None:
            self._write_with_llm(answer, citations)
        answer.ms = _ms(started)
        return answer

    def _write_with_llm(self, answer: Answer, retrieved: list[Citation]) -> None:
        """Let the LLM write the answer from the retrieved clauses; keep only citations it was given."""
        assert self.writer is not None
        clauses = [(c.law, c.article, c.quote) for c in retrieved]
        answer.llm_model = self.writer.chat.name
        try:
            written = self.writer.write(answer.question, clauses)
        except LLMError as e:
            answer.flags.append(f"llm_failed: {e}; extractive answer given")
            return
        by_key = {(c.law, c.article): c for c in retrieved}
        chosen = [by_key[(r.law, r.article)] for r in written.citations]
        answer.answer = written.answer
        # the model's citations first (all of them retrieved), then the rest of the retrieved list
        answer.citations = chosen + [c for c in answer.citations if c not in chosen]
        answer.flags.extend(f"removed_citation: {r} was not among the retrieved articles" for r in written.removed)

    def _citation(self, hit: ArticleHit, clauses: dict[str, Props], regulations: dict[str, Props]) -> Citation:
        clause = clauses.get(hit.key) or self.store.get(Label.CLAUSE, hit.key) or {}
        regulation = regulations.get(hit.law) or self.store.get(Label.REGULATION, hit.law) or {}
        status = str(regulation.get("status", ""))
        citation = Citation(
            law=hit.law,
            article=hit.article,
            title=str(regulation.get("title", hit.law)),
            kind=str(regulation.get("kind", "")),
            effective=str(regulation.get("effective", "")),
            topic=str(clause.get("topic") or ""),
            quote=str(clause.get("text", "")),
            status=status,
            current=status != "已废止",
            score=round(hit.score, 4),
        )
        if not citation.current:
            citation.successor = self._successor(hit.key)
        return citation

    def _successor(self, key: str) -> Successor | None:
        links = [n for n in self.store.neighbours(Label.CLAUSE, key, rels=[Rel.SUCCEEDED_BY]) if n.direction == "out"]
        if not links:
            return None
        best = max(links, key=lambda n: float(n.props.get("score") or 0.0))
        return Successor(
            law=str(best.node["regulation"]), article=int(best.node["article"]), score=best.props.get("score")
        )

    def _derived(self, citations: list[Citation]) -> list[tuple[Citation, list[Props]]]:
        """The obligations derived from each cited article (read once for duties and related nodes)."""
        out = []
        for c in citations:
            links = self.store.neighbours(Label.CLAUSE, f"{c.law}#{c.article}", rels=[Rel.DERIVED_FROM])
            out.append((c, [n.node for n in links if n.direction == "in"]))
        return out

    def _duties(self, derived: list[tuple[Citation, list[Props]]]) -> list[Duty]:
        out: list[Duty] = []
        seen: set[str] = set()  # a duty citing a law and its 条例 is stated once, under the first (higher) one
        for c, obligations in derived:
            for ob in obligations:
                if ob.get("source") != "kb" or str(ob["id"]) in seen:
                    continue
                seen.add(str(ob["id"]))
                penalty = str(ob["penalty_ref"]) if ob.get("penalty_ref") else None
                out.append(
                    Duty(law=c.law, article=c.article, subject=str(ob.get("subject", "")),
                         modality=str(ob.get("modality", "")), action=str(ob.get("action", "")),
                         condition=str(ob.get("condition", "")), penalty=penalty)
                )  # fmt: skip
        return out

    def _extractive(self, citations: list[Citation], duties: list[Duty]) -> str:
        lines: list[str] = []
        for d in duties[:4]:
            when = f"（{d.condition}）" if d.condition else ""
            penalty = f"；违反的，依《{_law_of(d.penalty)}》第{_article_of(d.penalty)}条处理" if d.penalty else ""
            action = d.action.rstrip("。；;")
            lines.append(f"依据《{d.law}》第{d.article}条：{d.subject}{when}【{d.modality}】{action}{penalty}。")
        if not lines:
            for c in citations[:2]:
                about = f"（{c.topic}）" if c.topic else ""
                lines.append(f"《{c.law}》第{c.article}条{about}规定：{c.quote[:160]}")
        for c in citations:
            if not c.current and c.successor is not None:
                lines.append(
                    f"注意：《{c.law}》已废止，第{c.article}条的内容由《{c.successor.law}》第{c.successor.article}条承接。"
                )
        lines.extend(_hierarchy_notes(citations))
        return "\n".join(lines)

    def _related(
        self, derived: list[tuple[Citation, list[Props]]]
    ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        """Risks and indicators of the cited articles' obligations, in citation order (two batched reads)."""
        ids = list(dict.fromkeys(str(ob["id"]) for _, obligations in derived for ob in obligations))
        if not ids:
            return [], []
        risks_of: dict[str, list[Props]] = {}
        for link in self.store.risks_of_obligations(ids):
            risks_of.setdefault(link.obligation_id, []).append(link.risk)
        indicators_of: dict[str, list[Props]] = {}
        for cover in self.store.indicators_covering(obligation_ids=ids):
            indicators_of.setdefault(cover.target_id, []).append(cover.indicator)
        risks: dict[str, str] = {}
        indicators: dict[str, str] = {}
        for ob_id in ids:
            for node in risks_of.get(ob_id, []):
                risks.setdefault(str(node["id"]), str(node.get("name", "")))
            for node in sorted(indicators_of.get(ob_id, []), key=lambda n: str(n["id"])):
                indicators.setdefault(str(node["id"]), str(node.get("name", "")))
        return (
            [{"id": k, "name": v} for k, v in list(risks.items())[:8]],
            [{"id": k, "name": v} for k, v in list(indicators.items())[:8]],
        )


def _hierarchy_notes(citations: list[Citation]) -> list[str]:
    """One sentence per pair of regulations among the citations where a higher-ranked article carries the
    same duty as a lower-ranked one: which articles correspond, and that the higher-ranked text prevails."""
    pairs: dict[tuple[str, str], list[tuple[Superior, Citation]]] = {}
    for c in citations:
        if c.superior is not None:
            pairs.setdefault((c.superior.law, c.law), []).append((c.superior, c))
    lines = []
    for (upper, lower), matched in pairs.items():
        up, low = matched[0]
        high_kind, low_kind = up.kind or "上位法", low.kind or "下位法"
        since = f"，{up.effective}起施行" if up.effective and up.effective > low.effective else ""
        articles = "，".join(f"第{u.article}条对应其第{c.article}条" for u, c in matched)
        lines.append(
            f"上位法优先：《{upper}》（{high_kind}{since}）与《{lower}》（{low_kind}）规定同一义务，{articles}；"
            f"{high_kind}的效力高于{low_kind}，两者不一致的，以《{upper}》为准。"
        )
    return lines


def _law_of(clause_id: str | None) -> str:
    return (clause_id or "#").split("#", 1)[0]


def _article_of(clause_id: str | None) -> str:
    return (clause_id or "#").split("#", 1)[1].split(".", 1)[0]


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
