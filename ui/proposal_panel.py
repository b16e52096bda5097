"""One proposal of the review queue: its evidence, the validator's verdicts, the decision history, and
the expert's approve / edit / reject with a comment, or, once decided, reopen with a comment."""

from __future__ import annotations

from typing import Any

import streamlit as st

from api.contracts.review import ProposalOut
from ui import data, session
from ui.proposal_edit import edit_form
from ui.widgets import (
    RULE_NAMES,
    SOURCE_NAMES,
    STATUS_NAMES,
    evidence_chain,
    flash,
    guard,
    verdicts,
)

__all__ = ["proposal_panel"]

_DECISION_NAMES = {"approve": "批准", "reject": "驳回", "edit": "修改", "reopen": "重新打开"}
_DECIDED = ("approved", "rejected", "edited")


def proposal_panel(proposal: ProposalOut) -> None:
    """The evidence and the validator's verdicts beside the decision controls, then the history."""
    pid = proposal.id
    status = STATUS_NAMES.get(proposal.status, proposal.status)
    st.subheader(f"{proposal.indicator.name}　·　{status}")
    st.caption(
        f"编号 {pid}　来源：{SOURCE_NAMES.get(proposal.source, proposal.source)}　行业：{proposal.sector or '—'}"
        f"　工序：{proposal.process or '—'}　提出：{proposal.created_by} {proposal.created_at:%Y-%m-%d %H:%M}"
        + (f"　模型：{proposal.model}" if proposal.model else "")
    )
    left, right = st.columns([3, 2], gap="large")
    with left:
        evidence_chain(proposal, key=f"chain-{pid}")
        st.markdown("**⑤ 校验结论**")
        verdicts(proposal.indicator.verdicts, key=f"verdicts-{pid}")
    with right:
        _verdict_summary(proposal)
        _decision_controls(proposal)
    _history(pid)


def _verdict_summary(proposal: ProposalOut) -> None:
    checks = proposal.indicator.verdicts
    passed = sum(v.ok for v in checks)
    if proposal.valid:
        st.success(f"校验通过：{passed}/{len(checks)} 项规则")
        return
    failed = "；".join(f"{RULE_NAMES.get(v.rule, v.rule)}：{v.reason}" for v in proposal.indicator.failures)
    fixes = "；".join(v.suggestion for v in proposal.indicator.failures if v.suggestion)
    st.warning(
        f"校验未通过，不能直接批准（{passed}/{len(checks)} 项通过）。{failed}。"
        + (f"建议：{fixes}。" if fixes else "")
        + "请修改后采纳。"
    )


def _decision_controls(proposal: ProposalOut) -> None:
    pid = proposal.id
    st.markdown("**审核**")
    if proposal.decided_by:
        when = f" {proposal.decided_at:%Y-%m-%d %H:%M}" if proposal.decided_at else ""
        comment = f"：{proposal.comment}" if proposal.comment else ""
        st.info(f"{proposal.decided_by}{when} {STATUS_NAMES.get(proposal.status, proposal.status)}{comment}")
    if not session.allowed("proposals.decide"):
        st.caption("当前角色只能查看建议，审核需要专家或管理员账号。")
        return
    if proposal.status in _DECIDED:
        _reopen_controls(proposal)
        return
    comment = st.text_area("审核意见", key=f"comment-{pid}", placeholder="批准或驳回的理由（驳回必填）", height=80)
    approve_col, reject_col = st.columns(2)
    if approve_col.button(
        "批准",
        type="primary",
        key=f"approve-{pid}",
        disabled=not proposal.valid,
        icon=":material/check:",
        help=None if proposal.valid else "校验未通过的建议不能批准，请先修改",
        width="stretch",
    ):
        _decide(proposal, "approve", comment)
    if reject_col.button("驳回", key=f"reject-{pid}", icon=":material/close:", width="stretch"):
        if not comment.strip():
            st.warning("驳回需要填写审核意见")
        else:
            _decide(proposal, "reject", comment)
    _edit_form(proposal, comment)


def _reopen_controls(proposal: ProposalOut) -> None:
    """A decision is final; changing it means reopening the proposal, with a reason, and deciding anew."""
    pid = proposal.id
    st.caption("该建议已审核。如需改变结论，请填写理由后重新打开，再重新审核。")
    reason = st.text_area("重新打开的理由", key=f"reopen-comment-{pid}", height=68)
    if st.button("重新打开", key=f"reopen-{pid}", icon=":material/undo:", width="stretch"):
        if not reason.strip():
            st.warning("重新打开需要填写理由")
        else:
            _decide(proposal, "reopen", reason)


def _edit_form(proposal: ProposalOut, comment: str) -> None:
    with st.expander("修改后采纳", key=f"edit-box-{proposal.id}", expanded=not proposal.valid):
        changes = edit_form(proposal.indicator, key=proposal.id)
        if changes is not None and not changes:
            st.warning("没有修改任何字段")
        elif changes:
            _decide(proposal, "edit", comment, changes)


def _decide(proposal: ProposalOut, decision: str, comment: str, changes: dict[str, Any] | None = None) -> None:
    with guard(f"{_DECISION_NAMES[decision]}建议"), st.spinner("正在提交……"):
        updated = session.api().decide(proposal.id, decision, comment=comment.strip(), changes=changes)
        data.forget_queue()
        status = STATUS_NAMES.get(updated.status, updated.status)
        flash("success", f"建议「{updated.indicator.name}」已{_DECISION_NAMES[decision]}，当前状态：{status}")
        st.rerun()


def _history(pid: str) -> None:
    with st.expander("审核记录", key=f"history-{pid}"), guard("读取审核记录"):
        rows = [
            {
                "时间": f"{d.at:%Y-%m-%d %H:%M}",
                "审核人": d.actor,
                "决定": _DECISION_NAMES.get(d.decision, d.decision),
                "结果": STATUS_NAMES.get(d.status, d.status),
                "意见": d.comment,
                "修改内容": "；".join(f"{k}={v}" for k, v in d.changes.items()),
            }
            for d in data.decisions(pid)
        ]
        if rows:
            st.dataframe(rows, hide_index=True, width="stretch", key=f"history-table-{pid}")
        else:
            st.caption("尚无审核记录")
