"""Character n-gram similarity for Chinese legal text (no segmentation needed)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["bigrams", "dice", "tfidf_cosine"]

_PUNCT = re.compile(r"[\s，。；：、（）()《》“”\"'！？,.;:!?\-—]")


def bigrams(text: str) -> set[str]:
    """The set of character bigrams of ``text`` without punctuation or spaces."""
    clean = _PUNCT.sub("", text)
    return {clean[i : i + 2] for i in range(len(clean) - 1)}


def dice(a: str, b: str) -> float:
    """Dice coefficient of the character-bigram sets of two texts (0..1)."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


def tfidf_cosine(left: Sequence[str], right: Sequence[str]) -> NDArray[np.float64]:
    """Cosine similarities (len(left) × len(right)) of TF-IDF vectors over character bigrams.

    IDF is fitted on both sides together, so words frequent in legal text weigh little.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), preprocessor=lambda t: _PUNCT.sub("", t))
    matrix = vectorizer.fit_transform([*left, *right])
    a, b = matrix[: len(left)], matrix[len(left) :]
    return np.asarray((a @ b.T).toarray(), dtype=np.float64)
