"""上位法 first: the article of a higher-ranked regulation that carries the same duty as a cited one.

A text's rank is its kind in the manifest (``Regulation.kind``, see ``regulations_corpus/manifest.yaml``
and the regulations README): 法律 (a code included) above 行政法规 above 部门规章. Standards, judicial
interpretations and normative documents have no place in this order. Only texts in force take part:
a repealed one is followed by its successor (``SUCCEEDED_BY``) instead.

An article's **counterpart** in a higher-ranked regulation is the current higher-ranked article most
similar to it (TF-IDF cosine over character bigrams, :func:`ingestion.textsim.tfidf_cosine`) when

- the similarity reaches ``min_similarity`` and beats the runner-up by ``min_margin`` (one article, not
  one of several equally close), and
- the two regulations share at least ``min_pairs`` such counterparts: a regulation that implements or
  was overtaken by a law restates many of its articles (危险化学品安全管理条例 and 危险化学品安全法,
  特种设备安全监察条例 and 特种设备安全法), whereas one similar sentence in an unrelated law is no relation.

The settings were read off the statute texts themselves (the similarity of every 行政法规 article to its
closest 法律 article, pairs read by hand in bands of 0.1), not off evaluation questions; see
``evals/README.md``. The map is computed when the index is built and saved beside it (``superiors.json``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kg.errors import RetrievalError

__all__ = ["LEVELS", "Counterpart", "HierarchyConfig", "RankedRegulation", "SuperiorMap"]

#: Rank of a regulation kind in the hierarchy of legal force (1 is highest). Kinds absent here are not ranked.
LEVELS: dict[str, int] = {"法律": 1, "行政法规": 2, "部门规章": 3}

_FILE = "superiors.json"


@dataclass(frozen=True)
class RankedRegulation:
    """What the hierarchy needs of a regulation: its kind and whether it is in force."""

    id: str
    kind: str
    status: str

    @property
    def level(self) -> int | None:
        """Rank of the kind (1 highest), or None for a text outside the order or not in force."""
        return LEVELS.get(self.kind) if self.status == "现行" else None


@dataclass(frozen=True)
class Counterpart:
    """The higher-ranked article carrying the same duty, with the similarity that matched them."""

    key: str
    score: float

    @property
    def law(self) -> str:
        """Regulation id of the higher-ranked article."""
        return self.key.rsplit("#", 1)[0]

    @property
    def article(self) -> int:
        """Article number of the higher-ranked article."""
        return int(self.key.rsplit("#", 1)[1])


@dataclass(frozen=True)
class HierarchyConfig:
    """When two articles of differently ranked regulations count as carrying the same duty."""

    min_similarity: float = 0.6
    min_margin: float = 0.03
    min_pairs: int = 3


class SuperiorMap:
    """Article key (``<law>#<article>``) of a lower-ranked text -> its counterpart in a higher-ranked one.

    Args:
        pairs: the counterparts.
    """

    def __init__(self, pairs: Mapping[str, Counterpart] | None = None) -> None:
        self._pairs = dict(pairs or {})

    def __len__(self) -> int:
        return len(self._pairs)

    def of(self, key: str) -> Counterpart | None:
        """The counterpart of article ``key`` in a higher-ranked regulation, if it has one."""
        return self._pairs.get(key)

    def items(self) -> list[tuple[str, Counterpart]]:
        """All pairs, sorted by the lower article's key."""
        return sorted(self._pairs.items())

    @classmethod
    def build(
        cls,
        articles: Mapping[str, str],
        regulations: Mapping[str, RankedRegulation],
        *,
        config: HierarchyConfig | None = None,
    ) -> SuperiorMap:
        """Find the counterparts among ``articles`` (key -> statute text of the article).

        Args:
            articles: the text of every article, by key.
            regulations: kind and status of every regulation, by id.
            config: the thresholds.
        """
        from ingestion.textsim import tfidf_cosine

        cfg = config or HierarchyConfig()
        level = {key: _level(key, regulations) for key in articles}
        ranked = sorted({lv for lv in level.values() if lv is not None})
        candidates: dict[str, Counterpart] = {}
        for lower in ranked[1:]:
            low = sorted(k for k, lv in level.items() if lv == lower and articles[k].strip())
            high = sorted(k for k, lv in level.items() if lv is not None and lv < lower and articles[k].strip())
            if not low or not high:
                continue
            sims = tfidf_cosine([articles[k] for k in low], [articles[k] for k in high])
            best = np.argmax(sims, axis=1)
            top = sims[np.arange(len(low)), best]
            sims[np.arange(len(low)), best] = -1.0
            runner_up = sims.max(axis=1) if sims.shape[1] > 1 else np.zeros(len(low))
            for i, key in enumerate(low):
                if top[i] >= cfg.min_similarity and top[i] - runner_up[i] >= cfg.min_margin:
                    candidates[key] = Counterpart(high[int(best[i])], round(float(top[i]), 4))
        shared = Counter((_law(low), c.law) for low, c in candidates.items())
        return cls({k: c for k, c in candidates.items() if shared[(_law(k), c.law)] >= cfg.min_pairs})

    def save(self, folder: Path) -> None:
        """Write ``superiors.json`` into ``folder``."""
        rows = {key: {"key": c.key, "score": c.score} for key, c in self.items()}
        (folder / _FILE).write_text(json.dumps(rows, ensure_ascii=False, indent=0), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> SuperiorMap:
        """Read the map written by :meth:`save`; an index built before there was one has an empty map."""
        path = folder / _FILE
        if not path.exists():
            return cls()
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
            return cls({k: Counterpart(str(v["key"]), float(v["score"])) for k, v in rows.items()})
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise RetrievalError(f"cannot read {path}: {e}") from e


def _law(key: str) -> str:
    return key.rsplit("#", 1)[0]


def _level(key: str, regulations: Mapping[str, RankedRegulation]) -> int | None:
    regulation = regulations.get(_law(key))
    return regulation.level if regulation is not None else None
