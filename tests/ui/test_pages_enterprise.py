"""企业工艺 under AppTest against the demo API: an enterprise's documents uploaded on the page (AppTest
drives ``st.file_uploader``), the process map with its flags and provenance, the expert's confirmation
(accept all, another template, a new name) checked through the API, roles, a readable error, and a new
version compared and its changes sent to the review queue.

Each test has an enterprise of its own (users of every role created for it), so that one test's import
and confirmation cannot change what another reads; documents the page does not upload itself are
imported through the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from api.contracts.enterprises import Provenance
from api.services.security import ROLES
from evals.enterprise_extraction import FIXTURES, materialize
from tests.ui.conftest import DemoApi, frame, texts
from tests.ui.demo_env import PASSWORD
from ui.widgets import local_time, where

pytestmark = pytest.mark.integration

MIME = {
    ".md": "text/markdown",
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
UNRELATED = ("会议纪要.md", "# 会议纪要\n讨论年度团建安排。\n".encode())
#: The auto-parts 环评报告表 with one more step (激光打标) and one more hazardous material (异丙醇).
NEW_STEP = "| 8 | 激光打标 | 总装工段 | 激光打标机 | 烟尘 |\n"
NEW_MATERIAL = "| 异丙醇 | 1t | 清洗 |\n"


@dataclass(frozen=True)
class Tenant:
    """An enterprise of one test, with a user of every role."""

    api: DemoApi
    id: str

    def user(self, role: str) -> str:
        return f"{self.id}-{role}"

    def call(self, method: str, path: str, *, role: str = "expert", **kwargs: Any) -> Any:
        """Call the API as this enterprise's user of ``role``."""
        login = {"username": self.user(role), "password": PASSWORD}
        token = httpx.post(f"{self.api.url}/auth/token", data=login, timeout=30).json()["access_token"]
        r = httpx.request(
            method, f"{self.api.url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=300, **kwargs
        )
        r.raise_for_status()
        return r.json()

    def view(self) -> dict[str, Any]:
        view: dict[str, Any] = self.call("GET", f"/enterprises/{self.id}", role="viewer")
        return view

    def import_documents(self, documents: list[tuple[str, bytes]], **form: str) -> dict[str, Any]:
        files = [("files", (name, content)) for name, content in documents]
        result: dict[str, Any] = self.call("POST", "/enterprises/import", role="manager", files=files, data=form)
        return result


@pytest.fixture
def tenant(demo_api: DemoApi) -> Tenant:
    """A new enterprise with one user per role."""
    tenant = Tenant(demo_api, f"ent-{uuid4().hex[:8]}")
    for role in ROLES:
        demo_api.services.users.create(
            username=tenant.user(role), password=PASSWORD, role=role, enterprise_id=tenant.id, actor="test"
        )
    return tenant


def _documents(case: str, tmp: Path) -> list[tuple[str, bytes]]:
    """A fixture sector's documents rendered to their formats (PDF, DOCX, Excel, Markdown)."""
    return [(p.name, p.read_bytes()) for p in materialize(FIXTURES / case, tmp / case)]


def _auto_parts(*, new_version: bool = False) -> list[tuple[str, bytes]]:
    folder = FIXTURES / "auto_parts"
    eia = (folder / "环评报告表.md").read_text(encoding="utf-8")
    if new_version:
        eia = eia.replace("## 三、", NEW_STEP + "## 三、").replace("## 四、", NEW_MATERIAL + "## 四、")
    rules = (folder / "安全操作规程.md").read_bytes()
    return [("环评报告表.md", eia.encode("utf-8")), ("安全操作规程.md", rules)]


def _open(at: AppTest, tenant: Tenant, role: str = "expert") -> AppTest:
    """Log in as the tenant's user of ``role`` and open 企业工艺."""
    at.run()
    at.text_input(key="login_username").input(tenant.user(role))
    at.text_input(key="login_password").input(PASSWORD)
    at.button(key="login_submit").click().run()
    at.switch_page("views/enterprise.py").run()
    assert not at.exception
    assert at.title[0].value == "企业工艺"
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception
    assert not at.error, texts(at, "error")


