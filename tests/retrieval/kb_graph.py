"""The project's real knowledge base in an embedded graph (about 5 s), and an enterprise service over it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from api.services.enterprises import EnterpriseService
from ingestion.kb_loader import KnowledgeBaseLoader
from kg.ladybug_store import LadybugGraphStore
from retrieval.change.catalog import ClauseLookup, GraphCatalogLoader, KnowledgeCatalog
from tests.enterprise_support import enterprise_importer

REPO = Path(__file__).resolve().parents[2]


class StepClock:
    """A clock that moves one minute per reading."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@dataclass
class KbGraph:
    """The graph, its catalog and clause lookup, and an enterprise service with a stepping clock."""

    store: LadybugGraphStore
    catalog: KnowledgeCatalog
    clauses: ClauseLookup
    service: EnterpriseService


def build_kb_graph(folder: Path) -> KbGraph:
    """Load ``regulations_corpus`` (without statute texts: clauses carry no text) into a new graph."""
    store = LadybugGraphStore(folder / "kb.lbug")
    store.verify()
    KnowledgeBaseLoader(store, REPO / "regulations_corpus", None).run(strict=False)
    catalog = GraphCatalogLoader(store).run()
    importer = enterprise_importer()
    service = EnterpriseService(store, catalog, importer=importer, clock=StepClock())
    return KbGraph(store, catalog, ClauseLookup(store), service)
