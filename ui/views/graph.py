"""知识图谱: a process with its risks, the obligations of those risks (and their clauses) and the
indicators measuring them, drawn as a graph."""

from __future__ import annotations

from collections import Counter

import streamlit as st

from api.contracts.common import NodeOut
from ui import data
from ui.graph_dot import LABEL_NAMES, LABEL_STYLES, focus, process_dot
from ui.widgets import guard, keep_choice, unique_labels

__all__ = ["render"]


def _process_name(node: NodeOut) -> str:
    stage = node.properties.get("stage")
    return f"{node.properties.get('name', node.id)}（{stage}）" if stage else str(node.properties.get("name", node.id))


def render() -> None:
    """The page."""
    st.title("知识图谱")
    st.caption("工序 → 风险 → 法定义务 → 条文，以及考核这些风险和义务的指标。")
    with guard("读取工序"):
        processes = {p.id: p for p in data.processes()}
        if not processes:
            st.info("知识图谱中还没有工序，请先运行 hsekg init。")
            return
        stages = sorted({str(p.properties.get("stage") or "") for p in processes.values()} - {""})
        c1, c2 = st.columns([1, 2])
        stage = c1.selectbox("环节", ["", *stages], format_func=lambda s: s or "全部环节", key="graph_stage")
        labels = unique_labels(
            {i: _process_name(p) for i, p in processes.items() if not stage or p.properties.get("stage") == stage}
        )
        keep_choice("graph_process", list(labels))
        chosen = c2.selectbox("工序", list(labels), format_func=labels.__getitem__, key="graph_process")
        t1, t2 = st.columns(2)
        show_clauses = t1.toggle("显示条文", value=False, key="graph_clauses")
        show_indicators = t2.toggle("显示考核指标", value=True, key="graph_indicators")
        if chosen is not None:
            _draw(chosen, show_clauses=show_clauses, show_indicators=show_indicators)


def _draw(process_id: str, *, show_clauses: bool, show_indicators: bool) -> None:
    with st.spinner("正在读取图谱……"):
        graph = data.process_graph(process_id)
    risks = unique_labels({n.id: n.name for n in graph.nodes if n.label == "Risk"})
    risk = st.selectbox(
        "聚焦风险", ["", *risks], format_func=lambda r: risks.get(r, "全部风险"), key=f"graph_risk_{process_id}"
    )
    if risk:
        graph = focus(graph, risk)
    counts = Counter(n.label for n in graph.nodes)
    cols = st.columns(len(LABEL_STYLES) - 1)
    for col, label in zip(cols, ("Risk", "Obligation", "Clause", "Indicator"), strict=True):
        col.metric(LABEL_NAMES[label], counts.get(label, 0))
    hide = {label for label, shown in (("Clause", show_clauses), ("Indicator", show_indicators)) if not shown}
    st.graphviz_chart(process_dot(graph, hide=hide), width="stretch")
    legend = "　".join(
        f"<span style='background:{fill};padding:2px 8px;border-radius:4px'>{name}</span>"
        for name, fill in LABEL_STYLES.values()
    )
    st.markdown(legend, unsafe_allow_html=True)
    with st.expander("节点列表", key="graph_nodes_box"):
        rows = [{"类型": LABEL_NAMES.get(n.label, n.label), "名称": n.name, "编号": n.id} for n in graph.nodes]
        st.dataframe(rows, hide_index=True, width="stretch", key="graph_nodes_table")


if __name__ == "__main__":
    render()
