"""An enterprise's own process map: import its documents, read the map and its profile, let an expert
confirm or correct the mapping, compare new documents with the stored version.

Everything is scoped to the caller's enterprise: documents are imported into it, and another
enterprise's map can be neither read nor changed. Imports and confirmations go to the audit trail.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, UploadFile

from api.contracts.change import EnterpriseProfile
from api.contracts.enterprises import (
    ConfirmationResult,
    EnterpriseDiff,
    EnterpriseImport,
    EnterpriseView,
    MappingConfirmation,
)
from api.contracts.process_map import ProcessFlow
from api.http.deps import CurrentUser, EnterprisesDep, ProcessMapDep
from api.http.errors import problem_responses
from api.http.mapping import confirmation_in, to_wire
from api.services.security import Principal
from kg.errors import ValidationFailedError

__all__ = ["router"]

router = APIRouter(tags=["enterprises"], responses=problem_responses(400, 401, 403, 404, 413, 422, 500, 503))

#: Documents per upload (the body size limit applies on top).
MAX_FILES = 20

Files = Annotated[
    list[UploadFile],
    File(description="工艺流程说明, 安全操作规程, 环评报告表, 排污许可证副本 (pdf, docx, md, txt), equipment (xlsx)"),
]


@contextmanager
def _saved(files: Sequence[UploadFile]) -> Iterator[list[Path]]:
    """The uploads as files under their own names (the names are the provenance and hint the kind)."""
    if not files or len(files) > MAX_FILES:
        raise ValidationFailedError(f"send between 1 and {MAX_FILES} files")
    with tempfile.TemporaryDirectory(prefix="hsekg-enterprise-") as tmp:
        paths: list[Path] = []
        for upload in files:
            name = PurePosixPath((upload.filename or "").replace("\\", "/")).name.strip()
            if not name or name.startswith(".") or len(name) > 200 or "\x00" in name:
                raise ValidationFailedError(f"unusable file name {upload.filename!r}")
            path = Path(tmp) / name
            if path in paths:
                raise ValidationFailedError(f"file {name!r} sent twice")
            path.write_bytes(upload.file.read())
            paths.append(path)
        yield paths


def _own(user: Principal, enterprise_id: str) -> None:
    user.check_enterprise(enterprise_id)


@router.post("/enterprises/import", name="enterprises.import", response_model=EnterpriseImport, status_code=201)
def import_documents(
    files: Files,
    user: CurrentUser,
    enterprises: EnterprisesDep,
    name: Annotated[str, Form(max_length=100, description="Enterprise name (else read from the documents)")] = "",
    sector: Annotated[str, Form(max_length=40, description="Sector, e.g. 机械加工")] = "",
) -> EnterpriseImport:
    """Import the caller's enterprise's documents: processes mapped onto the knowledge base's templates (with
    scores and evidence; a step no template fits is kept as new with candidate risks), hazardous materials,
    special equipment and pollutants, each with where it was read. Stored as the enterprise's next version
    (an unchanged set of documents keeps the version); a report per document says what it yielded."""
    with _saved(files) as paths:
        result = enterprises.import_documents(
            paths, name, enterprise_id=user.enterprise_id, sector=sector, actor=user.username
        )
    return to_wire(result, EnterpriseImport)


@router.get("/enterprises/{enterprise_id}", name="enterprises.get", response_model=EnterpriseView)
def get_enterprise(enterprise_id: str, user: CurrentUser, enterprises: EnterprisesDep) -> EnterpriseView:
    """The stored enterprise: its facts, every step with its mapping and confirmation state, its versions."""
    _own(user, enterprise_id)
    return to_wire(enterprises.view(enterprise_id), EnterpriseView)


@router.get("/enterprises/{enterprise_id}/profile", name="enterprises.profile", response_model=EnterpriseProfile)
def get_profile(enterprise_id: str, user: CurrentUser, enterprises: EnterprisesDep) -> EnterpriseProfile:
    """The enterprise profile read from the graph, as the gap and change endpoints take it."""
    _own(user, enterprise_id)
    return to_wire(enterprises.profile(enterprise_id), EnterpriseProfile)


_CONFIRM_EXAMPLES: dict[str, Any] = {
    "accept all": {"value": {"accept_all": True}},
    "correct": {
        "value": {
            "corrections": [
                {"process_id": "E1/化料", "template_id": "p_chemical_dosing"},
                {"process_id": "E1/激光打标", "new": True, "name": "激光打标"},
            ],
            "accept": ["E1/染色"],
        }
    },
}


@router.get("/enterprises/{enterprise_id}/flow", name="enterprises.flow", response_model=ProcessFlow)
def get_flow(enterprise_id: str, user: CurrentUser, process_map: ProcessMapDep) -> ProcessFlow:
    """The enterprise's processes in flow order: its imported process map, or (none imported) its sector's
    templates in the sector's stage order."""
    _own(user, enterprise_id)
    return to_wire(process_map.flow(enterprise_id), ProcessFlow)


@router.post("/enterprises/{enterprise_id}/confirm", name="enterprises.confirm", response_model=ConfirmationResult)
def confirm_mapping(
    enterprise_id: str,
    body: Annotated[MappingConfirmation, Body(openapi_examples=_CONFIRM_EXAMPLES)],
    user: CurrentUser,
    enterprises: EnterprisesDep,
) -> ConfirmationResult:
    """Accept the mapping (all steps or some) or correct it: another template, a new step without template,
    a new name. Every step touched is confirmed with the expert's name and the time; audited."""
    _own(user, enterprise_id)
    return to_wire(enterprises.confirm(enterprise_id, confirmation_in(body), actor=user.username), ConfirmationResult)


@router.post("/enterprises/{enterprise_id}/diff", name="enterprises.diff", response_model=EnterpriseDiff)
def diff_documents(enterprise_id: str, files: Files, user: CurrentUser, enterprises: EnterprisesDep) -> EnterpriseDiff:
    """Compare a new version of the documents with the stored one (nothing is stored): added, removed and
    changed steps, new materials and equipment, and the change scenarios the proposal endpoints take."""
    _own(user, enterprise_id)
    with _saved(files) as paths:
        return to_wire(enterprises.diff(enterprise_id, paths), EnterpriseDiff)
