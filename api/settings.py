"""The one ``Settings`` of hsekg (environment prefix ``HSEKG_``), read once at the entry point.

Layers below ``api/`` never read settings: the entry points pass them the values they need.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingestion.ocr import user_cache_dir
from kg.errors import ConfigError

__all__ = ["PLACEHOLDER_SECRETS", "Settings"]

REPO_ROOT = Path(__file__).resolve().parents[1]

#: Secrets that must never be used outside development.
PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "password", "neo4j", "test", "dev"})


class Settings(BaseSettings):
    """Configuration. Every field can be set as ``HSEKG_<NAME>`` in the environment or a ``.env`` file."""

    model_config = SettingsConfigDict(env_prefix="HSEKG_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Field(default=Path("data"), description="Graph file, indexes, models, records")
    corpus_dir: Path = Field(default=REPO_ROOT / "regulations_corpus", description="The knowledge base (YAML)")
    regulations_dir: Path = Field(
        default=REPO_ROOT.parent / "shared" / "regulations", description="Statute texts used for clause text"
    )
    graph_uri: str = Field(default="", description="Empty: embedded LadybugDB in data_dir; bolt:// or neo4j://")
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("")
    neo4j_database: str | None = None
    records_url: str = Field(default="", description="SQLAlchemy URL; empty: SQLite in data_dir")
    embedding_model: str = Field(default="multilingual-e5-small", description="Prepared name, local path or hub name")
    embedding_int8: bool = False
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: SecretStr = SecretStr("")
    llm_timeout: float = 60.0
    secret_key: SecretStr = SecretStr("change-me")
    sm4_key: SecretStr = Field(
        default=SecretStr(""), description="32 hex characters; encrypts personal data and evidence at rest (SM4)"
    )
    audit_key: SecretStr = Field(
        default=SecretStr(""),
        description="32+ characters; keys the audit chain (HMAC-SM3); never stored in the database",
    )
    max_upload_mb: int = 50
    ocr_cache_dir: Path = Field(
        default_factory=user_cache_dir,
        description="OCR results of scanned PDF pages, by file SHA-256 and engine (default: the user's cache)",
    )
    token_minutes: int = Field(default=15, ge=1, le=1440, description="Lifetime of an access token (the UI's session)")

    @field_validator("neo4j_database", mode="before")
    @classmethod
    def _empty_database_is_default(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _no_placeholders_in_production(self) -> Settings:
        if self.environment != "development":
            if (
                self.secret_key.get_secret_value() in PLACEHOLDER_SECRETS
                or len(self.secret_key.get_secret_value()) < 16
            ):
                raise ValueError("HSEKG_SECRET_KEY must be set to a real secret (16+ characters) outside development")
            if self.uses_neo4j and self.neo4j_password.get_secret_value() in PLACEHOLDER_SECRETS:
                raise ValueError("HSEKG_NEO4J_PASSWORD is a placeholder")
            key = self.sm4_key.get_secret_value()
            if len(key) != 32 or any(c not in "0123456789abcdefABCDEF" for c in key):
                raise ValueError("HSEKG_SM4_KEY must be 32 hex characters outside development")
            audit_key = self.audit_key.get_secret_value()
            if audit_key in PLACEHOLDER_SECRETS or len(audit_key) < 32:
                raise ValueError("HSEKG_AUDIT_KEY must be set to a real secret (32+ characters) outside development")
            if audit_key == self.secret_key.get_secret_value():
                raise ValueError("HSEKG_AUDIT_KEY must differ from HSEKG_SECRET_KEY (who can sign tokens cannot rekey)")
        if self.graph_uri and not self.uses_neo4j and "://" in self.graph_uri:
            raise ValueError(f"unsupported graph URI {self.graph_uri!r}: use bolt://, neo4j:// or leave empty")
        return self

    @property
    def uses_neo4j(self) -> bool:
        """Whether the graph is a Bolt server rather than the embedded file."""
        return self.graph_uri.startswith(
            ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")
        )

    @property
    def graph_path(self) -> Path:
        """The embedded graph file."""
        return Path(self.graph_uri) if self.graph_uri and not self.uses_neo4j else self.data_dir / "graph.lbug"

    @property
    def records_database_url(self) -> str:
        """The records database URL: ``records_url``, or SQLite at ``data_dir/records.db``."""
        return self.records_url or f"sqlite:///{(self.data_dir / 'records.db').resolve()}"

    @property
    def serve_pid_path(self) -> Path:
        """Where ``hsekg serve`` leaves its process id while it runs (so the CLI can name the graph's holder)."""
        return self.data_dir / "serve.pid"

    @property
    def index_dir(self) -> Path:
        """Where the retrieval indexes live."""
        return self.data_dir / "index"

    @classmethod
    def load(cls) -> Settings:
        """Read settings, turning validation errors into one readable :class:`ConfigError`."""
        from pydantic import ValidationError

        try:
            return cls()
        except ValidationError as e:
            msgs = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}" for err in e.errors()
            )
            raise ConfigError(f"invalid settings: {msgs}") from e
