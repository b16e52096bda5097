"""Assessment indicators and their expert review (approve / reject / edit, with a comment)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.contracts.common import IndicatorOut, Page, ReviewIn, ReviewOut, ReviewStateOut
from api.http.deps import CurrentUser, GraphDep, PageParams, ReviewsDep
from api.http.errors import problem_responses
from api.http.routes._nodes import node, page_rows
from api.services.review.indicators import ReviewState, ReviewView
from kg.models import Label

__all__ = ["router"]

router = APIRouter(tags=["indicators"], responses=problem_responses(401, 403, 404, 422, 500, 503))


def _out(props: dict[str, Any], state: ReviewState | None) -> IndicatorOut:
    review = None
    effective = dict(props)
    if state is not None:
        review = ReviewStateOut(
            status=state.status, edits=state.edits, updated_by=state.updated_by, updated_at=state.updated_at
        )
        effective.update(state.edits)
    return IndicatorOut(id=str(props["id"]), properties=props, review=review, effective=effective)


def _review_out(view: ReviewView) -> ReviewOut:
    return ReviewOut(
        id=view.id,
        indicator_id=view.indicator_id,
        decision=view.decision,
        comment=view.comment,
        changes=view.changes,
        reviewer=view.reviewer,
        at=view.at,
    )


@router.get("/indicators", name="indicators.list", response_model=Page[IndicatorOut])
def list_indicators(user: CurrentUser, graph: GraphDep, reviews: ReviewsDep, page: PageParams) -> Page[IndicatorOut]:
    """Indicators ordered by id, each with its review state."""
    rows, total = page_rows(graph, Label.INDICATOR, page)
    states = reviews.states([str(r["id"]) for r in rows])
    items = [_out(r, states.get(str(r["id"]))) for r in rows]
    return Page[IndicatorOut](items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/indicators/{indicator_id}", name="indicators.get", response_model=IndicatorOut)
def get_indicator(indicator_id: str, user: CurrentUser, graph: GraphDep, reviews: ReviewsDep) -> IndicatorOut:
    """One indicator with its review state and the edits applied."""
    props = node(graph, Label.INDICATOR, indicator_id).properties
    return _out(props, reviews.state(indicator_id))


@router.get("/indicators/{indicator_id}/reviews", name="indicators.reviews", response_model=list[ReviewOut])
def indicator_reviews(indicator_id: str, user: CurrentUser, graph: GraphDep, reviews: ReviewsDep) -> list[ReviewOut]:
    """Every review decision on an indicator, oldest first."""
    node(graph, Label.INDICATOR, indicator_id)
    return [_review_out(v) for v in reviews.history(indicator_id)]


@router.post("/indicators/{indicator_id}/review", name="indicators.review", response_model=ReviewOut, status_code=201)
def review_indicator(
    indicator_id: str, body: ReviewIn, user: CurrentUser, graph: GraphDep, reviews: ReviewsDep
) -> ReviewOut:
    """Approve, reject (comment required) or edit (changes required) an indicator; audited."""
    node(graph, Label.INDICATOR, indicator_id)
    changes = body.changes.model_dump(exclude_none=True) if body.changes is not None else {}
    view = reviews.review(
        indicator_id,
        body.decision,
        comment=body.comment,
        changes=changes,
        reviewer=user.username,
        enterprise_id=user.enterprise_id,
    )
    return _review_out(view)
