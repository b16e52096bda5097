"""Small text measures shared by the change, gap and validation steps (Chinese, no tokenizer needed)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = ["bigrams", "contains_any", "dice", "hits", "normalize"]

_NOISE = re.compile(r"[\s，。、；：！？,.;:!?（）()《》“”\"'【】\[\]·—\-/]+")


def normalize(text: str) -> str:
    """NFKC and case-folded, as the evalsets README matches text."""
    return unicodedata.normalize("NFKC", text).casefold()


def bigrams(text: str) -> set[str]:
    """Character bigrams of ``text`` without punctuation or spaces."""
    clean = _NOISE.sub("|", normalize(text))
    return {clean[i : i + 2] for i in range(len(clean) - 1) if "|" not in clean[i : i + 2]}


def dice(a: str | set[str], b: str | set[str]) -> float:
    """Dice coefficient of the character bigrams of two texts (0 when either is empty)."""
    sa = bigrams(a) if isinstance(a, str) else a
    sb = bigrams(b) if isinstance(b, str) else b
    if not sa or not sb:
        return 0.0
    return 2 * len(sa & sb) / (len(sa) + len(sb))


def hits(terms: Iterable[str], text: str) -> list[str]:
    """The terms (of two characters or more) found in ``text``, normalised."""
    norm = normalize(text)
    return [t for t in dict.fromkeys(normalize(t) for t in terms) if len(t) >= 2 and t in norm]


def contains_any(text: str, terms: Iterable[str]) -> bool:
    """Whether ``text`` contains any of ``terms`` (normalised substring test)."""
    norm = normalize(text)
    return any(normalize(t) in norm for t in terms if t)
