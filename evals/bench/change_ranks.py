"""Where each gold risk, duty and indicator of a change set ranks among everything the proposer would propose
with no cut (no ``MAX_RISKS`` / ``MAX_OBLIGATIONS`` / ``MAX_INDICATORS``, no risk floor): says whether a missed
item is not reached at all (a kind of knowledge the knowledge base lacks) or reached and ranked below the cut
(a ranking problem).

Run on a data dir prepared as for ``hsekg eval change``: ``python -m evals.bench.change_ranks --scenarios
evals/dev2/change_dev2.jsonl [--per-item]``. Prints a JSON line per scenario (with ``--per-item`` one per gold
item) and a last line per kind: the share within the product's cut, the share reached at any rank, the median
rank. Matching is the scorer's (``evals.change.keywords_match``), first matching proposal, not one-to-one, and
the uncut lists draft indicators for every duty, so "within the cut" approximates the recall at the cut rather
than reproducing it. Numbers on the development sets are development numbers.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

from api.container import Container
from api.settings import Settings
from evals.change import keywords_match, load_records
from retrieval.change.inputs import ChangeScenario
from retrieval.change.proposals import MAX_INDICATORS, MAX_OBLIGATIONS, MAX_RISKS, ChangeProposer

#: the rank recorded for a gold item no proposal matches
UNREACHED = 999
_CUTS = {"risk": MAX_RISKS, "obligation": MAX_OBLIGATIONS, "indicator": MAX_INDICATORS}


def _text_rank(texts: list[str], gold: dict[str, Any]) -> int:
    return next((i + 1 for i, t in enumerate(texts) if keywords_match(t, gold["keywords_any"])), UNREACHED)


def _duty_rank(keys: list[str], gold: dict[str, Any]) -> int:
    wanted = [f"{r['law']}#{int(r['article'])}" for r in (gold, *gold.get("also_acceptable", []))]
    return min((keys.index(k) + 1 for k in wanted if k in keys), default=UNREACHED)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=Path, required=True)
    parser.add_argument("--per-item", action="store_true", help="one line per gold item")
    args = parser.parse_args(argv)
    ranks: dict[str, list[int]] = {kind: [] for kind in _CUTS}
    with Container(Settings()) as container:
        engine = container.change
        proposer = ChangeProposer(
            engine.catalog,
            engine.clauses,
            retriever=engine.retriever,
            facts=container.facts,
            max_risks=10_000,
            max_obligations=10_000,
            max_indicators=10_000,
            floor=0.0,
        )
        for record in load_records(args.scenarios):
            result = proposer.run(ChangeScenario.model_validate(record))
            gold = record["gold"]
            found = {
                "risk": [_text_rank([r.name for r in result.risks], g) for g in gold["risks"]],
                "obligation": [
                    _duty_rank([f"{o.law}#{o.article}" for o in result.obligations], g) for g in gold["obligations"]
                ],
                "indicator": [_text_rank([i.name for i in result.indicators], g) for g in gold["indicators"]],
            }
            for kind, got in found.items():
                ranks[kind] += got
                if args.per_item:
                    names = gold[kind + "s"]
                    for g, rank in zip(names, got, strict=True):
                        label = g.get("name") or f"{g['law']}#{g['article']}"
                        line = {"id": record["id"], "kind": kind, "gold": label, "rank": rank}
                        print(json.dumps(line, ensure_ascii=False))
            print(json.dumps({"id": record["id"], "type": record["change"]["type"], **found}, ensure_ascii=False))
    overall = {
        kind: {
            "gold": len(got),
            "within_cut": round(sum(r <= _CUTS[kind] for r in got) / max(len(got), 1), 3),
            "reached": round(sum(r < UNREACHED for r in got) / max(len(got), 1), 3),
            "median_rank": statistics.median(got) if got else None,
        }
        for kind, got in ranks.items()
    }
    print(json.dumps(overall))
    return overall


if __name__ == "__main__":
    main()
