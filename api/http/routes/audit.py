"""The audit trail: entries of the caller's enterprise, the chain's head to export, and verification of the whole
keyed chain (optionally against an exported head)."""

from __future__ import annotations

import json

from fastapi import APIRouter

from api.contracts.common import AuditEntryOut, AuditHeadIn, AuditHeadOut, AuditVerifyOut, Page
from api.http.deps import AuditDep, CipherDep, CurrentUser, PageParams
from api.http.errors import problem_responses
from api.services.audit import ExportedHead

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


@router.get("/audit/head", name="audit.head", response_model=AuditHeadOut, responses=problem_responses(409))
def audit_head(user: CurrentUser, audit: AuditDep) -> AuditHeadOut:
    """The chain's head (count, last hash, when, key id, HMAC under the audit key) once the chain verifies (409
    when broken): keep it outside the database and send it back to ``POST /audit/verify`` later."""
    head = audit.head()
    return AuditHeadOut(count=head.count, last_hash=head.last_hash, at=head.at, key_id=head.key_id, mac=head.mac)


@router.post("/audit/verify", name="audit.verify", response_model=AuditVerifyOut)
def verify_audit(user: CurrentUser, audit: AuditDep, against: AuditHeadIn | None = None) -> AuditVerifyOut:
    """Walk the whole chain; name the first entry that was changed, deleted, inserted or reordered, or the first
    row an entry wrote (a record, a decision, an indicator's state) that was changed or deleted since (``row``).
    With an exported head as the body, the chain must also still hold it at its position (422 when the head was
    not exported under this key)."""
    exported = None
    if against is not None:
        exported = ExportedHead(against.count, against.last_hash, against.at, against.key_id, against.mac)
    v = audit.verify(against=exported)
    return AuditVerifyOut(
        ok=v.ok,
        entries=v.entries,
        head_hash=v.head_hash,
        seq=v.seq,
        problem=v.problem,
        detail=v.detail,
        row=v.row,
        unkeyed=v.unkeyed,
    )
