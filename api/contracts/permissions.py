"""Roles and the authorisation matrix: which role may call which route (by route name).

This is part of the API's published contract: :func:`api.http.deps.authorize` enforces it on every
route (a route missing from the matrix is refused, fail closed), and a client such as the expert UI reads
it to hide the actions the caller's role would be refused (the API still decides).
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["PERMISSIONS", "PUBLIC_ROUTES", "ROLES", "Role"]

Role = Literal["admin", "expert", "manager", "inspector", "viewer"]
ROLES: tuple[Role, ...] = get_args(Role)

_ALL: frozenset[Role] = frozenset(ROLES)
_WRITERS: frozenset[Role] = frozenset({"admin", "manager", "inspector"})
_REVIEWERS: frozenset[Role] = frozenset({"admin", "expert"})
_MANAGERS: frozenset[Role] = frozenset({"admin", "manager"})
_ADMIN: frozenset[Role] = frozenset({"admin"})

#: Routes anyone may call.
PUBLIC_ROUTES: frozenset[str] = frozenset({"auth.token", "health"})

#: Route name → roles allowed. Knowledge (regulations … indicators, Q&A) is shared by all enterprises;
#: records, scores, exports, users and the audit trail are scoped to the caller's enterprise.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "auth.me": _ALL,
    "users.create": _ADMIN,
    "users.list": _ADMIN,
    "regulations.list": _ALL,
    "regulations.get": _ALL,
    "regulations.clauses": _ALL,
    "clauses.get": _ALL,
    "clauses.text": _ALL,
    "processes.list": _ALL,
    "processes.get": _ALL,
    "processes.risks": _ALL,
    "risks.list": _ALL,
    "risks.get": _ALL,
    "risks.obligations": _ALL,
    "obligations.list": _ALL,
    "obligations.get": _ALL,
    "indicators.list": _ALL,
    "indicators.get": _ALL,
    "indicators.reviews": _ALL,
    "indicators.review": _REVIEWERS,
    "qa.ask": _ALL,
    "records.submit": _WRITERS,
    "records.batch": _WRITERS,
    "records.get": _WRITERS,
    "records.list": _WRITERS,
    "scores.run": _MANAGERS,
    "scores.get": _ALL,
    "exports.rules": _MANAGERS | {"expert"},
    "exports.scorecard": _MANAGERS | {"expert"},
    "audit.list": _MANAGERS,
    "audit.verify": _ADMIN,
    "audit.head": _ADMIN,
    "security.events": _ADMIN,
    "processes.graph": _ALL,
    "processes.risk_map": _ALL,
    "proposals.run": _REVIEWERS | {"manager"},
    "proposals.list": _ALL,
    "proposals.facets": _ALL,
    "proposals.get": _ALL,
    "proposals.decisions": _ALL,
    "proposals.decide": _REVIEWERS,
    "proposals.bulk": _REVIEWERS,
    "gaps.run": _REVIEWERS | {"manager"},
    "gaps.upload": _REVIEWERS | {"manager"},
    "gaps.rules": _REVIEWERS | {"manager"},
    "impact.get": _ALL,
    "enterprises.import": _REVIEWERS | {"manager"},
    "enterprises.get": _ALL,
    "enterprises.profile": _ALL,
    "enterprises.flow": _ALL,
    "enterprises.confirm": _REVIEWERS,
    "enterprises.diff": _REVIEWERS | {"manager"},
}
