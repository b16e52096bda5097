"""Users: creation and listing, with argon2 password hashes and SM4-sealed contact data.

Every creation is written to the audit trail in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.services.crypto import FieldCipher
from api.services.review.decisions import AuditSink
from api.services.security import ROLES, PasswordHashing, Role
from api.services.storage import UserRow
from kg.errors import ValidationFailedError
from scoring.db import utcnow

__all__ = ["MIN_PASSWORD_LENGTH", "UserDirectory", "UserView"]

MIN_PASSWORD_LENGTH = 10


@dataclass(frozen=True)
class UserView:
    """A user as authorised readers see it (contact data opened)."""

    username: str
    role: str
    enterprise_id: str
    department_id: str | None
    full_name: str
    phone: str
    email: str
    active: bool
    created_at: datetime


class UserDirectory:
    """Creates and lists users.

    Args:
        engine: the records database (API tables created).
        hashing: password hashing.
        cipher: seals names and contact data.
        audit: records every creation.
    """

    def __init__(self, engine: Engine, *, hashing: PasswordHashing, cipher: FieldCipher, audit: AuditSink) -> None:
        self._engine = engine
        self._hashing = hashing
        self._cipher = cipher
        self._audit = audit

    def create(
        self,
        *,
        username: str,
        password: str,
        role: Role,
        enterprise_id: str,
        department_id: str | None = None,
        full_name: str = "",
        phone: str = "",
        email: str = "",
        actor: str,
    ) -> UserView:
        """Create a user.

        Raises:
            ValidationFailedError: unknown role, short password, empty enterprise or taken username.
        """
        if role not in ROLES:
            raise ValidationFailedError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValidationFailedError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
        if not username.strip() or not enterprise_id.strip():
            raise ValidationFailedError("username and enterprise are required")
        row = UserRow(
            username=username,
            password_hash=self._hashing.hash(password),
            role=role,
            enterprise_id=enterprise_id,
            department_id=department_id or None,
            full_name=self._cipher.seal(full_name),
            phone=self._cipher.seal(phone),
            email=self._cipher.seal(email),
            active=True,
            created_at=utcnow(),
        )
        after = {
            "username": username,
            "role": role,
            "enterprise_id": enterprise_id,
            "department_id": department_id,
            "full_name": row.full_name,
            "phone": row.phone,
            "email": row.email,
        }
        try:
            with Session(self._engine, expire_on_commit=False) as session, session.begin():
                session.add(row)
                session.flush()
                self._audit.append(
                    session,
                    actor=actor,
                    enterprise_id=enterprise_id,
                    action="users.create",
                    target=f"user:{username}",
                    before=None,
                    after=after,
                )
        except IntegrityError as e:
            raise ValidationFailedError(f"username {username!r} is taken") from e
        return self._view(row)

    def list(self, enterprise_id: str) -> list[UserView]:
        """The users of an enterprise, by username."""
        with Session(self._engine) as session:
            stmt = select(UserRow).where(UserRow.enterprise_id == enterprise_id).order_by(UserRow.username)
            return [self._view(r) for r in session.execute(stmt).scalars()]

    def _view(self, row: UserRow) -> UserView:
        return UserView(
            username=row.username,
            role=row.role,
            enterprise_id=row.enterprise_id,
            department_id=row.department_id,
            full_name=self._cipher.open(row.full_name),
            phone=self._cipher.open(row.phone),
            email=self._cipher.open(row.email),
            active=row.active,
            created_at=row.created_at,
        )
