"""Dependencies of the routes: the services container and ``Annotated`` aliases (swap them in tests
with ``app.dependency_overrides``).

:class:`Services` builds every collaborator lazily from :class:`Settings` on first use (no I/O at
construction), or takes injected ones; :func:`authorize` is the one dependency that enforces the
authorisation matrix of :mod:`api.services.security` on every protected route.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Depends, Query, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Engine

from api.contracts.common import MAX_LIMIT
from api.services.audit import AuditLog
from api.services.change_engine import ChangeEngine
from api.services.crypto import FieldCipher
from api.services.enterprises import EnterpriseService
from api.services.review import ReviewQueue
from api.services.security import (
    PERMISSIONS,
    Authenticator,
    LoginLimiter,
    PasswordHashing,
    PermissionDeniedError,
    Principal,
    TokenIssuer,
)
from api.services.storage import IndicatorReviews, RecordReader, RecordScope, ensure_api_schema
from api.services.users import UserDirectory
from api.settings import Settings
from kg.corpus import KnowledgeBase
from kg.errors import ConfigError
from kg.models import Label, Rel
from kg.report import ProcessGraphReader
from kg.store import GraphCounts, GraphStore, Neighbour
from retrieval.answer import Answer
from retrieval.hybrid import HybridRetriever
from scoring.db import utcnow
from scoring.service import ScoringService

__all__ = [
    "AnswererDep",
    "AuditDep",
    "AuthenticatorDep",
    "ChangeDep",
    "CipherDep",
    "ClientAddress",
    "CurrentUser",
    "EnterprisesDep",
    "GraphDep",
    "GraphReader",
    "PageParams",
    "Pagination",
    "QuestionAnswerer",
    "RecordReaderDep",
    "RecordScopeDep",
    "ReviewQueueDep",
    "ReviewsDep",
    "ScoringDep",
    "Services",
    "ServicesDep",
    "UsersDep",
    "authorize",
    "field_key",
    "get_answerer",
    "get_graph",
    "get_services",
]

log = logging.getLogger(__name__)
T = TypeVar("T")


class GraphReader(ProcessGraphReader, Protocol):
    """The graph reads the API needs (every :class:`kg.store.GraphStore` is one)."""

    def get(self, label: Label, node_id: str) -> dict[str, Any] | None:
        """A node's properties, or None."""
        ...

    def find(
        self, label: Label, *, ids: Sequence[str] | None = None, limit: int | None = None, skip: int = 0
    ) -> list[dict[str, Any]]:
        """Nodes of a label ordered by id, paginated."""
        ...

    def neighbours(self, label: Label, node_id: str, *, rels: Sequence[Rel] | None = None) -> list[Neighbour]:
        """Adjacent nodes in both directions."""
        ...

    def counts(self) -> GraphCounts:
        """Counts per label and relationship type."""
        ...


class QuestionAnswerer(Protocol):
    """Answers questions with citations (:class:`retrieval.answer.Answer`)."""

    def ask(self, question: str, *, k: int = 10) -> Answer:
        """Answer or abstain."""
        ...


def field_key(settings: Settings) -> FieldCipher:
    """The SM4 field cipher from ``settings.sm4_key`` (32 hex characters).

    Until that setting exists (or while it is empty) a development install derives a key from the
    secret key, with a warning; outside development a missing key is a configuration error.

    Raises:
        ConfigError: no usable key outside development.
    """
    configured: Any = getattr(settings, "sm4_key", None)
    key_hex = configured.get_secret_value() if configured is not None else ""
    if key_hex:
        return FieldCipher.from_hex(key_hex)
    if settings.environment != "development":
        raise ConfigError("HSEKG_SM4_KEY must be set (32 hex characters) outside development")
    log.warning("HSEKG_SM4_KEY is not set: deriving a development field key from the secret key")
    derived = hashlib.sha256(b"hsekg-dev-sm4" + settings.secret_key.get_secret_value().encode()).digest()
    return FieldCipher(derived[:16])


