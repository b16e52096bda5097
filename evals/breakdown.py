"""Change metrics per change type and per sector, recomputed from an ``eval change --predictions`` file.

    python -m evals.breakdown --scenarios SET.jsonl --predictions PRED.jsonl [--by type|sector]

Prints one JSON object per group (the same metrics as ``hsekg eval change``; citation validity is not
recomputed here, as it needs the graph).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, cast

from evals.change import load_records, score_predictions
from evals.records import ChangePrediction

__all__ = ["breakdown", "main"]


def breakdown(records: list[dict[str, Any]], predictions: list[dict[str, Any]], by: str) -> dict[str, dict[str, Any]]:
    """The metrics of each group of scenarios (by change type or by sector)."""
    preds = {p["id"]: p for p in predictions}
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        key = str(r["change"]["type"]) if by == "type" else str(r.get("sector", ""))
        groups.setdefault(key, []).append(r)
    out: dict[str, dict[str, Any]] = {}
    for key, items in sorted(groups.items()):
        chosen = cast(list[ChangePrediction], [preds[r["id"]] for r in items])
        metrics = score_predictions(items, chosen, lambda _key: True)
        out[key] = {k: v for k, v in metrics.items() if k not in ("citation_validity", "p95_ms")}
    return out


def main(argv: list[str] | None = None) -> None:
    """Print the per-group metrics."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", type=Path, required=True)
    parser.add_argument("--predictions", type=Path, required=True)
    parser.add_argument("--by", choices=("type", "sector"), default="type")
    args = parser.parse_args(argv)
    records = load_records(args.scenarios)
    predictions = [json.loads(line) for line in args.predictions.read_text(encoding="utf-8").splitlines() if line]
    for key, metrics in breakdown(records, predictions, args.by).items():
        sys.stdout.write(json.dumps({args.by: key, **metrics}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
