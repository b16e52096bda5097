"""Which classes of catalogue fact (``regulations_corpus/hazards.yaml``) a catalogue entry belongs to.

One set of membership rules for the graph (``IN_CLASS`` edges from substances, equipment classes, hazard
factors and waste codes to their ``HazardClass``) and for reasoning over a text's mentions
(:mod:`retrieval.change.hazards`):

- 名录: the listings of a substance's facts (危险化学品目录, 剧毒, 易制爆, 易制毒, 高毒, 重点监管; 重大危险源 only for
  an amount at or above its GB 18218 临界量, which a mention carries and a catalogue entry does not);
- 危险性类别: a hazard class of the 分类信息表 named by ``match`` (a prefix: 急性毒性 holds 急性毒性-经口), in one of
  ``categories`` when given (by number, or by a qualifier such as 麻醉效应), with every class of ``all_of``, none
  of ``none_of``, and alone when ``alone``;
- 职业病危害因素: a factor's category or the start of its name;
- 特种设备: the entry's code, its 种类's or its 类别's;
- 危险废物: any 废物代码 (``HW``), or its class (HW08) or code (900-041-49);
- 阈值: a bound of the law on a count the facts give (``从业人员>100``: 安全生产法 第二十四条);
- 污染物: a pollutant's tags (废水, 第一类污染物, 酸雾), by the discharge standard that names it;
- 有限空间: a confined space's group (密闭设备, 地下有限空间, 地上有限空间) or its type (粮仓、料仓 …).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol, TypeVar

from kg.catalogues import SubstanceFacts

__all__ = [
    "ClassRule",
    "equipment_classes",
    "factor_classes",
    "listings",
    "pollutant_classes",
    "space_classes",
    "sum_classes",
    "substance_classes",
    "threshold_classes",
    "waste_classes",
]


class ClassRule(Protocol):
    """What a class of catalogue fact matches (a :class:`kg.corpus.HazardClassEntry` or its graph node)."""

    @property
    def kind(self) -> str: ...
    @property
    def match(self) -> Sequence[str]: ...
    @property
    def categories(self) -> Sequence[str]: ...
    @property
    def all_of(self) -> Sequence[str]: ...
    @property
    def none_of(self) -> Sequence[str]: ...
    @property
    def alone(self) -> bool: ...


R = TypeVar("R", bound=ClassRule)


def listings(facts: SubstanceFacts, amount_t: float | None = None) -> dict[str, str]:
    """The listings a substance is in, each with the catalogue that says so."""
    out = {
        "危险化学品": "危险化学品目录（2015版）" if facts.listed else "",
        "剧毒化学品": "危险化学品目录（2015版）剧毒" if facts.toxic else "",
        "易制爆": "易制爆危险化学品名录（2017年版）" if facts.explosive_precursor else "",
        "易制毒化学品": f"易制毒化学品 {facts.drug_precursor}" if facts.drug_precursor else "",
        "高毒物品": "高毒物品目录（2003年版）" if facts.highly_toxic else "",
        "重点监管危险化学品": "重点监管的危险化学品名录" if facts.key_supervised else "",
    }
    if amount_t is not None and facts.threshold_t is not None and amount_t >= facts.threshold_t:
        out["重大危险源"] = f"{amount_t:g}t ≥ GB 18218 临界量 {facts.threshold_t:g}t（{facts.threshold_entry}）"
    return {name: source for name, source in out.items() if source}


def substance_classes(
    facts: SubstanceFacts, rules: Iterable[R], *, amount_t: float | None = None
) -> Iterator[tuple[R, str]]:
    """The classes a substance belongs to, each with the catalogue fact that puts it there."""
    listed = listings(facts, amount_t)
    classes = {c for c, _ in facts.hazards}
    for rule in rules:
        if rule.kind == "名录":
            on = [name for name in rule.match if name in listed]
            if on:
                yield rule, listed[on[0]]
        elif rule.kind == "危险性类别":
            for hazard, category in facts.hazards:
                if not any(hazard.startswith(name) for name in rule.match):
                    continue
                if rule.categories and not any(_in_category(category, c) for c in rule.categories):
                    continue
                if not all(any(c.startswith(need) for c in classes) for need in rule.all_of):
                    continue
                if any(c.startswith(bar) for c in classes for bar in rule.none_of):
                    continue
                if rule.alone and len(classes) != 1:
                    continue
                yield (
                    rule,
                    f"危险化学品分类信息表 {hazard} 类别{category}" if category else f"危险化学品分类信息表 {hazard}",
                )
                break
        elif rule.kind == "职业病危害因素":
            by_name = any(facts.name.startswith(name) for name in rule.match)
            if by_name or any(c in rule.match for c in facts.occupational):
                yield rule, f"职业病危害因素分类目录 {'、'.join(facts.occupational)}"


def _in_category(category: str, wanted: str) -> bool:
    """A category by its number as a prefix (1 holds 1A, 1B, 1C), or by a qualifier the 分类信息表 writes with it
    (麻醉效应 in 3（呼吸道刺激、麻醉效应）)."""
    if wanted[:1].isdigit():
        return category.startswith(wanted)
    return wanted in category


def equipment_classes(code: str, kind_code: str, rules: Iterable[R]) -> Iterator[R]:
    """The 特种设备 classes of a 特种设备目录 entry (by its code, its 种类's and its 类别's)."""
    codes = {code, kind_code, f"{code[:2]}00" if len(code) == 4 else code}
    for rule in rules:
        if rule.kind == "特种设备" and codes.intersection(rule.match):
            yield rule


def factor_classes(category: str, name: str, rules: Iterable[R], *, grade: str = "") -> Iterator[R]:
    """The 职业病危害因素 classes of a factor of 职业病危害因素分类目录; a class with ``categories`` only for a factor
    of one of those grades (激光 of 4类: GB 7247.1-2012, read from the text by :mod:`ingestion.entities`)."""
    for rule in rules:
        if rule.kind == "职业病危害因素" and (category in rule.match or any(name.startswith(m) for m in rule.match)):
            if not rule.categories or grade in rule.categories:
                yield rule


def pollutant_classes(tags: Sequence[str], rules: Iterable[R]) -> Iterator[R]:
    """The 污染物 classes of a pollutant, by its tags (废水, 第一类污染物, 酸雾: :mod:`ingestion.pollutants`)."""
    for rule in rules:
        if rule.kind == "污染物" and set(tags).intersection(rule.match):
            yield rule


def space_classes(tags: Sequence[str], rules: Iterable[R]) -> Iterator[R]:
    """The 有限空间 classes of a confined space, by its group and type (:mod:`ingestion.spaces`)."""
    for rule in rules:
        if rule.kind == "有限空间" and set(tags).intersection(rule.match):
            yield rule


def waste_classes(
    code: str, hw_class: str, rules: Iterable[R], *, candidates: Sequence[str] = ()
) -> Iterator[tuple[R, bool]]:
    """The 危险废物 classes of a waste, each with whether its code decides it (False: only a candidate does)."""
    decided = {code, hw_class} - {""}
    possible = {*candidates, *(f"HW{c[-2:]}" for c in candidates)}
    for rule in rules:
        if rule.kind != "危险废物":
            continue
        if "HW" in rule.match or decided.intersection(rule.match):
            yield rule, True
        elif possible.intersection(rule.match):
            yield rule, False


_BOUND = re.compile(r"^(从业人员)(>=|>|<=|<)(\d+)$")


def sum_classes(hazard_sum: float | None, rules: Iterable[R]) -> Iterator[R]:
    """The listing classes a written Σ q/Q of GB 18218-2018 4.2.2 of 1 or more puts a unit in (重大危险源)."""
    if hazard_sum is None or hazard_sum < 1:
        return
    for rule in rules:
        if rule.kind == "名录" and "重大危险源" in rule.match:
            yield rule


def threshold_classes(headcount: int | None, rules: Iterable[R]) -> Iterator[R]:
    """The 阈值 classes a plant's headcount crosses (``从业人员>100``)."""
    if headcount is None:
        return
    for rule in rules:
        if rule.kind != "阈值":
            continue
        for bound in rule.match:
            m = _BOUND.match(bound)
            if m is None:
                continue
            op, value = m.group(2), int(m.group(3))
            held = {">": headcount > value, ">=": headcount >= value, "<": headcount < value}.get(
                op, headcount <= value
            )
            if held:
                yield rule
                break
