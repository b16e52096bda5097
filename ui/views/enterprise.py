"""企业工艺: the enterprise's documents (工艺流程说明, 安全操作规程, 环评报告表, 排污许可证副本, 设备及化学品清单)
read into its process map; an expert accepts or corrects how each step maps onto the knowledge base's
process templates; a new version of the documents is compared with the stored one and the changes it
brings are sent to the review queue.

The per-document reports and where each material, piece of equipment and pollutant was read come only
with an import's answer, so they are kept for the session; the stored map gives the names and flags.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from api.contracts.change import ChangeScenario
from api.contracts.common import NodeOut
from api.contracts.enterprises import (
    DocumentReport,
    EnterpriseDiff,
    EnterpriseExtraction,
    EnterpriseImport,
    EnterpriseView,
    ExtractedEquipment,
    ExtractedMaterial,
    ExtractedProcess,
    ExtractionDiff,
    MappingConfirmation,
    MappingCorrection,
    ProcessMapping,
)
from ui import data, session
from ui.client import ApiError, DocumentUpload
from ui.messages import in_chinese
from ui.widgets import CHANGE_TYPE_NAMES, flash, guard, keep_choice, local_time, unique_labels, where

__all__ = ["STAGES", "render"]

#: The knowledge base's process stages in production order (as ``kg.models.STAGES``): templates are
#: offered by stage.
STAGES: tuple[str, ...] = ("原料采购与仓储", "生产加工", "成品检验", "仓储运输", "废弃物处置")

#: The formats the API reads (Excel for the equipment and chemicals list).
DOC_TYPES = ["pdf", "docx", "md", "txt", "xlsx"]
DOC_STATUS = {"extracted": "已解析", "empty": "未识别到内容", "unrelated": "与工艺无关", "failed": "解析失败"}
COUNT_NAMES = {
    "processes": "工序",
    "materials": "物料",
    "hazardous_materials": "危化品",
    "equipment": "设备",
    "special_equipment": "特种设备",
    "pollutants": "污染物",
}
FIELD_NAMES = {"stage": "工段", "description": "说明", "order": "顺序"}
DIFF_NAMES = {
    "added": "新增工序",
    "removed": "删除工序",
    "changed": "变更工序",
    "new_materials": "新增物料",
    "removed_materials": "不再使用的物料",
    "new_equipment": "新增设备",
    "removed_equipment": "不再使用的设备",
}

_IMPORT = "enterprise_last_import"
_DIFF = "enterprise_diff_result"
_SENT = "enterprise_diff_sent"
_PICK = "enterprise_diff_pick"
_FIX_RESET = "enterprise_fix_reset"
_FIX = "enterprise_fix_"
_KEEP = "__keep__"
_NEW = "__new__"


def render() -> None:
    """The page."""
    st.title("企业工艺")
    st.caption(
        "上传企业的工艺流程说明、安全操作规程、环评报告表、排污许可证副本和设备及化学品清单，解析为企业工艺地图；"
        "专家逐项确认工序与知识库工序模板的映射，或改选模板、标记为新工序、更名。"
    )
    user = session.current_user()
    if user is None:
        return
    with guard("读取企业工艺"):
        view = data.enterprise(user.enterprise_id)
        _import_box(has_map=view is not None)
        if view is None:
            st.info("本企业尚未导入工艺文档。")
            return
        extraction = _extraction(view)
        _summary(view)
        map_tab, confirm_tab, diff_tab = st.tabs(["工艺地图", "专家确认", "版本对比"])
        with map_tab:
            _steps(view)
            _inventory(view, extraction)
            _documents(view, extraction)
        with confirm_tab:
            _confirmation(view)
        with diff_tab:
            _diff(view)


def _extraction(view: EnterpriseView) -> EnterpriseExtraction | None:
    """What this session's import read, when it is the stored map's current version; else what the stored
    current version's documents gave (None for a map stored before versions kept it)."""
    last = st.session_state.get(_IMPORT)
    if isinstance(last, EnterpriseImport) and (last.enterprise_id, last.version) == (view.id, view.version):
        return last.extraction
    return view.extraction


