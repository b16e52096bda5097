"""The answer of ``POST /qa``: the text with article-level citations, the duties those articles state.

Mirrors :mod:`retrieval.answer`'s result models field for field (``tests/api/test_contracts.py`` holds
them to the same JSON schema); the question itself is :class:`api.contracts.common.QaIn`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, GetCoreSchemaHandler
from pydantic_core import CoreSchema

from api.contracts._naming import published_as

__all__ = ["Answer", "Citation", "Duty", "Successor", "Superior"]


class Successor(BaseModel):
    """The current article that took over a repealed one."""

    law: str
    article: int
    score: float | None = None

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler, /) -> CoreSchema:
        # named retrieval__answer__Successor in the OpenAPI document, beside the change pipeline's Successor
        return published_as(handler(source), cls, "retrieval.answer")


class Superior(BaseModel):
    """The article of a higher-ranked regulation (上位法) that carries the same duty as a cited one."""

    law: str
    article: int
    kind: str = Field(default="", description="法律, 行政法规, … as in the manifest")
    effective: str = ""
    score: float | None = Field(default=None, description="Similarity of the two articles' texts")


class Citation(BaseModel):
    """One cited article: where, what it says, and whether it is still in force."""

    law: str
    article: int
    title: str = ""
    kind: str = Field(default="", description="Kind of the regulation (法律, 行政法规, …) as in the manifest")
    effective: str = ""
    topic: str = Field(default="", description="条文主旨 of the article, from the knowledge base")
    quote: str = ""
    status: str = ""
    current: bool = True
    successor: Successor | None = None
    superior: Superior | None = None
    score: float = 0.0


class Duty(BaseModel):
    """A duty stated by a cited article."""

    law: str
    article: int
    subject: str
    modality: str
    action: str
    condition: str = ""
    penalty: str | None = None


class Answer(BaseModel):
    """What ``hsekg ask`` and the API return."""

    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = Field(default_factory=list)
    duties: list[Duty] = Field(default_factory=list)
    risks: list[dict[str, str]] = Field(default_factory=list)
    indicators: list[dict[str, str]] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    llm_model: str | None = None
    ms: float = 0.0
