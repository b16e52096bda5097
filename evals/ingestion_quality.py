"""Quality of regulation ingestion on hand-labelled samples: the label files and the scoring.

The repository keeps only ids, a digest of what was extracted and the labels (``evals/data/*.jsonl``:
no statute text is stored here). Scoring takes the items the code extracts now (plain dicts, made by
``evals.bench.ingestion_quality`` from the statute texts), refuses labels whose digest no longer
matches them, and computes precision (and the successor mapping's recall over all repealed articles).
No application code is imported here::

    python -m evals.bench.ingestion_quality sample --regulations ../shared/regulations
    python -m evals.bench.ingestion_quality score --regulations ../shared/regulations
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

__all__ = [
    "DATA",
    "DUTIES",
    "DUTY_FIELDS",
    "SUCCESSORS",
    "SUCCESSOR_FIELDS",
    "digest",
    "labelled",
    "score_labels",
]

DATA = Path(__file__).resolve().parent / "data"
DUTIES = DATA / "obligation_sample.jsonl"
SUCCESSORS = DATA / "successor_sample.jsonl"

#: The fields of an item its label's digest covers: a label goes stale when one of them changes.
DUTY_FIELDS = ("subject", "modality", "action")
SUCCESSOR_FIELDS = ("successor",)


def digest(item: dict[str, Any], fields: tuple[str, ...]) -> str:
    """A short digest of what was extracted for ``item`` (its ``fields``)."""
    return hashlib.sha256("|".join(str(item[f]) for f in fields).encode("utf-8")).hexdigest()[:16]


def labelled(path: Path, current: dict[str, dict[str, Any]], fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """The labelled items of ``path``, each the current item with its ``correct`` and ``note``.

    Raises:
        SystemExit: a label is stale (its item is gone or extracted differently now) or not filled in.
    """
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for row in rows:
        now = current.get(row["id"])
        if now is None or digest(now, fields) != row["digest"]:
            raise SystemExit(f"label of {row['id']} is stale: the code now extracts something else; relabel")
        if row["correct"] is None:
            raise SystemExit(f"{row['id']} is not labelled")
        out.append({**now, "correct": bool(row["correct"]), "note": row.get("note", "")})
    return out


def score_labels(
    duty_items: dict[str, dict[str, Any]],
    successor_items: dict[str, dict[str, Any]],
    *,
    repealed_total: int,
    threshold: float,
    duty_labels: Path = DUTIES,
    successor_labels: Path = SUCCESSORS,
) -> dict[str, Any]:
    """Precision of duty extraction and of the successor mapping; recall of the mapping at ``threshold``.

    Args:
        duty_items: every extracted duty by id (``subject``, ``modality``, ``action`` …).
        successor_items: every repealed article by ``law#article``, with its best ``successor`` and ``score``.
        repealed_total: articles of the repealed laws (the recall's denominator).
        threshold: the mapping's score threshold (kept pairs score at least this).
        duty_labels: the duty label file.
        successor_labels: the successor label file.
    """
    duties = labelled(duty_labels, duty_items, DUTY_FIELDS)
    successors = labelled(successor_labels, successor_items, SUCCESSOR_FIELDS)
    kept = [s for s in successors if s["score"] >= threshold]
    return {
        "obligation_precision": round(sum(d["correct"] for d in duties) / len(duties), 3),
        "obligations_labelled": len(duties),
        "successor_threshold": threshold,
        "successor_precision": round(sum(s["correct"] for s in kept) / len(kept), 3) if kept else None,
        "successor_labelled_kept": len(kept),
        "successor_precision_unthresholded": round(sum(s["correct"] for s in successors) / len(successors), 3),
        "successor_recall": round(
            sum(1 for s in successor_items.values() if s["score"] >= threshold) / repealed_total, 3
        ),
        "repealed_articles": repealed_total,
    }