def _uploads(files: list[UploadedFile] | None) -> list[DocumentUpload]:
    return [DocumentUpload(f.name, f.getvalue()) for f in files or []]


# --- import ----------------------------------------------------------------------------------------


def _import_box(*, has_map: bool) -> None:
    if not session.allowed("enterprises.import"):
        st.caption("导入企业文档需要专家、管理员或安全环保负责人账号；当前角色只能查看工艺地图。")
        return
    title = "导入新版本文档" if has_map else "导入企业文档"
    with st.expander(title, expanded=not has_map, key="enterprise_import_box", icon=":material/upload_file:"):
        with st.form("enterprise_import_form"):
            files = st.file_uploader(
                "企业文档（可多选：pdf、docx、md、txt；设备及化学品清单用 xlsx）",
                type=DOC_TYPES,
                accept_multiple_files=True,
                key="enterprise_files",
            )
            c1, c2 = st.columns(2)
            name = c1.text_input("企业名称", key="enterprise_name", placeholder="留空则从文档中读取", max_chars=100)
            sector = c2.text_input("行业", key="enterprise_sector", placeholder="如 汽车零部件；留空则沿用已登记的行业")
            submitted = st.form_submit_button("导入并解析", type="primary", key="enterprise_import_submit")
        if submitted:
            documents = _uploads(files)
            if not documents:
                st.warning("请先选择企业文档")
                return
            _import(documents, name=name.strip(), sector=sector.strip())


def _import(documents: list[DocumentUpload], *, name: str, sector: str) -> None:
    label = f"正在解析 {len(documents)} 份文档并映射到知识库工序模板……"
    with guard("导入企业文档"), st.status(label, expanded=True) as status:
        st.write("上传：" + "、".join(d.filename for d in documents))
        result = session.api().import_enterprise(documents, name=name, sector=sector)
        status.update(label=f"已导入第 {result.version} 版", state="complete", expanded=False)
        st.session_state[_IMPORT] = result
        st.session_state[_FIX_RESET] = True  # the steps may have moved: the form's rows start afresh
        data.forget_enterprise()
        ex = result.extraction
        found = f"{len(result.mappings)} 个工序，{len(ex.hazardous_materials)} 种危险化学品，"
        flash("success", f"已导入第 {result.version} 版：{found}{len(ex.special_equipment)} 台（套）特种设备")
        idle = [d.file for d in ex.documents if d.status != "extracted"]
        if idle:
            flash("warning", f"{len(idle)} 份文档未提取到内容（{'、'.join(idle)}），原因见“工艺地图”页签的文档与版本")
        st.rerun()


# --- the map ---------------------------------------------------------------------------------------


def _summary(view: EnterpriseView) -> None:
    facts = [f"行业：{view.sector or '—'}", f"第 {view.version} 版"]
    if view.headcount:
        facts.append(f"在岗 {view.headcount} 人")
    if view.permit_class:
        facts.append(f"排污许可：{view.permit_class}")
    st.markdown(f"**{view.name or view.id}**　" + "　".join(facts))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("工序", len(view.processes))
    c2.metric("待确认", view.pending)
    c3.metric("危险化学品", len(view.hazardous_materials))
    c4.metric("特种设备", len(view.special_equipment))


def _template_text(m: ProcessMapping) -> str:
    return m.template_name or m.template_id or "（新工序，无匹配模板）"


def _confirmed_text(m: ProcessMapping) -> str:
    return f"已确认（{m.confirmed_by}，{local_time(m.confirmed_at)}）" if m.confirmed else "待确认"


