"""Gap evaluation: gap recall, false gaps, how many are reported, latency, strict and lenient precision.

Matching (../shared/evalsets/README.md): a gold gap is found when its ``law`` + ``article`` or an
``also_acceptable`` one is reported (each gold entry counts once). Reporting a ``gold_covered`` article
is a false gap. Strict precision counts reported gaps outside gold (and its alternates) as wrong;
lenient precision ignores those that are neither gold gaps nor gold covered.

Pure scoring over plain records (:class:`evals.records.GapPrediction` lines and the gold JSONL
objects): running the detector and turning its reports into those records is the caller's
(``hsekg eval gaps``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evals.change import p95
from evals.records import GapPrediction

__all__ = ["score_predictions"]


def _key(ref: Mapping[str, Any]) -> str:
    return f"{ref['law']}#{int(ref['article'])}"


def score_predictions(records: Sequence[dict[str, Any]], predictions: Sequence[GapPrediction]) -> dict[str, Any]:
    """The metrics of DESIGN.md plus strict and lenient precision."""
    by_id = {p["id"]: p for p in predictions}
    found = total = false = reported = right = judged = 0
    for record in records:
        pred = by_id[record["id"]]
        keys = [_key(g) for g in pred["gaps"]]
        reported += len(keys)
        gold_sets = [{_key(g), *(_key(a) for a in g.get("also_acceptable", []))} for g in record["gold_gaps"]]
        covered = {_key(c) for c in record["gold_covered"]}
        total += len(gold_sets)
        found += sum(bool(s & set(keys)) for s in gold_sets)
        gold_any = set().union(*gold_sets) if gold_sets else set()
        false += sum(k in covered for k in keys)
        right += sum(k in gold_any for k in keys)
        judged += sum(k in gold_any or k in covered for k in keys)
    n = len(records)
    return {
        "n": n,
        "gap_recall": round(found / max(total, 1), 4),
        "false_gap_rate": round(false / max(reported, 1), 4),
        "mean_reported": round(reported / max(n, 1), 2),
        "p95_ms": round(p95([float(p["ms"]) for p in predictions]), 1),
        "precision_strict": round(right / max(reported, 1), 4),
        "precision_lenient": round(right / max(judged, 1), 4),
    }
