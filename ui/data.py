"""Cached reads of the API, so moving between pages and widgets stays fast.

Knowledge (processes, regulations, clause texts, graphs, impact) is the same for every user and is
keyed by the API address; enterprise data (the review queue, scores, records, the process map) is keyed
by the user and enterprise as well, with short lifetimes, and is dropped after every write that changes it.
Failed calls raise :class:`ui.client.ApiError` and are not cached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from api.contracts.change import EnterpriseProfile, GapScenario, ImpactReport
from api.contracts.common import ClauseTextOut, NodeOut, RecordOut
from api.contracts.enterprises import EnterpriseView
from api.contracts.process_map import ProcessFlow, ProcessRiskMap
from api.contracts.review import DecisionOut, ProposalFacetsOut, ProposalOut
from api.contracts.scores import PeriodReport
from ui import session
from ui.client import ApiClient, ApiError

__all__ = [
    "clause_text",
    "decisions",
    "enterprise",
    "enterprise_profile",
    "enterprise_rules",
    "facets",
    "flow",
    "forget_enterprise",
    "forget_queue",
    "forget_scores",
    "impact",
    "process_risk_map",
    "processes",
    "proposals",
    "records",
    "regulations",
    "scores",
]

KNOWLEDGE_TTL = 3600
QUEUE_TTL = 30
SCORES_TTL = 300
_PAGE = 200


def _all_pages(fetch: Callable[..., Any]) -> list[NodeOut]:
    """Every item of a paged listing (``fetch(limit=, offset=)`` returning ``items`` and ``total``)."""
    out: list[NodeOut] = []
    while True:
        page = fetch(limit=_PAGE, offset=len(out))
        out.extend(page.items)
        if not page.items or len(out) >= page.total:
            return out


@st.cache_data(ttl=KNOWLEDGE_TTL, show_spinner=False)
def _processes(_api: ApiClient, url: str) -> list[NodeOut]:
    return _all_pages(_api.processes)


def processes() -> list[NodeOut]:
    """Every process of the knowledge graph."""
    return _processes(session.api(), session.api_url())


@st.cache_data(ttl=KNOWLEDGE_TTL, show_spinner=False)
def _regulations(_api: ApiClient, url: str) -> list[NodeOut]:
    return _all_pages(_api.regulations)


def regulations() -> list[NodeOut]:
    """Every regulation of the knowledge graph."""
    return _regulations(session.api(), session.api_url())


@st.cache_data(ttl=KNOWLEDGE_TTL, show_spinner=False)
def _clause_text(_api: ApiClient, url: str, law: str, article: int) -> ClauseTextOut | None:
    try:
        return _api.clause_text(law, article)
    except ApiError as e:
        if e.status == 404:
            return None
        raise


def clause_text(law: str, article: int) -> ClauseTextOut | None:
    """The text of an article, or None when the graph does not hold it."""
    return _clause_text(session.api(), session.api_url(), law, article)


@st.cache_data(ttl=KNOWLEDGE_TTL, show_spinner=False)
def _process_risk_map(_api: ApiClient, url: str, process_id: str) -> ProcessRiskMap:
    return _api.process_risk_map(process_id)


def process_risk_map(process_id: str) -> ProcessRiskMap:
    """A process's risks with their duties and the indicators measuring them."""
    return _process_risk_map(session.api(), session.api_url(), process_id)


@st.cache_data(ttl=KNOWLEDGE_TTL, show_spinner=False)
def _impact(_api: ApiClient, url: str, regulation_id: str) -> ImpactReport:
    return _api.impact(regulation_id)


def impact(regulation_id: str) -> ImpactReport:
    """The impact of a replaced regulation."""
    return _impact(session.api(), session.api_url(), regulation_id)


@st.cache_data(ttl=QUEUE_TTL, show_spinner=False)
def _proposals(
    _api: ApiClient, who: str, filters: tuple[tuple[str, str], ...], limit: int, offset: int
) -> tuple[list[ProposalOut], int]:
    given = dict(filters)
    page = _api.proposals(
        status=given.get("status"),
        sector=given.get("sector"),
        process=given.get("process"),
        source=given.get("source"),
        limit=limit,
        offset=offset,
    )
    return page.items, page.total


