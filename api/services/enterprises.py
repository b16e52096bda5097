"""Enterprise documents into the enterprise's own graph, read back as a profile, confirmed by an expert.

:class:`EnterpriseService` parses an enterprise's documents, maps its steps onto the knowledge base's
process templates and stores the map under the enterprise (:mod:`retrieval.enterprise_graph`); reads
it back as the :class:`~retrieval.change.inputs.EnterpriseProfile` the gap and change steps take; lets
an expert accept or correct the mapping (another template, a new step without template, a rename),
recording who and when; and compares new documents with the stored version, as change scenarios.

Versions: an import whose extraction differs from the stored one becomes the next version, with the
difference kept on it; an identical re-import keeps the version and rewrites the same map. Expert
decisions carry over to the steps of the new version that have the same name. Writes to one enterprise
(imports, confirmations) take that enterprise's lock for the read-then-write, so two imports at once
get successive versions rather than the same one; the documents are parsed and mapped before it. The
lock is the service's: API workers in several processes would need the graph to refuse a second
version node with the same id.

Imports and confirmations are audited by the service, from the HTTP API and the command line alike. The
graph is another store than the records database that holds the audit trail, so the entry is written
right after the graph write it records (a failed entry is reported as an error, the write stays).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.services.audit import AuditLog
from ingestion.enterprise import EnterpriseDocumentImporter, ProcessMapDiffer
from ingestion.enterprise.models import EnterpriseExtraction, ExtractionDiff
from kg.errors import GraphError, NotFoundError, ValidationFailedError
from kg.models import Enterprise, EnterpriseVersion, Label, Rel, from_properties
from kg.store import GraphStore
from retrieval.change.catalog import KnowledgeCatalog
from retrieval.change.inputs import ChangeScenario, EnterpriseProfile
from retrieval.enterprise_graph import enterprise_node, mapping_from_graph, process_map_batch, steps_batch
from retrieval.enterprise_mapping import (
    EnterpriseImport,
    EnterpriseMapper,
    MappedProcessMatcher,
    ProcessMapping,
    change_scenarios,
)

__all__ = [
    "ConfirmationResult",
    "EnterpriseDiff",
    "EnterpriseService",
    "EnterpriseView",
    "MappingConfirmation",
    "MappingCorrection",
    "VersionInfo",
    "enterprise_id_for",
]

log = logging.getLogger(__name__)


def enterprise_id_for(name: str) -> str:
    """A stable id for an enterprise known only by its name (the CLI without ``--id``)."""
    if not name.strip():
        raise ValidationFailedError("an enterprise needs a name or an id: none given and none found in the documents")
    return "ent-" + hashlib.sha256(name.strip().encode("utf-8")).hexdigest()[:12]


class MappingCorrection(BaseModel):
    """An expert's correction of one step: another template, or new (no template), and/or a new name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    process_id: str = Field(min_length=1, max_length=300)
    template_id: str | None = Field(default=None, min_length=1, max_length=100)
    new: bool = False
    name: str | None = Field(default=None, min_length=1, max_length=60)

    @model_validator(mode="after")
    def _one_decision(self) -> MappingCorrection:
        if self.template_id is not None and self.new:
            raise ValueError("a step gets another template or is marked new, not both")
        if self.template_id is None and not self.new and self.name is None:
            raise ValueError("a correction sets template_id, new or name")
        return self


class MappingConfirmation(BaseModel):
    """Accept every step (``accept_all``) or some (``accept``), and apply corrections, each confirmed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    accept_all: bool = False
    accept: list[str] = Field(default_factory=list, max_length=1000)
    corrections: list[MappingCorrection] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="after")
    def _something(self) -> MappingConfirmation:
        if not (self.accept_all or self.accept or self.corrections):
            raise ValueError("nothing to confirm: set accept_all, accept or corrections")
        return self


class VersionInfo(BaseModel):
    """One import of the enterprise's documents and how it changed the previous one."""

    version: int
    imported_at: str
    imported_by: str
    files: list[str]
    changes: dict[str, int] = Field(default_factory=dict)


class EnterpriseView(BaseModel):
    """An enterprise as stored: its facts, its mapped steps with their confirmation, its versions."""

    id: str
    name: str
    sector: str = ""
    headcount: int | None = None
    permit_class: str = ""
    description: str = ""
    materials: list[str] = Field(default_factory=list)
    hazardous_materials: list[str] = Field(default_factory=list)
    equipment: list[str] = Field(default_factory=list)
    special_equipment: list[str] = Field(default_factory=list)
    pollutants: list[str] = Field(default_factory=list)
    outlets: list[str] = Field(default_factory=list)
    source: str = ""
    version: int
    processes: list[ProcessMapping]
    pending: int = Field(description="Steps whose mapping no expert has confirmed yet")
    versions: list[VersionInfo] = Field(default_factory=list)
    diff: ExtractionDiff | None = Field(default=None, description="From the previous version to this one")
    extraction: EnterpriseExtraction | None = Field(
        default=None,
        description="What the current version's documents gave: each document's result, and where every step, "
        "material, piece of equipment and pollutant was read",
    )


