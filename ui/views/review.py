"""审核队列: the proposals of the enterprise, filtered, with bulk approve/reject and one proposal in detail."""

from __future__ import annotations

from typing import Any

import streamlit as st
from pydantic import ValidationError

from api.contracts.change import ChangeScenario
from api.contracts.review import ProposalOut
from ui import data, session
from ui.proposal_panel import proposal_panel
from ui.widgets import SOURCE_NAMES, STATUS_NAMES, flash, guard, keep_choice, target_text, unique_labels

__all__ = ["render"]

PAGE_SIZE = 20
_ANY = ""
_CHANGE_TYPES = {
    "add_process": "新增工序",
    "new_material": "新物料",
    "new_equipment": "新设备",
    "expand": "扩产/改造",
    "regulation_change": "法规变化",
}


def render() -> None:
    """The page."""
    st.title("审核队列")
    st.caption("系统提出的考核指标建议：核对证据链（变更 → 风险 → 义务 → 条文 → 指标）与校验结论后批准、修改或驳回。")
    if session.allowed("proposals.run"):
        _new_run()
    filters = _filters()
    if st.session_state.get("review_last_filters") != filters:
        st.session_state["review_last_filters"] = filters
        st.session_state["review_page"] = 1
    page = int(st.session_state.get("review_page", 1))
    with guard("读取审核队列"), st.spinner("正在读取审核队列……"):
        items, total = data.proposals(filters=filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        _listing(items, total)
        if items:
            if session.allowed("proposals.bulk"):
                _bulk(items)
            st.divider()
            labels = unique_labels({p.id: _label(p) for p in items})
            keep_choice("review_selected", list(labels))
            chosen = st.selectbox("查看建议详情", list(labels), format_func=labels.__getitem__, key="review_selected")
            proposal_panel(next(p for p in items if p.id == chosen))


def _filters() -> dict[str, str | None]:
    facets = None
    with guard("读取筛选条件"):
        facets = data.facets()
    statuses = [_ANY, *(facets.status if facets else STATUS_NAMES)]
    sectors = [_ANY, *(facets.sector if facets else [])]
    sources = [_ANY, *(facets.source if facets else SOURCE_NAMES)]
    c1, c2, c3, c4 = st.columns(4)
    status = c1.selectbox("状态", statuses, format_func=lambda s: STATUS_NAMES.get(s, s) or "全部", key="review_status")
    sector = c2.selectbox("行业", sectors, format_func=lambda s: s or "全部", key="review_sector")
    process = c3.text_input("工序（包含）", key="review_process", placeholder="如 焊接")
    source = c4.selectbox("来源", sources, format_func=lambda s: SOURCE_NAMES.get(s, s) or "全部", key="review_source")
    return {"status": status, "sector": sector, "process": process.strip(), "source": source}


def _listing(items: list[ProposalOut], total: int) -> None:
    pages = max(1, -(-total // PAGE_SIZE))
    left, right = st.columns([4, 1])
    left.markdown(
        f"共 **{total}** 条建议" + (f"，第 {st.session_state.get('review_page', 1)}/{pages} 页" if pages > 1 else "")
    )
    if pages > 1:
        right.number_input("页码", min_value=1, max_value=pages, step=1, key="review_page")
    if not items:
        st.info("没有符合条件的建议。可调整筛选条件，或在“规则缺口”页把建议发送到审核队列。")
        return
    rows = [
        {
            "编号": p.id,
            "指标": p.indicator.name,
            "标准": target_text(p.indicator),
            "层级": str(p.indicator.level),
            "状态": STATUS_NAMES.get(p.status, p.status),
            "校验": "通过" if p.valid else "未通过",
            "来源": SOURCE_NAMES.get(p.source, p.source),
            "工序": p.process,
            "行业": p.sector,
            "提出时间": f"{p.created_at:%Y-%m-%d %H:%M}",
        }
        for p in items
    ]
    st.dataframe(rows, hide_index=True, width="stretch", key="review_table")


def _bulk(items: list[ProposalOut]) -> None:
    names = unique_labels({p.id: _label(p) for p in items})
    pending = [p.id for p in items if p.status in ("validated", "proposed")]
    if st.session_state.pop("review_bulk_reset", False):
        st.session_state["review_bulk_ids"] = []
        st.session_state["review_bulk_all"] = False
    keep_choice("review_bulk_ids", list(names))
    with st.expander("批量处理", key="review_bulk_box"):
        st.checkbox("选择本页全部待审核建议", key="review_bulk_all", on_change=_select_all, args=(pending,))
        ids = st.multiselect("选择建议", list(names), format_func=lambda i: names.get(i, i), key="review_bulk_ids")
        comment = st.text_input("批量审核意见", key="review_bulk_comment", placeholder="驳回必填")
        c1, c2 = st.columns(2)
        approve = c1.button("批量批准", key="review_bulk_approve", disabled=not ids, type="primary")
        reject = c2.button("批量驳回", key="review_bulk_reject", disabled=not ids)
        if reject and not comment.strip():
            st.warning("批量驳回需要填写审核意见")
        elif approve or reject:
            _bulk_decide(ids, "approve" if approve else "reject", comment.strip(), names)


def _bulk_decide(ids: list[str], decision: str, comment: str, names: dict[str, str]) -> None:
    with guard("批量处理"), st.spinner(f"正在处理 {len(ids)} 条建议……"):
        results = session.api().decide_many(ids, decision, comment=comment)
        data.forget_queue()
        done = sum(r.ok for r in results)
        verb = "批准" if decision == "approve" else "驳回"
        flash(
            "success" if done == len(results) else "warning",
            f"批量{verb}：成功 {done} 条，失败 {len(results) - done} 条",
        )
        for r in results:
            if not r.ok:
                flash("warning", f"{names.get(r.id, r.id)}：{r.detail}")
        st.session_state["review_bulk_reset"] = True
        st.rerun()


def _select_all(ids: list[str]) -> None:
    st.session_state["review_bulk_ids"] = list(ids) if st.session_state.get("review_bulk_all") else []


def _label(p: ProposalOut) -> str:
    # the name only: a label that changes with the status would leave the selectbox showing a stale one
    return p.indicator.name


def _new_run() -> None:
    with st.expander("新建变更分析：为工艺、设备、物料或法规变化生成指标建议", key="review_new_box"):
        with st.form("review_new_run"):
            c1, c2 = st.columns(2)
            sector = c1.text_input("行业", key="run_sector", placeholder="如 汽车零部件")
            kind = c2.selectbox("变更类型", list(_CHANGE_TYPES), format_func=_CHANGE_TYPES.__getitem__, key="run_type")
            enterprise = st.text_input("企业概况", key="run_enterprise", placeholder="规模、主要产品、现有工序")
            description = st.text_area("变更描述", key="run_description", placeholder="如 新增一条溶剂型涂料喷涂线")
            c3, c4 = st.columns(2)
            process = c3.text_input("涉及工序名称", key="run_process", placeholder="如 喷涂")
            stage = c4.text_input("所属环节", key="run_stage", placeholder="如 生产加工")
            detail = st.text_input("工序说明", key="run_process_detail", placeholder="设备、物料、作业方式")
            submitted = st.form_submit_button("生成建议", type="primary", key="run_submit")
        if submitted:
            change: dict[str, Any] = {"type": kind, "description": description.strip()}
            if process.strip():
                change["process"] = {"stage": stage.strip(), "name": process.strip(), "description": detail.strip()}
            _run_change({"sector": sector.strip(), "enterprise": enterprise.strip(), "change": change})


def _run_change(raw: dict[str, Any]) -> None:
    try:
        scenario = ChangeScenario.model_validate(raw)
    except ValidationError:
        st.warning("请填写变更描述")
        return
    with guard("生成建议"), st.status("正在分析变更：识别工序、风险、义务并起草指标……", expanded=False) as status:
        run = session.api().run_change(scenario)
        status.update(label=f"已生成 {len(run.proposals)} 条建议", state="complete")
        data.forget_queue()
        counts = f"{len(run.risks)} 项风险，{len(run.obligations)} 项义务，{len(run.proposals)} 条指标建议"
        flash("success", f"变更分析完成：{counts}已进入审核队列")
        st.rerun()


if __name__ == "__main__":
    render()
