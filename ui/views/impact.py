"""法规变更: for a replaced regulation, the indicators citing it, the successor articles and the
re-citation proposal of each, with both article texts side by side."""

from __future__ import annotations

import streamlit as st

from api.contracts.common import NodeOut
from ui import data
from ui.widgets import citation, guard

__all__ = ["render"]


def _replaced(regulations: list[NodeOut]) -> list[NodeOut]:
    """Regulations no longer in force, or replaced by another."""
    return [
        r
        for r in regulations
        if r.properties.get("replaced_by") or str(r.properties.get("status") or "现行") not in ("现行", "尚未施行")
    ]


def _title(node: NodeOut) -> str:
    props = node.properties
    by = f" → {props['replaced_by']}" if props.get("replaced_by") else ""
    # the id, not the title: two editions may share a title, and a label must name one regulation
    return f"{node.id}（{props.get('status') or '—'}{by}）"


def render() -> None:
    """The page."""
    st.title("法规变更")
    st.caption(
        "法规被新法取代后，引用旧条文的考核指标需要改引现行条文：这里列出受影响的指标、对应的现行条文和改引建议。"
    )
    with guard("读取法规"):
        replaced = {r.id: r for r in _replaced(data.regulations())}
        if not replaced:
            st.info("知识图谱中没有已废止或被取代的法规。")
            return
        chosen = st.selectbox(
            "已废止/被取代的法规", list(replaced), format_func=lambda i: _title(replaced[i]), key="impact_regulation"
        )
        if chosen is not None:
            _impact(chosen)


def _impact(regulation_id: str) -> None:
    with guard("分析法规变更影响"), st.spinner("正在分析受影响的指标……"):
        report = data.impact(regulation_id)
        st.markdown(
            f"**{report.regulation}**　状态：{report.status or '—'}"
            + (f"　取代法规：**{report.replaced_by}**" if report.replaced_by else "")
        )
        c1, c2, c3 = st.columns(3)
        c1.metric("受影响指标", len({c.indicator_id for c in report.citations}))
        c2.metric("引用条文", len(report.citations))
        c3.metric("无对应现行条文", len(report.unmapped))
        if not report.citations:
            st.success("没有指标引用该法规的条文")
        rows = [
            {
                "指标": c.indicator,
                "原引用": f"《{c.law}》第{c.article}条",
                "现行条文": "；".join(
                    f"《{s.law}》第{s.article}条" + (f"（匹配度 {s.score:.2f}）" if s.score is not None else "")
                    for s in c.successors
                )
                or "（未找到）",
                "改引建议": c.proposal,
            }
            for c in report.citations
        ]
        if rows:
            st.dataframe(rows, hide_index=True, width="stretch", key="impact_table")
        for line in report.unmapped:
            st.warning(f"{line}：没有映射到现行条文，需要专家阅读新法后确定改引条文。")
        st.subheader("条文对照")
        for i, c in enumerate(report.citations):
            best = c.successors[0] if c.successors else None
            st.markdown(f"**{c.indicator}**：{c.proposal or '需要专家确定改引条文'}")
            citation(
                c.law,
                c.article,
                key=f"impact-cite-{i}",
                current=False,
                successor=(best.law, best.article) if best else None,
            )


if __name__ == "__main__":
    render()
