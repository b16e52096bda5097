"""Change evaluation: risk, obligation and indicator recall, must-not violations, citation validity, latency.

Matching (../shared/evalsets/README.md): a proposed risk or indicator matches a gold entry when, for
every inner list of its ``keywords_any``, the text contains one of the strings (NFKC, case-folded);
gold and proposals are matched one-to-one (maximum bipartite matching). An obligation is found when
its ``law`` + ``article`` or an ``also_acceptable`` one is reported. A proposed risk containing a
``must_not`` string is a violation. Citation validity is the share of cited articles (obligations and
indicator citations) that exist in the graph and are in force. Indicator validity is the share of
proposed indicators that pass every rule of the validator.

Pure scoring over plain records (:class:`evals.records.ChangePrediction` lines and the gold JSONL
objects): running the proposer and turning its proposals into those records is the caller's
(``hsekg eval change``).
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from evals.records import ChangePrediction

__all__ = ["keywords_match", "load_records", "match_count", "normalize", "p95", "score_predictions"]


def load_records(path: Path) -> list[dict[str, Any]]:
    """The raw JSONL records (scenario and gold)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def normalize(text: str) -> str:
    """NFKC and case-folded, as the evalsets README matches text."""
    return unicodedata.normalize("NFKC", text).casefold()


def keywords_match(text: str, keywords_any: Sequence[Sequence[str]]) -> bool:
    """AND across the inner lists, OR within each (NFKC, case-folded substrings)."""
    norm = normalize(text)
    return all(any(normalize(k) in norm for k in group) for group in keywords_any)


def match_count(texts: Sequence[str], gold: Sequence[Sequence[Sequence[str]]]) -> int:
    """Size of a maximum one-to-one matching of proposed texts to gold keyword sets."""
    edges = [[i for i, t in enumerate(texts) if keywords_match(t, g)] for g in gold]
    owner: dict[int, int] = {}

    def augment(g: int, seen: set[int]) -> bool:
        for i in edges[g]:
            if i not in seen:
                seen.add(i)
                if i not in owner or augment(owner[i], seen):
                    owner[i] = g
                    return True
        return False

    return sum(augment(g, set()) for g in range(len(gold)))


def p95(values: Sequence[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values) or [0.0]
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _keys(refs: Sequence[Mapping[str, Any]]) -> set[str]:
    return {f"{r['law']}#{int(r['article'])}" for r in refs}


def score_predictions(
    records: Sequence[dict[str, Any]], predictions: Sequence[ChangePrediction], is_valid: Callable[[str], bool]
) -> dict[str, Any]:
    """The metrics of DESIGN.md; ``is_valid(law#article)`` says whether a citation exists and is current."""
    by_id = {p["id"]: p for p in predictions}
    found = {"risk": [0, 0], "obligation": [0, 0], "indicator": [0, 0]}
    violations = 0
    cited = valid = 0
    proposed = passing = 0
    for record in records:
        gold, pred = record["gold"], by_id[record["id"]]
        risks, indicators = pred["risks"][:12], pred["indicators"][:12]
        found["risk"][0] += match_count(risks, [g["keywords_any"] for g in gold["risks"]])
        found["risk"][1] += len(gold["risks"])
        names = [i["name"] for i in indicators]
        found["indicator"][0] += match_count(names, [g["keywords_any"] for g in gold["indicators"]])
        found["indicator"][1] += len(gold["indicators"])
        reported = _keys(pred["obligations"][:15])
        for g in gold["obligations"]:
            found["obligation"][0] += bool(reported & _keys([g, *g.get("also_acceptable", [])]))
        found["obligation"][1] += len(gold["obligations"])
        violations += sum(any(normalize(m) in normalize(r) for m in gold.get("must_not", [])) for r in risks)
        proposed += len(indicators)
        passing += sum(bool(i.get("valid")) for i in indicators)
        refs = [*pred["obligations"][:15], *(c for i in indicators for c in i["cites"])]
        cited += len(refs)
        valid += sum(is_valid(f"{r['law']}#{int(r['article'])}") for r in refs)
    return {
        "n": len(records),
        "risk_recall": round(found["risk"][0] / max(found["risk"][1], 1), 4),
        "obligation_recall": round(found["obligation"][0] / max(found["obligation"][1], 1), 4),
        "indicator_recall": round(found["indicator"][0] / max(found["indicator"][1], 1), 4),
        "must_not_violations": violations,
        "citation_validity": round(valid / cited, 4) if cited else 1.0,
        "p95_ms": round(p95([float(p["ms"]) for p in predictions]), 1),
        "indicator_validity": round(passing / proposed, 4) if proposed else 1.0,
    }
