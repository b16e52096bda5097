"""Domain models to wire models and back: the one place the HTTP API converts between them.

The routes declare the models of :mod:`api.contracts` as their bodies and responses; the layers below
(retrieval, scoring, ingestion, :mod:`api.services`) take and return their own models. The two are field
for field the same (``tests/api/test_contracts.py`` holds each pair to one JSON schema), so a conversion
is a dump and a validation: :func:`to_wire` for results, the ``*_in`` functions for request bodies.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from pydantic import BaseModel

from api.contracts import change, enterprises, records
from api.services import enterprises as enterprise_service
from retrieval.change import inputs
from scoring import schemas

__all__ = [
    "batch_in",
    "change_scenario_in",
    "confirmation_in",
    "gap_scenario_in",
    "record_in",
    "to_wire",
    "to_wire_list",
]

M = TypeVar("M", bound=BaseModel)


def _convert(obj: BaseModel, model: type[M]) -> M:
    return model.model_validate(obj.model_dump(mode="python"))


def to_wire(obj: BaseModel, model: type[M]) -> M:
    """A domain result as its wire model ``model`` (of :mod:`api.contracts`)."""
    return _convert(obj, model)


def to_wire_list(objs: Iterable[BaseModel], model: type[M]) -> list[M]:
    """Domain results as wire models ``model``, in order."""
    return [_convert(o, model) for o in objs]


def change_scenario_in(body: change.ChangeScenario) -> inputs.ChangeScenario:
    """A change scenario of a request as the change pipeline takes it."""
    return _convert(body, inputs.ChangeScenario)


def gap_scenario_in(body: change.GapScenario) -> inputs.GapScenario:
    """A gap scenario of a request as the gap analysis takes it."""
    return _convert(body, inputs.GapScenario)


def confirmation_in(body: enterprises.MappingConfirmation) -> enterprise_service.MappingConfirmation:
    """An expert's confirmation of a request as the enterprise service takes it."""
    return _convert(body, enterprise_service.MappingConfirmation)


def record_in(body: records.RecordIn) -> schemas.RecordIn:
    """An inspection record of a request as the records service takes it."""
    return _convert(body, schemas.RecordIn)


def batch_in(body: records.BatchIn) -> schemas.BatchIn:
    """An offline batch of a request as the records service takes it."""
    return _convert(body, schemas.BatchIn)