class Services:
    """The collaborators of the routes, built lazily from settings or injected (tests).

    Args:
        settings: the configuration.
        engine: the records database (migrated); built from ``records_url`` when omitted.
        graph: the graph; opened from settings (and closed by :meth:`close`) when omitted.
        answerer: the Q&A answerer; opened over the persisted indexes when omitted.
        kb: the knowledge base for scoring exports; loaded from ``corpus_dir`` when omitted.
        hashing: password hashing (tests pass cheaper argon2 parameters).
        clock: the current time.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        engine: Engine | None = None,
        graph: GraphReader | None = None,
        answerer: QuestionAnswerer | None = None,
        kb: KnowledgeBase | None = None,
        hashing: PasswordHashing | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self._built: dict[str, Any] = {"engine": engine, "graph": graph, "answerer": answerer, "kb": kb}
        if hashing is not None:
            self._built["hashing"] = hashing
        self._lock = threading.RLock()
        self._exit = ExitStack()

    def _get(self, name: str, build: Callable[[], T]) -> T:
        with self._lock:
            if self._built.get(name) is None:
                self._built[name] = build()
            value: T = self._built[name]
            return value

    @property
    def engine(self) -> Engine:
        """The records database with the API's tables."""

        def build() -> Engine:
            from api.cli.scoring import records_url
            from scoring.db import open_records_db

            if self.settings.records_url == "":
                self.settings.data_dir.mkdir(parents=True, exist_ok=True)
            engine = open_records_db(records_url(self.settings))
            self._exit.callback(engine.dispose)
            return engine

        def build_schema() -> bool:
            ensure_api_schema(engine)
            return True

        engine = self._get("engine", build)
        self._get("schema", build_schema)
        return engine

    def _graph_store(self) -> GraphStore:
        from api.container import graph_store

        return self._exit.enter_context(graph_store(self.settings))

    @property
    def graph(self) -> GraphReader:
        """The knowledge graph."""
        return self._get("graph", self._graph_store)

    @property
    def answerer(self) -> QuestionAnswerer:
        """The Q&A answerer (indexes loaded on first use)."""

        def build() -> QuestionAnswerer:
            from api.container import open_answerer

            graph = self.graph
            store = graph if isinstance(graph, GraphStore) else self._graph_store()
            return open_answerer(self.settings, store, retriever=self.retriever)

        return self._get("answerer", build)

    @property
    def retriever(self) -> HybridRetriever | None:
        """Hybrid retrieval over the persisted indexes, shared by Q&A and change proposals so the embedding
        model is loaded once; None until ``hsekg index`` has built them."""

        def build() -> HybridRetriever | None:
            from api.container import index_dir, open_retriever
            from retrieval.index import RetrievalIndex

            return open_retriever(self.settings) if RetrievalIndex(index_dir(self.settings)).exists() else None

        return self._get("retriever", build)

    @property
    def scoring(self) -> ScoringService:
        """Records, scores, reports and exports."""

        return self._get("scoring", lambda: ScoringService(self.engine, self.kb))

    @property
    def kb(self) -> KnowledgeBase:
        """The knowledge base (``corpus_dir``), loaded once."""

        def build() -> KnowledgeBase:
            from kg.corpus import load_knowledge_base

            return load_knowledge_base(self.settings.corpus_dir)

        return self._get("kb", build)

    @property
    def cipher(self) -> FieldCipher:
        """The SM4 field cipher."""
        return self._get("cipher", lambda: field_key(self.settings))

    @property
    def audit(self) -> AuditLog:
        """The audit trail."""
        return self._get("audit", lambda: AuditLog(self.engine, clock=self.clock))

    @property
    def hashing(self) -> PasswordHashing:
        """Password hashing."""
        return self._get("hashing", PasswordHashing)

    @property
    def tokens(self) -> TokenIssuer:
        """The JWT issuer."""

        def build() -> TokenIssuer:
            ttl = timedelta(minutes=self.settings.token_minutes)
            return TokenIssuer(self.settings.secret_key.get_secret_value(), ttl=ttl, clock=self.clock)

        return self._get("tokens", build)

    @property
    def authenticator(self) -> Authenticator:
        """Login and token checks."""

        def build() -> Authenticator:
            limiter = LoginLimiter(self.engine, clock=self.clock)
            return Authenticator(self.engine, hashing=self.hashing, tokens=self.tokens, limiter=limiter)

        return self._get("authenticator", build)

    @property
    def users(self) -> UserDirectory:
        """The users."""
        return self._get(
            "users", lambda: UserDirectory(self.engine, hashing=self.hashing, cipher=self.cipher, audit=self.audit)
        )

    @property
    def reviews(self) -> IndicatorReviews:
        """Indicator review decisions."""
        return self._get("reviews", lambda: IndicatorReviews(self.engine, self.audit, clock=self.clock))

    @property
    def review_queue(self) -> ReviewQueue:
        """Proposals and expert decisions on them."""
        return self._get("review_queue", lambda: ReviewQueue(self.engine, self.audit, clock=self.clock))

    @property
    def change(self) -> ChangeEngine:
        """Change proposals, gaps, validation and impact over the graph (catalog loaded on first use)."""

        def build() -> ChangeEngine:
            graph = self.graph
            store = graph if isinstance(graph, GraphStore) else self._graph_store()
            return ChangeEngine(store, retriever=self.retriever)

        return self._get("change", build)

    @property
    def enterprises(self) -> EnterpriseService:
        """Enterprise process maps: import, confirmation, profiles (over the change engine's catalog)."""

        def build() -> EnterpriseService:
            from ingestion.enterprise import EnterpriseDocumentImporter

            importer = EnterpriseDocumentImporter(max_bytes=self.settings.max_upload_mb * 2**20)
            return EnterpriseService(self.change.store, self.change.catalog, importer=importer, clock=self.clock)

        return self._get("enterprises", build)

    @property
    def record_scope(self) -> RecordScope:
        """Which enterprise and department a unit belongs to."""
        return self._get("record_scope", lambda: RecordScope(self.engine))

    @property
    def records(self) -> RecordReader:
        """Stored records."""
        return self._get("records", lambda: RecordReader(self.engine))

    def close(self) -> None:
        """Close what was opened here (injected collaborators belong to the caller)."""
        self._exit.close()