def _upload(at: AppTest, key: str, documents: list[tuple[str, bytes]]) -> None:
    at.file_uploader(key=key).set_value([(n, c, MIME[Path(n).suffix]) for n, c in documents])


def test_documents_uploaded_on_the_page_become_the_process_map(app: AppTest, tenant: Tenant, tmp_path: Path) -> None:
    _open(app, tenant)
    assert "本企业尚未导入工艺文档。" in texts(app, "info")
    documents = _documents("machining", tmp_path)  # a PDF process description and an Excel list
    assert sorted(Path(n).suffix for n, _ in documents) == [".pdf", ".xlsx"]
    _upload(app, "enterprise_files", [*documents, UNRELATED])
    app.text_input(key="enterprise_sector").input("机械加工")
    app.button(key="enterprise_import_submit").click().run()
    _ok(app)
    assert any(s.startswith("已导入第 1 版：8 个工序") for s in texts(app, "success"))
    view = tenant.view()
    assert (view["sector"], view["pending"]) == ("机械加工", 8)
    steps = frame(app, "映射模板")
    assert list(steps["工序"]) == [m["name"] for m in view["processes"]]
    assert list(steps["映射模板"]) == [m["template_name"] for m in view["processes"]]
    assert set(steps["确认状态"]) == {"待确认"}
    # each step opens to its evidence and where it was read
    weld = next(m for m in view["processes"] if m["name"] == "焊接")
    assert f"{weld['order']}. 焊接 → {weld['template_name']}" in [e.label for e in app.expander]
    assert any(c.startswith("出处：《工艺流程说明.pdf》第1页第") for c in texts(app, "caption"))
    assert any("**匹配依据**：" in m and "焊接" in m for m in texts(app, "markdown"))
    # hazardous materials and special equipment flagged, with the Excel cell they came from
    materials = frame(app, "标记", nth=0)
    flagged = set(materials[materials["标记"] == "⚠ 危险化学品"]["名称"])
    assert {"油漆", "稀释剂", "乙炔", "氧气"} <= flagged and "液压油" not in flagged
    assert materials["出处"].str.contains("单元格 化学品清单!").any()
    equipment = frame(app, "标记", nth=1)
    special = equipment[equipment["标记"] == "⚠ 特种设备"].set_index("名称")
    assert {"叉车", "储气罐", "电动葫芦"} <= set(special.index) and "数控车床" not in special.index
    assert special.loc["电动葫芦", "依据"] == "起重机械"
    assert special.loc["电动葫芦", "出处"] == "《设备及化学品清单.xlsx》单元格 设备清单!B9"
    assert "DA001" in frame(app, "排放口")["排放口"].tolist()
    # the document that yielded nothing, with its reason
    reports = frame(app, "识别内容").set_index("文件")
    assert reports.loc["会议纪要.md", "结果"] == "未识别到内容"
    assert reports.loc["工艺流程说明.pdf", "结果"] == "已解析"
    assert any(w.startswith("会议纪要.md：未识别到内容——未识别到工序") for w in texts(app, "warning"))
    # a later session (no import result in it) reads the same from the stored version
    del app.session_state["enterprise_last_import"]
    app.run()
    _ok(app)
    again = frame(app, "识别内容").set_index("文件")
    assert again.loc["会议纪要.md", "结果"] == "未识别到内容"
    assert frame(app, "标记", nth=0)["出处"].str.contains("单元格 化学品清单!").any()
    assert (
        frame(app, "标记", nth=1).set_index("名称").loc["电动葫芦", "出处"]
        == "《设备及化学品清单.xlsx》单元格 设备清单!B9"
    )


