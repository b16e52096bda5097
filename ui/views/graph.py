"""知识图谱: the enterprise's own processes in flow order; under the chosen process its risks and the indicators
that measure them, drawn (pan, zoom, click a node for its details and clause texts) and as a table."""

from __future__ import annotations

import streamlit as st
from streamlit_echarts import st_echarts  # type: ignore[import-untyped]

from api.contracts.process_map import FlowStep, MeasuringIndicator, ProcessFlow, ProcessRiskMap, RiskEntry
from ui import data, session
from ui.risk_graph import CLICK_HANDLER, DEFAULT_NODES, echarts_option, select, table_rows
from ui.widgets import guard, keep_choice, quote_block

__all__ = ["render"]

_SOURCE = {"imported": "本企业导入的工艺流程", "sector": "所属行业的工序模板（尚未导入本企业工艺文件）"}


def _step_label(step: FlowStep) -> str:
    return f"{step.step:02d} {step.name}（{step.stage}）" if step.stage else f"{step.step:02d} {step.name}"


def render() -> None:
    """The page."""
    st.title("知识图谱")
    st.caption("按生产流程选择工序：图中是该工序的风险，以及考核这些风险的指标；点击节点查看详情与条文。")
    user = session.current_user()
    if user is None:
        return
    with guard("读取工艺流程"):
        flow = data.flow(user.enterprise_id)
        _page(flow)


def _page(flow: ProcessFlow) -> None:
    steps = {s.step: s for s in flow.steps if s.process_id}
    if not steps:
        st.info("本企业还没有可显示的工序：请在“企业工艺”导入工艺文件，或为企业设置所属行业。")
        return
    unmatched = len(flow.steps) - len(steps)
    note = f"，另有 {unmatched} 个工序未匹配模板（见“企业工艺”）" if unmatched else ""
    st.caption(f"工序来源：{_SOURCE[flow.source]}，共 {len(flow.steps)} 个{note}。")
    c1, c2 = st.columns([3, 1])
    keep_choice("graph_process", list(steps))
    chosen = c1.selectbox(
        "工序（按生产流程）", list(steps), format_func=lambda n: _step_label(steps[n]), key="graph_process"
    )
    expand = c2.toggle("展开全部指标", value=False, key="graph_expand")
    process_id = steps[chosen].process_id if chosen is not None else None
    if process_id is None:
        return
    with st.spinner("正在读取图谱……"):
        risk_map = data.process_risk_map(process_id)
    _draw(risk_map, expand=expand)


def _draw(risk_map: ProcessRiskMap, *, expand: bool) -> None:
    drawn = select(risk_map, expand=expand)
    m = st.columns(4)
    m[0].metric("风险", len(risk_map.risks))
    m[1].metric("考核指标", len(risk_map.indicators))
    m[2].metric("图中节点", drawn.nodes)
    m[3].metric("无指标考核的风险", sum(not r.indicators for r in risk_map.risks))
    graph_tab, table_tab = st.tabs(["图", "表"])
    with graph_tab:
        hidden = "、".join(
            f"{n} 项{what}" for n, what in ((drawn.hidden_risks, "风险"), (drawn.hidden_indicators, "指标")) if n
        )
        if hidden:
            st.caption(
                f"为便于阅读，默认最多画 {DEFAULT_NODES} 个节点，另有 {hidden}未画出（其中包括为其他风险制定、"
                "兼顾考核本工序风险的指标）：打开“展开全部指标”或看“表”。"
            )
        st.caption("实线：指标专为该风险制定；虚线：兼顾考核。滚轮缩放，拖动平移。")
        height = max(420, 34 * max(len(drawn.risks), drawn.nodes - len(drawn.risks) - 1) + 80)
        event = st_echarts(
            echarts_option(risk_map, drawn),
            height=f"{height}px",
            renderer="svg",
            events={"click": CLICK_HANDLER},
            key=f"graph_chart_{risk_map.process_id}_{int(expand)}",
        )
        _take_click(event, risk_map.process_id)
    with table_tab:
        st.dataframe(table_rows(risk_map), hide_index=True, width="stretch", key="graph_table")
    _details(risk_map)


def _take_click(event: object, process_id: str) -> None:
    """A click on a node (``id|time``) chooses it in the details box, once per click."""
    clicked = getattr(event, "chart_event", None) or (event.get("chart_event") if isinstance(event, dict) else None)
    seen = f"graph_click_{process_id}"
    if isinstance(clicked, str) and clicked != st.session_state.get(seen):
        st.session_state[seen] = clicked
        st.session_state[f"graph_node_{process_id}"] = clicked.rsplit("|", 1)[0]


def _details(risk_map: ProcessRiskMap) -> None:
    names = {risk_map.process_id: f"工序：{risk_map.name}"}
    names |= {r.id: f"风险：{r.name}" for r in risk_map.risks}
    names |= {i.id: f"指标：{i.name}" for i in risk_map.indicators}
    key = f"graph_node_{risk_map.process_id}"
    keep_choice(key, list(names))
    chosen = st.selectbox("节点详情（或在图中点击节点）", list(names), format_func=names.__getitem__, key=key)
    risks = {r.id: r for r in risk_map.risks}
    indicators = {i.id: i for i in risk_map.indicators}
    with st.container(border=True, key="graph_detail"):
        if chosen in risks:
            _risk(risks[chosen], indicators)
        elif chosen in indicators:
            _indicator(indicators[chosen], risks)
        else:
            st.markdown(f"**{risk_map.name}**（{risk_map.stage}）")
            st.write(risk_map.description or "（无说明）")


def _risk(risk: RiskEntry, indicators: dict[str, MeasuringIndicator]) -> None:
    st.markdown(f"**{risk.name}**（{risk.category}）")
    if risk.hazard:
        st.markdown(f"危害：{risk.hazard}")
    if risk.consequence:
        st.markdown(f"后果：{risk.consequence}")
    names = [indicators[i].name for i in risk.indicators if i in indicators]
    st.markdown("考核指标：" + ("、".join(names) if names else "（无）"))
    st.markdown(f"法定义务（{len(risk.duties)} 项）：")
    for duty in risk.duties:
        st.markdown(f"- {duty.name}")
        for clause in duty.clauses:
            status = "" if clause.current else f"〔{clause.status or '非现行'}〕"
            with st.expander(f"《{clause.regulation}》第{clause.article}条{status}"):
                st.markdown(quote_block(clause.text))


def _indicator(ind: MeasuringIndicator, risks: dict[str, RiskEntry]) -> None:
    st.markdown(f"**{ind.name}**（{ind.level}，{ind.position or ind.owner}）")
    rows = {
        "计算方法": ind.metric,
        "目标": ind.target,
        "考核方式": "，".join(x for x in (ind.method, ind.frequency) if x),
        "数据来源": ind.data_source,
        "责任人": ind.owner,
        "标准": ind.standard,
    }
    st.markdown("\n".join(f"- {k}：{v}" for k, v in rows.items() if v))
    measured = [risks[r].name + ("（专为该风险制定）" if r == ind.written_for else "") for r in ind.risks]
    st.markdown("考核本工序的风险：" + "、".join(measured))
    duties = {d.id: d for r in risks.values() for d in r.duties}
    for duty in (duties[d] for d in ind.duties if d in duties):
        for clause in duty.clauses:
            with st.expander(f"依据《{clause.regulation}》第{clause.article}条：{duty.name[:24]}"):
                st.markdown(quote_block(clause.text))


if __name__ == "__main__":
    render()
