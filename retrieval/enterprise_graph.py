"""An enterprise's process map as graph writes, and back.

Graph model (labels and relationship types in :mod:`kg.models`)::

    (Enterprise)-[:HAS_PROCESS]->(EnterpriseProcess)-[:INSTANTIATES {score, reason, source,
                                                      confirmed, confirmed_by, confirmed_at}]->(Process template)
                                 (EnterpriseProcess)-[:HAS_RISK {score, reason}]->(Risk)   a new step's candidates
    (Enterprise)-[:HAS_VERSION]->(EnterpriseVersion {extraction, diff, fingerprint, imported_at, imported_by})

A step keeps where it was read (file, page, paragraph, cell); the extraction stored on each version
keeps the provenance of every material, piece of equipment and pollutant. A new import replaces the
steps in one transaction (:func:`process_map_batch`), leaving the versions in place.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from ingestion.enterprise.models import EnterpriseExtraction, Provenance
from kg.models import Enterprise, EnterpriseProcess, EnterpriseVersion, Label, Rel
from kg.store import Edge, EnterpriseProcessLinks, GraphBatch
from retrieval.change.models import ProcessMatch, RiskProposal
from retrieval.enterprise_mapping import ProcessMapping, describe

__all__ = ["enterprise_node", "mapping_from_graph", "process_map_batch", "process_node", "steps_batch"]

#: Joins evidence items into a relationship's ``reason`` (the items are names and keywords).
_SEP = "；"


def _split(reason: object) -> list[str]:
    return [part for part in str(reason or "").split(_SEP) if part]


def enterprise_node(enterprise_id: str, extraction: EnterpriseExtraction, *, sector: str, version: int) -> Enterprise:
    """The enterprise with the facts of its documents."""
    where = []
    if extraction.headcount_source is not None:
        where.append(f"人数：{extraction.headcount_source}")
    if extraction.permit_source is not None:
        where.append(f"排污许可：{extraction.permit_source}")
    return Enterprise(
        id=enterprise_id,
        name=extraction.name or enterprise_id,
        sector=sector,
        headcount=extraction.headcount,
        permit_class=extraction.permit_class,
        description=describe(extraction),
        materials=[m.name for m in extraction.materials],
        hazardous_materials=[m.name for m in extraction.hazardous_materials],
        equipment=[e.name for e in extraction.equipment],
        special_equipment=[e.name for e in extraction.special_equipment],
        pollutants=list(dict.fromkeys(p.name for p in extraction.pollutants)),
        outlets=list(extraction.outlets),
        version=version,
        source="；".join(where),
    )


def process_node(enterprise_id: str, m: ProcessMapping, *, version: int) -> EnterpriseProcess:
    """One step of the map, with its provenance and the matcher's candidate templates as JSON."""
    return EnterpriseProcess(
        id=m.id,
        enterprise=enterprise_id,
        name=m.name,
        extracted_name=m.extracted_name or m.name,
        stage=m.stage,
        description=m.description,
        step=m.order,
        status=m.status,
        decided_by=m.decided_by,
        confirmed=m.confirmed,
        confirmed_by=m.confirmed_by,
        confirmed_at=m.confirmed_at,
        candidates=json.dumps([c.model_dump() for c in m.matches], ensure_ascii=False),
        file=m.source.file,
        page=m.source.page,
        paragraph=m.source.paragraph,
        cell=m.source.cell,
        version=version,
    )


def _links(batch: GraphBatch, mappings: Sequence[ProcessMapping]) -> GraphBatch:
    confirmed = {
        m.id: {"confirmed": m.confirmed, "confirmed_by": m.confirmed_by, "confirmed_at": m.confirmed_at}
        for m in mappings
    }
    batch.add_edges(
        Rel.INSTANTIATES,
        Label.ENTERPRISE_PROCESS,
        Label.PROCESS,
        [
            Edge(m.id, m.template_id, m.score, _SEP.join(m.evidence), m.decided_by, extra=confirmed[m.id])
            for m in mappings
            if m.template_id is not None
        ],
    )
    batch.add_edges(
        Rel.HAS_RISK,
        Label.ENTERPRISE_PROCESS,
        Label.RISK,
        [
            Edge(m.id, r.id, r.score, _SEP.join(r.evidence), "candidate")
            for m in mappings
            if m.template_id is None
            for r in m.candidate_risks
        ],
    )
    return batch


def process_map_batch(
    enterprise: Enterprise, mappings: Sequence[ProcessMapping], *, version: EnterpriseVersion | None
) -> GraphBatch:
    """Replace the enterprise's steps by ``mappings`` (and add ``version`` when it is a new one), atomically."""
    batch = GraphBatch().delete_children(Label.ENTERPRISE, enterprise.id, Rel.HAS_PROCESS, Label.ENTERPRISE_PROCESS)
    batch.add_nodes([enterprise, *(process_node(enterprise.id, m, version=enterprise.version) for m in mappings)])
    batch.add_edges(
        Rel.HAS_PROCESS, Label.ENTERPRISE, Label.ENTERPRISE_PROCESS, [Edge(enterprise.id, m.id) for m in mappings]
    )
    if version is not None:
        batch.add_nodes([version])
        batch.add_edges(Rel.HAS_VERSION, Label.ENTERPRISE, Label.ENTERPRISE_VERSION, [Edge(enterprise.id, version.id)])
    return _links(batch, mappings)


def steps_batch(enterprise_id: str, mappings: Sequence[ProcessMapping], *, version: int) -> GraphBatch:
    """Rewrite some steps in place: their properties, their template link or candidate risks."""
    ids = [m.id for m in mappings]
    batch = GraphBatch()
    batch.delete_out_edges(Label.ENTERPRISE_PROCESS, Rel.INSTANTIATES, ids)
    batch.delete_out_edges(Label.ENTERPRISE_PROCESS, Rel.HAS_RISK, ids)
    batch.add_nodes([process_node(enterprise_id, m, version=version) for m in mappings])
    return _links(batch, mappings)


def mapping_from_graph(links: EnterpriseProcessLinks) -> ProcessMapping:
    """A stored step as a :class:`ProcessMapping` (the inverse of :func:`process_node` and its links)."""
    p, template, link = links.process, links.template, links.link
    source = Provenance(
        file=str(p.get("file") or ""), page=p.get("page"), paragraph=p.get("paragraph"), cell=str(p.get("cell") or "")
    )
    candidates = json.loads(p.get("candidates") or "[]")
    return ProcessMapping(
        id=str(p["id"]),
        name=str(p["name"]),
        extracted_name=str(p.get("extracted_name") or p["name"]),
        stage=str(p.get("stage") or ""),
        description=str(p.get("description") or ""),
        order=int(p.get("step") or 0),
        source=source,
        status="matched" if template is not None else "new",
        template_id=str(template["id"]) if template is not None else None,
        template_name=str(template.get("name", "")) if template is not None else "",
        matches=[ProcessMatch.model_validate(c) for c in candidates],
        candidate_risks=[
            RiskProposal(
                id=str(c.risk["id"]),
                name=str(c.risk.get("name", "")),
                category=str(c.risk.get("category", "")),
                score=c.score or 0.0,
                evidence=_split(c.reason),
            )
            for c in links.risks
        ],
        score=link.get("score"),
        evidence=_split(link.get("reason")),
        decided_by="expert" if p.get("decided_by") == "expert" else "matcher",
        confirmed=bool(p.get("confirmed")),
        confirmed_by=str(p.get("confirmed_by") or ""),
        confirmed_at=str(p.get("confirmed_at") or ""),
    )