def test_accept_all_confirms_every_step(app: AppTest, tenant: Tenant) -> None:
    tenant.import_documents(_auto_parts(), sector="汽车零部件")
    _open(app, tenant)
    steps = len(tenant.view()["processes"])
    assert f"已确认 **0/{steps}** 个工序" in texts(app, "markdown")
    app.button(key="enterprise_accept_all").click().run()
    _ok(app)
    assert any(f"已确认 {steps} 个工序（确认人 {tenant.user('expert')}，" in s for s in texts(app, "success"))
    view = tenant.view()
    assert view["pending"] == 0
    assert {(m["confirmed"], m["confirmed_by"]) for m in view["processes"]} == {(True, tenant.user("expert"))}
    assert set(frame(app, "映射模板")["确认人"]) == {tenant.user("expert")}
    assert app.button(key="enterprise_accept_all").disabled


def test_a_correction_to_another_template_and_a_new_name_are_stored(app: AppTest, tenant: Tenant) -> None:
    tenant.import_documents(_auto_parts(), sector="汽车零部件")
    _open(app, tenant)
    before = tenant.view()["processes"]
    i, target = next((i, m) for i, m in enumerate(before) if m["name"] == "电泳")
    assert target["template_id"] != "p_spray_painting"
    j = next(j for j, m in enumerate(before) if m["name"] == "装配")
    k = next(k for k, m in enumerate(before) if m["name"] == "落料")
    app.selectbox(key=f"enterprise_fix_template_{i}").set_value("p_spray_painting")
    app.text_input(key=f"enterprise_fix_name_{j}").input("总装")
    app.checkbox(key=f"enterprise_fix_accept_{k}").check()
    app.button(key="enterprise_fix_submit").click().run()
    _ok(app)
    after = {m["id"]: m for m in tenant.view()["processes"]}
    fixed = after[target["id"]]
    assert (fixed["template_id"], fixed["decided_by"], fixed["confirmed"]) == ("p_spray_painting", "expert", True)
    assert fixed["confirmed_by"] == tenant.user("expert")
    renamed = after[before[j]["id"]]
    assert (renamed["name"], renamed["extracted_name"], renamed["confirmed"]) == ("总装", "装配", True)
    assert renamed["template_id"] == before[j]["template_id"]
    assert after[before[k]["id"]]["confirmed"] and after[before[k]["id"]]["decided_by"] == "matcher"
    assert sum(not m["confirmed"] for m in after.values()) == len(before) - 3
    # the form is emptied for the next correction, and the table shows the expert's choice
    assert app.selectbox(key=f"enterprise_fix_template_{i}").value == "__keep__"
    row = frame(app, "映射模板").set_index("工序").loc["电泳"]
    assert (row["映射方式"], row["确认人"]) == ("专家指定", tenant.user("expert"))


def test_a_step_marked_new_loses_its_template(app: AppTest, tenant: Tenant) -> None:
    tenant.import_documents(_auto_parts(), sector="汽车零部件")
    _open(app, tenant)
    before = tenant.view()["processes"]
    i = next(i for i, m in enumerate(before) if m["template_id"])
    app.selectbox(key=f"enterprise_fix_template_{i}").set_value("__new__")
    app.button(key="enterprise_fix_submit").click().run()
    _ok(app)
    marked = next(m for m in tenant.view()["processes"] if m["id"] == before[i]["id"])
    assert (marked["status"], marked["template_id"], marked["confirmed"]) == ("new", None, True)


def test_an_empty_form_asks_what_to_confirm(app: AppTest, tenant: Tenant) -> None:
    tenant.import_documents(_auto_parts(), sector="汽车零部件")
    _open(app, tenant)
    app.button(key="enterprise_fix_submit").click().run()
    assert not app.exception
    assert any(w.startswith("没有要提交的确认或修正") for w in texts(app, "warning"))
    assert tenant.view()["pending"] == len(tenant.view()["processes"])


