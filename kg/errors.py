"""The error hierarchy of hsekg. Every layer raises a subclass of :class:`HsekgError`.

Third-party errors are wrapped at the boundary (``raise GraphError(...) from e``) and mapped to exit
codes in the CLI and HTTP status codes in the API, each in one place::

    HsekgError
    ├── ConfigError                 settings that cannot work (bad URI, placeholder secret)
    ├── CorpusError                 the knowledge base YAML is malformed or inconsistent (file:line)
    ├── NotFoundError               a named node, record or document does not exist
    ├── GraphError                  a graph backend failed
    │   └── GraphUnavailableError   the graph server cannot be reached (names the URI)
    ├── IngestionError              a document could not be loaded or parsed
    │   └── UnsupportedDocumentError  wrong format, empty, binary, too large, no text layer
    ├── RetrievalError              indexes or embedder unusable
    ├── LLMError                    the chat model failed or answered malformed output
    ├── ValidationFailedError       a proposal or input broke a domain rule
    ├── ConflictError               the action does not fit the current state (approve an invalid proposal)
    ├── ScoringError                records or scores cannot be computed
    └── AuthError                   authentication or authorisation refused
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "ConfigError",
    "ConflictError",
    "CorpusError",
    "GraphError",
    "GraphUnavailableError",
    "HsekgError",
    "IngestionError",
    "LLMError",
    "NotFoundError",
    "RetrievalError",
    "ScoringError",
    "UnsupportedDocumentError",
    "ValidationFailedError",
]


class HsekgError(Exception):
    """Root of every error hsekg raises on purpose."""


class ConfigError(HsekgError):
    """Settings that cannot work."""


class CorpusError(HsekgError):
    """The knowledge base is malformed or inconsistent; the message names file and line."""


class NotFoundError(HsekgError):
    """A named node, record or document does not exist."""


class GraphError(HsekgError):
    """A graph backend failed."""


class GraphUnavailableError(GraphError):
    """The graph server cannot be reached."""


class IngestionError(HsekgError):
    """A document could not be loaded or parsed."""


class UnsupportedDocumentError(IngestionError):
    """A document of a kind that cannot be ingested (wrong format, empty, no text layer, too large)."""


class RetrievalError(HsekgError):
    """Indexes or the embedder are unusable."""


class LLMError(HsekgError):
    """The chat model failed or its output was malformed."""


class ValidationFailedError(HsekgError):
    """A proposal or an input broke a domain rule."""


class ConflictError(HsekgError):
    """The action does not fit the current state of its target (e.g. approving an invalid proposal)."""


class ScoringError(HsekgError):
    """Records or scores cannot be computed."""


class AuthError(HsekgError):
    """Authentication or authorisation refused."""
