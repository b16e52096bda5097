"""登录 and 审核队列 under AppTest against the demo API: login, the list and its filters, the evidence of a
proposal, approve / reject / edit with a comment, bulk decisions, roles, readable errors."""

from __future__ import annotations

from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.ui.conftest import (
    UI_APP,
    DemoApi,
    api_call,
    frame,
    invalid_run,
    log_in,
    new_run,
    show_run,
    stale_article,
    texts,
)
from tests.ui.servers import free_port
from ui.session_store import STORE

pytestmark = pytest.mark.integration


def _pick(run: dict[str, Any], *, valid: bool) -> dict[str, Any]:
    return next(p for p in run["proposals"] if p["valid"] is valid)


def test_a_wrong_password_is_refused_readably(app: AppTest) -> None:
    app.run()
    app.text_input(key="login_username").input("demo-expert")
    app.text_input(key="login_password").input("wrong password")
    app.button(key="login_submit").click().run()
    assert not app.exception
    assert texts(app, "error") == ["登录失败：用户名或密码错误"]
    assert app.title[0].value == "安全环保履职专家系统"


def test_login_opens_the_queue_with_the_evidence_of_a_proposal(app: AppTest, demo_api: DemoApi) -> None:
    log_in(app)
    assert not app.exception
    assert not app.error
    assert app.title[0].value == "审核队列"
    assert "退出登录" in [b.label for b in app.sidebar.button]
    assert any(m.startswith("共 **") for m in texts(app, "markdown"))
    seeded = _pick(demo_api.run, valid=True)  # a proposal whose every verdict passed
    app.selectbox(key="review_selected").set_value(seeded["id"]).run()
    markdown = "\n".join(texts(app, "markdown"))
    assert "① 变更" in markdown and "④ 建议指标" in markdown
    assert seeded["change"] in markdown
    labels = [e.label for e in app.expander]
    obligation = seeded["obligations"][0]
    assert f"《{obligation['law']}》第{obligation['article']}条" in labels
    # the quoted clause: the article text fetched through the API, quoted in the expander
    assert any(obligation["quote"][:20] in m for m in texts(app, "markdown"))
    verdicts = frame(app, "校验规则")
    assert list(verdicts["结论"]) == ["通过"] * len(seeded["indicator"]["verdicts"])


def test_approving_a_valid_proposal_reaches_the_api(app: AppTest, demo_api: DemoApi) -> None:
    run = new_run(demo_api, "A")
    target = _pick(run, valid=True)
    show_run(log_in(app), "A")
    assert f"共 **{len(run['proposals'])}** 条建议" in texts(app, "markdown")
    app.selectbox(key="review_selected").set_value(target["id"]).run()
    app.text_area(key=f"comment-{target['id']}").input("依据充分，同意")
    app.button(key=f"approve-{target['id']}").click().run()
    assert not app.exception
    assert any("已批准" in s for s in texts(app, "success"))
    stored = api_call(demo_api, "GET", f"/proposals/{target['id']}")
    assert (stored["status"], stored["comment"], stored["decided_by"]) == ("approved", "依据充分，同意", "demo-expert")
    history = frame(app, "审核人")
    assert list(history["决定"]) == ["批准"]


def test_a_decided_proposal_is_reopened_with_a_reason_before_a_new_decision(app: AppTest, demo_api: DemoApi) -> None:
    run = new_run(demo_api, "R")
    target = _pick(run, valid=True)
    pid = target["id"]
    show_run(log_in(app), "R")
    app.selectbox(key="review_selected").set_value(pid).run()
    app.button(key=f"approve-{pid}").click().run()
    assert api_call(demo_api, "GET", f"/proposals/{pid}")["status"] == "approved"
    # decided: no approve / reject any more, only reopening
    keys = {b.key for b in app.button}
    assert f"reopen-{pid}" in keys and not keys & {f"approve-{pid}", f"reject-{pid}"}
    app.button(key=f"reopen-{pid}").click().run()
    assert "重新打开需要填写理由" in texts(app, "warning")
    assert api_call(demo_api, "GET", f"/proposals/{pid}")["status"] == "approved"
    app.text_area(key=f"reopen-comment-{pid}").input("排放限值已修订，需重新审核")
    app.button(key=f"reopen-{pid}").click().run()
    assert not app.exception and not app.error, texts(app, "error")
    assert api_call(demo_api, "GET", f"/proposals/{pid}")["status"] == "validated"
    assert not app.button(key=f"approve-{pid}").disabled
    assert list(frame(app, "审核人")["决定"]) == ["批准", "重新打开"]


