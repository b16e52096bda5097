"""The national catalogues as facts: their YAML schema, loader and the lookups the reasoning uses.

The files under ``regulations_corpus/catalogues/`` hold what the catalogues state — names, aliases, CAS
numbers, classes, thresholds — never their prose; each file's ``catalogue:`` header records the edition,
the official count, the coverage held and the public copies the facts were taken from (and cross-checked
against). Lists published inside statute texts (易制毒化学品的分类和品种目录, 国家危险废物名录) are read from
those texts at run time by :mod:`ingestion.catalogue_texts`.

Files and their lists::

    hazardous_chemicals.yaml      entries: ChemicalEntry          危险化学品目录（2015版） + 分类信息表 classes, 剧毒
    explosive_precursors.yaml     entries: ListedSubstance         易制爆危险化学品名录（2017年版）
    key_supervised_chemicals.yaml entries: ListedSubstance         重点监管的危险化学品名录
    highly_toxic.yaml             entries: ListedSubstance         高毒物品目录（2003年版）
    major_hazard_thresholds.yaml  entries: ThresholdSubstance      GB 18218-2018 表1; class_thresholds: 表2
    key_supervised_processes.yaml entries: KeyProcessEntry         重点监管危险化工工艺
    special_equipment.yaml        entries: EquipmentEntry          特种设备目录 with the parameter criteria
    occupational_hazards.yaml     entries: HazardFactorEntry       职业病危害因素分类目录
    major_accident_hazards.yaml   entries: AccidentHazardEntry     工贸企业重大事故隐患判定标准
    combustible_dusts.yaml        entries: CombustibleDust         工贸行业重点可燃性粉尘目录（2015版）
    confined_spaces.yaml          entries: ConfinedSpaceType       有限空间的类型（有限空间作业安全指导手册）

A malformed file fails loading with its path and the line of the offending entry (:class:`CorpusError`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kg.corpus import LineLoader, strip_lines
from kg.errors import CorpusError

__all__ = [
    "CATALOGUE_FILES",
    "AccidentHazardEntry",
    "CatalogueInfo",
    "CatalogueSet",
    "ChemicalEntry",
    "ClassThreshold",
    "CombustibleDust",
    "ConfinedSpaceType",
    "EquipmentCriterion",
    "EquipmentEntry",
    "HazardFactorEntry",
    "KeyProcessEntry",
    "ListedSubstance",
    "ParameterThreshold",
    "SubstanceFacts",
    "ThresholdSubstance",
    "WasteSourceEntry",
    "cas_is_valid",
    "load_catalogues",
    "name_key",
]

_CAS = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")


def cas_is_valid(cas: str) -> bool:
    """Whether a CAS registry number is well formed and its check digit right."""
    m = _CAS.match(cas)
    if m is None:
        return False
    digits = (m.group(1) + m.group(2))[::-1]
    return sum((i + 1) * int(d) for i, d in enumerate(digits)) % 10 == int(m.group(3))


def name_key(name: str) -> str:
    """A name as compared: NFKC, case-folded, without spaces and brackets' content kept (only the brackets
    themselves are unified), so 1,2-二氯乙烷 and １，２－二氯乙烷 meet."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return re.sub(r"\s+", "", text).replace("［", "[").replace("］", "]")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("cas", mode="before", check_fields=False)
    @classmethod
    def _several_cas(cls, value: object) -> object:
        """An entry may list several CAS numbers; they are kept as one string separated by ；."""
        return "；".join(str(v) for v in value) if isinstance(value, list) else value


class CatalogueSource(BaseModel):
    """Where the facts were taken from, or checked against."""

    model_config = ConfigDict(extra="allow", frozen=True)

    role: str = Field(description="primary, cross_check, or what the source was used for")
    repo: str | None = None
    path: str | None = None
    commit: str | None = None
    url: str | list[str] | None = None
    note: str = ""