def get_services(request: Request) -> Services:
    """The app's services."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_graph(services: ServicesDep) -> GraphReader:
    """The knowledge graph."""
    return services.graph


def get_answerer(services: ServicesDep) -> QuestionAnswerer:
    """The Q&A answerer."""
    return services.answerer


def get_scoring(services: ServicesDep) -> ScoringService:
    """The scoring service."""
    return services.scoring


GraphDep = Annotated[GraphReader, Depends(get_graph)]
AnswererDep = Annotated[QuestionAnswerer, Depends(get_answerer)]
ScoringDep = Annotated[ScoringService, Depends(get_scoring)]


def get_audit(services: ServicesDep) -> AuditLog:
    """The audit trail."""
    return services.audit


def get_users(services: ServicesDep) -> UserDirectory:
    """The users."""
    return services.users


def get_reviews(services: ServicesDep) -> IndicatorReviews:
    """Indicator reviews."""
    return services.reviews


def get_authenticator(services: ServicesDep) -> Authenticator:
    """Login and token checks."""
    return services.authenticator


def get_record_scope(services: ServicesDep) -> RecordScope:
    """Unit → enterprise and department."""
    return services.record_scope


def get_records(services: ServicesDep) -> RecordReader:
    """Stored records."""
    return services.records


def get_cipher(services: ServicesDep) -> FieldCipher:
    """The SM4 field cipher."""
    return services.cipher


def get_review_queue(services: ServicesDep) -> ReviewQueue:
    """The review queue."""
    return services.review_queue


def get_change(services: ServicesDep) -> ChangeEngine:
    """The change, gap and impact machinery."""
    return services.change


def get_enterprises(services: ServicesDep) -> EnterpriseService:
    """Enterprise process maps."""
    return services.enterprises


AuditDep = Annotated[AuditLog, Depends(get_audit)]
ReviewQueueDep = Annotated[ReviewQueue, Depends(get_review_queue)]
ChangeDep = Annotated[ChangeEngine, Depends(get_change)]
EnterprisesDep = Annotated[EnterpriseService, Depends(get_enterprises)]
UsersDep = Annotated[UserDirectory, Depends(get_users)]
ReviewsDep = Annotated[IndicatorReviews, Depends(get_reviews)]
AuthenticatorDep = Annotated[Authenticator, Depends(get_authenticator)]
RecordScopeDep = Annotated[RecordScope, Depends(get_record_scope)]
RecordReaderDep = Annotated[RecordReader, Depends(get_records)]
CipherDep = Annotated[FieldCipher, Depends(get_cipher)]

_bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def authorize(
    request: Request, authenticator: AuthenticatorDep, token: Annotated[str | None, Depends(_bearer)]
) -> Principal:
    """The caller, if the authorisation matrix lets its role call this route (fail closed).

    Raises:
        AuthenticationError: no valid token (401).
        PermissionDeniedError: the role may not call the route, or the route is not in the matrix (403).
    """
    principal = authenticator.principal(token)
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
