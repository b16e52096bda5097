"""Q&A retrieval latency by stage, and BM25 row-major (CSR, the layout before issue 21) against column-major
(CSC, now) in the same run.

For every question of the given sets, in turn: the BM25 scores from a CSR copy of the index and from the
index itself (checked equal), the query encoding (the question and its short sentences, as
:meth:`HybridRetriever.search` encodes them), the FAISS similarities and the whole ``search``. Each stage's
p50/p95 over ``--repeat`` passes is printed, with the load average at start and end: the machine is
shared, and a busy one stretches every stage.

Run: ``python -m evals.bench.qa_latency --data-dir DIR [--questions FILE ...] [--repeat 3]`` on a data dir
with a built index and a prepared model. Prints one JSON object on one line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from api.container import open_retriever
from api.settings import Settings
from retrieval.hybrid import HybridRetriever
from retrieval.lexical import Bm25Index

DEFAULT_SETS = ("../shared/evalsets/qa_dev.jsonl", "../shared/evalsets/qa_mgr_dev.jsonl")


def row_major_scores(index: Bm25Index) -> Callable[[Sequence[str]], np.ndarray]:
    """BM25 scores as computed before issue 21: the query's columns sliced out of a CSR matrix."""
    csr = index.matrix.tocsr()

    def scores(tokens: Sequence[str]) -> np.ndarray:
        cols = sorted({index.vocab[t] for t in tokens if t in index.vocab})
        if not cols:
            return np.zeros(len(index.ids))
        return np.asarray(csr[:, cols].sum(axis=1)).ravel()

    return scores


def _timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, out


def measure(retriever: HybridRetriever, questions: Sequence[str], *, repeat: int) -> dict[str, dict[str, float]]:
    """p50/p95 in ms of each stage over ``repeat`` passes of ``questions``."""
    old = row_major_scores(retriever.bm25)
    times: dict[str, list[float]] = {k: [] for k in ("bm25_csr", "bm25_csc", "encode", "faiss", "search")}
    retriever.search("安全生产责任制", k=1)  # load the model before timing
    for _ in range(repeat):
        for question in questions:
            tokens = retriever.tokenizer.tokenize(question)
            ms_old, before = _timed(old, tokens)
            ms_new, now = _timed(retriever.bm25.scores, tokens)
            if not np.allclose(before, now):
                raise SystemExit(f"BM25 layouts disagree on {question!r}")
            times["bm25_csr"].append(ms_old)
            times["bm25_csc"].append(ms_new)
            if retriever.embedder is not None and retriever.dense is not None:
                embedder, dense = retriever.embedder, retriever.dense
                parts = retriever._sentences(question)
                ms, vectors = _timed(embedder.embed_queries, [question])
                if parts:
                    more, extra = _timed(embedder.embed_queries, parts)
                    ms, vectors = ms + more, np.vstack([vectors, extra])
                times["encode"].append(ms)
                column = retriever._dense_column
                assert column is not None
                times["faiss"].append(_timed(dense.similarities, vectors, column, len(retriever.bm25.ids))[0])
            times["search"].append(_timed(retriever.search, question, k=10)[0])
    return {name: _percentiles(values) for name, values in times.items() if values}


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
    }


def main() -> None:
    """Parse arguments, run the measurement, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--questions", type=Path, nargs="*", default=[Path(p) for p in DEFAULT_SETS])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    questions = [
        json.loads(line)["question"]
        for path in args.questions
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    retriever = open_retriever(Settings(data_dir=args.data_dir))
    load_before = os.getloadavg()[0]
    stages = measure(retriever, questions, repeat=args.repeat)
    report = {
        "questions": len(questions),
        "repeat": args.repeat,
        "cpus": os.cpu_count(),
        "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "stages_ms": stages,
    }
    print(json.dumps(report, ensure_ascii=False))  # noqa: T201


if __name__ == "__main__":
    main()