@pytest.mark.parametrize("role", ["viewer", "inspector"])
def test_other_roles_read_the_map_but_cannot_import_or_confirm(app: AppTest, tenant: Tenant, role: str) -> None:
    tenant.import_documents(_auto_parts(), sector="汽车零部件")
    _open(app, tenant, role)
    _ok(app)
    assert not frame(app, "映射模板").empty
    keys = {b.key for b in app.button}
    assert not keys & {"enterprise_accept_all", "enterprise_fix_submit", "enterprise_import_submit"}
    assert not app.get("file_uploader")
    captions = texts(app, "caption")
    assert "确认或修正工序映射需要专家或管理员账号；当前角色只能查看。" in captions
    assert "导入企业文档需要专家、管理员或安全环保负责人账号；当前角色只能查看工艺地图。" in captions
    # without an import of its own, the session reads what the stored version's documents gave
    materials = frame(app, "标记", nth=0)
    assert "⚠ 危险化学品" in materials["标记"].tolist() and materials["出处"].str.len().gt(0).all()


def test_an_api_error_is_one_readable_line(app: AppTest, tenant: Tenant) -> None:
    _open(app, tenant)
    _upload(app, "enterprise_files", [UNRELATED])
    app.button(key="enterprise_import_submit").click().run()
    assert not app.exception
    [error] = texts(app, "error")
    assert error.startswith("导入企业文档失败：输入不符合要求：nothing extracted from the documents")
    assert "会议纪要.md" in error and "\n" not in error and "Traceback" not in error
    assert "本企业尚未导入工艺文档。" in texts(app, "info")


def test_a_new_version_is_compared_and_its_changes_sent_to_review(app: AppTest, tenant: Tenant) -> None:
    tenant.import_documents(_auto_parts(), sector="汽车零部件")
    _open(app, tenant)
    _upload(app, "enterprise_diff_files", _auto_parts(new_version=True))
    app.button(key="enterprise_diff_submit").click().run()
    _ok(app)
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["新增工序"], metrics["新增物料"], metrics["删除工序"]) == ("1", "1", "0")
    steps = frame(app, "变化", nth=0)
    assert steps[steps["变化"] == "新增"]["工序"].tolist() == ["激光打标"]
    assert steps.set_index("工序").loc["激光打标", "出处"] == "《环评报告表.md》第1个表格第8行"
    items = frame(app, "变化", nth=1).set_index("名称")
    assert (items.loc["异丙醇", "变化"], items.loc["异丙醇", "标记"]) == ("新增物料", "⚠ 危险化学品")
    assert tenant.view()["version"] == 1  # compared, not stored
    # send only the new step's change scenario to the review queue
    files = [("files", d) for d in _auto_parts(new_version=True)]
    scenarios = tenant.call("POST", f"/enterprises/{tenant.id}/diff", files=files)["scenarios"]
    assert len(app.multiselect(key="enterprise_diff_pick").value) == len(scenarios)  # all picked at first
    added = [s["id"] for s in scenarios if s["change"]["type"] == "add_process"]
    app.multiselect(key="enterprise_diff_pick").set_value(added).run()
    app.button(key="enterprise_diff_send").click().run()
    _ok(app)
    assert any(s.startswith("已将 1 项变更发送到审核队列，生成 ") for s in texts(app, "success"))
    queue = tenant.call("GET", "/proposals", params={"source": "change"})
    assert queue["total"] > 0 and {p["process"] for p in queue["items"]} == {"激光打标"}
    assert not [b for b in app.button if b.key == "enterprise_diff_send"]  # sent once, not twice


@pytest.mark.parametrize(
    ("source", "text"),
    [
        (Provenance(file="工艺流程说明.pdf", page=2, paragraph=14), "《工艺流程说明.pdf》第2页第15段"),
        (Provenance(file="清单.xlsx", cell="设备清单!B9"), "《清单.xlsx》单元格 设备清单!B9"),
        (Provenance(file="环评报告表.docx", cell="table 1 row 3"), "《环评报告表.docx》第2个表格第3行"),
        (Provenance(file="说明.md"), "《说明.md》"),
    ],
)
def test_where_an_item_was_read(source: Provenance, text: str) -> None:
    assert where(source) == text


def test_times_are_shown_in_china_time() -> None:
    assert local_time("2026-11-23T16:05:09.123+00:00") == "2026-11-24 00:05"
    assert local_time("2026-11-23T16:05:09") == "2026-11-23 16:05"
    assert local_time("yesterday") == "yesterday"
