"""法规问答, 知识图谱 and 法规变更 under AppTest against the demo API (real graph, lexical retrieval)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from api.settings import REPO_ROOT
from kg.corpus import load_knowledge_base
from tests.ui.conftest import DemoApi, api_call, frame, log_in, texts
from tests.ui.demo_env import ENTERPRISE

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


def _chart(app: AppTest) -> dict[str, Any]:
    """The ECharts option of the knowledge graph's picture."""
    [chart] = [e for e in app.get("bidi_component") if e.proto.component_name.startswith("streamlit-echarts")]
    option: dict[str, Any] = json.loads(chart.proto.json)["options"]
    return option


def test_every_process_of_the_flow_shows_only_indicators_measuring_its_risks(app: AppTest, demo_api: DemoApi) -> None:
    flow = api_call(demo_api, "GET", f"/enterprises/{ENTERPRISE}/flow")
    kb = load_knowledge_base(REPO_ROOT / "regulations_corpus")
    templates = {p.id: p for p in kb.processes}
    measures = {i.id: set(i.measures_risks) for i in kb.indicators}
    log_in(app).switch_page("views/graph.py").run()
    assert app.title[0].value == "知识图谱"
    options = app.selectbox(key="graph_process").options
    steps = [s for s in flow["steps"] if s["process_id"]]
    assert options == [f"{s['step']:02d} {s['name']}（{s['stage']}）" for s in steps]  # flow order
    assert app.selectbox(key="graph_process").value == steps[0]["step"]  # opens on the first step
    for step in steps:
        pid = step["process_id"]
        app.selectbox(key="graph_process").set_value(step["step"]).run()
        assert not app.exception and not app.error, texts(app, "error")
        own = set(templates[pid].risks)
        [series] = _chart(app)["series"]
        drawn = {n["id"] for n in series["data"]}
        indicators = drawn - own - {pid}
        assert all(measures[i] & own for i in indicators), (pid, [i for i in indicators if not measures[i] & own])
        assert len(drawn) <= 30, pid
        table = frame(app, "考核指标")
        expected = {i.name for i in kb.indicators if set(i.measures_risks) & own}
        assert set(table["考核指标"]) - {"（无考核该风险的指标）"} == expected, pid


def test_a_process_expands_and_a_node_opens_to_its_details(app: AppTest, demo_api: DemoApi) -> None:
    risk_map = api_call(demo_api, "GET", "/processes/p_welding/risk-map")
    flow = api_call(demo_api, "GET", f"/enterprises/{ENTERPRISE}/flow")
    weld = next(s["step"] for s in flow["steps"] if s["process_id"] == "p_welding")
    log_in(app).switch_page("views/graph.py").run()
    app.selectbox(key="graph_process").set_value(weld).run()
    assert {m.label: m.value for m in app.metric}["风险"] == str(len(risk_map["risks"]))
    app.toggle(key="graph_expand").set_value(True).run()
    [series] = _chart(app)["series"]
    assert len(series["data"]) == 1 + len(risk_map["risks"]) + len(risk_map["indicators"])
    # a risk's details: its duties with the clauses' texts
    risk = next(r for r in risk_map["risks"] if any(d["clauses"] for d in r["duties"]))
    app.selectbox(key="graph_node_p_welding").set_value(risk["id"]).run()
    clause = next(c for d in risk["duties"] for c in d["clauses"])
    assert f"《{clause['regulation']}》第{clause['article']}条" in [e.label for e in app.expander]
    assert clause["text"] and any(clause["text"].splitlines()[0][:20] in m for m in texts(app, "markdown"))
    indicator = risk_map["indicators"][0]
    app.selectbox(key="graph_node_p_welding").set_value(indicator["id"]).run()
    assert any(indicator["metric"] in m for m in texts(app, "markdown"))


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
