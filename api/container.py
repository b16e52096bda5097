"""Composition of the layers from Settings, shared by the CLI and the HTTP API (no domain logic here)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from api.settings import Settings
from kg.factory import open_graph_store
from kg.store import GraphStore
from retrieval.answer import AbstainPolicy, Answerer
from retrieval.embedder import Embedder, SentenceTransformerEmbedder
from retrieval.hybrid import FusionConfig, HybridRetriever

__all__ = [
    "ABSTAIN_POLICY",
    "FUSION",
    "embedder_for",
    "graph_store",
    "index_dir",
    "open_answerer",
    "open_retriever",
]

log = logging.getLogger(__name__)

#: Fusion and abstention chosen by measurement on the dev sets (see evals/README.md). The cosine
#: threshold belongs to multilingual-e5-small: answerable dev questions score >= 0.9006, off-topic
#: ones <= 0.8863; another embedding model needs its own calibration.
FUSION = FusionConfig()
ABSTAIN_POLICY = AbstainPolicy(min_cosine=0.893)


@contextmanager
def graph_store(settings: Settings) -> Iterator[GraphStore]:
    """The configured graph, verified, closed on exit."""
    store = open_graph_store(
        settings.graph_uri,
        path=settings.graph_path,
        user=settings.neo4j_user,
        password=settings.neo4j_password.get_secret_value(),
        database=settings.neo4j_database,
    )
    try:
        store.verify()
        yield store
    finally:
        store.close()


def index_dir(settings: Settings) -> Path:
    """Where the retrieval indexes live."""
    return settings.data_dir / "index"


def embedder_for(settings: Settings, *, required: bool) -> Embedder | None:
    """The configured embedder; None (lexical-only) when the default model is not prepared and not required."""
    from retrieval.e5_convert import prepared_e5_dir

    if settings.embedding_model == "multilingual-e5-small" and not (prepared_e5_dir(settings.data_dir)).exists():
        if required:
            from kg.errors import RetrievalError

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
    return RetrievalIndex(index_dir(settings)).load(embedder, fusion or FUSION)


def open_answerer(
    settings: Settings,
    store: GraphStore,
    *,
    fusion: FusionConfig | None = None,
    retriever: HybridRetriever | None = None,
) -> Answerer:
    """The answerer over the persisted indexes, or over ``retriever`` when one is already open."""
    retriever = retriever or open_retriever(settings, fusion=fusion)
    writer = None
    if settings.llm_base_url and settings.llm_model:
        from retrieval.llm import LlmAnswerWriter, OpenAICompatibleChat

        chat = OpenAICompatibleChat(
            settings.llm_base_url,
            settings.llm_model,
            settings.llm_api_key.get_secret_value(),
            timeout=settings.llm_timeout,
        )
        writer = LlmAnswerWriter(chat)
    return Answerer(retriever, store, policy=ABSTAIN_POLICY, writer=writer)
