"""Users of the caller's enterprise (admins only)."""

from __future__ import annotations

from fastapi import APIRouter

from api.contracts.common import UserCreateIn, UserOut
from api.http.deps import CurrentUser, UsersDep
from api.http.errors import problem_responses
from api.services.users import UserView

__all__ = ["router"]

router = APIRouter(tags=["users"], responses=problem_responses(400, 401, 403, 413, 422, 500))


def _out(view: UserView) -> UserOut:
    return UserOut(
        username=view.username,
        role=view.role,
        enterprise_id=view.enterprise_id,
        department_id=view.department_id,
        full_name=view.full_name,
        phone=view.phone,
        email=view.email,
        active=view.active,
        created_at=view.created_at,
    )


@router.post("/users", name="users.create", response_model=UserOut, status_code=201)
def create_user(body: UserCreateIn, user: CurrentUser, users: UsersDep) -> UserOut:
    """Create a user in the caller's enterprise; name and contact data are stored SM4-encrypted."""
    view = users.create(
        username=body.username,
        password=body.password,
        role=body.role,
        enterprise_id=user.enterprise_id,
        department_id=body.department_id,
        full_name=body.full_name,
        phone=body.phone,
        email=body.email,
        actor=user.username,
    )
    return _out(view)


@router.get("/users", name="users.list", response_model=list[UserOut])
def list_users(user: CurrentUser, users: UsersDep) -> list[UserOut]:
    """The users of the caller's enterprise."""
    return [_out(v) for v in users.list(user.enterprise_id)]
