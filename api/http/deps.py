"""Dependencies of the routes: ``Annotated`` aliases of the container's services (swap them in tests with
``app.dependency_overrides``), the caller (:func:`authorize`, the one dependency that enforces the
authorisation matrix on every protected route), pagination and the client address.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.security import OAuth2PasswordBearer

from api.container import Container, GraphReader, QuestionAnswerer
from api.contracts.common import MAX_LIMIT
from api.services.audit import AuditLog
from api.services.crypto import FieldCipher
from api.services.enterprises import EnterpriseService
from api.services.process_map import ProcessMapService
from api.services.proposals import ProposalService
from api.services.records import RecordService
from api.services.review.indicators import IndicatorReviews
from api.services.review.proposals import ReviewQueue
from api.services.scores import ScoreService
from api.services.security import PERMISSIONS, Authenticator, PermissionDeniedError, Principal
from api.services.security_events import SecurityEvents
from api.services.users import UserDirectory
from scoring.service import ScoringService

__all__ = [
    "AnswererDep",
    "AuditDep",
    "AuthenticatorDep",
    "CipherDep",
    "ClientAddress",
    "ContainerDep",
    "CurrentUser",
    "EnterprisesDep",
    "GraphDep",
    "PageParams",
    "Pagination",
    "ProcessMapDep",
    "ProposalsDep",
    "RecordsDep",
    "ReviewQueueDep",
    "ReviewsDep",
    "ScoresDep",
    "ScoringDep",
    "SecurityEventsDep",
    "UsersDep",
    "authorize",
    "get_container",
]

log = logging.getLogger(__name__)


def get_container(request: Request) -> Container:
    """The app's container."""
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def _service(name: str) -> Callable[[Container], Any]:
    def dependency(container: ContainerDep) -> Any:
        return getattr(container, name)

    dependency.__name__ = f"get_{name}"
    return dependency


GraphDep = Annotated[GraphReader, Depends(_service("graph"))]
AnswererDep = Annotated[QuestionAnswerer, Depends(_service("answerer"))]
ScoringDep = Annotated[ScoringService, Depends(_service("scoring"))]
AuditDep = Annotated[AuditLog, Depends(_service("audit"))]
CipherDep = Annotated[FieldCipher, Depends(_service("cipher"))]
UsersDep = Annotated[UserDirectory, Depends(_service("users"))]
ReviewsDep = Annotated[IndicatorReviews, Depends(_service("reviews"))]
AuthenticatorDep = Annotated[Authenticator, Depends(_service("authenticator"))]
ReviewQueueDep = Annotated[ReviewQueue, Depends(_service("review_queue"))]
ProposalsDep = Annotated[ProposalService, Depends(_service("proposals"))]
EnterprisesDep = Annotated[EnterpriseService, Depends(_service("enterprises"))]
ProcessMapDep = Annotated[ProcessMapService, Depends(_service("process_map"))]
RecordsDep = Annotated[RecordService, Depends(_service("records"))]
ScoresDep = Annotated[ScoreService, Depends(_service("scores"))]
SecurityEventsDep = Annotated[SecurityEvents, Depends(_service("security_events"))]

_bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def authorize(
    request: Request, authenticator: AuthenticatorDep, token: Annotated[str | None, Depends(_bearer)]
) -> Principal:
    """The caller, if the authorisation matrix lets its role call this route (fail closed).

    Raises:
        AuthenticationError: no valid token (401).
        PermissionDeniedError: the role may not call the route, or the route is not in the matrix (403).
    """
    principal = authenticator.principal(token, client=client_address(request))
    request.state.principal = principal  # who was refused, should a 403 follow (see api.http.errors)
    route = request.scope.get("route")
    name = getattr(route, "name", None)
    if name not in PERMISSIONS:
        log.error("route %s is missing from the authorisation matrix", name)
        raise PermissionDeniedError(f"route {name!r} is not in the authorisation matrix")
    if not principal.allowed(name):
        raise PermissionDeniedError(f"role {principal.role!r} may not call {name}")
    return principal


CurrentUser = Annotated[Principal, Depends(authorize)]


@dataclass(frozen=True)
class Pagination:
    """``limit`` items from ``offset``."""

    limit: int
    offset: int


def pagination(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip")] = 0,
) -> Pagination:
    """Bounded pagination parameters."""
    return Pagination(limit=limit, offset=offset)


PageParams = Annotated[Pagination, Depends(pagination)]


def client_address(request: Request) -> str:
    """The caller's address (the rate-limit key; behind a proxy, run uvicorn with --proxy-headers)."""
    return request.client.host if request.client is not None else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]
