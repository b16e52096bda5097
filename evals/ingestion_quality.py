"""Quality of regulation ingestion, measured on hand-labelled samples.

``sample`` draws a seeded random sample of extracted duties (100) and of repealed-law articles with
their proposed successor (30). The repository keeps only ids, a digest of what was extracted and the
labels (``evals/data/*.jsonl``: no statute text is stored here); the texts to read while labelling go
to a review file outside the repository. ``score`` regenerates the items from the statute texts,
refuses labels whose digest no longer matches what the code extracts, and computes precision (and
the successor mapping's recall over all repealed articles).

    python -m evals.ingestion_quality sample --regulations ../shared/regulations
    python -m evals.ingestion_quality score --regulations ../shared/regulations
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

from ingestion.obligations import extract_obligations
from ingestion.repeals import find_repeals, map_successors
from ingestion.statutes import Statute, read_statutes

DATA = Path(__file__).resolve().parent / "data"
DUTIES = DATA / "obligation_sample.jsonl"
SUCCESSORS = DATA / "successor_sample.jsonl"
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


def _digest(item: dict[str, Any], fields: tuple[str, ...]) -> str:
    import hashlib

    return hashlib.sha256("|".join(str(item[f]) for f in fields).encode("utf-8")).hexdigest()[:16]


DUTY_FIELDS = ("subject", "modality", "action")
SUCCESSOR_FIELDS = ("successor",)


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
                label = {"id": key, "digest": _digest(items[key], fields), "correct": None, "note": ""}
                out.write(json.dumps(label, ensure_ascii=False) + "\n")
                rev.write(json.dumps(items[key], ensure_ascii=False) + "\n")
        print(f"wrote {n} labels to {path}, texts for review to {review_dir / path.name}")


def _labelled(path: Path, current: dict[str, dict[str, Any]], fields: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for row in rows:
        now = current.get(row["id"])
        if now is None or _digest(now, fields) != row["digest"]:
            raise SystemExit(f"label of {row['id']} is stale: the code now extracts something else; relabel")
        if row["correct"] is None:
            raise SystemExit(f"{row['id']} is not labelled")
        out.append({**now, "correct": bool(row["correct"]), "note": row.get("note", "")})
    return out


def score(regulations: Path, threshold: float | None = None) -> dict[str, Any]:
    """Precision of extraction and of the successor mapping; recall of the mapping at its threshold."""
    from ingestion.repeals import MAP_THRESHOLD

    statutes = read_statutes(regulations)
    cut = MAP_THRESHOLD if threshold is None else threshold
    duties = _labelled(DUTIES, _duty_items(statutes), DUTY_FIELDS)
    successors_all = _successor_items(statutes)
    successors = _labelled(SUCCESSORS, successors_all, SUCCESSOR_FIELDS)
    kept = [s for s in successors if s["score"] >= cut]
    code = statutes[CODE]
    repealed_total = sum(
        len(statutes[r.repealed_title].articles) for r in find_repeals(code) if r.repealed_title in statutes
    )
    result = {
        "obligation_precision": round(sum(d["correct"] for d in duties) / len(duties), 3),
        "obligations_labelled": len(duties),
        "successor_threshold": cut,
        "successor_precision": round(sum(s["correct"] for s in kept) / len(kept), 3) if kept else None,
        "successor_labelled_kept": len(kept),
        "successor_precision_unthresholded": round(sum(s["correct"] for s in successors) / len(successors), 3),
        "successor_recall": round(sum(1 for s in successors_all.values() if s["score"] >= cut) / repealed_total, 3),
        "repealed_articles": repealed_total,
    }
    print(json.dumps(result, ensure_ascii=False))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["sample", "score"])
    parser.add_argument(
        "--regulations", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "regulations"
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
