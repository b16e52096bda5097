"""The one composition root: :class:`Container` builds every collaborator and application service from
:class:`~api.settings.Settings`, lazily on first use (no I/O at construction), or takes injected ones
(tests). The HTTP app, the CLI and the benchmarks all build their services here; no domain logic.

What it builds::

    graph (GraphStore) ─┬─ change engine (catalog, proposer, gaps, validator, impact) ─┐
    retriever ──────────┘                                                              ├─ proposals
    records database ─── audit ─┬─ review queue / indicator reviews ───────────────────┘
                                ├─ records (scoring intake, scope, SM4 cipher)
                                ├─ scores
                                ├─ enterprises (+ graph, catalog, document importer)
                                └─ users, authenticator (argon2, JWT, login limiter)
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine

from api.services.audit import AuditLog
from api.services.change_engine import ChangeEngine
from api.services.crypto import FieldCipher
from api.services.enterprise_rules import enterprise_rules
from api.services.enterprises import EnterpriseService
from api.services.process_map import ProcessMapService
from api.services.proposals import ProposalService
from api.services.records import RecordService
from api.services.review.indicators import IndicatorReviews
from api.services.review.proposals import ReviewQueue
from api.services.scores import ScoreService
from api.services.security import Authenticator, LoginLimiter, PasswordHashing, TokenIssuer
from api.services.security_events import SecurityEvents
from api.services.storage import ensure_api_schema
from api.services.users import UserDirectory
from api.settings import Settings
from ingestion.entities import EntityExtractor
from ingestion.wastes import HazardousWasteList
from kg.catalogues import CatalogueSet, load_catalogues
from kg.corpus import KnowledgeBase
from kg.errors import ConfigError, RetrievalError
from kg.factory import open_graph_store
from kg.ladybug_store import GraphLockedError
from kg.models import Label, Rel
from kg.report import ProcessGraphReader
from kg.store import GraphCounts, GraphStore, Neighbour
from retrieval.answer import AbstainPolicy, Answer, Answerer
from retrieval.embedder import Embedder, SentenceTransformerEmbedder
from retrieval.hybrid import FusionConfig, HybridRetriever
from retrieval.llm import ChatModel
from scoring.db import utcnow
from scoring.records import RecordReader, RecordScope
from scoring.service import ScoringService

__all__ = [
    "ABSTAIN_POLICY",
    "FUSION",
    "Container",
    "GraphReader",
    "QuestionAnswerer",
    "audit_key",
    "embedder_for",
    "field_key",
    "graph_store",
    "held_graph_message",
    "open_answerer",
    "open_chat",
    "open_retriever",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Fusion and abstention chosen by measurement on the dev sets (see evals/README.md). The cosine
#: threshold belongs to multilingual-e5-small: answerable dev questions score >= 0.9006, off-topic
#: ones <= 0.8863; another embedding model needs its own calibration.
FUSION = FusionConfig()
ABSTAIN_POLICY = AbstainPolicy(min_cosine=0.893)


@contextmanager
def graph_store(settings: Settings, *, reader: bool = False) -> Iterator[GraphStore]:
    """The configured graph, verified, closed on exit.

    The embedded graph has one writer at a time. A ``reader`` (a caller that only reads) opens it
    read-only when another process, such as ``hsekg serve``, holds it; anyone else is refused with what
    to do.

    Raises:
        GraphLockedError: another process holds the embedded graph and the caller is not a ``reader``.
    """
    store = _open_store(settings, read_only=False)
    try:
        try:
            store.verify()
        except GraphLockedError as e:
            store.close()
            if not reader:
                raise GraphLockedError(e.path, e.pid, message=held_graph_message(settings, e.pid)) from e
            log.info("%s: opening it read-only", e)
            store = _open_store(settings, read_only=True)
            store.verify()
        yield store
    finally:
        store.close()


def _open_store(settings: Settings, *, read_only: bool) -> GraphStore:
    return open_graph_store(
        settings.graph_uri,
        path=settings.graph_path,
        user=settings.neo4j_user,
        password=settings.neo4j_password.get_secret_value(),
        database=settings.neo4j_database,
        read_only=read_only,
    )


def held_graph_message(settings: Settings, pid: int | None) -> str:
    """One sentence: who holds the embedded graph (``hsekg serve`` when its pid file names the holder)
    and what to do."""
    holder = f"another process (pid {pid})" if pid else "another process"
    try:
        serving = pid is not None and int(settings.serve_pid_path.read_text().strip()) == pid
    except (OSError, ValueError):
        serving = False
    if serving:
        holder = f"hsekg serve (pid {pid})"
    return (
        f"{holder} holds the embedded graph at {settings.graph_path.parent}, which takes one writer at a time: "
        "stop it and run this again, or use the server profile (HSEKG_GRAPH_URI=bolt://… for Neo4j and "
        "HSEKG_RECORDS_URL=postgresql://…), where the CLI and the server write side by side"
    )


def embedder_for(settings: Settings, *, required: bool) -> Embedder | None:
    """The configured embedder; None (lexical-only) when the default model is not prepared and not required.

    Raises:
        RetrievalError: the default model is not prepared and ``required``.
    """
    from retrieval.e5_convert import prepared_e5_dir

    if settings.embedding_model == "multilingual-e5-small" and not (prepared_e5_dir(settings.data_dir)).exists():
        if required:
            raise RetrievalError("the embedding model is not prepared: run hsekg models prepare")
        log.warning("embedding model not prepared (hsekg models prepare): lexical retrieval only")
        return None
    return SentenceTransformerEmbedder(
        settings.embedding_model, data_dir=settings.data_dir, int8=settings.embedding_int8
    )


def open_retriever(settings: Settings, *, fusion: FusionConfig | None = None) -> HybridRetriever:
    """Hybrid retrieval over the persisted indexes (the embedder loaded once, if prepared).

    Raises:
        RetrievalError: the indexes are missing or unreadable.
    """
    from retrieval.index import RetrievalIndex

    embedder = embedder_for(settings, required=False)
    return RetrievalIndex(settings.index_dir).load(embedder, fusion or FUSION)


def open_answerer(
    settings: Settings,
    store: GraphStore,
    *,
    fusion: FusionConfig | None = None,
    retriever: HybridRetriever | None = None,
) -> Answerer:
    """The answerer over the persisted indexes, or over ``retriever`` when one is already open."""
    retriever = retriever or open_retriever(settings, fusion=fusion)
    chat = open_chat(settings)
    writer = None
    if chat is not None:
        from retrieval.llm import LlmAnswerWriter

        writer = LlmAnswerWriter(chat)
    return Answerer(retriever, store, policy=ABSTAIN_POLICY, writer=writer)


def open_chat(settings: Settings) -> ChatModel | None:
    """The configured chat model (``llm_base_url`` and ``llm_model``), or None."""
    if not (settings.llm_base_url and settings.llm_model):
        return None
    from retrieval.llm import OpenAICompatibleChat

    return OpenAICompatibleChat(
        settings.llm_base_url, settings.llm_model, settings.llm_api_key.get_secret_value(), timeout=settings.llm_timeout
    )


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


def audit_key(settings: Settings) -> bytes:
    """The audit chain's HMAC-SM3 key from ``settings.audit_key``.

    While that setting is empty a development install derives a key from the secret key, with a warning;
    outside development the settings refuse to load without one.

    Raises:
        ConfigError: no key outside development.
    """
    configured = settings.audit_key.get_secret_value()
    if configured:
        return configured.encode("utf-8")
    if settings.environment != "development":
        raise ConfigError("HSEKG_AUDIT_KEY must be set (32+ characters) outside development")
    log.warning("HSEKG_AUDIT_KEY is not set: deriving a development audit key from the secret key")
    return hashlib.sha256(b"hsekg-dev-audit" + settings.secret_key.get_secret_value().encode()).digest()


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


class Container:
    """Every collaborator and application service, built lazily from settings or injected (tests).

    Args:
        settings: the configuration.
        engine: the records database (migrated); built from ``records_url`` when omitted.
        graph: the graph; opened from settings (and closed by :meth:`close`) when omitted.
        answerer: the Q&A answerer; opened over the persisted indexes when omitted.
        kb: the knowledge base for scoring exports; loaded from ``corpus_dir`` when omitted.
        hashing: password hashing (tests pass cheaper argon2 parameters).
        importer_progress: where the enterprise document importer reports progress (the CLI's stderr).
        graph_reader: the caller only reads the graph: open it read-only when ``hsekg serve`` holds it.
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
        importer_progress: Callable[[str], None] | None = None,
        graph_reader: bool = False,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self._graph_reader = graph_reader
        self.clock = clock
        self._progress = importer_progress
        self._built: dict[str, Any] = {"engine": engine, "graph": graph, "answerer": answerer, "kb": kb}
        if hashing is not None:
            self._built["hashing"] = hashing
        self._lock = threading.RLock()
        self._exit = ExitStack()

    def __enter__(self) -> Container:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get(self, name: str, build: Callable[[], T]) -> T:
        with self._lock:
            if self._built.get(name) is None:
                self._built[name] = build()
            value: T = self._built[name]
            return value

    # -- stores and models ------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The records database with the API's tables."""

        def build() -> Engine:
            from scoring.db import open_records_db

            if self.settings.records_url == "":
                self.settings.data_dir.mkdir(parents=True, exist_ok=True)
            engine = open_records_db(self.settings.records_database_url)
            self._exit.callback(engine.dispose)
            return engine

        def build_schema() -> bool:
            ensure_api_schema(engine)
            return True

        engine = self._get("engine", build)
        self._get("schema", build_schema)
        return engine

    def _graph_store(self) -> GraphStore:
        return self._exit.enter_context(graph_store(self.settings, reader=self._graph_reader))

    @property
    def graph(self) -> GraphReader:
        """The knowledge graph (a :class:`kg.store.GraphStore`, or the reader a test injected)."""
        return self._get("graph", self._graph_store)

    @property
    def store(self) -> GraphStore:
        """The knowledge graph as a full store (opened separately when a reader-only fake was injected)."""
        graph = self.graph
        return graph if isinstance(graph, GraphStore) else self._get("store", self._graph_store)

    @property
    def retriever(self) -> HybridRetriever | None:
        """Hybrid retrieval over the persisted indexes, shared by Q&A and change proposals so the embedding
        model is loaded once; None until ``hsekg index`` has built them."""

        def build() -> HybridRetriever | None:
            from retrieval.index import RetrievalIndex

            return open_retriever(self.settings) if RetrievalIndex(self.settings.index_dir).exists() else None

        return self._get("retriever", build)

    @property
    def answerer(self) -> QuestionAnswerer:
        """The Q&A answerer (indexes loaded on first use)."""

        def build() -> QuestionAnswerer:
            return open_answerer(self.settings, self.store, retriever=self.retriever)

        return self._get("answerer", build)

    @property
    def kb(self) -> KnowledgeBase:
        """The knowledge base (``corpus_dir``), loaded once."""

        def build() -> KnowledgeBase:
            from kg.corpus import load_knowledge_base

            return load_knowledge_base(self.settings.corpus_dir)

        return self._get("kb", build)

    @property
    def catalogues(self) -> CatalogueSet:
        """The national catalogues (``corpus_dir/catalogues``, the 易制毒 附表 from the statute texts)."""

        def build() -> CatalogueSet:
            from ingestion.catalogue_texts import read_drug_precursors

            return load_catalogues(
                self.settings.corpus_dir / "catalogues",
                drug_precursors=read_drug_precursors(self.settings.regulations_dir),
            )

        return self._get("catalogues", build)

    @property
    def facts(self) -> EntityExtractor:
        """Substances, equipment, hazard factors, hazardous wastes and headcounts read from text against the
        catalogues and 国家危险废物名录."""
        return self._get("facts", lambda: EntityExtractor(self.catalogues, wastes=self.hazardous_wastes))

    @property
    def hazardous_wastes(self) -> HazardousWasteList:
        """国家危险废物名录's 附表, read from the statute texts (``regulations_dir``)."""
        return self._get("hazardous_wastes", lambda: HazardousWasteList.read(self.settings.regulations_dir))

    @property
    def change(self) -> ChangeEngine:
        """Change proposals, gaps, validation and impact over the graph (catalog loaded on first use)."""
        return self._get(
            "change",
            lambda: ChangeEngine(self.store, retriever=self.retriever, facts=self.facts, chat=open_chat(self.settings)),
        )

    # -- security ---------------------------------------------------------------------------------

    @property
    def cipher(self) -> FieldCipher:
        """The SM4 field cipher."""
        return self._get("cipher", lambda: field_key(self.settings))

    @property
    def audit(self) -> AuditLog:
        """The audit trail."""
        return self._get("audit", lambda: AuditLog(self.engine, key=audit_key(self.settings), clock=self.clock))

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
            return Authenticator(
                self.engine, hashing=self.hashing, tokens=self.tokens, limiter=limiter, events=self.security_events
            )

        return self._get("authenticator", build)

    @property
    def security_events(self) -> SecurityEvents:
        """Refused logins, tokens and requests, aggregated per minute."""
        return self._get("security_events", lambda: SecurityEvents(self.engine, clock=self.clock))

    @property
    def users(self) -> UserDirectory:
        """The users (audited)."""
        return self._get(
            "users", lambda: UserDirectory(self.engine, hashing=self.hashing, cipher=self.cipher, audit=self.audit)
        )

    # -- application services ---------------------------------------------------------------------

    @property
    def scoring(self) -> ScoringService:
        """Scoring's own layer (records, scores, reports, exports)."""
        return self._get("scoring", lambda: ScoringService(self.engine, self.kb))

    @property
    def reviews(self) -> IndicatorReviews:
        """Expert decisions on the library's indicators (audited)."""
        return self._get("reviews", lambda: IndicatorReviews(self.engine, self.audit, clock=self.clock))

    @property
    def review_queue(self) -> ReviewQueue:
        """Proposals and expert decisions on them (audited)."""
        return self._get("review_queue", lambda: ReviewQueue(self.engine, self.audit, clock=self.clock))

    @property
    def proposals(self) -> ProposalService:
        """Change runs, gaps, impact and decisions on proposals."""

        def build() -> ProposalService:
            return ProposalService(
                self.change, self.review_queue, lambda eid: enterprise_rules(self.engine, self.kb, eid)
            )

        return self._get("proposals", build)

    @property
    def enterprises(self) -> EnterpriseService:
        """Enterprise process maps: import, confirmation, profiles (audited; over the change engine's catalog)."""

        def build() -> EnterpriseService:
            from ingestion.enterprise import EnterpriseDocumentImporter

            importer = EnterpriseDocumentImporter(
                self.facts,
                max_bytes=self.settings.max_upload_mb * 2**20,
                wastes=self.hazardous_wastes,
                progress=self._progress,
            )
            return EnterpriseService(
                self.store, self.change.catalog, importer=importer, audit=self.audit, clock=self.clock
            )

        return self._get("enterprises", build)

    @property
    def process_map(self) -> ProcessMapService:
        """The knowledge graph as an expert reads it: processes in flow order, each with its risks' indicators."""
        return self._get("process_map", lambda: ProcessMapService(self.store, self.kb, self.engine))

    @property
    def record_scope(self) -> RecordScope:
        """Which enterprise and department a unit belongs to."""
        return self._get("record_scope", lambda: RecordScope(self.engine))

    @property
    def records(self) -> RecordService:
        """Inspection records: submit (scoped, sealed, audited), read."""
        return self._get(
            "records",
            lambda: RecordService(self.scoring, self.record_scope, RecordReader(self.engine), self.cipher, self.audit),
        )

    @property
    def scores(self) -> ScoreService:
        """Scoring runs (audited) and reports."""
        return self._get("scores", lambda: ScoreService(self.scoring, self.audit))

    def close(self) -> None:
        """Close what was opened here (injected collaborators belong to the caller)."""
        self._exit.close()
