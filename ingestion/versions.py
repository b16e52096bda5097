"""Per-document ingestion status and regulation versions, kept in the data dir.

``<state_dir>/status.json`` holds the last status of every document (processed / unchanged / failed
with the reason); ``<state_dir>/versions/<regulation>/<version>.json`` holds the text of every
article (or standard clause) of each version, so a re-ingested text can be diffed against the last
one. Files are written atomically (temporary file, then rename).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from ingestion.textsim import dice

__all__ = ["ArticleDiff", "DocumentStatus", "IngestionState", "diff_versions", "safe_name", "sha256_text"]

Status = Literal["processed", "unchanged", "failed"]
#: Below this similarity a renumbered article is not taken for the same one.
MOVE_THRESHOLD = 0.8
#: Changed articles at or above this similarity keep a SUCCEEDED_BY link from their old text.
SUCCESSION_THRESHOLD = 0.5


@dataclass
class DocumentStatus:
    """What happened to one document in its last ingestion."""

    path: str
    status: Status
    regulation: str = ""
    version: str = ""
    articles: int = 0
    obligations: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    diff: dict[str, list[str]] | None = None
    ingested_at: str = ""


@dataclass
class ArticleDiff:
    """Article-level differences between two versions (keys are article numbers or clause numbers).

    ``moved`` maps an old key to the new key of the same text under another number; ``successors``
    maps every old key that has a counterpart (same key changed, or moved) to ``(new key, score)``.
    """

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    moved: dict[str, str] = field(default_factory=dict)
    successors: dict[str, tuple[str, float]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, list[str]]:
        """Summary for the status file and ``--json``."""
        return {
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "moved": [f"{a}->{b}" for a, b in self.moved.items()],
        }


def sha256_text(text: str) -> str:
    """Hex SHA-256 of a text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def safe_name(regulation: str) -> str:
    """A file-system-safe folder name for a regulation id."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in regulation)


def diff_versions(old: dict[str, str], new: dict[str, str]) -> ArticleDiff:
    """Diff two versions given as key -> text."""
    diff = ArticleDiff()
    for key, text in new.items():
        if key not in old:
            diff.added.append(key)
        elif old[key] != text:
            diff.changed.append(key)
            score = dice(old[key], text)
            if score >= SUCCESSION_THRESHOLD:
                diff.successors[key] = (key, round(score, 3))
    for key in old:
        if key not in new:
            diff.removed.append(key)
    # an added key whose text is (almost) a removed one: the article was renumbered, not rewritten
    for old_key in list(diff.removed):
        best = max(((dice(old[old_key], new[k]), k) for k in diff.added), default=(0.0, ""))
        if best[0] >= MOVE_THRESHOLD:
            diff.moved[old_key] = best[1]
            diff.successors[old_key] = (best[1], round(best[0], 3))
    return diff


def _write_atomic(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(payload, out, ensure_ascii=False, indent=1)
    os.replace(tmp, path)


class IngestionState:
    """Status file and version snapshots under ``state_dir``."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir

    @property
    def _status_path(self) -> Path:
        return self.state_dir / "status.json"

    def statuses(self) -> dict[str, DocumentStatus]:
        """The last status of every document, by path."""
        if not self._status_path.exists():
            return {}
        raw = json.loads(self._status_path.read_text(encoding="utf-8"))
        return {path: DocumentStatus(**entry) for path, entry in raw.items()}

    def record(self, statuses: list[DocumentStatus]) -> None:
        """Merge new statuses into the status file."""
        current = self.statuses()
        current.update({s.path: s for s in statuses})
        _write_atomic(self._status_path, {p: asdict(s) for p, s in sorted(current.items())})

    def _versions_dir(self, regulation: str) -> Path:
        return self.state_dir / "versions" / safe_name(regulation)

    def latest(self, regulation: str) -> tuple[str, dict[str, str], dict[str, list[str]]] | None:
        """(version, key -> text, graph ids owned by label) of the regulation's current version, if any."""
        index = self._versions_dir(regulation) / "index.json"
        if not index.exists():
            return None
        versions: list[str] = json.loads(index.read_text(encoding="utf-8"))
        if not versions:
            return None
        snapshot = self._versions_dir(regulation) / f"{versions[-1]}.json"
        data = json.loads(snapshot.read_text(encoding="utf-8"))
        return versions[-1], data["texts"], data["owned"]

    def save_version(self, regulation: str, version: str, texts: dict[str, str], owned: dict[str, list[str]]) -> None:
        """Store a version's texts and the graph ids it wrote, and make it the current one."""
        folder = self._versions_dir(regulation)
        _write_atomic(folder / f"{version}.json", {"texts": texts, "owned": owned})
        index = folder / "index.json"
        versions: list[str] = json.loads(index.read_text(encoding="utf-8")) if index.exists() else []
        if version in versions:
            versions.remove(version)
        versions.append(version)
        _write_atomic(index, versions)

    def versions(self, regulation: str) -> list[str]:
        """All stored versions of a regulation, oldest first."""
        index = self._versions_dir(regulation) / "index.json"
        return json.loads(index.read_text(encoding="utf-8")) if index.exists() else []
