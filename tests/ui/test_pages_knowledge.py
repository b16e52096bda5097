"""法规问答, 知识图谱 and 法规变更 under AppTest against the demo API (real graph, lexical retrieval)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.conftest import DemoApi, api_call, frame, log_in, texts

pytestmark = pytest.mark.integration

QUESTION = "动火作业前需要办理什么手续？"
#: Answered from 环境影响评价法, which 生态环境法典 replaced: its articles come back flagged.
REPEALED_QUESTION = "建设项目环境影响评价"


def _label(citation: dict[str, object]) -> str:
    label = f"《{citation['title'] or citation['law']}》第{citation['article']}条"
    label += "" if citation["current"] else "〔已废止〕"
    return label + f"　{citation['topic']}" if citation["topic"] else label


def test_a_question_is_answered_with_citations_that_open_to_the_article(app: AppTest, demo_api: DemoApi) -> None:
    log_in(app).switch_page("views/qa.py").run()
    assert app.title[0].value == "法规问答"
    app.chat_input(key="qa_input").set_value(QUESTION).run()
    assert not app.exception
    assert not app.error, texts(app, "error")
    expected = api_call(demo_api, "POST", "/qa", json={"question": QUESTION, "k": 8})
    assert expected["citations"]
    assert expected["answer"] in texts(app, "markdown")
    labels = [e.label for e in app.expander]
    assert [_label(c) for c in expected["citations"]] == [x for x in labels if x.startswith("《")]
    assert all(c["topic"] for c in expected["citations"])  # every held article has its 条文主旨
    # each expander quotes the article as the API holds it
    first = expected["citations"][0]
    text = api_call(demo_api, "GET", f"/clauses/{first['law']}%23{first['article']}/text")["text"]
    assert any(text.splitlines()[0] in m for m in texts(app, "markdown"))


def test_repealed_articles_are_flagged_and_history_kept(app: AppTest, demo_api: DemoApi) -> None:
    log_in(app).switch_page("views/qa.py").run()
    app.chat_input(key="qa_input").set_value(QUESTION).run()
    app.chat_input(key="qa_input").set_value(REPEALED_QUESTION).run()
    assert not app.exception
    expected = api_call(demo_api, "POST", "/qa", json={"question": REPEALED_QUESTION, "k": 8})
    repealed = [c for c in expected["citations"] if not c["current"]]
    assert repealed, "the question is meant to reach repealed articles"
    labels = [e.label for e in app.expander]
    assert all(_label(c) in labels for c in repealed)
    assert any(w.startswith("该条文已废止或失效") for w in texts(app, "warning"))
    questions = [m for m in texts(app, "markdown") if m in (QUESTION, REPEALED_QUESTION)]
    assert questions == [QUESTION, REPEALED_QUESTION]
    app.button(key="qa_clear").click().run()
    assert not [e for e in app.expander if e.label.startswith("《")]


def test_a_process_is_drawn_with_its_risks_obligations_and_indicators(app: AppTest, demo_api: DemoApi) -> None:
    processes = api_call(demo_api, "GET", "/processes", params={"limit": 200})["items"]
    weld = next(p for p in processes if "焊" in p["properties"]["name"])
    graph = api_call(demo_api, "GET", f"/processes/{weld['id']}/graph")
    log_in(app).switch_page("views/graph.py").run()
    assert app.title[0].value == "知识图谱"
    app.selectbox(key="graph_process").set_value(weld["id"]).run()
    assert not app.exception
    assert not app.error, texts(app, "error")
    [chart] = app.get("graphviz_chart")
    dot = chart.proto.spec
    assert dot.startswith("digraph process {")
    names = {n["label"]: [x["name"] for x in graph["nodes"] if x["label"] == n["label"]] for n in graph["nodes"]}
    assert names["Risk"][0][:10] in dot.replace("\\n", "")
    assert "考核" in dot and "条文" not in dot.split("tooltip")[-1]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["风险"] == str(len(names["Risk"]))
    app.toggle(key="graph_clauses").set_value(True).run()
    assert "#f5f5f5" in app.get("graphviz_chart")[0].proto.spec
    assert len(frame(app, "类型")) == len(graph["nodes"])
    # focused on one risk: only that risk is drawn
    risk = next(n for n in graph["nodes"] if n["label"] == "Risk")
    app.selectbox(key=f"graph_risk_{weld['id']}").set_value(risk["id"]).run()
    assert {m.label: m.value for m in app.metric}["风险"] == "1"
    assert set(frame(app, "类型")["编号"]) < {n["id"] for n in graph["nodes"]}


def test_the_impact_of_a_replaced_regulation(app: AppTest, demo_api: DemoApi) -> None:
    regulations = api_call(demo_api, "GET", "/regulations", params={"limit": 200})["items"]
    replaced = [r for r in regulations if r["properties"].get("replaced_by") and "/" not in r["id"]]
    reports = {r["id"]: api_call(demo_api, "GET", f"/impact/{r['id']}") for r in replaced}
    chosen, report = next(((k, v) for k, v in reports.items() if v["citations"]), next(iter(reports.items())))
    log_in(app).switch_page("views/impact.py").run()
    assert app.title[0].value == "法规变更"
    app.selectbox(key="impact_regulation").set_value(chosen).run()
    assert not app.exception
    assert not app.error, texts(app, "error")
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["引用条文"] == str(len(report["citations"]))
    assert metrics["无对应现行条文"] == str(len(report["unmapped"]))
    if report["citations"]:
        table = frame(app, "改引建议")
        assert list(table["指标"]) == [c["indicator"] for c in report["citations"]]
        assert list(table["改引建议"]) == [c["proposal"] for c in report["citations"]]
        first = report["citations"][0]
        assert f"《{first['law']}》第{first['article']}条〔已废止〕" in [e.label for e in app.expander]