def _steps(view: EnterpriseView) -> None:
    st.subheader("工序与模板映射")
    rows = [
        {
            "序号": m.order,
            "工段": m.stage,
            "工序": m.name,
            "映射模板": _template_text(m),
            "匹配得分": f"{m.score:.1f}" if m.score is not None else "—",
            "映射方式": "专家指定" if m.decided_by == "expert" else "自动匹配",
            "确认状态": "已确认" if m.confirmed else "待确认",
            "确认人": m.confirmed_by,
            "确认时间": local_time(m.confirmed_at) if m.confirmed_at else "",
        }
        for m in view.processes
    ]
    st.dataframe(rows, hide_index=True, width="stretch", key="enterprise_steps_table")
    for i, m in enumerate(view.processes):
        icon = ":material/check_circle:" if m.confirmed else ":material/pending:"
        with st.expander(f"{m.order}. {m.name} → {_template_text(m)}", key=f"enterprise_step_{i}", icon=icon):
            _step_detail(m)


def _step_detail(m: ProcessMapping) -> None:
    renamed = f"（文档原名：{m.extracted_name}）" if m.extracted_name and m.extracted_name != m.name else ""
    st.markdown(f"**工段**：{m.stage or '—'}　**确认**：{_confirmed_text(m)}{renamed}")
    if m.description:
        st.markdown(f"**说明**：{m.description}")
    if m.evidence:
        st.markdown("**匹配依据**：" + "；".join(m.evidence))
    others = [c for c in m.matches if c.template_id != m.template_id]
    if others:
        st.markdown("**其他候选模板**：" + "；".join(f"{c.name}（{c.score:.1f}）" for c in others))
    if m.template_id is None and m.candidate_risks:
        st.markdown("**候选风险**：" + "；".join(f"{r.name}（{r.category}，{r.score:.1f}）" for r in m.candidate_risks))
    st.caption(f"出处：{where(m.source)}")


def _material(m: ExtractedMaterial, change: str = "") -> dict[str, str]:
    row = {"名称": m.name, "标记": "⚠ 危险化学品" if m.hazardous else "", "依据": m.reason, "数量": m.quantity}
    return ({"变化": change} if change else {}) | row | {"出处": where(m.source)}


def _equipment(e: ExtractedEquipment, change: str = "") -> dict[str, str]:
    row = {"名称": e.name, "标记": "⚠ 特种设备" if e.special else "", "依据": e.category, "数量": e.quantity}
    return ({"变化": change} if change else {}) | row | {"出处": where(e.source)}


def _step(p: ExtractedProcess, change: str) -> dict[str, str]:
    return {"变化": change, "工段": p.stage, "工序": p.name, "说明": p.description, "出处": where(p.source)}


def _inventory(view: EnterpriseView, extraction: EnterpriseExtraction | None) -> None:
    st.subheader("物料、设备与污染物")
    if extraction is None:
        hazardous, special = set(view.hazardous_materials), set(view.special_equipment)
        materials = [{"名称": m, "标记": "⚠ 危险化学品" if m in hazardous else ""} for m in view.materials]
        equipment = [{"名称": e, "标记": "⚠ 特种设备" if e in special else ""} for e in view.equipment]
        _tables(materials, equipment, [{"名称": p} for p in view.pollutants])
        st.caption("该工艺地图的导入记录没有保存数量、类别和出处，只有名称与标记；重新导入文档后即可显示。")
    else:
        pollutants = [
            {"名称": p.name, "类别": p.kind, "排放口": p.outlet, "出处": where(p.source)} for p in extraction.pollutants
        ]
        _tables([_material(m) for m in extraction.materials], [_equipment(e) for e in extraction.equipment], pollutants)
    if view.outlets:
        st.markdown("**排放口**：" + "、".join(view.outlets))


def _tables(materials: list[dict[str, str]], equipment: list[dict[str, str]], pollutants: list[dict[str, str]]) -> None:
    for rows, what, key in (
        (materials, "原辅材料", "enterprise_materials_table"),
        (equipment, "设备", "enterprise_equipment_table"),
        (pollutants, "污染物", "enterprise_pollutants_table"),
    ):
        st.markdown(f"**{what}**（{len(rows)}）")
        if rows:
            st.dataframe(rows, hide_index=True, width="stretch", key=key)


