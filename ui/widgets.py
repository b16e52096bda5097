"""Small shared pieces of the pages: readable errors, messages that survive a rerun, the evidence chain
of a proposal, the validator's verdicts, citations that expand to the article text, where an item of an
enterprise's documents was read, and the API's time stamps in China time."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Literal

import streamlit as st

from api.contracts.change import IndicatorProposal, ObligationProposal, Verdict
from api.contracts.enterprises import Provenance
from api.contracts.review import ProposalOut
from ui import data, session
from ui.client import ApiError, SessionExpiredError
from ui.periods import CHINA_TZ

__all__ = [
    "CHANGE_TYPE_NAMES",
    "COMPARATOR_SIGNS",
    "LEVELS",
    "RULE_NAMES",
    "SOURCE_NAMES",
    "STATUS_NAMES",
    "citation",
    "evidence_chain",
    "flash",
    "guard",
    "indicator_facts",
    "keep_choice",
    "local_time",
    "quote_block",
    "show_flashes",
    "target_text",
    "unique_labels",
    "verdict_rows",
    "verdicts",
    "where",
]

STATUS_NAMES = {
    "proposed": "校验未通过",
    "validated": "待审核",
    "approved": "已批准",
    "rejected": "已驳回",
    "edited": "修改后采纳",
}
SOURCE_NAMES = {"change": "工艺/设备变更", "gap": "规则缺口", "impact": "法规变更"}
RULE_NAMES = {
    "citation": "引用条款存在且现行",
    "not_weaker_than_law": "不低于法定要求",
    "quantified": "目标已量化",
    "not_duplicate": "与现有指标不重复",
    "assigned": "层级与责任人明确",
    "method_and_source": "考核方法与数据来源",
    "bands": "评级区间一致",
}
LEVELS = ("企业", "部门", "岗位")
CHANGE_TYPE_NAMES = {
    "add_process": "新增工序",
    "new_material": "新物料",
    "new_equipment": "新设备",
    "expand": "扩产/改造",
    "regulation_change": "法规变化",
}
COMPARATOR_SIGNS = {">=": "≥", "<=": "≤", "=": "="}

Kind = Literal["success", "info", "warning", "error"]
_TABLE_ROW = re.compile(r"table (?P<table>\d+) row (?P<row>\d+)")
_FLASH = "hsekg_flash"


def flash(kind: Kind, text: str) -> None:
    """A message shown once at the top of the next run (survives ``st.rerun``)."""
    st.session_state.setdefault(_FLASH, []).append((kind, text))


def show_flashes() -> None:
    """Show and forget the pending messages."""
    for kind, text in st.session_state.pop(_FLASH, []):
        getattr(st, kind)(text)


@contextmanager
def guard(action: str) -> Iterator[None]:
    """Run a block that calls the API; a failure shows one readable message instead of a traceback
    (the rest of the block is skipped). An expired session logs out and returns to the login page."""
    try:
        yield
    except SessionExpiredError as e:
        session.log_out()
        flash("warning", e.message)
        st.rerun()
    except ApiError as e:
        st.error(f"{action}失败：{e.message}", icon=":material/error:")


def unique_labels(labels: dict[str, str]) -> dict[str, str]:
    """Option labels made distinct: a label shared by several ids gets the id appended (a selectbox
    tells its options apart by their labels)."""
    seen = Counter(labels.values())
    return {k: f"{v}〔{k}〕" if seen[v] > 1 else v for k, v in labels.items()}


def keep_choice(key: str, options: Sequence[object]) -> None:
    """Before a selectbox (or multiselect) with changing options is drawn: drop a remembered choice that
    is no longer among them, so the widget falls back to its first option instead of a stale one."""
    if key not in st.session_state:
        return
    value = st.session_state[key]
    if isinstance(value, list):
        st.session_state[key] = [v for v in value if v in options]
    elif value not in options:
        del st.session_state[key]


def quote_block(text: str) -> str:
    """Markdown quoting every line of ``text``."""
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip().splitlines()) or "> （无原文）"


def target_text(indicator: IndicatorProposal) -> str:
    """The indicator's target as an expert writes it: ``≥100%``, or its free text."""
    if indicator.target is None:
        return indicator.target_text or "（未量化）"
    sign = COMPARATOR_SIGNS.get(str(indicator.comparator or ""), str(indicator.comparator or ""))
    return f"{sign}{indicator.target:g}{indicator.unit}"


