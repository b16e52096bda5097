"""Q&A evaluation: recall@k and MRR over the ranked cited articles, abstention, latency.

Matching (../shared/evalsets/README.md): an answerable item is hit at k when any ``gold`` or
``also_acceptable`` article is among the first k citations; unanswerable items count for abstention
only. Multi-hop items also report the share with every gold article in the top k.

Pure scoring over plain records (:class:`evals.records.QaPrediction` lines): running the system and
turning its answers into those records is the caller's (``hsekg eval qa``).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from evals.records import QaPrediction

__all__ = ["QaItem", "load_items", "score_predictions"]


class QaItem(BaseModel):
    """One evaluation item."""

    id: str
    question: str
    gold: list[dict[str, Any]]
    also_acceptable: list[dict[str, Any]] = []
    answerable: bool = True
    hops: int = 1


def load_items(path: Path) -> list[QaItem]:
    """Read a JSONL evaluation set (unknown fields ignored)."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            items.append(QaItem.model_validate({k: raw[k] for k in QaItem.model_fields if k in raw}))
    return items


def _keys(refs: Sequence[dict[str, Any]]) -> set[str]:
    return {f"{r['law']}#{int(r['article'])}" for r in refs}


def score_predictions(items: Sequence[QaItem], predictions: Sequence[QaPrediction]) -> dict[str, Any]:
    """The metrics of DESIGN.md from items and predictions (recomputable by any scorer)."""
    by_id = {p["id"]: p for p in predictions}
    answerable = [i for i in items if i.answerable and i.gold]
    unanswerable = [i for i in items if not (i.answerable and i.gold)]
    hits = {1: 0, 5: 0, 10: 0}
    mrr = 0.0
    multi_all = {5: 0, 10: 0}
    for item in answerable:
        pred = by_id[item.id]
        cited = [f"{c['law']}#{int(c['article'])}" for c in ([] if pred["abstained"] else pred["citations"])]
        ok = _keys(item.gold) | _keys(item.also_acceptable)
        for k in hits:
            hits[k] += any(c in ok for c in cited[:k])
        first = next((rank for rank, c in enumerate(cited[:10], start=1) if c in ok), None)
        mrr += 1 / first if first else 0.0
        if item.hops > 1:
            for k in multi_all:
                multi_all[k] += all(_covered(g, item.also_acceptable, cited[:k]) for g in item.gold)
    n = max(len(answerable), 1)
    ms = sorted(float(p["ms"]) for p in predictions) or [0.0]
    multi = [i for i in answerable if i.hops > 1]
    return {
        "n": len(items),
        "recall@1": round(hits[1] / n, 3),
        "recall@5": round(hits[5] / n, 3),
        "recall@10": round(hits[10] / n, 3),
        "mrr@10": round(mrr / n, 3),
        "abstain_accuracy": round(sum(by_id[i.id]["abstained"] for i in unanswerable) / len(unanswerable), 3)
        if unanswerable
        else None,
        "false_abstain_rate": round(sum(by_id[i.id]["abstained"] for i in answerable) / n, 3),
        "multihop_all_gold@5": round(multi_all[5] / len(multi), 3) if multi else None,
        "multihop_all_gold@10": round(multi_all[10] / len(multi), 3) if multi else None,
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1),
    }


def _covered(gold: dict[str, Any], alternates: Sequence[dict[str, Any]], cited: Sequence[str]) -> bool:
    """A gold article of a multi-hop item is covered by itself (alternates count for single gold only)."""
    return f"{gold['law']}#{int(gold['article'])}" in cited or (
        len(alternates) > 0 and any(f"{a['law']}#{int(a['article'])}" in cited for a in alternates)
    )
