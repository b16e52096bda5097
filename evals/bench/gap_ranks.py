"""Where each gold gap ranks among all of a plant's applicable uncovered duties, with no cut (neither
``MAX_GAPS`` nor ``GAP_FLOOR``): says whether a missed gap is not reached at all (a kind of knowledge the
knowledge base lacks) or reached and ranked low (a ranking problem), and whether a gold-covered duty would be
reported at any rank.

Run on a data dir prepared as for ``hsekg eval gaps``: ``python -m evals.bench.gap_ranks --scenarios
evals/dev2/gaps_dev2.jsonl [--per-gap]``. Prints a JSON line per plant (with ``--per-gap`` one per gold gap)
and a last line for all: median rank, the share within 10 and 15, the gold-covered duties reported. Numbers
on the development sets are development numbers.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

from api.container import Container
from api.settings import Settings
from evals.change import load_records
from retrieval.change.gaps import GapDetector
from retrieval.change.inputs import GapScenario

#: the rank recorded for a gold gap no path reaches
UNREACHED = 999


def _keys(entry: dict[str, Any]) -> list[str]:
    return [f"{r['law']}#{int(r['article'])}" for r in (entry, *entry.get("also_acceptable", []))]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=Path, required=True)
    parser.add_argument("--per-gap", action="store_true", help="one line per gold gap")
    args = parser.parse_args(argv)
    ranks: list[int] = []
    false_gaps = 0
    with Container(Settings()) as container:
        engine = container.change
        detector = GapDetector(engine.catalog, engine.clauses, facts=container.facts, max_gaps=10_000, floor=0.0)
        for record in load_records(args.scenarios):
            report = detector.run(GapScenario.model_validate(record))
            reported = [f"{g.law}#{g.article}" for g in report.gaps]
            plant: list[int] = []
            for gold in record["gold_gaps"]:
                rank = min((reported.index(k) + 1 for k in _keys(gold) if k in reported), default=UNREACHED)
                plant.append(rank)
                if args.per_gap:
                    print(json.dumps({"id": record["id"], "gap": _keys(gold)[0], "rank": rank}, ensure_ascii=False))
            covered = {k for c in record.get("gold_covered", []) for k in _keys(c)}
            false_gaps += len(covered & set(reported))
            ranks += plant
            print(json.dumps({"id": record["id"], "applicable_uncovered": len(reported), "ranks": plant}))
    overall = {
        "gold_gaps": len(ranks),
        "median_rank": statistics.median(ranks) if ranks else None,
        "within_10": round(sum(r <= 10 for r in ranks) / max(len(ranks), 1), 3),
        "within_15": round(sum(r <= 15 for r in ranks) / max(len(ranks), 1), 3),
        "unreached": sum(r == UNREACHED for r in ranks),
        "gold_covered_reported": false_gaps,
    }
    print(json.dumps(overall))
    return overall


if __name__ == "__main__":
    main()