def citation(
    law: str,
    article: int,
    *,
    key: str,
    title: str = "",
    topic: str = "",
    quote: str = "",
    current: bool = True,
    successor: tuple[str, int] | None = None,
) -> None:
    """An expander naming an article (and its 条文主旨) that opens to its full text; a repealed article
    is flagged with its successor, whose text is shown too."""
    label = f"《{title or law}》第{article}条"
    if not current:
        label += "〔已废止〕"
    if topic:
        label += f"　{topic}"
    with st.expander(label, key=key, icon=None if current else ":material/history:"):
        if not current:
            succ = f"，现行条文：《{successor[0]}》第{successor[1]}条" if successor else "，未找到对应的现行条文"
            st.warning(f"该条文已废止或失效{succ}")
        with guard("读取条文原文"):
            clause = data.clause_text(law, article)
            st.markdown(quote_block(clause.text if clause and clause.text else quote))
        if successor is not None:
            st.markdown(f"**现行条文：《{successor[0]}》第{successor[1]}条**")
            with guard("读取现行条文"):
                succ_clause = data.clause_text(*successor)
                st.markdown(quote_block(succ_clause.text if succ_clause else ""))


def verdict_rows(items: Sequence[Verdict]) -> list[dict[str, str]]:
    """The validator's verdicts as table rows."""
    return [
        {
            "校验规则": RULE_NAMES.get(v.rule, v.rule),
            "结论": "通过" if v.ok else "未通过",
            "说明": v.reason,
            "修改建议": v.suggestion,
        }
        for v in items
    ]


def verdicts(items: Sequence[Verdict], *, key: str) -> None:
    """The validator's verdicts as a table."""
    if not items:
        st.info("尚未校验")
        return
    st.dataframe(verdict_rows(items), hide_index=True, width="stretch", key=key)


def indicator_facts(indicator: IndicatorProposal) -> list[dict[str, str]]:
    """The indicator's fields as label/value rows."""
    cites = "；".join(f"《{c.law}》第{c.article}条" for c in indicator.cites) or "（无）"
    return [
        {"项目": "指标名称", "内容": indicator.name},
        {"项目": "考核层级", "内容": str(indicator.level)},
        {"项目": "考核标准", "内容": target_text(indicator)},
        {"项目": "考核方法", "内容": indicator.method or "（未填写）"},
        {"项目": "数据来源", "内容": indicator.data_source or "（未填写）"},
        {"项目": "责任人", "内容": indicator.owner or "（未填写）"},
        {"项目": "依据条款", "内容": cites},
    ]


def _obligation(ob: ObligationProposal, *, key: str) -> None:
    risks = f"（风险：{'、'.join(ob.risks)}）" if ob.risks else ""
    st.markdown(f"- 【{ob.modality or '应当'}】{ob.action or ob.duty_id}（{ob.subject or '责任主体'}）{risks}")
    citation(ob.law, ob.article, key=f"{key}-cite", quote=ob.quote)
    if ob.history:
        older = "；".join(f"《{h.law}》第{h.article}条" for h in ob.history)
        st.caption(f"历史条文（已废止，仅供追溯）：{older}")


def evidence_chain(proposal: ProposalOut, *, key: str) -> None:
    """The chain behind a proposal: change → risks → obligations with the quoted clause → indicator."""
    st.markdown("**① 变更**")
    st.markdown(quote_block(proposal.change or "（无描述）"))
    st.markdown("**② 受影响的风险**")
    if proposal.risks:
        for r in proposal.risks:
            st.markdown(f"- {r.name}（{r.category}，相关度 {r.score:.2f}）")
    else:
        st.caption("（未记录风险）")
    st.markdown("**③ 法定义务与引用条文**")
    if not proposal.obligations:
        st.caption("（未记录义务）")
    for i, ob in enumerate(proposal.obligations):
        _obligation(ob, key=f"{key}-ob{i}")
    st.markdown("**④ 建议指标**")
    st.dataframe(indicator_facts(proposal.indicator), hide_index=True, width="stretch", key=f"{key}-facts")
    if proposal.indicator.chain:
        st.caption("推理链：" + " → ".join(proposal.indicator.chain))


def where(source: Provenance) -> str:
    """Where an item was read, as an expert looks it up: the file, then the page and paragraph (counted
    from 1), or the table row or cell: ``《工艺流程说明.pdf》第2页第15段``, ``《环评报告表.md》第1个表格第3行``,
    ``《设备清单.xlsx》单元格 设备清单!B3``."""
    text = f"《{source.file}》"
    if source.page is not None:
        text += f"第{source.page}页"
    if source.paragraph is not None:
        text += f"第{source.paragraph + 1}段"
    row = _TABLE_ROW.fullmatch(source.cell)
    if row is not None:  # a table of a document: "table <0-based index> row <data row from 1>"
        text += f"第{int(row['table']) + 1}个表格第{row['row']}行"
    elif source.cell:
        text += f"单元格 {source.cell}"
    return text


def local_time(stamp: str) -> str:
    """An ISO time stamp of the API in China time, to the minute (the text itself if it is not one)."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(CHINA_TZ)
    return f"{moment:%Y-%m-%d %H:%M}"
