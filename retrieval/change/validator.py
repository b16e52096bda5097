"""Check a candidate indicator against the graph and the law; every verdict says why.

Rules (one :class:`~retrieval.change.models.Verdict` each):

- ``citation``: every cited article exists in the graph and its regulation is in force; for a repealed
  one the successor from ``SUCCEEDED_BY`` is suggested.
- ``quantified``: a number, a comparator and a unit.
- ``not_weaker_than_law``: a rate measuring an 应当/必须 duty targets 100%; a count of violations targets
  zero; an indicator of a prohibition targets zero violations or a compliance rate of 100%.
- ``not_duplicate``: not the same as an existing indicator — similar name (character bigrams) and the same
  measured duty or cited article, or a near-identical name.
- ``assigned``: a level (企业/部门/岗位) and an owner.
- ``method_and_source``: an assessment method and a data source.
- ``bands``: 合格 equals the target, 优秀 at least as strict.
- ``fits_change`` (for a change's proposals only): the indicator measures a risk of the changed process —
  one the change affects — or, measuring duties only, a duty chosen for it (a soldering-fume indicator
  does not fit a pickling line, whatever duty they share).

A failing candidate keeps its verdicts: it is shown to the expert with its failures, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from retrieval.change.catalog import ClauseLookup, KnowledgeCatalog
from retrieval.change.inputs import CurrentIndicator
from retrieval.change.models import IndicatorProposal, Verdict
from retrieval.change.text import dice

__all__ = ["IndicatorValidator", "from_current", "parse_target"]

_COUNT_UNITS = ("次", "起", "个", "台", "人", "项", "批", "处", "家", "件")
_TARGET = re.compile(r"(≥|>=|≤|<=|=|＝|不低于|不少于|不高于|不超过|不大于)?\s*(\d+(?:\.\d+)?)\s*(%|％|[^\d\s]{0,3})")
_OPS = {
    "≥": ">=",
    ">=": ">=",
    "不低于": ">=",
    "不少于": ">=",
    "≤": "<=",
    "<=": "<=",
    "不高于": "<=",
    "不超过": "<=",
    "不大于": "<=",
    "=": "=",
    "＝": "=",
}
DUPLICATE_NAME = 0.8
SIMILAR_NAME = 0.4


def parse_target(text: str) -> tuple[float | None, str | None, str]:
    """``"≥98%"`` → (98.0, ">=", "%"); ``"0起"`` → (0.0, "<=", "起"); unquantified → (None, None, "")."""
    found = _TARGET.search(text.replace(" ", ""))
    if not found:
        return None, None, ""
    op, number, unit = found.groups()
    unit = "%" if unit in ("%", "％") else unit
    value = float(number)
    comparator = _OPS.get(op or "", "<=" if value == 0 else ">=")
    return value, comparator, unit


def from_current(row: CurrentIndicator) -> IndicatorProposal:
    """An enterprise's current indicator in the proposal model (for validation and duplicates)."""
    target, comparator, unit = parse_target(row.target)
    return IndicatorProposal(
        name=row.name,
        level=row.level,
        target=target,
        comparator=comparator,
        unit=unit,
        target_text=row.target,
        method=row.method,
        data_source=row.data_source,
        owner=row.owner,
        cites=list(row.cites),
        source="existing",
    )


