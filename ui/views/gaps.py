"""规则缺口: an enterprise's 考核细则 (stored or uploaded) against the duties its processes bring — uncovered
duties, suggested indicators (sent to the review queue on request), citations of repealed articles."""

from __future__ import annotations

import streamlit as st

from api.contracts.change import GapScenario
from api.contracts.review import GapRunOut
from ui import data, session
from ui.client import RulesUpload
from ui.widgets import citation, flash, guard, target_text

__all__ = ["render"]

_RESULT = "gaps_result"
_REQUEST = "gaps_request"
_SENT = "gaps_sent"


def render() -> None:
    """The page."""
    st.title("规则缺口")
    st.caption("对照企业工序适用的法定义务，找出现行考核细则未覆盖的义务，给出建议指标，并标出引用已废止条文的指标。")
    user = session.current_user()
    if user is None or not session.allowed("gaps.run"):
        st.info("规则缺口分析需要专家、管理员或安全环保负责人账号。")
        return
    origin = st.radio(
        "考核细则来源",
        ["stored", "upload"],
        format_func={"stored": "企业已登记的考核细则", "upload": "上传考核细则（xlsx / json）"}.__getitem__,
        horizontal=True,
        key="gaps_origin",
    )
    if origin == "stored":
        _stored(user.enterprise_id)
    else:
        _upload()
    result = st.session_state.get(_RESULT)
    if isinstance(result, GapRunOut):
        _report(result)


def _stored(enterprise_id: str) -> None:
    with guard("读取企业考核细则"):
        scenario = data.enterprise_rules(enterprise_id)
        st.markdown(
            f"**{scenario.enterprise or enterprise_id}**　行业：{scenario.sector or '—'}　"
            f"工序 {len(scenario.processes)} 个，现行指标 {len(scenario.indicators)} 项"
        )
        with st.expander("查看现行考核细则", key="gaps_rules_box"):
            rows = [
                {
                    "指标": i.name,
                    "层级": i.level,
                    "标准": i.target,
                    "方法": i.method,
                    "责任人": i.owner,
                    "依据": "；".join(f"《{c.law}》第{c.article}条" for c in i.cites),
                }
                for i in scenario.indicators
            ]
            st.dataframe(rows, hide_index=True, width="stretch", key="gaps_rules_table")
        if st.button("分析规则缺口", type="primary", key="gaps_run_stored"):
            _run(scenario)


def _upload() -> None:
    with st.form("gaps_upload_form"):
        file = st.file_uploader("考核细则文件", type=["xlsx", "json"], key="gaps_file")
        c1, c2 = st.columns(2)
        sector = c1.text_input("行业", key="gaps_sector", placeholder="如 机械加工")
        enterprise = c2.text_input("企业名称", key="gaps_enterprise")
        processes = st.text_area("工序（用顿号、逗号或换行分隔）", key="gaps_processes", placeholder="下料、焊接、喷涂")
        submitted = st.form_submit_button("上传并分析", type="primary", key="gaps_run_upload")
    if submitted:
        if file is None:
            st.warning("请先选择考核细则文件")
            return
        _run(RulesUpload(file.name, file.getvalue(), sector.strip(), enterprise.strip(), processes.strip()))


def _call(request: GapScenario | RulesUpload, *, send: bool) -> GapRunOut:
    api = session.api()
    if isinstance(request, GapScenario):
        return api.gaps(request, send_to_review=send)
    return api.gaps_upload(request, send_to_review=send)


def _run(request: GapScenario | RulesUpload) -> None:
    with guard("规则缺口分析"), st.spinner("正在匹配工序、推断适用义务并核对覆盖情况……"):
        st.session_state[_RESULT] = _call(request, send=False)
        st.session_state[_REQUEST] = request
        st.session_state[_SENT] = False


def _report(out: GapRunOut) -> None:
    report = out.report
    st.divider()
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("已覆盖义务", len(report.covered))
    c2.metric("未覆盖义务", len(report.gaps))
    c3.metric("建议指标", len(report.suggestions))
    c4.metric("过时引用", len(report.stale_citations))
    for line in out.unresolved:
        st.warning(f"文件中的引用无法识别：{line}")
    for line in out.skipped:
        st.caption(f"已跳过：{line}")
    gaps_tab, suggestions_tab, stale_tab, covered_tab = st.tabs(["未覆盖义务", "建议指标", "过时引用", "已覆盖义务"])
    with gaps_tab:
        if not report.gaps:
            st.success("适用的法定义务均已被现行指标覆盖")
        for i, gap in enumerate(report.gaps):
            st.markdown(f"**{i + 1}. 《{gap.law}》第{gap.article}条**　风险：{gap.risk or '—'}")
            citation(gap.law, gap.article, key=f"gap-cite-{i}")
    with suggestions_tab:
        _suggestions(out)
    with stale_tab:
        _stale(out)
    with covered_tab:
        rows = [
            {
                "条文": f"《{c.law}》第{c.article}条",
                "风险": c.risk,
                "覆盖指标": "、".join(c.covered_by),
                "依据": "；".join(c.reasons),
            }
            for c in report.covered
        ]
        st.dataframe(rows, hide_index=True, width="stretch", key="gaps_covered_table")


def _suggestions(out: GapRunOut) -> None:
    report = out.report
    if not report.suggestions:
        st.info("没有需要补充的指标")
        return
    rows = [
        {
            "建议指标": s.name,
            "层级": str(s.level),
            "标准": target_text(s),
            "方法": s.method,
            "数据来源": s.data_source,
            "依据": "；".join(f"《{c.law}》第{c.article}条" for c in s.cites),
        }
        for s in report.suggestions
    ]
    st.dataframe(rows, hide_index=True, width="stretch", key="gaps_suggestions_table")
    if st.session_state.get(_SENT):
        st.success(f"已发送 {len(out.proposal_ids)} 条建议到审核队列")
        st.page_link("views/review.py", label="前往审核队列", icon=":material/fact_check:")
    elif st.button("发送建议到审核队列", type="primary", key="gaps_send"):
        request = st.session_state.get(_REQUEST)
        if isinstance(request, GapScenario | RulesUpload):
            _send(request)


def _send(request: GapScenario | RulesUpload) -> None:
    with guard("发送到审核队列"), st.spinner("正在校验建议并写入审核队列……"):
        sent = _call(request, send=True)
        st.session_state[_RESULT] = sent
        st.session_state[_SENT] = True
        data.forget_queue()
        flash("success", f"已发送 {len(sent.proposal_ids)} 条建议到审核队列")
        st.rerun()


def _stale(out: GapRunOut) -> None:
    stale = out.report.stale_citations
    if not stale:
        st.success("没有引用已废止条文的指标")
        return
    for i, c in enumerate(stale):
        succ = f"　→ 现行：《{c.successor.law}》第{c.successor.article}条" if c.successor else "　→ 未找到现行条文"
        st.markdown(f"**{c.indicator}**：《{c.law}》第{c.article}条（{c.status}）{succ}")
        successor = (c.successor.law, c.successor.article) if c.successor else None
        citation(c.law, c.article, key=f"stale-cite-{i}", current=False, successor=successor)


if __name__ == "__main__":
    render()