def _documents(view: EnterpriseView, extraction: EnterpriseExtraction | None) -> None:
    st.subheader("文档与版本")
    if extraction is not None:
        for d in extraction.documents:
            if d.status != "extracted":
                st.warning(f"{d.file}：{DOC_STATUS.get(d.status, d.status)}——{in_chinese(d.reason)}")
        st.dataframe(
            [_document_row(d) for d in extraction.documents],
            hide_index=True,
            width="stretch",
            key="enterprise_documents_table",
        )
    rows = [
        {
            "版本": v.version,
            "导入时间": local_time(v.imported_at),
            "导入人": v.imported_by,
            "文件": "、".join(v.files),
            "相对上一版": "；".join(f"{DIFF_NAMES.get(k, k)} {n}" for k, n in v.changes.items()) or "—",
        }
        for v in reversed(view.versions)
    ]
    st.dataframe(rows, hide_index=True, width="stretch", key="enterprise_versions_table")
    with guard("读取企业画像"), st.expander("企业画像（规则缺口与变更分析使用）", key="enterprise_profile_box"):
        profile = data.enterprise_profile(view.id)
        st.markdown(profile.enterprise or "（无描述）")
        st.markdown("**工序**：" + "、".join(p.name for p in profile.processes))
        st.markdown("**物料**：" + ("、".join(profile.materials) or "—"))
        st.markdown("**设备**：" + ("、".join(profile.equipment) or "—"))


def _document_row(d: DocumentReport) -> dict[str, str]:
    counts = "，".join(f"{COUNT_NAMES.get(k, k)} {n}" for k, n in d.counts.items() if n)
    return {
        "文件": d.file,
        "类型": d.kind or "—",
        "结果": DOC_STATUS.get(d.status, d.status),
        "识别内容": counts or "—",
        "说明": "；".join(in_chinese(r) for r in [d.reason, *d.warnings] if r),
    }


# --- confirmation ----------------------------------------------------------------------------------


def _confirmation(view: EnterpriseView) -> None:
    done = len(view.processes) - view.pending
    latest = max((m for m in view.processes if m.confirmed), key=lambda m: m.confirmed_at, default=None)
    line = f"已确认 **{done}/{len(view.processes)}** 个工序"
    if latest is not None:
        line += f"；最近确认：{latest.confirmed_by}（{local_time(latest.confirmed_at)}）"
    st.markdown(line)
    if not session.allowed("enterprises.confirm"):
        st.caption("确认或修正工序映射需要专家或管理员账号；当前角色只能查看。")
        return
    if st.button("全部采纳", type="primary", key="enterprise_accept_all", disabled=view.pending == 0):
        _submit(view.id, MappingConfirmation(accept_all=True))
    templates: dict[str, NodeOut] = {}
    with guard("读取工序模板"):
        templates = {p.id: p for p in data.processes() if not p.properties.get("enterprise")}
    _corrections(view, templates)


def _stage_rank(node: NodeOut) -> tuple[int, str]:
    stage = str(node.properties.get("stage") or "")
    return (STAGES.index(stage) if stage in STAGES else len(STAGES), str(node.properties.get("name") or node.id))


def _choices(m: ProcessMapping, templates: dict[str, NodeOut], names: dict[str, str]) -> dict[str, str]:
    """The options of a step's template selectbox with their labels: keep, new, its candidates (by
    score), then every template by stage."""
    candidates = {c.template_id: c.score for c in m.matches if c.template_id in templates}
    rest = sorted((t for t in templates if t not in candidates), key=lambda t: _stage_rank(templates[t]))
    out = {_KEEP: f"保持：{_template_text(m)}", _NEW: "改为新工序（无模板）"}
    out |= {t: f"{names[t]}　匹配得分 {score:.1f}" for t, score in candidates.items()}
    return out | {t: names[t] for t in rest}


