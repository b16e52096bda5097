"""OAuth2 password flow: a short-lived bearer token for a username and password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from api.contracts.common import HealthOut, TokenOut, UserOut
from api.http.deps import AuthenticatorDep, ClientAddress, CurrentUser
from api.http.errors import problem_responses

__all__ = ["router"]

router = APIRouter(tags=["auth"], responses=problem_responses(400, 401, 413, 422, 429, 500))


@router.post("/auth/token", name="auth.token", response_model=TokenOut)
def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], authenticator: AuthenticatorDep, client: ClientAddress
) -> TokenOut:
    """Log in; failed attempts per username and address are limited (429 with Retry-After)."""
    issued = authenticator.login(form.username, form.password, client=client)
    return TokenOut(access_token=issued.access_token, expires_in=issued.expires_in)


@router.get("/auth/me", name="auth.me", response_model=UserOut, responses=problem_responses(403))
def me(user: CurrentUser) -> UserOut:
    """The caller: username, role, enterprise, department."""
    return UserOut(
        username=user.username, role=user.role, enterprise_id=user.enterprise_id, department_id=user.department_id
    )


@router.get("/health", name="health", response_model=HealthOut)
def health() -> HealthOut:
    """Liveness (no token needed)."""
    return HealthOut()
