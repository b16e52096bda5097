"""Small graphs for retrieval tests: a knowledge base and the two example statutes, ingested."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ingestion.kb_loader import KnowledgeBaseLoader
from ingestion.pipeline import RegulationIngestor
from ingestion.versions import IngestionState
from kg.ladybug_store import LadybugGraphStore
from tests.ingestion.test_pipeline import CODE, OLD_LAW


def build_small_graph(tmp_path: Path, kb: Mapping[str, str]) -> LadybugGraphStore:
    """Write the knowledge-base YAML files and the example law and code, load and ingest them."""
    corpus, regs = tmp_path / "corpus", tmp_path / "regs"
    corpus.mkdir()
    regs.mkdir()
    for name, text in kb.items():
        (corpus / name).write_text(text, encoding="utf-8")
    (regs / "示例污染防治法.md").write_text(OLD_LAW, encoding="utf-8")
    (regs / "示例法典.md").write_text(CODE, encoding="utf-8")
    store = LadybugGraphStore(tmp_path / "g.lbug")
    store.verify()
    knowledge = KnowledgeBaseLoader(store, corpus, regs).run().knowledge_base
    RegulationIngestor(store, IngestionState(tmp_path / "state"), knowledge, max_bytes=10**6).run(
        sorted(regs.iterdir())
    )
    return store