class IndicatorValidator:
    """Validate candidate indicators.

    Args:
        catalog: duties (modality) measured by the candidates.
        clauses: the graph's clauses and successors.
    """

    def __init__(self, catalog: KnowledgeCatalog, clauses: ClauseLookup) -> None:
        self.catalog = catalog
        self.clauses = clauses

    def run(
        self,
        candidate: IndicatorProposal,
        existing: Sequence[IndicatorProposal] = (),
        *,
        affected: Collection[str] | None = None,
        chosen_duties: Collection[str] = (),
    ) -> IndicatorProposal:
        """The candidate with its verdicts and status ``validated`` when all pass, else ``proposed``.

        ``affected`` (a change's proposals): the ids of the risks the change affects, and ``chosen_duties``
        the duties chosen for it, for the ``fits_change`` rule; None leaves the rule out.
        """
        verdicts = [
            self._citations(candidate),
            _quantified(candidate),
            self._not_weaker(candidate),
            _not_duplicate(candidate, existing),
            _assigned(candidate),
            _method_and_source(candidate),
            _bands(candidate),
        ]
        if affected is not None:
            verdicts.append(self._fits(candidate, affected, chosen_duties))
        ok = all(v.ok for v in verdicts)
        return candidate.model_copy(update={"verdicts": verdicts, "status": "validated" if ok else "proposed"})

    @staticmethod
    def distinct(candidate: IndicatorProposal, others: Sequence[IndicatorProposal]) -> bool:
        """Whether a candidate passes the ``not_duplicate`` rule against ``others``."""
        return _not_duplicate(candidate, others).ok

    def _fits(self, c: IndicatorProposal, affected: Collection[str], chosen_duties: Collection[str]) -> Verdict:
        measured = self.catalog.indicator_risks.get(c.library_id or "", []) or c.risk_ids
        names = [str(self.catalog.risks.get(r, {}).get("name", r)) for r in measured]
        if measured:
            hit = [n for r, n in zip(measured, names, strict=True) if r in affected]
            if hit:
                return Verdict(rule="fits_change", ok=True, reason=f"衡量变更涉及的风险：{'、'.join(hit[:3])}")
            return Verdict(
                rule="fits_change",
                ok=False,
                reason=f"所衡量的风险（{'、'.join(names[:3])}）不属于变更涉及的工序",
                suggestion="改选衡量本次变更风险的指标",
            )
        if set(c.duty_ids) & set(chosen_duties):
            return Verdict(rule="fits_change", ok=True, reason="衡量为本次变更选定的义务")
        return Verdict(rule="fits_change", ok=False, reason="既不衡量变更涉及的风险，也不衡量为其选定的义务")

    def _citations(self, c: IndicatorProposal) -> Verdict:
        if not c.cites:
            return Verdict(rule="citation", ok=False, reason="未引用任何法规条款")
        problems: list[str] = []
        suggestions: list[str] = []
        for ref in c.cites:
            if self.clauses.clause(ref.key) is None:
                problems.append(f"《{ref.law}》第{ref.article}条在图谱中不存在")
            elif not self.catalog.is_current(ref.law):
                status = self.catalog.regulations.get(ref.law, {}).get("status", "未知")
                problems.append(f"《{ref.law}》{status}")
                successors = self.clauses.successors(ref.key)
                if successors:
                    s = successors[0]
                    suggestions.append(f"改引《{s.law}》第{s.article}条（对应度 {s.score}）")
        if problems:
            return Verdict(rule="citation", ok=False, reason="；".join(problems), suggestion="；".join(suggestions))
        return Verdict(rule="citation", ok=True, reason="所引条款均存在且现行有效")

    def _not_weaker(self, c: IndicatorProposal) -> Verdict:
        if c.target is None or c.comparator is None:
            return Verdict(rule="not_weaker_than_law", ok=False, reason="目标未量化，无法判断是否低于法定要求")
        duties = [self.catalog.duties[d] for d in c.duty_ids if d in self.catalog.duties]
        counts_violations = c.comparator == "<=" and c.unit in _COUNT_UNITS
        if counts_violations or any(d.is_prohibition for d in duties):
            # zero violations, or full compliance measured as a rate (合规率 100%), is as strict as the ban
            zero = c.comparator in ("<=", "=") and c.target == 0
            full = c.unit == "%" and c.comparator in (">=", "=") and c.target >= 100
            ok = zero or (full and not counts_violations)
            reason = (
                "禁止性要求：违规次数目标为 0"
                if zero
                else "禁止性要求：合规率目标 100%"
                if ok
                else f"禁止性要求应以 0 次（或合规率 100%）为目标，当前 {c.comparator}{c.target}{c.unit}"
            )
            return Verdict(rule="not_weaker_than_law", ok=ok, reason=reason, suggestion="" if ok else "目标改为 ≤0 次")
        if duties and c.unit == "%":
            ok = c.comparator in (">=", "=") and c.target >= 100
            modal = "、".join(sorted({d.modality for d in duties}))
            reason = f"{modal}类义务：目标 100%" if ok else f"{modal}类义务要求 100%，当前 {c.comparator}{c.target}%"
            return Verdict(rule="not_weaker_than_law", ok=ok, reason=reason, suggestion="" if ok else "目标改为 ≥100%")
        return Verdict(rule="not_weaker_than_law", ok=True, reason="未关联强制性义务的比率，无法定下限")


def _quantified(c: IndicatorProposal) -> Verdict:
    missing = [n for n, v in (("数值", c.target), ("比较符", c.comparator), ("单位", c.unit)) if v in (None, "")]
    if missing:
        return Verdict(rule="quantified", ok=False, reason=f"目标缺少{'、'.join(missing)}")
    return Verdict(rule="quantified", ok=True, reason=f"目标 {c.comparator}{c.target:g}{c.unit}")


def _not_duplicate(c: IndicatorProposal, existing: Sequence[IndicatorProposal]) -> Verdict:
    cited = {r.key for r in c.cites}
    for other in existing:
        similarity = dice(c.name, other.name)
        shared = bool(set(c.duty_ids) & set(other.duty_ids)) or bool(cited & {r.key for r in other.cites})
        if similarity >= DUPLICATE_NAME or (similarity >= SIMILAR_NAME and shared):
            why = (
                f"与现有指标“{other.name}”重复（名称相似度 {similarity:.2f}{'，衡量同一义务/条款' if shared else ''}）"
            )
            return Verdict(rule="not_duplicate", ok=False, reason=why, suggestion="合并到现有指标或修订其口径")
    return Verdict(rule="not_duplicate", ok=True, reason="与现有指标不重复")


def _assigned(c: IndicatorProposal) -> Verdict:
    if c.level not in ("企业", "部门", "岗位"):
        return Verdict(rule="assigned", ok=False, reason=f"层级“{c.level}”不是 企业/部门/岗位")
    if not c.owner:
        return Verdict(rule="assigned", ok=False, reason="未指定责任人（岗位/部门）")
    return Verdict(rule="assigned", ok=True, reason=f"{c.level}级，责任人 {c.owner}")


def _method_and_source(c: IndicatorProposal) -> Verdict:
    missing = [n for n, v in (("考核方法", c.method), ("数据来源", c.data_source)) if not v]
    if missing:
        return Verdict(rule="method_and_source", ok=False, reason=f"缺少{'、'.join(missing)}")
    return Verdict(rule="method_and_source", ok=True, reason=f"{c.method}；数据来源：{c.data_source}")


def _bands(c: IndicatorProposal) -> Verdict:
    if c.bands is None or c.target is None or c.comparator is None:
        return Verdict(rule="bands", ok=False, reason="缺少评级区间或目标")
    b = c.bands
    if b.qualified != c.target:
        return Verdict(rule="bands", ok=False, reason=f"合格线 {b.qualified:g} 不等于目标 {c.target:g}")
    stricter = b.excellent >= b.qualified if c.comparator == ">=" else b.excellent <= b.qualified
    if not stricter:
        return Verdict(rule="bands", ok=False, reason=f"优秀线 {b.excellent:g} 宽于合格线 {b.qualified:g}")
    return Verdict(rule="bands", ok=True, reason=f"合格 {b.qualified:g}，优秀 {b.excellent:g}")
