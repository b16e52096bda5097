"""Check the knowledge base's article references against the statute texts.

Every law + article reference must resolve to an existing article, and the article's text must
contain at least one key term of the entry that cites it: a cheap, strong guard against a wrong
article number. Article topics (条文主旨) must name an existing article. Run as
``python -m ingestion.corpus_check [CORPUS_DIR] [REGULATIONS_DIR]``.
"""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ingestion.statutes import Statute, read_statutes
from kg.corpus import ArticleRef, KnowledgeBase, load_knowledge_base
from kg.errors import CorpusError

__all__ = ["ReferenceProblem", "check_references"]


@dataclass(frozen=True)
class ReferenceProblem:
    """One reference that does not hold."""

    where: str
    owner: str
    ref: ArticleRef
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.owner} cites {self.ref}: {self.problem}"


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def check_references(kb: KnowledgeBase, statutes: dict[str, Statute]) -> list[ReferenceProblem]:
    """All references of the knowledge base that do not resolve or do not match their key terms.

    ``cites`` and ``historical`` references must contain a key term; ``penalty`` references only
    have to exist (penalty articles name the duty by cross-reference, not by its words).
    """
    problems: list[ReferenceProblem] = []
    manifest_files = {r.id: r.file for r in kb.regulations}
    for ob in kb.obligations:
        terms = [_norm(t) for t in ob.key_terms]
        for kind, refs in (("cites", ob.cites), ("historical", ob.historical), ("penalty", ob.penalty)):
            for ref in refs:
                statute = statutes.get(ref.law)
                if statute is None:
                    why = "no statute text" if manifest_files.get(ref.law) else "law not held as text"
                    problems.append(ReferenceProblem(kb.where(ob.id), ob.id, ref, why))
                    continue
                article = statute.article(ref.article)
                if article is None:
                    problems.append(ReferenceProblem(kb.where(ob.id), ob.id, ref, "no such article"))
                    continue
                if ref.paragraph is not None and ref.paragraph > len(article.paragraphs):
                    problems.append(
                        ReferenceProblem(
                            kb.where(ob.id), ob.id, ref, f"article has {len(article.paragraphs)} paragraphs"
                        )
                    )
                    continue
                # a paragraph reference must hold its key term in that paragraph, not elsewhere in the article
                scope = article.paragraphs[ref.paragraph - 1].full_text if ref.paragraph else article.text
                if kind != "penalty" and not any(t in _norm(scope) for t in terms):
                    problems.append(
                        ReferenceProblem(kb.where(ob.id), ob.id, ref, f"none of the key terms {ob.key_terms} occurs")
                    )
    for topic in kb.topics:
        statute = statutes.get(topic.law)
        if statute is None:
            why = "no statute text" if manifest_files.get(topic.law) else "law not held as text"
            problems.append(ReferenceProblem(kb.where(topic.id), topic.id, topic.ref, why))
        elif statute.article(topic.article) is None:
            problems.append(ReferenceProblem(kb.where(topic.id), topic.id, topic.ref, "no such article"))
    return problems


def main(argv: list[str] | None = None) -> int:
    """Check and print problems; exit status 1 when any is found."""
    args = sys.argv[1:] if argv is None else argv
    corpus = Path(args[0]) if args else Path(__file__).resolve().parents[1] / "regulations_corpus"
    regs = Path(args[1]) if len(args) > 1 else Path(__file__).resolve().parents[2] / "shared" / "regulations"
    try:
        kb = load_knowledge_base(corpus)
    except CorpusError as e:
        print(f"error: {e}", file=sys.stderr)  # noqa: T201 - command-line output
        return 1
    problems = check_references(kb, read_statutes(regs))
    for p in problems:
        print(p)  # noqa: T201 - command-line output
    counts = {
        "regulations": len(kb.regulations),
        "sectors": len(kb.sectors),
        "processes": len(kb.processes),
        "risks": len(kb.risks),
        "obligations": len(kb.obligations),
        "indicators": len(kb.indicators),
        "courses": len(kb.courses),
        "topics": len(kb.topics),
        "references": sum(1 for _ in kb.all_refs()),
        "problems": len(problems),
    }
    print(counts)  # noqa: T201 - command-line output
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
