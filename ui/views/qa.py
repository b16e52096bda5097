"""法规问答: questions answered from the regulations, every citation expanding to the article text and
repealed articles flagged with the article that replaced them."""

from __future__ import annotations

import streamlit as st

from api.contracts.qa import Answer
from ui import session
from ui.widgets import citation, guard

__all__ = ["render"]

_HISTORY = "qa_history"
EXAMPLES = ("动火作业前需要办理什么手续？", "危险废物贮存有哪些要求？", "特种作业人员需要具备什么条件？")


def render() -> None:
    """The page."""
    st.title("法规问答")
    st.caption("答案只依据知识图谱中的法规条文；每条引用可展开原文，已废止条文标出现行替代条文。")
    history: list[Answer] = st.session_state.setdefault(_HISTORY, [])
    if not history:
        st.markdown("可以这样问：" + "　".join(f"「{q}」" for q in EXAMPLES))
    for i, answer in enumerate(history):
        _turn(i, answer)
    question = st.chat_input("请输入问题，例如：动火作业前需要办理什么手续？", key="qa_input", max_chars=500)
    if question and question.strip():
        with st.chat_message("user"):
            st.markdown(question)
        with guard("法规问答"), st.spinner("正在检索法规条文……"):
            answer = session.api().ask(question.strip())
            history.append(answer)
            st.rerun()
    if history and st.button("清空对话", key="qa_clear", icon=":material/delete:"):
        st.session_state[_HISTORY] = []
        st.rerun()


def _turn(i: int, answer: Answer) -> None:
    with st.chat_message("user"):
        st.markdown(answer.question)
    with st.chat_message("assistant"):
        if answer.abstained:
            st.warning(answer.answer)
        else:
            st.markdown(answer.answer)
        for flag in answer.flags:
            st.caption(f"注意：{flag}")
        if answer.citations:
            st.markdown(f"**依据条文（{len(answer.citations)} 条）**")
        for j, c in enumerate(answer.citations):
            successor = (c.successor.law, c.successor.article) if c.successor else None
            citation(
                c.law,
                c.article,
                key=f"qa-{i}-cite-{j}",
                title=c.title,
                topic=c.topic,
                quote=c.quote,
                current=c.current,
                successor=successor,
            )
        if answer.duties:
            rows = [
                {
                    "条文": f"《{d.law}》第{d.article}条",
                    "责任主体": d.subject,
                    "义务": f"【{d.modality}】{d.action}",
                    "条件": d.condition,
                    "罚则": d.penalty or "",
                }
                for d in answer.duties
            ]
            with st.expander("相关义务", key=f"qa-{i}-duties"):
                st.dataframe(rows, hide_index=True, width="stretch", key=f"qa-{i}-duties-table")
        st.caption(
            f"用时 {answer.ms:.0f} 毫秒" + (f"，模型 {answer.llm_model}" if answer.llm_model else "，抽取式回答")
        )


if __name__ == "__main__":
    render()