class CatalogueInfo(BaseModel):
    """A catalogue's header: what it is, which edition, how much of it is held, from where."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    title: str
    authority: str
    edition: str
    effective: str
    expected_count: int = Field(ge=1)
    coverage: int = Field(ge=0)
    coverage_note: str = ""
    sources: list[CatalogueSource] = Field(min_length=1)

    @property
    def complete(self) -> bool:
        """Whether every entry of the official list is held."""
        return self.coverage >= self.expected_count


class ChemicalEntry(_Model):
    """An entry of 危险化学品目录（2015版）: name, aliases, CAS, hazard classes (分类信息表), 剧毒."""

    no: int | None = None
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    cas: str | None = None
    hazards: list[tuple[str, str]] = Field(default_factory=list, description="(class, category) pairs")
    toxic: bool = False
    variants: list[str] = Field(default_factory=list, description="Other rows of the entry (concentrations …)")


class ListedSubstance(_Model):
    """An entry of a list of substances (易制爆, 重点监管, 高毒)."""

    no: int | str | None = None
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    cas: str | None = None
    group: str = ""
    batch: int | None = None
    hc_no: int | None = None
    variants: list[str] = Field(default_factory=list)


class ThresholdSubstance(_Model):
    """GB 18218-2018 表1: a named substance and its critical quantity (t)."""

    no: int
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    cas: str | None = None
    threshold_t: float = Field(gt=0)


class ClassThreshold(_Model):
    """GB 18218-2018 表2: the critical quantity of a hazard class and category."""

    code: str
    hazards: list[tuple[str, str]] = Field(min_length=1)
    condition: str | None = None
    threshold_t: float = Field(gt=0)


class KeyProcessEntry(_Model):
    """An entry of 重点监管危险化工工艺."""

    no: int
    batch: int
    name: str = Field(min_length=1)
    reaction_class: str | None = None
    key_units: list[str] | None = None
    reaction_types: list[str] | None = None
    key_parameters: list[str] | None = None
    basic_controls: list[str] | None = None
    basic_controls_complete: bool | None = None


class ParameterThreshold(_Model):
    """One parameter bound of a 特种设备目录 definition, e.g. 额定起重量 >= 3 t."""

    parameter: str
    op: Literal[">=", ">", "<=", "<"]
    value: float
    unit: str

    def holds(self, value: float) -> bool:
        """Whether a measured value meets the bound (in this unit)."""
        return {">=": value >= self.value, ">": value > self.value, "<=": value <= self.value}.get(
            self.op, value < self.value
        )


class EquipmentExclusion(_Model):
    """A case a definition leaves out (e.g. some pipelines), with its own bounds if any."""

    applies_to: str = ""
    all_of: list[ParameterThreshold] = Field(default_factory=list)


class EquipmentCriterion(_Model):
    """An alternative of a 种类's definition: all its bounds must hold."""

    applies_to: str = ""
    media: list[str] = Field(default_factory=list, description="What it must contain, where the definition says")
    all_of: list[ParameterThreshold] = Field(default_factory=list)
    except_when: list[EquipmentExclusion] = Field(default_factory=list)


class EquipmentEntry(_Model):
    """An entry of 特种设备目录 (种类 / 类别 / 品种) with its code and, on a 种类, the criteria."""

    code: str = Field(pattern=r"^[0-9A-F][0-9A-Z]{3}$")
    name: str = Field(min_length=1)
    parent: str | None = None
    level: Literal["种类", "类别", "品种"]
    aliases: list[str] = Field(default_factory=list)
    criteria: list[EquipmentCriterion] = Field(default_factory=list)
    criteria_note: str | None = None
    note: str = ""


class HazardFactorEntry(_Model):
    """An entry of 职业病危害因素分类目录."""

    category: Literal["粉尘", "化学因素", "物理因素", "放射性因素", "生物因素", "其他因素"]
    no: int
    name: str = Field(min_length=1)
    short_name: str | None = None
    qualifier: str | None = None
    aliases: list[str] = Field(default_factory=list)
    cas: str | None = None
    cas_basis: str | None = None
    remark: str | None = None


