"""The units retrieval searches, built from the graph: articles, paragraphs, article topics and duties.

Every unit points to the article(s) it supports (``<law>#<article>``), so any hit becomes an article
citation. Knowledge-base duties carry the practice vocabulary (topics, paraphrases) that statute
text lacks, which bridges "叉车司机" to "特种设备作业人员"; article topics (条文主旨 and keywords) name
the subject of every article, which finds the article a question asks about as a concept (事故等级,
双重预防机制) rather than in the statute's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kg.models import Label, Rel
from kg.store import GraphStore

__all__ = ["RetrievalDoc", "article_body", "article_key", "load_documents"]

DocKind = Literal["article", "paragraph", "topic", "duty"]


@dataclass(frozen=True)
class RetrievalDoc:
    """One retrievable unit."""

    id: str
    kind: DocKind
    text: str
    articles: tuple[str, ...]


def article_key(law: str, article: int) -> str:
    """The article id ``<law>#<article>`` (also the clause id of the article)."""
    return f"{law}#{article}"


def article_body(doc: RetrievalDoc) -> str:
    """The statute text of an article unit, without the ``《law》chapter 第N条`` header it is indexed with."""
    number = doc.articles[0].rsplit("#", 1)[1]
    return doc.text.partition(f"第{number}条 ")[2] or doc.text


def _is_current_article(node: dict[str, object]) -> bool:
    cid = str(node["id"])
    return "@" not in cid and int(node.get("article") or 0) > 0  # type: ignore[call-overload]


def load_documents(store: GraphStore) -> list[RetrievalDoc]:
    """Articles, paragraphs and topics of every ingested statute, and the knowledge base's duties."""
    docs: list[RetrievalDoc] = []
    clauses = [c for c in store.find(Label.CLAUSE) if _is_current_article(c)]
    paragraphs_of: dict[str, int] = {}
    for c in clauses:
        if c.get("paragraph") is not None and c.get("item") is None:
            key = article_key(str(c["regulation"]), int(c["article"]))
            paragraphs_of[key] = paragraphs_of.get(key, 0) + 1
    for c in clauses:
        law, number = str(c["regulation"]), int(c["article"])
        key = article_key(law, number)
        text = str(c.get("text", ""))
        if c.get("paragraph") is None:
            header = f"《{law}》{c.get('chapter', '')} 第{number}条"
            docs.append(RetrievalDoc(f"a:{key}", "article", f"{header} {text}", (key,)))
            if c.get("topic"):
                words = " ".join(str(k) for k in c.get("keywords") or [])
                docs.append(RetrievalDoc(f"t:{key}", "topic", f"{c['topic']} {words}".strip(), (key,)))
        elif c.get("item") is None and paragraphs_of.get(key, 0) > 1:
            docs.append(RetrievalDoc(f"p:{c['id']}", "paragraph", f"《{law}》第{number}条 {text}", (key,)))
    docs.extend(_duty_documents(store))
    return docs


def _duty_documents(store: GraphStore) -> list[RetrievalDoc]:
    out: list[RetrievalDoc] = []
    for ob in store.find(Label.OBLIGATION):
        if ob.get("source") != "kb":
            continue
        cited = [
            n.node for n in store.neighbours(Label.OBLIGATION, str(ob["id"]), rels=[Rel.DERIVED_FROM])
            if n.direction == "out"
        ]  # fmt: skip
        articles = tuple(
            article_key(str(c["regulation"]), int(c["article"])) for c in cited if int(c.get("article") or 0) > 0
        )
        if not articles:
            continue
        topics = " ".join(str(t) for t in ob.get("topics") or [])
        text = (
            f"{ob.get('subject', '')}{ob.get('modality', '')}{ob.get('action', '')} {ob.get('condition', '')} {topics}"
        )
        out.append(RetrievalDoc(f"o:{ob['id']}", "duty", text.strip(), articles))
    return out
