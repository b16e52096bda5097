"""The ``--predictions`` line formats the scorers read (DESIGN.md, "Evaluation data and the CLI contract").

Plain JSON objects, typed: whatever produced them (the ``hsekg eval`` commands, another system, a file
read back) is scored the same way. The gold records are the evalsets' own JSONL objects
(``../shared/evalsets/README.md``), read as they are.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

__all__ = [
    "ArticleRef",
    "ChangeIndicator",
    "ChangePrediction",
    "GapEntry",
    "GapPrediction",
    "QaPrediction",
]


class ArticleRef(TypedDict):
    """An article: ``law`` is the corpus file name without ``.md``, ``article`` the N of 第N条."""

    law: str
    article: int


class QaPrediction(TypedDict):
    """One Q&A item: the cited articles, ranked best first."""

    id: str
    citations: list[ArticleRef]
    abstained: bool
    ms: float


class ChangeIndicator(TypedDict):
    """A proposed indicator; ``valid``: it passes every rule of the validator (for indicator_validity)."""

    name: str
    level: str
    target: str
    cites: list[ArticleRef]
    valid: NotRequired[bool]


class ChangePrediction(TypedDict):
    """One change scenario: risks, obligations and indicators, each ranked best first."""

    id: str
    risks: list[str]
    obligations: list[ArticleRef]
    indicators: list[ChangeIndicator]
    ms: float


class GapEntry(TypedDict):
    """A reported gap: an uncovered article and the risk it is about."""

    law: str
    article: int
    risk: str


class GapPrediction(TypedDict):
    """One gap scenario: the reported gaps, ranked, and the stale citations."""

    id: str
    gaps: list[GapEntry]
    stale_citations: list[ArticleRef]
    ms: float
