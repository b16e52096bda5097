"""Repeal provisions: which laws a text repeals, and which of its articles succeed theirs.

A repeal provision is an article saying "《…》…同时废止" (生态环境法典 第一千二百四十二条). Each named
law that is known becomes ``REPLACED_BY`` the repealing one, and every article of it is mapped to its
most similar article of the successor (TF-IDF cosine over character bigrams), kept when the score
reaches :data:`MAP_THRESHOLD` — chosen by measurement on a hand-labelled sample
(``evals/data/successor_sample.jsonl``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ingestion.statutes import Statute
from ingestion.textsim import tfidf_cosine

__all__ = ["MAP_THRESHOLD", "Repeal", "SuccessorMapping", "find_repeals", "map_successors", "normalize_title"]

MAP_THRESHOLD = 0.35
_TITLE_RE = re.compile(r"《([^》]+)》")


@dataclass(frozen=True)
class Repeal:
    """A law repealed by an article of another."""

    repealed_title: str
    by: str
    article: int


@dataclass(frozen=True)
class SuccessorMapping:
    """An article of a repealed law and its most similar successor article."""

    old_article: int
    new_article: int
    score: float
    runner_up: float


def normalize_title(title: str) -> str:
    """A title without the 中华人民共和国 prefix and edition suffixes, for matching names."""
    title = re.sub(r"^中华人民共和国", "", title.strip())
    return re.sub(r"[（(].*?[)）]$", "", title)


def find_repeals(statute: Statute) -> list[Repeal]:
    """Laws named in the statute's repeal provisions ("…废止")."""
    out: list[Repeal] = []
    for number, article in statute.articles.items():
        text = article.text
        if "废止" not in text:
            continue
        # only the titles in the sentence that does the repealing
        for sentence in re.split(r"[。；]", text):
            if "废止" in sentence and "同时废止" in sentence or sentence.rstrip().endswith("废止"):
                out.extend(Repeal(normalize_title(t), statute.name, number) for t in _TITLE_RE.findall(sentence))
    return out


def map_successors(
    old: Mapping[int, str], new: Mapping[int, str], *, threshold: float = MAP_THRESHOLD
) -> list[SuccessorMapping]:
    """For each old article, the new article with the highest similarity, when it reaches ``threshold``."""
    old_keys, new_keys = sorted(old), sorted(new)
    if not old_keys or not new_keys:
        return []
    sims = tfidf_cosine([old[k] for k in old_keys], [new[k] for k in new_keys])
    out: list[SuccessorMapping] = []
    for i, key in enumerate(old_keys):
        order = sims[i].argsort()[::-1]
        best = float(sims[i, order[0]])
        second = float(sims[i, order[1]]) if len(order) > 1 else 0.0
        if best >= threshold:
            out.append(SuccessorMapping(key, new_keys[int(order[0])], round(best, 3), round(second, 3)))
    return out
