"""Leave-one-sector-out estimate of the change step: each sector's scenarios are proposed for with that
sector's own process templates taken out of the knowledge base (templates another sector shares stay),
so the numbers say what the judgement does for a sector the templates do not cover — the situation of
an unseen plant of a new sector — with everything else (risks, duties, catalogues, retrieval) in place.

Run on a data dir prepared as for ``hsekg eval change`` (graph with statutes, retrieval index):
``python -m evals.bench.loso --scenarios ../shared/evalsets/change_dev.jsonl [--out FILE]``. Prints one
JSON object per sector and one for all, the last line being the overall one. The numbers on the dev set
are development numbers (its items were seen while the knowledge base was written).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

from api.cli.evaluate import change_prediction
from api.container import Container
from api.settings import Settings
from evals.change import load_records, score_predictions
from evals.records import ChangePrediction
from retrieval.change.catalog import KnowledgeCatalog
from retrieval.change.inputs import ChangeScenario
from retrieval.change.proposals import ChangeProposer


def without_sector(catalog: KnowledgeCatalog, own: set[str]) -> KnowledgeCatalog:
    """The catalog without the process templates ``own`` (a sector's templates no other sector lists)."""
    return dataclasses.replace(
        catalog,
        processes={k: v for k, v in catalog.processes.items() if k not in own},
        process_risks={k: v for k, v in catalog.process_risks.items() if k not in own},
        duties_by_article={},
        risks_of_duty={},
        indicators_of_duty={},
        indicators_of_risk={},
        relevance={},
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=None, help="also write the lines here")
    args = parser.parse_args(argv)
    records = load_records(args.scenarios)
    lines: list[dict[str, Any]] = []
    with Container(Settings()) as container:
        engine = container.change
        kb = container.kb
        by_name = {s.name: s for s in kb.sectors}
        templates = {s.id: {p for ids in s.stages.values() for p in ids} for s in kb.sectors}

        def valid(key: str) -> bool:
            return engine.clauses.clause(key) is not None and engine.catalog.is_current(key.rsplit("#", 1)[0])

        every: list[ChangePrediction] = []
        for name in sorted({r["sector"] for r in records}):
            sector = by_name.get(name)
            own: set[str] = set()
            if sector is not None:
                others = set().union(*(t for sid, t in templates.items() if sid != sector.id))
                own = templates[sector.id] - others
            catalog = without_sector(engine.catalog, own)
            proposer = ChangeProposer(catalog, engine.clauses, retriever=engine.retriever, facts=engine.facts)
            items = [r for r in records if r["sector"] == name]
            preds = [change_prediction(r["id"], proposer.run(ChangeScenario.model_validate(r))) for r in items]
            every += preds
            metrics = score_predictions(items, preds, valid)
            lines.append({"sector": name, "templates_removed": len(own), **metrics})
            print(json.dumps(lines[-1], ensure_ascii=False), flush=True)
        overall = {"sector": "all", **score_predictions(records, every, valid)}
    lines.append(overall)
    if args.out is not None:
        args.out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    print(json.dumps(overall, ensure_ascii=False))
    return overall


if __name__ == "__main__":
    main()
