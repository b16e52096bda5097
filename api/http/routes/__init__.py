"""One router per resource; :data:`ROUTERS` is what :func:`api.http.app.create_app` mounts."""

from __future__ import annotations

from fastapi import APIRouter

from api.http.routes import (
    audit,
    auth,
    enterprises,
    exports,
    gaps,
    indicators,
    obligations,
    processes,
    proposals,
    qa,
    records,
    regulations,
    scores,
    security,
    users,
)

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    users.router,
    regulations.router,
    processes.router,
    obligations.router,
    indicators.router,
    proposals.router,
    gaps.router,
    qa.router,
    records.router,
    scores.router,
    exports.router,
    audit.router,
    security.router,
    enterprises.router,
)
