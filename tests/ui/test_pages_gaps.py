"""规则缺口 under AppTest against the demo API: the stored 考核细则 of the demo enterprise and an uploaded
sheet, the report, and suggestions sent to the review queue."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from streamlit.testing.v1 import AppTest

from tests.ui.conftest import DemoApi, api_call, frame, log_in, stale_article, texts

pytestmark = pytest.mark.integration

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_stored_rules_are_analysed_and_the_suggestions_sent_to_review(app: AppTest, demo_api: DemoApi) -> None:
    log_in(app).switch_page("views/gaps.py").run()
    assert app.title[0].value == "规则缺口"
    rules = api_call(demo_api, "GET", "/enterprises/demo/rules")
    assert any(f"现行指标 {len(rules['indicators'])} 项" in m for m in texts(app, "markdown"))
    app.button(key="gaps_run_stored").click().run()
    assert not app.exception
    assert not app.error, texts(app, "error")
    report = api_call(demo_api, "POST", "/gaps", json={"scenario": rules})["report"]
    metrics = _metrics(app)
    assert metrics["未覆盖义务"] == str(len(report["gaps"]))
    assert metrics["建议指标"] == str(len(report["suggestions"]))
    assert report["suggestions"], "the demo enterprise's rules are expected to leave gaps"
    assert list(frame(app, "建议指标")["建议指标"]) == [s["name"] for s in report["suggestions"]]
    first = report["gaps"][0]
    assert f"《{first['law']}》第{first['article']}条" in [e.label for e in app.expander]
    before = api_call(demo_api, "GET", "/proposals", params={"source": "gap"})["total"]
    app.button(key="gaps_send").click().run()
    assert not app.exception
    assert f"已发送 {len(report['suggestions'])} 条建议到审核队列" in texts(app, "success")
    after = api_call(demo_api, "GET", "/proposals", params={"source": "gap"})["total"]
    assert after - before == len(report["suggestions"])
    assert not [b for b in app.button if b.key == "gaps_send"]  # sent once, not twice


def _sheet(stale: tuple[str, int]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["指标名称", "层级", "目标值", "考核方法", "数据来源", "责任人", "引用条款"])
    sheet.append(
        ["焊烟净化设备运行率", "部门", "100%", "巡检抽查", "设备运行记录", "设备部", "《职业病防治法》第二十二条"]
    )
    sheet.append(["厂界噪声达标率", "企业", "100%", "季度监测", "监测报告", "环保部", f"《{stale[0]}》第{stale[1]}条"])
    sheet.append(["废旧物资管理规范率", "部门", "100%", "月度检查", "台账", "仓储部", "《不存在的管理办法》第三条"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_uploaded_sheet_reports_stale_and_unknown_citations(app: AppTest, demo_api: DemoApi) -> None:
    law, article, _ = stale_article(demo_api)
    log_in(app).switch_page("views/gaps.py").run()
    app.radio(key="gaps_origin").set_value("upload").run()
    app.file_uploader(key="gaps_file").set_value(("考核细则.xlsx", _sheet((law, article)), XLSX))
    app.text_input(key="gaps_sector").input("机械加工")
    app.text_input(key="gaps_enterprise").input("上传测试企业")
    app.text_area(key="gaps_processes").input("焊接、喷涂、危险废物贮存")
    app.button(key="gaps_run_upload").click().run()
    assert not app.exception
    assert not app.error, texts(app, "error")
    assert any(w.endswith("《不存在的管理办法》第三条") for w in texts(app, "warning"))
    assert int(_metrics(app)["过时引用"]) >= 1
    assert any(m.startswith(f"**厂界噪声达标率**：《{law}》第{article}条") for m in texts(app, "markdown"))
    assert f"《{law}》第{article}条〔已废止〕" in [e.label for e in app.expander]


def test_an_upload_without_a_file_asks_for_one(app: AppTest) -> None:
    log_in(app).switch_page("views/gaps.py").run()
    app.radio(key="gaps_origin").set_value("upload").run()
    app.button(key="gaps_run_upload").click().run()
    assert "请先选择考核细则文件" in texts(app, "warning")


def test_a_viewer_is_told_who_may_analyse_gaps(app: AppTest) -> None:
    log_in(app, "viewer").switch_page("views/gaps.py").run()
    assert not app.error
    assert "规则缺口分析需要专家、管理员或安全环保负责人账号。" in texts(app, "info")
