"""Inputs of the change and gap pipelines: enterprise profile, current indicator set, change.

The models accept the records of ``../shared/evalsets`` (change and gap scenarios) as they are: unknown
fields (the gold answers among them) are ignored, so the same loader serves the API, JSON files and the
evaluation harness.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from kg.errors import ValidationFailedError

__all__ = [
    "CHANGE_TYPE_NAMES",
    "ChangeRequest",
    "ChangeScenario",
    "ChangeType",
    "CurrentIndicator",
    "EnterpriseProfile",
    "GapScenario",
    "LawArticle",
    "ProcessInput",
    "change_type_of",
    "load_json",
    "load_jsonl",
]

ChangeType = Literal["add_process", "new_material", "new_equipment", "expand", "regulation_change"]

# The Chinese names a change type is also accepted under: 安全生产法 第二十九条's 新工艺、新材料、新设备 (四新),
# 建设项目's 扩建 / 改扩建 and 扩产 for a scale-up, 法规变更 for a change of the law. The wire contract
# (api.contracts.change) states the same table; tests/api/test_contracts.py holds the two equal.
CHANGE_TYPE_NAMES: dict[str, tuple[str, ...]] = {
    "add_process": ("新增工序", "新增工艺", "新工艺", "新增生产线"),
    "new_material": ("新材料", "新物料", "原辅材料变更"),
    "new_equipment": ("新设备", "新增设备"),
    "expand": ("扩产", "扩建", "改扩建", "扩能"),
    "regulation_change": ("法规变更", "法规修订", "标准变更"),
}
_CHANGE_TYPE_OF = {name: key for key, names in CHANGE_TYPE_NAMES.items() for name in (key, *names)}
_CHANGE_TYPE_HELP = "；".join(f"{key}（{'/'.join(names)}）" for key, names in CHANGE_TYPE_NAMES.items())


def change_type_of(value: object) -> object:
    """A change type given in English or under one of its Chinese names, as its English value.

    Raises:
        ValueError: a string that is neither; the message lists both spellings of every type.
    """
    if not isinstance(value, str):
        return value
    key = _CHANGE_TYPE_OF.get(value.strip())
    if key is None:
        raise ValueError(f"unknown change type {value!r}: one of {_CHANGE_TYPE_HELP}")
    return key


class _Input(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class LawArticle(_Input):
    """An article reference: ``law`` is the statute file stem, ``article`` the N of 第N条."""

    law: str = Field(min_length=1)
    article: int = Field(ge=1)

    @property
    def key(self) -> str:
        """The article's clause id ``<law>#<article>``."""
        return f"{self.law}#{self.article}"


class ProcessInput(_Input):
    """A process of the enterprise as it describes it."""

    stage: str = ""
    name: str = Field(min_length=1)
    description: str = ""

    @property
    def text(self) -> str:
        """Name and description together, for matching."""
        return f"{self.name}：{self.description}"


class CurrentIndicator(_Input):
    """A row of the enterprise's current 考核细则."""

    name: str = Field(min_length=1)
    level: str = ""
    target: str = ""
    method: str = ""
    data_source: str = ""
    owner: str = ""
    cites: list[LawArticle] = Field(default_factory=list)


class EnterpriseProfile(_Input):
    """What the system knows of an enterprise."""

    sector: str = ""
    enterprise: str = Field(default="", description="Free-text description of the enterprise")
    processes: list[ProcessInput] = Field(default_factory=list)
    materials: list[str] = Field(default_factory=list)
    equipment: list[str] = Field(default_factory=list)
    headcount: int | None = None
    permit_class: str = Field(default="", description="重点管理 / 简化管理 / 登记管理, if known")

    @property
    def text(self) -> str:
        """All free text of the profile, for inferring conditions."""
        parts = [self.enterprise, *(p.text for p in self.processes), *self.materials, *self.equipment]
        parts.append(self.permit_class)
        return "\n".join(p for p in parts if p)


class ChangeRequest(_Input):
    """A change of the enterprise or of the law."""

    type: Annotated[ChangeType, BeforeValidator(change_type_of)] = Field(
        description="The kind of change, in English or Chinese: " + _CHANGE_TYPE_HELP
    )
    description: str = Field(min_length=1)
    process: ProcessInput | None = None

    @property
    def text(self) -> str:
        """The change description with its process, for matching."""
        return self.description + ("\n" + self.process.text if self.process else "")


class ChangeScenario(_Input):
    """An enterprise before a change, and the change (a ``change_*.jsonl`` record)."""

    id: str = "change"
    sector: str = ""
    enterprise: str = ""
    processes_before: list[ProcessInput] = Field(default_factory=list)
    change: ChangeRequest
    permit_class: str = ""

    def profile(self) -> EnterpriseProfile:
        """The enterprise after the change (its process added to the ones before)."""
        processes = list(self.processes_before)
        if self.change.process is not None:
            processes.append(self.change.process)
        return EnterpriseProfile(
            sector=self.sector, enterprise=self.enterprise, processes=processes, permit_class=self.permit_class
        )


class GapScenario(_Input):
    """Processes and the current indicator set of an enterprise (a ``gaps_*.jsonl`` record)."""

    id: str = "gaps"
    sector: str = ""
    enterprise: str = ""
    processes: list[ProcessInput] = Field(default_factory=list)
    indicators: list[CurrentIndicator] = Field(default_factory=list)
    permit_class: str = ""

    def profile(self) -> EnterpriseProfile:
        """The enterprise's profile."""
        return EnterpriseProfile(
            sector=self.sector, enterprise=self.enterprise, processes=self.processes, permit_class=self.permit_class
        )


M = TypeVar("M", bound=BaseModel)


def load_json(path: Path, model: type[M]) -> M:
    """Read one JSON object as ``model``.

    Raises:
        ValidationFailedError: the file cannot be read or does not fit the model.
    """
    try:
        return model.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, ValidationError) as e:
        raise ValidationFailedError(f"{path}: not a valid {model.__name__}: {e}") from e


def load_jsonl(path: Path, model: type[M]) -> list[M]:
    """Read a JSONL file, one ``model`` per non-empty line.

    Raises:
        ValidationFailedError: naming the file and line of the first bad record.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ValidationFailedError(f"{path}: cannot read: {e}") from e
    out: list[M] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            out.append(model.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as e:
            raise ValidationFailedError(f"{path}:{number}: not a valid {model.__name__}: {e}") from e
    return out