def proposals(*, filters: dict[str, str | None], limit: int, offset: int) -> tuple[list[ProposalOut], int]:
    """A page of the review queue and the number of proposals matching the filters (status, sector,
    process, source; None or empty for any)."""
    given = tuple(sorted((k, v) for k, v in filters.items() if v))
    return _proposals(session.api(), session.identity(), given, limit, offset)


@st.cache_data(ttl=QUEUE_TTL, show_spinner=False)
def _facets(_api: ApiClient, who: str) -> ProposalFacetsOut:
    return _api.proposal_facets()


def facets() -> ProposalFacetsOut:
    """The values the queue's filters can take."""
    return _facets(session.api(), session.identity())


@st.cache_data(ttl=QUEUE_TTL, show_spinner=False)
def _decisions(_api: ApiClient, who: str, proposal_id: str) -> list[DecisionOut]:
    return _api.decisions(proposal_id)


def decisions(proposal_id: str) -> list[DecisionOut]:
    """The decisions taken on a proposal."""
    return _decisions(session.api(), session.identity(), proposal_id)


def forget_queue() -> None:
    """Drop the cached queue after a decision or a new run."""
    _proposals.clear()
    _facets.clear()
    _decisions.clear()


@st.cache_data(ttl=QUEUE_TTL, show_spinner=False)
def _enterprise_rules(_api: ApiClient, who: str, enterprise_id: str) -> GapScenario:
    return _api.enterprise_rules(enterprise_id)


def enterprise_rules(enterprise_id: str) -> GapScenario:
    """An enterprise's stored 考核细则."""
    return _enterprise_rules(session.api(), session.identity(), enterprise_id)


@st.cache_data(ttl=QUEUE_TTL, show_spinner=False)
def _enterprise(_api: ApiClient, who: str, enterprise_id: str) -> EnterpriseView | None:
    try:
        return _api.enterprise(enterprise_id)
    except ApiError as e:
        if e.status == 404:
            return None
        raise


def enterprise(enterprise_id: str) -> EnterpriseView | None:
    """An enterprise's stored process map, or None when no documents have been imported for it."""
    return _enterprise(session.api(), session.identity(), enterprise_id)


@st.cache_data(ttl=QUEUE_TTL, show_spinner=False)
def _enterprise_profile(_api: ApiClient, who: str, enterprise_id: str) -> EnterpriseProfile:
    return _api.enterprise_profile(enterprise_id)


def enterprise_profile(enterprise_id: str) -> EnterpriseProfile:
    """An enterprise's profile as the gap and change analyses read it."""
    return _enterprise_profile(session.api(), session.identity(), enterprise_id)


def flow(enterprise_id: str) -> ProcessFlow:
    """The enterprise's processes in flow order; not cached (one cheap read), so a process map imported
    or confirmed anywhere shows at once."""
    return session.api().flow(enterprise_id)


def forget_enterprise() -> None:
    """Drop the cached process map and profile after an import or a confirmation."""
    _enterprise.clear()
    _enterprise_profile.clear()


@st.cache_data(ttl=SCORES_TTL, show_spinner=False)
def _scores(_api: ApiClient, who: str, period: str, level: str | None) -> PeriodReport | None:
    try:
        return _api.scores(period, level=level)
    except ApiError as e:
        if e.status == 404:
            return None
        raise


def scores(period: str, *, level: str | None = None) -> PeriodReport | None:
    """The report of a period (optionally one level), or None when the period has not been scored."""
    return _scores(session.api(), session.identity(), period, level)


def forget_scores() -> None:
    """Drop cached reports after scoring a period."""
    _scores.clear()


@st.cache_data(ttl=SCORES_TTL, show_spinner=False)
def _records(
    _api: ApiClient, who: str, level: str, unit_id: str, indicator_id: str | None, period: str
) -> tuple[list[RecordOut], int]:
    page = _api.records(level=level, unit_id=unit_id, indicator_id=indicator_id, period=period, limit=_PAGE)
    return page.items, page.total


def records(level: str, unit_id: str, *, period: str, indicator_id: str | None = None) -> tuple[list[RecordOut], int]:
    """The inspection records of a unit in a period (at most 200) and how many there are."""
    return _records(session.api(), session.identity(), level, unit_id, indicator_id, period)