class AccidentHazardEntry(_Model):
    """A criterion of 工贸企业重大事故隐患判定标准: its article and item, our short topic, trigger facts."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str
    sector: str
    article: int = Field(ge=1)
    item: int = Field(ge=1)
    topic: str = Field(min_length=1, max_length=40)
    triggers: list[str] = Field(default_factory=list)
    thresholds: list[ParameterThreshold] = Field(default_factory=list)
    kind: str = Field(default="", alias="class")
    domain: str = ""


#: a measured value as the 目录 prints it: a number, or a bound such as ``<2`` or ``>450``
DustValue = float | str

_BOUND = re.compile(r"^[<>≤≥]\s*\d+(\.\d+)?$")


class CombustibleDust(_Model):
    """An entry of 工贸行业重点可燃性粉尘目录（2015版）: a dust, its industry group, its explosion parameters
    and its 爆炸危险性级别. A parameter the 目录 gives as a bound (最小点火能 ``<2``) is kept as that string;
    one not held is ``None``."""

    no: int | None = None
    name: str = Field(min_length=1)
    group: str = Field(min_length=1, description="The industry group as the 目录 writes it (金属制品加工 …)")
    aliases: list[str] = Field(default_factory=list)
    median_um: DustValue | None = Field(default=None, description="中位径, μm")
    lel_g_m3: DustValue | None = Field(default=None, description="爆炸下限, g/m³")
    mie_mj: DustValue | None = Field(default=None, description="最小点火能, mJ")
    pmax_mpa: DustValue | None = Field(default=None, description="最大爆炸压力, MPa")
    kst_mpa_m_s: DustValue | None = Field(default=None, description="爆炸指数, MPa·m/s")
    cloud_ignition_c: DustValue | None = Field(default=None, description="粉尘云引燃温度, ℃")
    layer_ignition_c: DustValue | None = Field(default=None, description="粉尘层引燃温度, ℃")
    risk_level: Literal["高", "较高"] | None = None

    @field_validator(
        "median_um", "lel_g_m3", "mie_mj", "pmax_mpa", "kst_mpa_m_s", "cloud_ignition_c", "layer_ignition_c"
    )
    @classmethod
    def _number_or_bound(cls, value: DustValue | None) -> DustValue | None:
        if isinstance(value, str) and _BOUND.match(value.strip()) is None:
            raise ValueError(f"expected a number or a bound such as '<2', got {value!r}")
        return value.strip() if isinstance(value, str) else value


class ConfinedSpaceType(_Model):
    """A type of 有限空间 of 有限空间作业安全指导手册 (贮罐, 污水池（井）, 粮仓、料仓 …), its group (密闭设备,
    地下有限空间, 地上有限空间), how plant texts write it (``terms``), the head words a name of it ends in
    (厌氧罐 of 罐: ``heads``) and the words with such a head that are not of it (电池, 仓库: ``not``)."""

    name: str = Field(min_length=1)
    kind: Literal["密闭设备", "地下有限空间", "地上有限空间"]
    terms: list[str] = Field(min_length=1)
    heads: list[str] = Field(default_factory=list)
    not_: list[str] = Field(default_factory=list, alias="not")


class WasteSourceEntry(_Model):
    """A row of 国家危险废物名录 by what makes its waste: the activities (镀镍; 喷漆、上漆), the materials used in
    them (使用油漆、有机溶剂进行…) and those the row leaves out (不包括水性漆), each a word the row writes."""

    code: str = Field(pattern=r"^\d{3}-\d{3}-\d{2}$")
    activities: list[str] = Field(min_length=1)
    agents: list[str] = Field(default_factory=list)
    excluded: list[str] = Field(default_factory=list)


#: file stem -> (entry model, extra lists of the file with their models)
CATALOGUE_FILES: dict[str, tuple[type[_Model], dict[str, type[_Model]]]] = {
    "hazardous_chemicals": (ChemicalEntry, {}),
    "explosive_precursors": (ListedSubstance, {}),
    "key_supervised_chemicals": (ListedSubstance, {}),
    "highly_toxic": (ListedSubstance, {}),
    "major_hazard_thresholds": (ThresholdSubstance, {"class_thresholds": ClassThreshold}),
    "key_supervised_processes": (KeyProcessEntry, {}),
    "special_equipment": (EquipmentEntry, {}),
    "occupational_hazards": (HazardFactorEntry, {}),
    "major_accident_hazards": (AccidentHazardEntry, {}),
    "combustible_dusts": (CombustibleDust, {}),
    "confined_spaces": (ConfinedSpaceType, {}),
    "waste_sources": (WasteSourceEntry, {}),
}


def _validated(path: Path, raw: Any, model: type[BaseModel], what: str) -> Any:
    line = raw.get("__line__", 0) if isinstance(raw, dict) else 0
    try:
        return model.model_validate(strip_lines(raw))
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise CorpusError(f"{path}:{line}: {what} {loc}: {first['msg']}") from e


def _read(path: Path) -> tuple[CatalogueInfo, dict[str, list[Any]]]:
    try:
        return _parse(path, yaml.load(path.read_text(encoding="utf-8"), Loader=_FAST))  # noqa: S506
    except (CorpusError, yaml.YAMLError, OSError, UnicodeDecodeError):
        pass  # parse again, slowly, to name the line of the problem
    return _parse(path, _load_with_lines(path))


#: libyaml's loader where PyYAML has it (the large catalogue parses several times faster)
_FAST: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_with_lines(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=LineLoader)  # noqa: S506
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        line = mark.line + 1 if mark is not None else 0
        raise CorpusError(f"{path}:{line}: malformed YAML: {e.problem}") from e
    except (OSError, UnicodeDecodeError) as e:
        raise CorpusError(f"{path}: cannot read: {e}") from e


def _parse(path: Path, doc: Any) -> tuple[CatalogueInfo, dict[str, list[Any]]]:
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list) or "catalogue" not in doc:
        raise CorpusError(f"{path}:1: expected a mapping with a 'catalogue' header and a list under 'entries'")
    info = _validated(path, doc["catalogue"], CatalogueInfo, "catalogue")
    if info.id != path.stem:
        raise CorpusError(f"{path}:1: catalogue id {info.id!r} differs from the file name")
    model, extra = CATALOGUE_FILES[path.stem]
    lists = {"entries": [_validated(path, raw, model, model.__name__) for raw in doc["entries"]]}
    for key, extra_model in extra.items():
        lists[key] = [_validated(path, raw, extra_model, extra_model.__name__) for raw in doc.get(key) or []]
    warnings: list[str] = []
    for entry, raw in zip(lists["entries"], doc["entries"], strict=True):
        for one in _cas_numbers(getattr(entry, "cas", None)):
            if _CAS.match(one) is None:
                raise CorpusError(f"{path}:{raw.get('__line__', 0)}: malformed CAS number {one!r}")
            if not cas_is_valid(one):  # as the official list prints it; reported, not corrected
                warnings.append(f"{path.name}: {getattr(entry, 'name', '')}: CAS number {one} fails its check digit")
    lists["warnings"] = warnings
    if len(lists["entries"]) != info.coverage:
        raise CorpusError(f"{path}:1: coverage says {info.coverage} entries, the file holds {len(lists['entries'])}")
    return info, lists


def _cas_numbers(cas: str | None) -> list[str]:
    """The CAS numbers of an entry (an entry may give several, separated by ；)."""
    return [c.strip() for c in re.split(r"[；;,，]", cas)] if cas else []


@dataclass(frozen=True)
class SubstanceFacts:
    """What the catalogues say of one substance, merged over the lists that name it."""

    name: str
    cas: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    hazards: tuple[tuple[str, str], ...] = ()
    listed: bool = False  # in 危险化学品目录（2015版）
    toxic: bool = False  # 剧毒
    explosive_precursor: bool = False  # 易制爆
    key_supervised: bool = False  # 重点监管
    highly_toxic: bool = False  # 高毒
    drug_precursor: str = ""  # 易制毒: 第一类 / 第二类 / 第三类
    threshold_t: float | None = None  # GB 18218 表1 临界量
    threshold_entry: str = ""  # the 表1 entry it is the 临界量 of
    occupational: tuple[str, ...] = ()  # 职业病危害因素 categories
    sources: tuple[str, ...] = ()  # catalogue ids that name it

    @property
    def flags(self) -> list[str]:
        """The catalogue classes that apply, in Chinese."""
        named = [
            ("危险化学品", self.listed),
            ("剧毒化学品", self.toxic),
            ("易制爆", self.explosive_precursor),
            (f"易制毒（{self.drug_precursor}）", bool(self.drug_precursor)),
            ("重点监管危险化学品", self.key_supervised),
            ("高毒物品", self.highly_toxic),
        ]
        return [label for label, on in named if on] + [f"职业病危害因素（{c}）" for c in self.occupational]


@dataclass
class CatalogueSet:
    """Every catalogue loaded, with lookups by name, alias and CAS number."""

    infos: dict[str, CatalogueInfo] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    chemicals: list[ChemicalEntry] = field(default_factory=list)
    explosive_precursors: list[ListedSubstance] = field(default_factory=list)
    key_supervised: list[ListedSubstance] = field(default_factory=list)
    highly_toxic: list[ListedSubstance] = field(default_factory=list)
    thresholds: list[ThresholdSubstance] = field(default_factory=list)
    class_thresholds: list[ClassThreshold] = field(default_factory=list)
    key_processes: list[KeyProcessEntry] = field(default_factory=list)
    equipment: list[EquipmentEntry] = field(default_factory=list)
    hazard_factors: list[HazardFactorEntry] = field(default_factory=list)
    accident_hazards: list[AccidentHazardEntry] = field(default_factory=list)
    combustible_dusts: list[CombustibleDust] = field(default_factory=list)
    confined_spaces: list[ConfinedSpaceType] = field(default_factory=list)
    waste_sources: list[WasteSourceEntry] = field(default_factory=list)
    drug_precursors: dict[str, str] = field(default_factory=dict)  # name -> 第一类/第二类/第三类
    _by_name: dict[str, SubstanceFacts] = field(default_factory=dict, repr=False)
    _by_cas: dict[str, SubstanceFacts] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        """Merge the lists into one fact record per substance.

        An entry joins an existing record by its name or an alias (compared by :func:`name_key`), else by
        its name without a bracketed qualifier, else by its CAS number when that number belongs to one
        record only: entries of one CAS number that the 目录 lists apart (盐酸 and 氯化氢[无水]) stay apart.
        """
        records: list[dict[str, Any]] = []
        by_name: dict[str, int] = {}
        by_base: dict[str, list[int]] = {}
        by_cas: dict[str, list[int]] = {}

        def find(names: list[str], numbers: list[str], *, loose: bool, by_number: bool) -> int | None:
            for n in names:
                if name_key(n) in by_name:
                    return by_name[name_key(n)]
            for n in names if loose else ():
                if len(hits := by_base.get(_base(n), [])) == 1:
                    return hits[0]
            # a qualified threshold entry (甲醛(含量>90%)) does not take over an entry of its CAS number
            # (甲醛溶液), unless both name the same substance in another state (氧(压缩的或液化的), 氧[…])
            unqualified = _base(names[0]) == name_key(names[0])
            for c in numbers if by_number else ():
                if len(hits := by_cas.get(c, [])) == 1 and (
                    loose or unqualified or _base(records[hits[0]]["name"]) == _base(names[0])
                ):
                    return hits[0]
            return None

        def record(
            name: str,
            cas: str | None,
            aliases: Iterable[str],
            source: str,
            *,
            loose: bool = True,
            by_number: bool = True,
        ) -> dict[str, Any]:
            numbers, names = _cas_numbers(cas), [name, *aliases]
            index = find(names, numbers, loose=loose, by_number=by_number)
            if index is None:
                index = len(records)
                records.append({"name": name, "cas": [], "aliases": [], "sources": []})
            rec = records[index]
            for c in numbers:
                if c not in rec["cas"]:
                    rec["cas"].append(c)
                    by_cas.setdefault(c, []).append(index)
            for n in names:
                by_name.setdefault(name_key(n), index)
                if index not in by_base.setdefault(_base(n), []):
                    by_base[_base(n)].append(index)
                if n != rec["name"] and n not in rec["aliases"]:
                    rec["aliases"].append(n)
            if source not in rec["sources"]:
                rec["sources"].append(source)
            return rec

        for c in self.chemicals:  # each entry of the 目录 is its own record (氢氟酸 beside 氟化氢[无水])
            rec = record(c.name, c.cas, [*c.aliases, *c.variants], "hazardous_chemicals", loose=False, by_number=False)
            rec["listed"] = True
            rec["toxic"] = rec.get("toxic", False) or c.toxic
            rec["hazards"] = list(dict.fromkeys([*rec.get("hazards", []), *c.hazards]))
        for flag, entries, source in (
            ("explosive_precursor", self.explosive_precursors, "explosive_precursors"),
            ("key_supervised", self.key_supervised, "key_supervised_chemicals"),
            ("highly_toxic", self.highly_toxic, "highly_toxic"),
        ):
            for s in entries:
                record(s.name, s.cas, [*s.aliases, *s.variants], source)[flag] = True
        for t in self.thresholds:  # a 临界量 belongs to the entry named (甲醛(含量>90%) is not 甲醛溶液)
            rec = record(t.name, t.cas, t.aliases, "major_hazard_thresholds", loose=False)
            if rec.get("threshold_t") is None or t.threshold_t < rec["threshold_t"]:
                rec["threshold_t"], rec["threshold_entry"] = t.threshold_t, t.name
        for name, klass in self.drug_precursors.items():
            record(name, None, [], "drug_precursors")["drug_precursor"] = klass
        for h in self.hazard_factors:
            if h.category in ("粉尘", "化学因素"):
                aliases = [h.short_name, *h.aliases] if h.short_name else list(h.aliases)
                element = _ELEMENT_GROUP.match(h.name)
                if element is not None:
                    # 铅及其化合物 is the element in any form: its fume and dust (铅烟, 铅尘), a material containing it
                    x = element.group(1)
                    aliases += [f"{x}烟", f"{x}尘", f"含{x}", f"{x}化合物"]
                # a factor is often a group (锰及其化合物): a group joins a substance by name only, a single
                # substance (二甲苯, CAS 1330-20-7) also by its CAS number
                group = any(w in h.name for w in _GROUP_WORDS)
                rec = record(h.name, h.cas, aliases, "occupational_hazards", loose=False, by_number=not group)
                rec["occupational"] = list(dict.fromkeys([*rec.get("occupational", []), h.category]))
        for rec in records:
            if rec.get("threshold_t") is None and rec.get("hazards"):
                found = class_threshold(rec["hazards"], self.class_thresholds)
                if found is not None:
                    rec["threshold_t"], rec["threshold_entry"] = found[1], f"表2 {found[0]}"
        facts = [_facts(rec) for rec in records]
        self._by_name = {k: facts[i] for k, i in by_name.items()}
        self._by_cas = {c: facts[ids[0]] for c, ids in by_cas.items()}

    def substance(self, name_or_cas: str) -> SubstanceFacts | None:
        """The facts of a substance named exactly (after :func:`name_key`) or by its CAS number."""
        text = name_or_cas.strip()
        if _CAS.match(text):
            return self._by_cas.get(text)
        return self._by_name.get(name_key(text))

    def substance_names(self) -> Iterator[tuple[str, SubstanceFacts]]:
        """Every name and alias (as compared) with its substance."""
        yield from self._by_name.items()

    def combustible_dust(self, name: str) -> CombustibleDust | None:
        """A 可燃性粉尘目录 entry named exactly, or by an alias (both compared by :func:`name_key`)."""
        key = name_key(name.strip())
        return next((d for d in self.combustible_dusts if key in {name_key(n) for n in (d.name, *d.aliases)}), None)

    def equipment_class(self, code: str) -> EquipmentEntry | None:
        """A 特种设备目录 entry by its code."""
        return next((e for e in self.equipment if e.code == code), None)

    def equipment_kind(self, entry: EquipmentEntry) -> EquipmentEntry:
        """The 种类 an entry belongs to (itself for a 种类)."""
        seen = entry
        while seen.parent is not None:
            parent = self.equipment_class(seen.parent)
            if parent is None:
                break
            seen = parent
        return seen


_QUALIFIER = re.compile(r"[\[(（［][^\])）］]*[\])）］]")


#: A factor named for one element and its compounds (铅及其化合物, 锰及其化合物, 镉及其化合物).
_ELEMENT_GROUP = re.compile(r"^(\w)及其化合物")
#: Words that make a 职业病危害因素 a group of substances rather than one (锰及其化合物, 铅尘, 苯系物).
_GROUP_WORDS = ("及其", "化合物", "类", "粉尘", "尘", "烟", "混合物", "系物")
#: 表2 rows whose condition is the general case (not a special process or working temperature above boiling)
_GENERAL_CONDITIONS = ("不属于W5.1或W5.2",)


def class_threshold(hazards: Sequence[tuple[str, str]], rows: Sequence[ClassThreshold]) -> tuple[str, float] | None:
    """GB 18218-2018 表2's 临界量 of a substance 表1 does not name, from its hazard classes: the least quantity
    of the rows its classes and state meet. A row with a condition the facts cannot decide (W5.1's working
    temperature above boiling for 易燃液体 2/3, W5.2's special process conditions) is not taken, so the
    general row (W5.3, W5.4) decides; 急性毒性 rows go by state, a gas being a substance classed 加压气体.
    """
    gas = any(c.startswith("加压气体") for c, _ in hazards)
    best: tuple[str, float] | None = None
    for row in rows:
        condition = row.condition or ""
        if row.code.startswith("J"):
            if ("气体" in condition) != gas or "吸入途径" in condition:
                continue
        elif condition and condition not in _GENERAL_CONDITIONS and not condition.startswith("按净重"):
            if row.code != "W5.1":
                continue
        for cls, cat in row.hazards:
            category = cat.removesuffix("项").removesuffix("型")
            if row.code == "W5.1" and category != "1":
                continue  # 类别2和3 only above their boiling point
            if any(h.startswith(cls) and c.lstrip().startswith(category) for h, c in hazards):
                if best is None or row.threshold_t < best[1]:
                    best = (row.code, row.threshold_t)
                break
    return best


def _base(name: str) -> str:
    """A name without its bracketed qualifiers (浓度, 状态 …), as compared."""
    return name_key(_QUALIFIER.sub("", name)) or name_key(name)


def _facts(rec: dict[str, Any]) -> SubstanceFacts:
    return SubstanceFacts(
        name=rec["name"],
        cas=tuple(rec["cas"]),
        aliases=tuple(rec["aliases"]),
        hazards=tuple((str(h[0]), str(h[1])) for h in rec.get("hazards", [])),
        listed=rec.get("listed", False),
        toxic=rec.get("toxic", False),
        explosive_precursor=rec.get("explosive_precursor", False),
        key_supervised=rec.get("key_supervised", False),
        highly_toxic=rec.get("highly_toxic", False),
        drug_precursor=rec.get("drug_precursor", ""),
        threshold_t=rec.get("threshold_t"),
        threshold_entry=rec.get("threshold_entry", ""),
        occupational=tuple(rec.get("occupational", [])),
        sources=tuple(rec["sources"]),
    )


def load_catalogues(folder: Path, *, drug_precursors: dict[str, str] | None = None) -> CatalogueSet:
    """Load and validate every catalogue file under ``folder``.

    Args:
        folder: ``regulations_corpus/catalogues``.
        drug_precursors: 易制毒 names → class, read from 易制毒化学品管理条例's 附表 by the caller.

    Raises:
        CorpusError: a missing folder, an unknown or malformed file, naming the file and line.
    """
    if not folder.is_dir():
        raise CorpusError(f"{folder}: catalogue folder not found")
    loaded: dict[str, tuple[CatalogueInfo, dict[str, list[Any]]]] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.stem not in CATALOGUE_FILES:
            raise CorpusError(f"{path}:1: unknown catalogue file (expected one of {sorted(CATALOGUE_FILES)})")
        loaded[path.stem] = _read(path)

    def entries(stem: str, key: str = "entries") -> list[Any]:
        return loaded[stem][1].get(key, []) if stem in loaded else []

    return CatalogueSet(
        infos={stem: info for stem, (info, _) in loaded.items()},
        warnings=[w for _, lists in loaded.values() for w in lists["warnings"]],
        chemicals=entries("hazardous_chemicals"),
        explosive_precursors=entries("explosive_precursors"),
        key_supervised=entries("key_supervised_chemicals"),
        highly_toxic=entries("highly_toxic"),
        thresholds=entries("major_hazard_thresholds"),
        class_thresholds=entries("major_hazard_thresholds", "class_thresholds"),
        key_processes=entries("key_supervised_processes"),
        equipment=entries("special_equipment"),
        hazard_factors=entries("occupational_hazards"),
        accident_hazards=entries("major_accident_hazards"),
        combustible_dusts=entries("combustible_dusts"),
        confined_spaces=entries("confined_spaces"),
        waste_sources=entries("waste_sources"),
        drug_precursors=dict(drug_precursors or {}),
    )
