"""The audit trail: entries of the caller's enterprise, and verification of the whole SM3 chain."""

from __future__ import annotations

import json

from fastapi import APIRouter

from api.contracts.common import AuditEntryOut, AuditVerifyOut, Page
from api.http.deps import AuditDep, CipherDep, CurrentUser, PageParams
from api.http.errors import problem_responses

__all__ = ["router"]

router = APIRouter(tags=["audit"], responses=problem_responses(401, 403, 422, 500))


@router.get("/audit", name="audit.list", response_model=Page[AuditEntryOut])
def list_audit(user: CurrentUser, audit: AuditDep, cipher: CipherDep, page: PageParams) -> Page[AuditEntryOut]:
    """Audit entries of the caller's enterprise, newest first (sealed values opened)."""
    rows, total = audit.entries(enterprise_id=user.enterprise_id, limit=page.limit, offset=page.offset)
    items = [
        AuditEntryOut(
            seq=r.seq,
            at=r.at,
            actor=r.actor,
            enterprise_id=r.enterprise_id,
            action=r.action,
            target=r.target,
            before=cipher.open_tree(json.loads(r.before)),
            after=cipher.open_tree(json.loads(r.after)),
            prev_hash=r.prev_hash,
            hash=r.hash,
        )
        for r in rows
    ]
    return Page[AuditEntryOut](items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/audit/verify", name="audit.verify", response_model=AuditVerifyOut)
def verify_audit(user: CurrentUser, audit: AuditDep) -> AuditVerifyOut:
    """Walk the whole chain; name the first entry that was changed, deleted, inserted or reordered, or the first
    record row an entry wrote that was changed or deleted since (``row``)."""
    v = audit.verify()
    return AuditVerifyOut(
        ok=v.ok, entries=v.entries, head_hash=v.head_hash, seq=v.seq, problem=v.problem, detail=v.detail, row=v.row
    )
