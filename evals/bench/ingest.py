"""Ingestion benchmark: time and peak memory to ingest every statute and standard PDF into a fresh graph.

Run: ``python -m evals.bench.ingest [PATH ...]`` (default: ../shared/regulations and ../shared/regulations_pdf).
Prints one JSON line: seconds, peak RSS, documents processed/failed, articles, duties, and the time of a
second run over unchanged texts (which must write nothing).
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from ingestion.kb_loader import KnowledgeBaseLoader
from ingestion.pipeline import RegulationIngestor, expand_paths
from ingestion.versions import IngestionState
from kg.ladybug_store import LadybugGraphStore

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("paths", nargs="*", type=Path, default=[SHARED / "regulations", SHARED / "regulations_pdf"])
    args = parser.parse_args()
    files = expand_paths(args.paths)
    with tempfile.TemporaryDirectory() as tmp:
        store = LadybugGraphStore(Path(tmp) / "graph.lbug")
        store.verify()
        kb = KnowledgeBaseLoader(store, REPO / "regulations_corpus", SHARED / "regulations").run().knowledge_base
        ingestor = RegulationIngestor(store, IngestionState(Path(tmp) / "state"), kb, max_bytes=100 * 2**20)
        started = time.perf_counter()
        first = ingestor.run(files)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        second = ingestor.run(files)
        again = time.perf_counter() - started
        store.close()
    result = {
        "documents": len(files),
        "processed": first.processed,
        "failed": first.failed,
        "articles": sum(d.articles for d in first.documents),
        "duties": sum(d.obligations for d in first.documents),
        "seconds": round(seconds, 1),
        "unchanged_rerun_seconds": round(again, 1),
        "unchanged_rerun_statuses": sorted({d.status for d in second.documents}),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