def _corrections(view: EnterpriseView, templates: dict[str, NodeOut]) -> None:
    if st.session_state.pop(_FIX_RESET, False):
        for key in [k for k in st.session_state if str(k).startswith(_FIX)]:
            del st.session_state[key]
    names = unique_labels(
        {t: f"{n.properties.get('name', t)}（{n.properties.get('stage', '')}）" for t, n in templates.items()}
    )
    picks: list[tuple[ProcessMapping, str, str, bool]] = []
    with st.form("enterprise_fix_form"):
        st.markdown("**逐项确认或修正**：改选模板、改为新工序或更名的工序提交后即为已确认；勾选“采纳”确认当前映射。")
        for i, m in enumerate(view.processes):
            options = _choices(m, templates, names)
            keep_choice(f"{_FIX}template_{i}", list(options))
            c1, c2, c3, c4 = st.columns([3, 5, 3, 1], vertical_alignment="center")
            c1.markdown(f"{m.order}. **{m.name}**" + ("　✓" if m.confirmed else ""))
            template = c2.selectbox(
                f"{m.name} 的模板",
                list(options),
                format_func=options.__getitem__,
                key=f"{_FIX}template_{i}",
                label_visibility="collapsed",
            )
            name = c3.text_input(
                f"{m.name} 更名为",
                key=f"{_FIX}name_{i}",
                placeholder="更名（可选）",
                max_chars=60,
                label_visibility="collapsed",
            )
            accept = c4.checkbox("采纳", key=f"{_FIX}accept_{i}")
            picks.append((m, str(template), name.strip(), accept))
        submitted = st.form_submit_button("提交确认", key="enterprise_fix_submit")
    if submitted:
        confirmation = _confirmation_of(picks)
        if confirmation is None:
            st.warning("没有要提交的确认或修正：请勾选“采纳”、改选模板或填写新名称")
        else:
            _submit(view.id, confirmation)


def _confirmation_of(picks: list[tuple[ProcessMapping, str, str, bool]]) -> MappingConfirmation | None:
    """The confirmation the form asks for: a correction per changed step, an acceptance per ticked one."""
    corrections: list[MappingCorrection] = []
    accept: list[str] = []
    for m, template, name, accepted in picks:
        fields: dict[str, Any] = {}
        if template == _NEW and m.template_id is not None:
            fields["new"] = True
        elif template not in (_KEEP, _NEW) and template != m.template_id:
            fields["template_id"] = template
        if name and name != m.name:
            fields["name"] = name
        if fields:
            corrections.append(MappingCorrection(process_id=m.id, **fields))
        elif accepted:
            accept.append(m.id)
    if not (corrections or accept):
        return None
    return MappingConfirmation(accept=accept, corrections=corrections)


def _submit(enterprise_id: str, confirmation: MappingConfirmation) -> None:
    with guard("提交确认"), st.spinner("正在保存专家确认……"):
        result = session.api().confirm_mapping(enterprise_id, confirmation)
        data.forget_enterprise()
        st.session_state[_FIX_RESET] = True
        if result.after:
            first = result.after[0]
            who = f"确认人 {first.confirmed_by}，{local_time(first.confirmed_at)}"
            flash("success", f"已确认 {len(result.after)} 个工序（{who}）：" + "、".join(m.name for m in result.after))
        else:
            flash("info", "所有工序都已确认，没有需要保存的变化")
        st.rerun()


# --- a new version compared ------------------------------------------------------------------------


