"""Questions about regulations, answered with article-level citations."""

from __future__ import annotations

from fastapi import APIRouter

from api.contracts.common import QaIn
from api.contracts.qa import Answer
from api.http.deps import AnswererDep, CurrentUser
from api.http.errors import problem_responses
from api.http.mapping import to_wire

__all__ = ["router"]

router = APIRouter(tags=["q&a"], responses=problem_responses(400, 401, 403, 413, 422, 500, 502, 503))


@router.post("/qa", name="qa.ask", response_model=Answer)
def ask(body: QaIn, user: CurrentUser, answerer: AnswererDep) -> Answer:
    """Answer a question with ranked citations (law, article, quote), or abstain when there is no basis."""
    return to_wire(answerer.ask(body.question, k=body.k), Answer)