def test_an_invalid_proposal_cannot_be_approved_until_an_edit_fixes_it(app: AppTest, demo_api: DemoApi) -> None:
    pid, original = invalid_run(demo_api, "B")
    law, article, successor_law = stale_article(demo_api)
    show_run(log_in(app), "B")
    app.selectbox(key="review_selected").set_value(pid).run()
    assert app.button(key=f"approve-{pid}").disabled
    assert any("校验未通过，不能直接批准" in w for w in texts(app, "warning"))
    assert "未通过" in list(frame(app, "校验规则")["结论"])
    # citing an article that does not exist fails re-validation: one readable line, nothing changed
    app.text_input(key=f"edit-cites-{pid}").input("《安全生产法》第999条")
    app.button(key=f"edit-submit-{pid}").click().run()
    assert not app.exception
    assert any(e.startswith("修改建议失败：输入不符合要求") for e in texts(app, "error"))
    assert api_call(demo_api, "GET", f"/proposals/{pid}")["status"] == "proposed"
    # citing current articles instead passes, and the proposal is accepted with the correction
    fixed = "；".join(f"《{c['law']}》第{c['article']}条" for c in original["cites"])
    app.text_input(key=f"edit-cites-{pid}").input(fixed)
    app.text_area(key=f"comment-{pid}").input(f"{law}已由{successor_law}取代，改引现行条文")
    app.button(key=f"edit-submit-{pid}").click().run()
    assert not app.exception
    assert not app.error, texts(app, "error")
    stored = api_call(demo_api, "GET", f"/proposals/{pid}")
    assert (stored["status"], stored["valid"]) == ("edited", True)
    assert stored["indicator"]["cites"] == original["cites"]


def test_editing_a_valid_proposal_accepts_it_with_the_corrections(app: AppTest, demo_api: DemoApi) -> None:
    run = new_run(demo_api, "C")
    target = _pick(run, valid=True)
    show_run(log_in(app), "C")
    app.selectbox(key="review_selected").set_value(target["id"]).run()
    app.text_input(key=f"edit-owner-{target['id']}").input("喷涂车间主任")
    app.text_area(key=f"comment-{target['id']}").input("责任人落实到车间")
    app.button(key=f"edit-submit-{target['id']}").click().run()
    assert not app.exception
    assert not app.error
    stored = api_call(demo_api, "GET", f"/proposals/{target['id']}")
    assert (stored["status"], stored["indicator"]["owner"]) == ("edited", "喷涂车间主任")
    decisions = api_call(demo_api, "GET", f"/proposals/{target['id']}/decisions")
    assert decisions[-1]["changes"] == {"owner": "喷涂车间主任"}


def test_rejecting_needs_a_comment(app: AppTest, demo_api: DemoApi) -> None:
    run = new_run(demo_api, "D")
    target = _pick(run, valid=True)
    show_run(log_in(app), "D")
    app.selectbox(key="review_selected").set_value(target["id"]).run()
    app.button(key=f"reject-{target['id']}").click().run()
    assert "驳回需要填写审核意见" in texts(app, "warning")
    app.text_area(key=f"comment-{target['id']}").input("已由现有指标覆盖")
    app.button(key=f"reject-{target['id']}").click().run()
    assert api_call(demo_api, "GET", f"/proposals/{target['id']}")["status"] == "rejected"