class ConfirmationResult(BaseModel):
    """The steps an expert's confirmation changed, before and after, and the enterprise now."""

    before: list[ProcessMapping]
    after: list[ProcessMapping]
    enterprise: EnterpriseView


class EnterpriseDiff(BaseModel):
    """New documents compared with the stored version, and the change scenarios that follow."""

    enterprise_id: str
    version: int
    diff: ExtractionDiff
    scenarios: list[ChangeScenario]


def _step(m: ProcessMapping) -> dict[str, Any]:
    """A step as the audit trail records it."""
    return {"id": m.id, "name": m.name, "status": m.status, "template_id": m.template_id, "confirmed": m.confirmed}


def _fingerprint(extraction: EnterpriseExtraction) -> str:
    return hashlib.sha256(extraction.model_dump_json().encode("utf-8")).hexdigest()


def _changes(diff: ExtractionDiff | None) -> dict[str, int]:
    if diff is None:
        return {}
    counts = {name: len(getattr(diff, name)) for name in type(diff).model_fields}
    return {name: n for name, n in counts.items() if n}


class EnterpriseService:
    """Import, read back, confirm and compare an enterprise's process map in the graph.

    Args:
        store: the graph holding the knowledge base (its process templates and risks).
        catalog: the knowledge base read from that graph.
        importer: reads the documents.
        mapper: maps steps onto templates (by default over ``catalog``).
        audit: the audit trail that records imports and confirmations (None only where no records
            database exists, as in unit tests).
        clock: the current time (confirmations and versions are stamped with it).
    """

    def __init__(
        self,
        store: GraphStore,
        catalog: KnowledgeCatalog,
        *,
        importer: EnterpriseDocumentImporter,
        mapper: EnterpriseMapper | None = None,
        audit: AuditLog | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.importer = importer
        self.mapper = mapper or EnterpriseMapper(catalog)
        self.clock = clock
        self._audit = audit
        self._schema_checked = False
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def _lock(self, enterprise_id: str) -> threading.Lock:
        """The lock serialising writes to one enterprise."""
        with self._locks_guard:
            return self._locks.setdefault(enterprise_id, threading.Lock())

    # -- writes -----------------------------------------------------------------------------------

    def import_documents(
        self,
        files: Sequence[Path],
        name: str = "",
        *,
        enterprise_id: str | None = None,
        sector: str = "",
        actor: str = "",
    ) -> EnterpriseImport:
        """Parse, map and store the documents as the enterprise's process map.

        Args:
            files: the documents (their file names are the provenance).
            name: the enterprise's name; else the one the documents give, else the stored one.
            enterprise_id: where to store it; by default derived from the name.
            sector: the sector; by default the stored one.
            actor: who imports (recorded on the version).

        Raises:
            UnsupportedDocumentError: nothing was extracted from any document (each one's reason given).
            GraphError: the graph holds no process templates to map onto.
        """
        if not self.catalog.processes:
            raise GraphError("the graph holds no process templates: load the knowledge base first (hsekg init)")
        extraction = self.importer.run(files, name=name)
        result = self.mapper.run(extraction, sector=sector)  # refuses documents that yielded nothing
        eid = enterprise_id or enterprise_id_for(extraction.name)
        with self._lock(eid):
            stored = self.store.get(Label.ENTERPRISE, eid)
            previous = from_properties(Enterprise, stored) if stored is not None else None
            if previous is not None:
                extraction = extraction.model_copy(update={"name": extraction.name or previous.name})
                sector = sector or previous.sector
            version, new_version, diff = self._next_version(eid, previous, extraction, actor=actor)
            kept = {m.key: m for m in self._mappings(eid)} if previous is not None else {}
            mappings = [self._carry_over(self._with_id(eid, m), kept.get(m.key)) for m in result.mappings]
            enterprise = enterprise_node(eid, extraction, sector=sector, version=version)
            self._apply_schema()
            self.store.apply(process_map_batch(enterprise, mappings, version=new_version))
        log.info("enterprise %s: version %d, %d steps stored", eid, version, len(mappings))
        self._record(
            actor,
            eid,
            "enterprises.import",
            before=None,
            after={
                "version": version,
                "documents": [{"file": d.file, "status": d.status} for d in extraction.documents],
                "steps": [_step(m) for m in mappings],
            },
        )
        return EnterpriseImport(
            profile=self._profile(enterprise, mappings),
            mappings=mappings,
            extraction=extraction,
            enterprise_id=eid,
            version=version,
            diff=diff,
        )

    def _next_version(
        self, eid: str, previous: Enterprise | None, extraction: EnterpriseExtraction, *, actor: str
    ) -> tuple[int, EnterpriseVersion | None, ExtractionDiff | None]:
        """The version this extraction gets, the version node to add (None: unchanged) and the diff."""
        before = self._version(eid, previous.version) if previous is not None and previous.version else None
        fingerprint = _fingerprint(extraction)
        if before is not None and before.fingerprint == fingerprint:
            return before.version, None, ExtractionDiff.model_validate_json(before.diff) if before.diff else None
        diff = None
        if before is not None:
            diff = ProcessMapDiffer().run(EnterpriseExtraction.model_validate_json(before.extraction), extraction)
        version = before.version + 1 if before is not None else 1
        node = EnterpriseVersion(
            id=f"{eid}@v{version}",
            enterprise=eid,
            version=version,
            imported_at=self.clock().isoformat(),
            imported_by=actor,
            files=[d.file for d in extraction.documents],
            fingerprint=fingerprint,
            extraction=extraction.model_dump_json(),
            diff=diff.model_dump_json() if diff is not None else "",
        )
        return version, node, diff

    def confirm(self, enterprise_id: str, confirmation: MappingConfirmation, *, actor: str) -> ConfirmationResult:
        """Apply an expert's corrections and acceptances; every step they touch is confirmed by ``actor``.

        A step already confirmed and not corrected keeps its first confirmation.

        Raises:
            NotFoundError: no such enterprise, step or template.
        """
        with self._lock(enterprise_id):
            result = self._confirm(enterprise_id, confirmation, actor=actor)
        if result.after:
            self._record(
                actor,
                enterprise_id,
                "enterprises.confirm",
                before=[_step(m) for m in result.before],
                after=[_step(m) | {"decided_by": m.decided_by} for m in result.after],
            )
        return result

    def _record(self, actor: str, enterprise_id: str, action: str, *, before: object, after: object) -> None:
        if self._audit is not None:
            self._audit.record(
                actor=actor,
                enterprise_id=enterprise_id,
                action=action,
                target=f"enterprise:{enterprise_id}",
                before=before,
                after=after,
            )

    def _confirm(self, enterprise_id: str, confirmation: MappingConfirmation, *, actor: str) -> ConfirmationResult:
        view = self.view(enterprise_id)
        by_id = {m.id: m for m in view.processes}
        named = [c.process_id for c in confirmation.corrections] + list(confirmation.accept)
        unknown = sorted({pid for pid in named if pid not in by_id})
        if unknown:
            raise NotFoundError(f"enterprise {enterprise_id!r} has no process {', '.join(map(repr, unknown))}")
        stamp = {"confirmed": True, "confirmed_by": actor, "confirmed_at": self.clock().isoformat()}
        changed: dict[str, ProcessMapping] = {}
        for c in confirmation.corrections:
            m = changed.get(c.process_id, by_id[c.process_id])
            if c.name is not None:
                m = m.model_copy(update={"name": c.name})
            if c.template_id is not None:
                m = self.mapper.with_template(m, c.template_id, decided_by="expert")
            elif c.new:
                m = self.mapper.as_new(m, decided_by="expert")
            changed[c.process_id] = m.model_copy(update=stamp)
        accepted = list(by_id) if confirmation.accept_all else confirmation.accept
        for pid in accepted:
            if pid not in changed and not by_id[pid].confirmed:
                changed[pid] = by_id[pid].model_copy(update=stamp)
        if changed:
            self._apply_schema()
            self.store.apply(steps_batch(enterprise_id, list(changed.values()), version=view.version))
        return ConfirmationResult(
            before=[by_id[pid] for pid in changed], after=list(changed.values()), enterprise=self.view(enterprise_id)
        )

    # -- reads ------------------------------------------------------------------------------------

    def view(self, enterprise_id: str) -> EnterpriseView:
        """The enterprise as stored.

        Raises:
            NotFoundError: no enterprise with this id, or none with a stored process map.
        """
        enterprise = self._enterprise(enterprise_id)
        versions = sorted(
            (
                from_properties(EnterpriseVersion, n.node)
                for n in self.store.neighbours(Label.ENTERPRISE, enterprise_id, rels=[Rel.HAS_VERSION])
                if n.direction == "out"
            ),
            key=lambda v: v.version,
        )
        current = next((v for v in versions if v.version == enterprise.version), None)
        processes = self._mappings(enterprise_id)
        return EnterpriseView(
            **enterprise.model_dump(exclude={"version"}),
            version=enterprise.version,
            processes=processes,
            pending=sum(not m.confirmed for m in processes),
            versions=[
                VersionInfo(
                    version=v.version,
                    imported_at=v.imported_at,
                    imported_by=v.imported_by,
                    files=v.files,
                    changes=_changes(ExtractionDiff.model_validate_json(v.diff) if v.diff else None),
                )
                for v in versions
            ],
            diff=ExtractionDiff.model_validate_json(current.diff) if current is not None and current.diff else None,
            extraction=(
                EnterpriseExtraction.model_validate_json(current.extraction)
                if current is not None and current.extraction
                else None
            ),
        )

    def profile(self, enterprise_id: str) -> EnterpriseProfile:
        """The enterprise's profile read from the graph, in the model the gap and change steps take.

        Raises:
            NotFoundError: no such enterprise.
        """
        return self._profile(self._enterprise(enterprise_id), self._mappings(enterprise_id))

    def matcher(self, enterprise_id: str) -> MappedProcessMatcher:
        """A template matcher that answers the enterprise's steps with their stored mapping."""
        self._enterprise(enterprise_id)
        return MappedProcessMatcher(self.catalog, self._mappings(enterprise_id), fallback=self.mapper.matcher)

    def diff(self, enterprise_id: str, files: Sequence[Path]) -> EnterpriseDiff:
        """Compare new documents with the stored version (nothing is stored), with the change scenarios.

        Raises:
            NotFoundError: no such enterprise, or no stored version to compare with.
        """
        enterprise = self._enterprise(enterprise_id)
        stored = self._version(enterprise_id, enterprise.version)
        if stored is None:
            raise NotFoundError(f"enterprise {enterprise_id!r} has no stored version to compare with")
        before = EnterpriseExtraction.model_validate_json(stored.extraction)
        after = self.importer.run(files, name=enterprise.name)
        diff = ProcessMapDiffer().run(before, after)
        current = EnterpriseImport(
            profile=self.profile(enterprise_id),
            mappings=self._mappings(enterprise_id),
            extraction=before,
            enterprise_id=enterprise_id,
            version=enterprise.version,
        )
        return EnterpriseDiff(
            enterprise_id=enterprise_id,
            version=enterprise.version,
            diff=diff,
            scenarios=change_scenarios(current, diff),
        )

    # -- helpers ----------------------------------------------------------------------------------

    def _enterprise(self, enterprise_id: str) -> Enterprise:
        props = self.store.get(Label.ENTERPRISE, enterprise_id)
        if props is None or not props.get("version"):
            raise NotFoundError(f"no enterprise {enterprise_id!r} with an imported process map")
        return from_properties(Enterprise, props)

    def _profile(self, enterprise: Enterprise, mappings: Sequence[ProcessMapping]) -> EnterpriseProfile:
        return self.mapper.profile(
            mappings,
            sector=enterprise.sector,
            enterprise=enterprise.description,
            materials=enterprise.materials,
            equipment=enterprise.equipment,
            headcount=enterprise.headcount,
            permit_class=enterprise.permit_class,
        )

    def _version(self, enterprise_id: str, version: int) -> EnterpriseVersion | None:
        props = self.store.get(Label.ENTERPRISE_VERSION, f"{enterprise_id}@v{version}")
        return from_properties(EnterpriseVersion, props) if props is not None else None

    def _mappings(self, enterprise_id: str) -> list[ProcessMapping]:
        return [mapping_from_graph(links) for links in self.store.enterprise_processes(enterprise_id)]

    @staticmethod
    def _with_id(enterprise_id: str, m: ProcessMapping) -> ProcessMapping:
        return m.model_copy(update={"id": f"{enterprise_id}/{m.key or f'#{m.order}'}"})

    def _carry_over(self, m: ProcessMapping, old: ProcessMapping | None) -> ProcessMapping:
        """Keep an expert's decision on a step that is still there (same name as read)."""
        if old is None or not (old.confirmed or old.decided_by == "expert"):
            return m
        if old.template_id is not None and old.template_id in self.catalog.processes:
            if old.template_id != m.template_id:
                m = self.mapper.with_template(m, old.template_id, decided_by=old.decided_by)
        elif old.template_id is None and m.template_id is not None:
            m = self.mapper.as_new(m, decided_by=old.decided_by)
        keep: dict[str, Any] = {"name": old.name, "decided_by": old.decided_by}
        keep |= {"confirmed": old.confirmed, "confirmed_by": old.confirmed_by, "confirmed_at": old.confirmed_at}
        return m.model_copy(update=keep)

    def _apply_schema(self) -> None:
        # a graph made before enterprise process maps existed lacks their tables (embedded backend)
        if not self._schema_checked:
            self.store.ensure_schema()
            self._schema_checked = True
