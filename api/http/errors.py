"""The one error format of the API (RFC 7807 ``application/problem+json``), mapped in one place.

``HsekgError`` subclasses map to status codes here and nowhere else::

    AuthenticationError (AuthError)     401  + WWW-Authenticate: Bearer
    PermissionDeniedError (AuthError)   403
    RateLimitedError (AuthError)        429  + Retry-After
    NotFoundError                       404
    ConflictError                       409
    ValidationFailedError, CorpusError,
    UnsupportedDocumentError            422
    GraphUnavailableError               503
    LLMError                            502
    any other HsekgError / exception    500  (details logged, not sent)

A 403 is also counted as a security event (:mod:`api.services.security_events`).

Framework errors use the same format: malformed JSON → 400 naming line and column, wrong types or
missing fields → 422 listing each field (without echoing the input), unknown route → 404, a body
over the size limit → 413 (:class:`BodySizeLimit`).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.contracts.common import ProblemOut
from api.services.security import AuthenticationError, PermissionDeniedError, RateLimitedError
from kg.errors import (
    AuthError,
    ConflictError,
    CorpusError,
    GraphUnavailableError,
    HsekgError,
    LLMError,
    NotFoundError,
    UnsupportedDocumentError,
    ValidationFailedError,
)

__all__ = ["PROBLEM_MEDIA_TYPE", "BodySizeLimit", "install_error_handlers", "problem", "problem_responses"]

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"

#: Most specific first: the first class an error is an instance of decides.
_STATUS: list[tuple[type[HsekgError], int, str]] = [
    (AuthenticationError, 401, "unauthenticated"),
    (PermissionDeniedError, 403, "forbidden"),
    (RateLimitedError, 429, "rate-limited"),
    (AuthError, 401, "unauthenticated"),
    (NotFoundError, 404, "not-found"),
    (ValidationFailedError, 422, "validation-failed"),
    (ConflictError, 409, "conflict"),
    (CorpusError, 422, "corpus-invalid"),
    (UnsupportedDocumentError, 422, "unsupported-document"),
    (GraphUnavailableError, 503, "graph-unavailable"),
    (LLMError, 502, "llm-failed"),
]

_SLUGS = {400: "bad-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found", 405: "method-not-allowed"}
_SLUGS |= {409: "conflict", 413: "payload-too-large", 422: "validation-failed", 429: "rate-limited", 500: "internal"}


def problem(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body = ProblemOut(
        type=f"urn:hsekg:problem:{slug or _SLUGS.get(status, 'error')}",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=instance,
        errors=errors,
    )
    return JSONResponse(
        jsonable_encoder(body, exclude_none=True), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the problem responses a route may give."""
    return {
        code: {
            "model": ProblemOut,
            "description": HTTPStatus(code).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemOut"}}},
        }
        for code in codes
    }


def _record_forbidden(request: Request, exc: PermissionDeniedError) -> None:
    """Count a 403 as a security event: who (the caller :func:`api.http.deps.authorize` found), from where, on
    which route (failed logins and rejected tokens are counted by the authenticator)."""
    container = getattr(request.app.state, "container", None)
    if container is None:
        return
    principal = getattr(request.state, "principal", None)
    route = getattr(request.scope.get("route"), "name", None) or request.url.path
    container.security_events.record(
        "forbidden",
        subject=getattr(principal, "username", ""),
        source=request.client.host if request.client is not None else "unknown",
        enterprise_id=getattr(principal, "enterprise_id", ""),
        detail=f"{route}: {exc}",
    )


def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HsekgError)
    if isinstance(exc, PermissionDeniedError):
        _record_forbidden(request, exc)
    for cls, status, slug in _STATUS:
        if isinstance(exc, cls):
            headers: dict[str, str] = {}
            if status == 401:
                headers["WWW-Authenticate"] = "Bearer"
            if isinstance(exc, RateLimitedError):
                headers["Retry-After"] = str(exc.retry_after)
            return problem(status, str(exc), slug=slug, instance=request.url.path, headers=headers or None)
    log.error("%s on %s: %s", type(exc).__name__, request.url.path, exc)
    return problem(500, f"{type(exc).__name__}: the request could not be completed", instance=request.url.path)


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    broken = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if broken is not None:
        ctx = broken.get("ctx") or {}
        where = f" (at character {broken['loc'][-1]})" if len(broken.get("loc", ())) > 1 else ""
        reason = ctx.get("error", "the body is not valid JSON")
        return problem(400, f"malformed JSON{where}: {reason}", slug="malformed-json", instance=request.url.path)
    fields = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in errors
    ]
    summary = "; ".join(f"{'.'.join(f['loc'])}: {f['msg']}" for f in fields[:5])
    return problem(422, f"invalid request: {summary}", errors=fields, instance=request.url.path)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    headers = dict(exc.headers) if exc.headers else None
    return problem(exc.status_code, detail, instance=request.url.path, headers=headers)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return problem(500, "internal error; the server log has the details", instance=request.url.path)


def install_error_handlers(app: FastAPI) -> None:
    """Map every error to problem+json (the one place the mapping happens)."""
    app.add_exception_handler(HsekgError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` with 413: by ``Content-Length`` up front, or while streaming.

    Args:
        app: the wrapped ASGI app.
        max_bytes: the limit.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _message(self) -> str:
        return f"request body larger than the limit of {self.max_bytes} bytes ({self.max_bytes / 2**20:g} MiB)"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count the bytes actually received."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            response = problem(413, self._message(), instance=str(scope.get("path", "")))
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise StarletteHTTPException(413, detail=self._message())
            return message

        await self.app(scope, counting_receive, send)