def test_bulk_approval_reports_each_proposal(app: AppTest, demo_api: DemoApi) -> None:
    invalid, _ = invalid_run(demo_api, "E")  # with its source run of valid proposals, both listed under 喷涂E
    show_run(log_in(app), "E")
    listed = list(frame(app, "编号")["编号"])
    assert invalid in listed and len(listed) > 1
    # the proposer may itself leave some proposals failing validation: they must fail like the inserted one
    failing = {pid for pid in listed if not api_call(demo_api, "GET", f"/proposals/{pid}")["valid"]}
    assert invalid in failing and len(failing) < len(listed)
    app.checkbox(key="review_bulk_all").check().run()
    assert sorted(app.multiselect(key="review_bulk_ids").value) == sorted(listed)
    app.text_input(key="review_bulk_comment").input("批量通过")
    app.button(key="review_bulk_approve").click().run()
    assert not app.exception
    warnings = texts(app, "warning")
    assert f"批量批准：成功 {len(listed) - len(failing)} 条，失败 {len(failing)} 条" in warnings
    assert any("cannot be approved" in w for w in warnings)
    statuses = {pid: api_call(demo_api, "GET", f"/proposals/{pid}")["status"] for pid in listed}
    assert statuses == {pid: "proposed" if pid in failing else "approved" for pid in listed}
    assert app.multiselect(key="review_bulk_ids").value == []


def test_filters_narrow_the_list(app: AppTest, demo_api: DemoApi) -> None:
    pid, _ = invalid_run(demo_api, "F")
    show_run(log_in(app), "F")
    app.selectbox(key="review_status").set_value("proposed").run()
    proposed = list(frame(app, "编号")["编号"])
    assert pid in proposed
    assert {api_call(demo_api, "GET", f"/proposals/{p}")["status"] for p in proposed} == {"proposed"}
    app.selectbox(key="review_status").set_value("validated").run()
    assert not frame(app, "编号").empty and pid not in list(frame(app, "编号")["编号"])
    app.text_input(key="review_process").input("不存在的工序").run()
    assert "没有符合条件的建议" in texts(app, "info")[0]


def test_a_new_change_run_from_the_form_fills_the_queue(app: AppTest) -> None:
    log_in(app)
    app.text_input(key="run_sector").input("汽车零部件")
    app.text_area(key="run_description").input("新增一条喷涂线，使用溶剂型涂料")
    app.text_input(key="run_process").input("喷涂G")
    app.text_input(key="run_process_detail").input("喷漆房人工喷涂，烘干炉烘干")
    app.button(key="run_submit").click().run()
    assert not app.exception
    assert any(s.startswith("变更分析完成") for s in texts(app, "success"))
    show_run(app, "G")
    assert not frame(app, "编号").empty


def test_a_viewer_reads_but_cannot_decide(app: AppTest, demo_api: DemoApi) -> None:
    log_in(app, "viewer")
    assert not app.error
    pid = app.selectbox(key="review_selected").value
    assert not [b for b in app.button if b.key == f"approve-{pid}"]
    assert "当前角色只能查看建议，审核需要专家或管理员账号。" in texts(app, "caption")


def test_an_expired_session_returns_to_the_login_page(app: AppTest) -> None:
    log_in(app)
    user = STORE.get(app.session_state["hsekg_sid"]).user  # type: ignore[union-attr]
    forged, _ = STORE.open("expired.or.forged", user, lifetime=600)  # a token the API no longer accepts
    app.session_state["hsekg_sid"] = forged
    st.cache_data.clear()  # so that the next run asks the API
    app.run()
    assert not app.exception
    assert app.title[0].value == "安全环保履职专家系统"
    assert "登录已过期或账号已停用，请重新登录" in texts(app, "warning")


def test_an_unreachable_api_is_one_readable_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HSEKG_API_URL", f"http://127.0.0.1:{free_port()}")
    at = AppTest.from_file(str(UI_APP), default_timeout=60)
    log_in(at)
    assert not at.exception
    [error] = texts(at, "error")
    assert error.startswith("登录失败：无法连接 API 服务 http://127.0.0.1:")


def test_logging_out_returns_to_the_login_page_and_ends_the_stored_session(app: AppTest) -> None:
    log_in(app)
    sid = app.session_state["hsekg_sid"]
    assert STORE.get(sid) is not None
    app.sidebar.button(key="logout").click().run()
    assert app.title[0].value == "安全环保履职专家系统"
    assert "hsekg_sid" not in app.session_state
    assert STORE.get(sid) is None  # the browser's cookie, wherever copied, logs nobody in
