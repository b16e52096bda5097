"""The rules every review decision follows, on library indicators and on proposals alike."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Literal, Protocol

from sqlalchemy.orm import Session

from kg.errors import ValidationFailedError

__all__ = ["DECISION_STATUS", "AuditSink", "Decision", "check_decision"]


Decision = Literal["approve", "reject", "edit"]
#: The status each review decision leads to, for indicators and proposals alike.
DECISION_STATUS: dict[str, str] = {"approve": "approved", "reject": "rejected", "edit": "edited"}


def check_decision(decision: str, comment: str, changes: Mapping[str, Any]) -> None:
    """The rules every review decision follows, on indicators and on proposals alike.

    Raises:
        ValidationFailedError: a rejection without a comment, an edit without changes, or changes given
            with approve/reject.
    """
    if decision == "reject" and not comment.strip():
        raise ValidationFailedError("a rejection needs a comment saying why")
    if decision == "edit" and not changes:
        raise ValidationFailedError("an edit needs at least one changed field")
    if decision != "edit" and changes:
        raise ValidationFailedError("changes are only accepted with decision 'edit'")


class AuditSink(Protocol):
    """Where writes are recorded (:class:`api.services.audit.AuditLog`), inside the writer's transaction."""

    def append(
        self,
        session: Session,
        *,
        actor: str,
        enterprise_id: str,
        action: str,
        target: str,
        before: object,
        after: object,
        covers: Mapping[str, Collection[int | str]] | None = None,
    ) -> int:
        """Append an entry covering the rows the write stored (by table and primary key); returns its sequence
        number."""
        ...
