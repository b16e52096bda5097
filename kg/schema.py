"""The graph schema: typed properties per node label and the endpoints of each relationship type.

LadybugDB declares typed tables up front; Neo4j only needs the unique constraints on ``id``. Both
backends derive what they need from this module, so a new property is added in ``kg.models`` once.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from kg.models import NODE_TYPES, Label, Node, Rel

__all__ = ["REL_ENDPOINTS", "REL_EXTRA_PROPERTIES", "REL_PROPERTIES", "node_columns", "rel_endpoints", "rel_properties"]

#: Allowed (source label, target label) pairs of each relationship type.
REL_ENDPOINTS: dict[Rel, tuple[tuple[Label, Label], ...]] = {
    Rel.HAS_STAGE: ((Label.SECTOR, Label.STAGE),),
    Rel.HAS_PROCESS: ((Label.STAGE, Label.PROCESS), (Label.ENTERPRISE, Label.ENTERPRISE_PROCESS)),
    # from an enterprise's process: its candidate risks while no template fits (score, evidence as reason)
    Rel.HAS_RISK: ((Label.PROCESS, Label.RISK), (Label.ENTERPRISE_PROCESS, Label.RISK)),
    Rel.GOVERNED_BY: ((Label.RISK, Label.OBLIGATION), (Label.HAZARD_CLASS, Label.OBLIGATION)),
    Rel.DERIVED_FROM: ((Label.OBLIGATION, Label.CLAUSE),),
    Rel.PENALIZED_BY: ((Label.OBLIGATION, Label.CLAUSE),),
    Rel.PART_OF: (
        (Label.CLAUSE, Label.REGULATION),
        (Label.CLAUSE, Label.CLAUSE),
        (Label.LIMIT_VALUE, Label.CLAUSE),
        (Label.EQUIPMENT_CLASS, Label.EQUIPMENT_CLASS),
    ),
    Rel.MEASURES: ((Label.INDICATOR, Label.RISK), (Label.INDICATOR, Label.OBLIGATION)),
    Rel.CITES: ((Label.INDICATOR, Label.CLAUSE),),
    Rel.ASSIGNED_TO: ((Label.INDICATOR, Label.POSITION), (Label.INDICATOR, Label.DEPARTMENT)),
    Rel.REPLACED_BY: ((Label.REGULATION, Label.REGULATION),),
    Rel.SUCCEEDED_BY: ((Label.CLAUSE, Label.CLAUSE),),
    Rel.ADDRESSES: ((Label.TRAINING_COURSE, Label.RISK),),
    Rel.INSTANTIATES: ((Label.ENTERPRISE_PROCESS, Label.PROCESS),),
    Rel.HAS_DEPARTMENT: ((Label.ENTERPRISE, Label.DEPARTMENT),),
    Rel.HAS_POSITION: ((Label.DEPARTMENT, Label.POSITION),),
    Rel.MATCHES: ((Label.OBLIGATION, Label.OBLIGATION),),
    Rel.RELATES_TO: ((Label.OBLIGATION, Label.RISK), (Label.OBLIGATION, Label.PROCESS)),
    Rel.HAS_VERSION: ((Label.ENTERPRISE, Label.ENTERPRISE_VERSION),),
    # a class of catalogue fact → the risks it brings (reason: the context, '' anywhere, 储存, 使用, 特种设备)
    Rel.TRIGGERS: ((Label.HAZARD_CLASS, Label.RISK),),
    # a catalogue entry → the class of fact it belongs to (reason: the fact, e.g. 危险化学品分类信息表 易燃液体 类别2)
    Rel.IN_CLASS: (
        (Label.SUBSTANCE, Label.HAZARD_CLASS),
        (Label.EQUIPMENT_CLASS, Label.HAZARD_CLASS),
        (Label.HAZARD_FACTOR, Label.HAZARD_CLASS),
        (Label.WASTE_CODE, Label.HAZARD_CLASS),
    ),
}

#: Properties every relationship may carry: a score and the reason (provenance of the link).
REL_PROPERTIES: dict[str, str] = {"score": "DOUBLE", "reason": "STRING", "source": "STRING"}

#: Properties only some relationship types carry: an expert's confirmation of a process mapping.
REL_EXTRA_PROPERTIES: dict[Rel, dict[str, str]] = {
    Rel.INSTANTIATES: {"confirmed": "BOOLEAN", "confirmed_by": "STRING", "confirmed_at": "STRING"},
}

_SCALARS: dict[type, str] = {str: "STRING", int: "INT64", float: "DOUBLE", bool: "BOOLEAN"}


def _column_type(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return _column_type(inner[0])
    if origin is Literal:
        return "STRING"
    if origin is list:
        return f"{_column_type(get_args(annotation)[0])}[]"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "STRING"  # stored as JSON
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    raise TypeError(f"no column type for {annotation!r}")


def node_columns(label: Label) -> dict[str, str]:
    """Column name -> LadybugDB type of a node label (``id`` first)."""
    model: type[Node] = NODE_TYPES[label]
    return {name: _column_type(info.annotation) for name, info in model.model_fields.items()}


def rel_properties(rel: Rel) -> dict[str, str]:
    """Property name -> LadybugDB type of a relationship type (the common ones first)."""
    return REL_PROPERTIES | REL_EXTRA_PROPERTIES.get(rel, {})


def rel_endpoints(rel: Rel) -> tuple[tuple[Label, Label], ...]:
    """The allowed endpoint label pairs of a relationship type."""
    return REL_ENDPOINTS[rel]
