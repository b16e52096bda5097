"""``hsekg ingest``: documents into the clause graph, each atomically, with status, versions and repeals.

For each document: load (format-checked), parse (statute or standard), extract duties, link them to
penalties and the knowledge base, diff against the stored version, write one batch. A failure is
recorded with its reason and leaves nothing of that document in the graph; the other documents go
on. Re-ingesting an unchanged text writes nothing. After the documents, repeal provisions of the
statutes processed are applied (``REPLACED_BY`` and article ``SUCCEEDED_BY`` mappings with scores).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.documents import DocumentLoader
from ingestion.graph_writer import regulation_batch
from ingestion.links import knowledge_base_links, penalty_links
from ingestion.loaders.pdf import PdfRegulationLoader
from ingestion.ocr import PdfPageOcr, RapidOcrRecognizer
from ingestion.parse import ParsedRegulation, parse_regulation
from ingestion.repeals import find_repeals, map_successors, normalize_title
from ingestion.versions import DocumentStatus, IngestionState, diff_versions
from kg.corpus import KnowledgeBase
from kg.errors import HsekgError
from kg.models import Label, Regulation, Rel, from_properties
from kg.store import Edge, GraphBatch, GraphStore

__all__ = ["IngestReport", "RegulationIngestor", "expand_paths"]

log = logging.getLogger(__name__)

SUFFIXES = (".md", ".txt", ".pdf", ".docx")


@dataclass
class IngestReport:
    """Per-document results of one run, and the repeals applied."""

    documents: list[DocumentStatus] = field(default_factory=list)
    repeals: list[dict[str, object]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def processed(self) -> int:
        """Documents written or found unchanged."""
        return sum(1 for d in self.documents if d.status != "failed")

    @property
    def failed(self) -> int:
        """Documents that failed."""
        return sum(1 for d in self.documents if d.status == "failed")


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the documents inside folders (README files of folders skipped)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(
                p
                for p in sorted(path.iterdir())
                if p.is_file() and p.stem.upper() != "README" and not p.name.startswith(".")
            )
        else:
            out.append(path)
    return out


class RegulationIngestor:
    """Ingest regulation documents into a graph store.

    Args:
        store: the graph.
        state: status and version store in the data dir.
        kb: the knowledge base (manifest metadata, links); None to ingest without it.
        max_bytes: size limit per document.
        ocr: reads the image-only pages of PDFs; by default RapidOCR with its results cached under the
            state directory (``ocr/``), keyed by each file's SHA-256.
    """

    def __init__(
        self,
        store: GraphStore,
        state: IngestionState,
        kb: KnowledgeBase | None,
        *,
        max_bytes: int,
        ocr: PdfPageOcr | None = None,
    ) -> None:
        self.store = store
        self.state = state
        self.kb = kb
        self.max_bytes = max_bytes
        ocr = ocr or PdfPageOcr(RapidOcrRecognizer(), cache_dir=state.state_dir / "ocr")
        self.loaders: dict[str, DocumentLoader] = {".pdf": PdfRegulationLoader(ocr=ocr)}

    def run(
        self, paths: Sequence[Path], progress: Callable[[Path, DocumentStatus], None] | None = None
    ) -> IngestReport:
        """Ingest every document; returns what happened to each. Never raises for one bad document."""
        started = time.perf_counter()
        self.store.ensure_schema()
        report = IngestReport()
        statutes: list[ParsedRegulation] = []
        for path in paths:
            status, parsed = self._one(path)
            report.documents.append(status)
            if parsed is not None and parsed.statute is not None:
                statutes.append(parsed)
            if progress is not None:
                progress(path, status)
        self.state.record(report.documents)
        for parsed in statutes:
            report.repeals.extend(self._apply_repeals(parsed))
        report.seconds = time.perf_counter() - started
        return report

    def _one(self, path: Path) -> tuple[DocumentStatus, ParsedRegulation | None]:
        from ingestion.loaders import load_document

        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        try:
            doc = load_document(path, max_bytes=self.max_bytes, loaders=self.loaders)
            parsed = parse_regulation(path, doc, self.kb)
            status = self._write(parsed)
            status.path, status.ingested_at, status.warnings = str(path), stamp, list(doc.warnings)
            return status, parsed
        except HsekgError as e:
            return DocumentStatus(path=str(path), status="failed", error=str(e), ingested_at=stamp), None
        except Exception as e:  # a parser bug must fail one document, not the run
            log.exception("ingesting %s failed", path)
            error = f"internal error: {type(e).__name__}: {e}"
            return DocumentStatus(path=str(path), status="failed", error=error, ingested_at=stamp), None

    def _write(self, parsed: ParsedRegulation) -> DocumentStatus:
        previous = self.state.latest(parsed.id)
        articles, duties = len(parsed.texts), len(parsed.obligations)
        if previous is not None and previous[0] == parsed.version and self.store.get(Label.REGULATION, parsed.id):
            return DocumentStatus(
                path="", status="unchanged", regulation=parsed.id, version=parsed.version, articles=articles,
                obligations=duties,
            )  # fmt: skip
        diff = diff_versions(previous[1], parsed.texts) if previous is not None else None
        penalties = penalty_links(parsed.statute, parsed.obligations) if parsed.statute else []
        kb_obs, kb_risks = knowledge_base_links(parsed.obligations, self.kb) if self.kb else ([], [])
        topics = self.kb.topics_by_article() if self.kb else {}
        write = regulation_batch(
            parsed, penalties=penalties, kb_obligations=kb_obs, kb_risks=kb_risks, previous=previous, diff=diff,
            topics=topics,
        )  # fmt: skip
        self.store.apply(write.batch)
        self.state.save_version(parsed.id, parsed.version, parsed.texts, write.owned)
        return DocumentStatus(
            path="",
            status="processed",
            regulation=parsed.id,
            version=parsed.version,
            diff=diff.as_dict() if diff else None,
            articles=articles,
            obligations=duties,
        )

    def _apply_repeals(self, parsed: ParsedRegulation) -> list[dict[str, object]]:
        """REPLACED_BY for every known law the statute repeals, and article successor mappings."""
        assert parsed.statute is not None
        new_texts = {int(k): v for k, v in parsed.texts.items()}
        applied: list[dict[str, object]] = []
        own_title = normalize_title(parsed.title)
        for repeal in find_repeals(parsed.statute):
            if repeal.repealed_title == own_title:
                continue  # an earlier edition of the same text (名录 2016 -> 2021): not another law
            old_id = self._known_regulation(repeal.repealed_title)
            if old_id is None or old_id == parsed.id:
                continue
            latest = self.state.latest(old_id)
            old_texts = {int(k): v for k, v in latest[1].items() if k.isdigit()} if latest else {}
            mappings = map_successors(old_texts, new_texts)
            batch = GraphBatch()
            node = self.store.get(Label.REGULATION, old_id)
            if node is not None:
                regulation = from_properties(Regulation, node)
                batch.add_nodes([regulation.model_copy(update={"status": "已废止", "replaced_by": parsed.id})])
            reason = f"《{parsed.title}》第{repeal.article}条废止"
            batch.add_edges(
                Rel.REPLACED_BY, Label.REGULATION, Label.REGULATION, [Edge(old_id, parsed.id, reason=reason)]
            )
            batch.add_edges(
                Rel.SUCCEEDED_BY,
                Label.CLAUSE,
                Label.CLAUSE,
                (
                    Edge(f"{old_id}#{m.old_article}", f"{parsed.id}#{m.new_article}", score=m.score,
                         reason=f"条文相似度 {m.score:.2f}（次优 {m.runner_up:.2f}）", source="repeal-mapping")
                    for m in mappings
                ),
            )  # fmt: skip
            self.store.apply(batch)
            applied.append(
                {"repealed": old_id, "by": parsed.id, "article": repeal.article, "mapped": len(mappings),
                 "articles": len(old_texts)}
            )  # fmt: skip
        return applied

    def _known_regulation(self, title: str) -> str | None:
        """The id of a regulation named by title, among those in the graph."""
        for node in self.store.find(Label.REGULATION):
            if title in (node["id"], normalize_title(str(node.get("title", "")))):
                return str(node["id"])
        return None