def _diff(view: EnterpriseView) -> None:
    st.markdown(
        f"上传新版本文档，与已保存的第 {view.version} 版对比（不保存）；"
        "确认无误后在“导入新版本文档”中导入即保存为新版本。"
    )
    if not session.allowed("enterprises.diff"):
        st.caption("版本对比需要专家、管理员或安全环保负责人账号。")
        return
    with st.form("enterprise_diff_form"):
        files = st.file_uploader(
            "新版本文档（可多选）", type=DOC_TYPES, accept_multiple_files=True, key="enterprise_diff_files"
        )
        submitted = st.form_submit_button("与当前版本对比", key="enterprise_diff_submit")
    if submitted:
        documents = _uploads(files)
        if not documents:
            st.warning("请先选择新版本文档")
        else:
            with guard("版本对比"), st.status(f"正在解析新版本并与第 {view.version} 版对比……") as status:
                result = session.api().enterprise_diff(view.id, documents)
                status.update(label="对比完成", state="complete", expanded=False)
                st.session_state[_DIFF] = result
                st.session_state[_SENT] = False
                st.session_state.pop(_PICK, None)  # every change of a new comparison picked at first
    shown = st.session_state.get(_DIFF)
    if isinstance(shown, EnterpriseDiff) and (shown.enterprise_id, shown.version) == (view.id, view.version):
        _diff_report(shown.diff)
        _scenarios(shown)


def _diff_report(diff: ExtractionDiff) -> None:
    if diff.is_empty:
        st.success("新版本与当前版本的工艺地图一致")
        return
    shown = ("added", "removed", "changed", "new_materials", "new_equipment")
    for col, field in zip(st.columns(len(shown)), shown, strict=True):
        col.metric(DIFF_NAMES[field], len(getattr(diff, field)))
    steps = [_step(p, "新增") for p in diff.added] + [_step(p, "删除") for p in diff.removed]
    steps += [_step(c.after, "变更：" + "、".join(FIELD_NAMES.get(f, f) for f in c.fields)) for c in diff.changed]
    if steps:
        st.dataframe(steps, hide_index=True, width="stretch", key="enterprise_diff_steps_table")
    items = [_material(m, "新增物料") for m in diff.new_materials]
    items += [_equipment(e, "新增设备") for e in diff.new_equipment]
    items += [_material(m, "不再使用的物料") for m in diff.removed_materials]
    items += [_equipment(e, "不再使用的设备") for e in diff.removed_equipment]
    if items:
        st.dataframe(items, hide_index=True, width="stretch", key="enterprise_diff_items_table")


def _scenarios(result: EnterpriseDiff) -> None:
    if not result.scenarios:
        return
    st.markdown(f"**由此产生 {len(result.scenarios)} 项变更**（删除的工序和物料不生成指标建议，仅供核对）")
    labels = {
        s.id: f"{CHANGE_TYPE_NAMES.get(s.change.type, s.change.type)}：{s.change.description}" for s in result.scenarios
    }
    if st.session_state.get(_SENT):
        st.success("已将变更发送到审核队列")
        st.page_link("views/review.py", label="前往审核队列", icon=":material/fact_check:")
        return
    if not session.allowed("proposals.run"):
        st.markdown("\n".join(f"- {label}" for label in labels.values()))
        st.caption("将变更发送到审核队列需要专家、管理员或安全环保负责人账号。")
        return
    picked = st.multiselect(
        "发送到审核队列的变更", list(labels), default=list(labels), format_func=labels.__getitem__, key=_PICK
    )
    if st.button("发送到审核队列", type="primary", key="enterprise_diff_send", disabled=not picked):
        _send([s for s in result.scenarios if s.id in picked])


def _send(scenarios: list[ChangeScenario]) -> None:
    with guard("发送到审核队列"), st.status(f"正在为 {len(scenarios)} 项变更生成指标建议……") as status:
        sent = proposals = 0
        try:
            for scenario in scenarios:
                status.update(label=f"正在分析第 {sent + 1}/{len(scenarios)} 项变更：{scenario.change.description}")
                proposals += len(session.api().run_change(scenario).proposals)
                sent += 1
        except ApiError:
            if sent:
                st.warning(f"已发送前 {sent} 项变更，其余未发送")
            raise
        finally:
            data.forget_queue()
        status.update(label="已发送", state="complete", expanded=False)
        st.session_state[_SENT] = True
        flash("success", f"已将 {len(scenarios)} 项变更发送到审核队列，生成 {proposals} 条指标建议")
        st.rerun()


if __name__ == "__main__":
    render()
