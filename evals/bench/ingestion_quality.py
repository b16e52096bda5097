"""Quality of regulation ingestion, measured on hand-labelled samples: the harness that runs the extraction.

``sample`` draws a seeded random sample of extracted duties (100) and of repealed-law articles with
their proposed successor (30). The repository keeps only ids, a digest of what was extracted and the
labels (``evals/data/*.jsonl``: no statute text is stored here); the texts to read while labelling go
to a review file outside the repository. ``score`` regenerates the items from the statute texts and
scores the labels with :func:`evals.ingestion_quality.score_labels` (stale labels are refused).

    python -m evals.bench.ingestion_quality sample --regulations ../shared/regulations
    python -m evals.bench.ingestion_quality score --regulations ../shared/regulations
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

from evals.ingestion_quality import (
    DATA,
    DUTIES,
    DUTY_FIELDS,
    SUCCESSOR_FIELDS,
    SUCCESSORS,
    digest,
    score_labels,
)
from ingestion.obligations import extract_obligations
from ingestion.repeals import find_repeals, map_successors
from ingestion.statutes import Statute, read_statutes

CODE = "生态环境法典"


def _duty_items(statutes: dict[str, Statute]) -> dict[str, dict[str, Any]]:
    items = {}
    for statute in statutes.values():
        for o in extract_obligations(statute):
            items[o.id] = {
                "id": o.id, "law": o.law, "article": o.article, "paragraph": o.paragraph, "item": o.item,
                "sentence": o.sentence, "subject": o.subject, "modality": o.modality, "action": o.action,
                "condition": o.condition,
            }  # fmt: skip
    return items


def _successor_items(statutes: dict[str, Statute]) -> dict[str, dict[str, Any]]:
    code = statutes[CODE]
    new = {n: a.text for n, a in code.articles.items()}
    items = {}
    for repeal in find_repeals(code):
        old_statute = statutes.get(repeal.repealed_title)
        if old_statute is None:
            continue
        old = {n: a.text for n, a in old_statute.articles.items()}
        for m in map_successors(old, new, threshold=0.0):
            key = f"{old_statute.name}#{m.old_article}"
            items[key] = {
                "id": key, "law": old_statute.name, "article": m.old_article, "old_text": old[m.old_article],
                "successor": m.new_article, "successor_text": new[m.new_article], "score": m.score,
                "runner_up": m.runner_up,
            }  # fmt: skip
    return items


def sample(regulations: Path, review_dir: Path, seed: int = 20261123) -> None:
    """Write label files (ids, digests, empty labels) and review files with the texts."""
    statutes = read_statutes(regulations)
    rnd = random.Random(seed)
    duties = _duty_items(statutes)
    successors = _successor_items(statutes)
    DATA.mkdir(parents=True, exist_ok=True)
    review_dir.mkdir(parents=True, exist_ok=True)
    for path, items, n, fields in ((DUTIES, duties, 100, DUTY_FIELDS), (SUCCESSORS, successors, 30, SUCCESSOR_FIELDS)):
        chosen = rnd.sample(sorted(items), n)
        with path.open("w", encoding="utf-8") as out, (review_dir / path.name).open("w", encoding="utf-8") as rev:
            for key in chosen:
                label = {"id": key, "digest": digest(items[key], fields), "correct": None, "note": ""}
                out.write(json.dumps(label, ensure_ascii=False) + "\n")
                rev.write(json.dumps(items[key], ensure_ascii=False) + "\n")
        print(f"wrote {n} labels to {path}, texts for review to {review_dir / path.name}")


def score(regulations: Path, threshold: float | None = None) -> dict[str, Any]:
    """Precision of extraction and of the successor mapping; recall of the mapping at its threshold."""
    from ingestion.repeals import MAP_THRESHOLD

    statutes = read_statutes(regulations)
    cut = MAP_THRESHOLD if threshold is None else threshold
    code = statutes[CODE]
    repealed_total = sum(
        len(statutes[r.repealed_title].articles) for r in find_repeals(code) if r.repealed_title in statutes
    )
    result = score_labels(
        _duty_items(statutes), _successor_items(statutes), repealed_total=repealed_total, threshold=cut
    )
    print(json.dumps(result, ensure_ascii=False))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["sample", "score"])
    parser.add_argument(
        "--regulations", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "regulations"
    )
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--review-dir", type=Path, default=Path("/tmp/hsekg-review"))
    args = parser.parse_args()
    if args.command == "sample":
        sample(args.regulations, args.review_dir)
    else:
        score(args.regulations, args.threshold)


if __name__ == "__main__":
    main()
