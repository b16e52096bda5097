"""Read processes, materials, equipment, pollutants, headcount and permit class from a loaded document.

Processes come from the process section (a heading naming 工艺/工序/流程), as numbered items
(``1. 下料：…``, ``工序2：焊接，…``), flow lines (``下料→冲压→焊接``) and process tables, and from
safety procedures titled ``XX工序安全操作规程``. Sub-headings naming a 工段/车间 give the stage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingestion.documents import Line, LoadedDocument, Table
from ingestion.enterprise.findings import (
    SPECIAL_PATTERN,
    Findings,
    clean_name,
    equipment_item,
    labelled_yes,
    material_item,
    split_items,
)
from ingestion.enterprise.lexicon import HAZARDOUS_CHEMICALS, NEGATION, PERMIT_CLASSES, POLLUTANTS
from ingestion.enterprise.models import ExtractedPollutant, ExtractedProcess, Provenance

__all__ = ["EnterpriseTextParser", "TableColumns"]

_CN_HEADING = re.compile(
    r"^(第[一二三四五六七八九十]+[章节部分]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+(\.\d+)*\s)"
)
_PROCESS_SECTION = re.compile(r"工艺|工序|流程|生产过程|产污环节|生产工段")
_STAGE_HEADING = re.compile(r"(工段|车间|阶段|生产线|区域)")
_ITEM = re.compile(r"^(?:\d+[.、．)]|（\d+）|\(\d+\)|[①-⑳])\s*(?P<name>[^：:，,。；]{2,14}?)\s*[：:]\s*(?P<desc>.*)$")
# Word's automatic numbering leaves "下料：钢板经剪板机下料" without its number
_LABELLED = re.compile(r"^(?P<name>[^：:，,。；\s]{2,8})[：:]\s*(?P<desc>.{4,})$")
_NOT_A_STEP_LABEL = ("设备", "材料", "污染", "废", "说明", "备注", "注", "名称", "人数", "类别", "地址", "规模", "产品")
_STEP = re.compile(
    r"^工序\s*[\d一二三四五六七八九十]+\s*[：:、.]\s*(?P<name>[^，,。；：:]{2,14})[，,。；：:]?\s*(?P<desc>.*)$"
)
_ARROW = re.compile(r"\s*(?:→|->|—>|－>|⟶|➝|⇒)\s*")
_PROCEDURE = re.compile(r"(?P<name>[^\s、，]{2,10}?)(工序|岗位|作业)安全操作规程")
_EQUIPMENT_PROCEDURE = re.compile(r"(?P<name>[^\s、，]{1,12}?(机|炉|车|罐|葫芦|设备|床))安全操作规程")
_LIST_LINE = re.compile(
    r"^(主要)?(生产)?(?P<what>原辅材料|原材料|辅料|原辅料|化学品|危险化学品|生产设备|主要设备|设备|特种设备)"
    r"[^：:]{0,8}[：:](?P<items>.+)$"
)
_POLLUTION_LINE = re.compile(r"排放|废气|废水|污染物|排气筒|排放口|噪声|固废|危废|危险废物|产污")
_OUTLET = re.compile(r"D[AW]\d{3}|\d+#排气筒")
_HEADCOUNT = re.compile(r"(职工|员工|劳动定员|从业人员|定员|在岗人数)[^0-9，。；]{0,8}?(\d+)\s*(人|名)")
_NOT_A_PROCESS = ("工艺流程", "流程图", "说明", "概述", "产污环节", "主要", "合计", "备注")


@dataclass
class _Context:
    in_process: bool = False
    level: int = 0
    stage: str = ""
    #: index in ``found.processes`` of a step whose description may continue on the next line
    open_step: int | None = None


def _heading_level(line: Line) -> int:
    if line.heading_level:
        return line.heading_level
    text = line.text
    if len(text) > 30 or "：" in text[:-1] or ":" in text[:-1]:
        return 0
    match = _CN_HEADING.match(text)
    if not match:
        return 0
    token = match.group(0)
    if token.startswith(("（", "(")):
        return 2
    if token.startswith("第") or token.endswith("、"):
        return 1
    return token.count(".") + 1


def _heading_text(text: str) -> str:
    return _CN_HEADING.sub("", text.lstrip("#")).strip()


class EnterpriseTextParser:
    """Extract from one :class:`LoadedDocument` (the file label goes into every provenance)."""

    def run(self, doc: LoadedDocument, file_label: str) -> Findings:
        """Everything found in the document's lines and tables."""
        found = Findings()
        ctx = _Context()
        for index, line in enumerate(doc.lines):
            source = Provenance(file=file_label, page=line.page, paragraph=index)
            level = _heading_level(line)
            if level:
                self._heading(line.text, level, ctx, found, source)
                continue
            self._line(line.text, ctx, found, source)
        for table in doc.tables:
            self._table(table, found, file_label)
        return found

    def _heading(self, text: str, level: int, ctx: _Context, found: Findings, source: Provenance) -> None:
        ctx.open_step = None
        title = _heading_text(text)
        procedure = _PROCEDURE.search(title)
        if procedure:
            name = clean_name(procedure.group("name"))
            found.processes.append(ExtractedProcess(name=name, stage=ctx.stage, source=source))
        machine = _EQUIPMENT_PROCEDURE.search(title)
        if machine and not procedure:
            found.equipment.append(equipment_item(clean_name(machine.group("name")), source))
        if _PROCESS_SECTION.search(title) and not procedure:
            ctx.in_process, ctx.level, ctx.stage = True, level, ""
        elif ctx.in_process and level > ctx.level and _STAGE_HEADING.search(title):
            ctx.stage = title
        elif ctx.in_process and level <= ctx.level:
            ctx.in_process, ctx.stage = False, ""
        if _ARROW.search(title):
            self._flow(title, ctx, found, source)

    def _line(self, text: str, ctx: _Context, found: Findings, source: Provenance) -> None:
        self._facts(text, found, source)
        if _ARROW.search(text):
            ctx.open_step = None
            self._flow(text, ctx, found, source)
            return
        listed = _LIST_LINE.match(text)
        if listed:
            ctx.open_step = None
            self._listed(listed.group("what"), listed.group("items"), found, source)
            return
        step = _STEP.match(text) or (self._item(text) if ctx.in_process else None)
        if step:
            name = clean_name(step.group("name"))
            if not any(w in name for w in _NOT_A_PROCESS):
                ctx.open_step = len(found.processes)
                found.processes.append(
                    ExtractedProcess(name=name, stage=ctx.stage, description=step.group("desc").strip(), source=source)
                )
        elif ctx.in_process and ctx.open_step is not None and not re.search(r"[：:]", text):
            # a PDF wraps long lines: a plain line after an unfinished step sentence continues it
            last = found.processes[ctx.open_step]
            if last.description and not last.description.endswith(("。", "；", ".", ";")):
                found.processes[ctx.open_step] = last.model_copy(update={"description": last.description + text})
            else:
                ctx.open_step = None
        self._mentions(text, found, source)

    @staticmethod
    def _item(text: str) -> re.Match[str] | None:
        item = _ITEM.match(text)
        if item:
            return item
        labelled = _LABELLED.match(text)
        if labelled and not any(w in labelled.group("name") for w in _NOT_A_STEP_LABEL):
            return labelled
        return None

    def _flow(self, text: str, ctx: _Context, found: Findings, source: Provenance) -> None:
        body = re.split(r"[：:]", text, maxsplit=1)[-1]
        for part in _ARROW.split(body):
            name = clean_name(part)
            if 2 <= len(name) <= 12 and not any(w in name for w in _NOT_A_PROCESS):
                found.processes.append(ExtractedProcess(name=name, stage=ctx.stage, source=source))

    def _listed(self, what: str, items: str, found: Findings, source: Provenance) -> None:
        for name, quantity in split_items(items):
            if "设备" in what:
                found.equipment.append(equipment_item(name, source, labelled="特种" in what, quantity=quantity))
            else:
                labelled = "危险" in what
                found.materials.append(material_item(name, source, labelled=labelled, quantity=quantity))

    def _mentions(self, text: str, found: Findings, source: Provenance) -> None:
        """Hazardous chemicals and special equipment named in running text (not negated)."""
        if not _POLLUTION_LINE.search(text):
            for term in _longest_terms(text, HAZARDOUS_CHEMICALS):
                found.materials.append(material_item(term, source))
        for match in SPECIAL_PATTERN.finditer(text):
            if not NEGATION.search(text[: match.start()]):
                found.equipment.append(equipment_item(match.group(0).strip(), source))

    def _facts(self, text: str, found: Findings, source: Provenance) -> None:
        head = _HEADCOUNT.search(text)
        if head and found.headcount is None:
            found.headcount = (int(head.group(2)), source)
        classes = [c for c in PERMIT_CLASSES if c in text]
        if classes and ("管理类别" in text or found.permit_class is None):
            # "由登记管理转为重点管理": the last named class is the current one
            found.permit_class = (max(classes, key=text.rfind), source)
        if _POLLUTION_LINE.search(text):
            outlets = _OUTLET.findall(text)
            for code in outlets:
                if code not in found.outlets:
                    found.outlets.append(code)
            for term in _longest_terms(text, tuple(t for t, _ in POLLUTANTS)):
                kind = dict(POLLUTANTS)[term]
                found.pollutants.append(
                    ExtractedPollutant(name=term, kind=kind, outlet="、".join(outlets), source=source)
                )

    def _table(self, table: Table, found: Findings, file_label: str) -> None:
        if len(table.rows) < 2:
            return
        header = [c.strip() for c in table.rows[0]]
        if any("污染物" in h or "排放口" in h for h in header):
            for r, row in enumerate(table.rows[1:], start=1):
                source = Provenance(file=file_label, page=table.page, cell=f"table {table.index} row {r}")
                self._facts("排放：" + " ".join(row), found, source)
            return
        columns = TableColumns.of(header)
        if columns.name is None:
            return
        for r, row in enumerate(table.rows[1:], start=1):
            cell = f"table {table.index} row {r}"
            source = Provenance(file=file_label, page=table.page, cell=cell)
            columns.read(row, found, source, caption=table.caption)


def _longest_terms(text: str, terms: tuple[str, ...]) -> list[str]:
    """Terms named in ``text``, longest first, not inside a longer one found and not negated."""
    taken: list[tuple[int, int]] = []
    out: list[str] = []
    for term in sorted(terms, key=len, reverse=True):
        for m in re.finditer(re.escape(term), text):
            span = (m.start(), m.end())
            if any(s <= span[0] and span[1] <= e for s, e in taken) or NEGATION.search(text[: m.start()]):
                continue
            taken.append(span)
            if term not in out:
                out.append(term)
    return out


@dataclass
class TableColumns:
    """Which columns of a table hold what, guessed from its header (also used for Excel sheets)."""

    kind: str
    name: int | None
    quantity: int | None
    flag: int | None
    stage: int | None
    description: int | None

    @classmethod
    def of(cls, header: list[str], *, hint: str = "") -> TableColumns:
        """Guess the columns from a header row; ``hint`` (a sheet or caption title) decides the kind."""

        def find(*words: str) -> int | None:
            return next((i for i, h in enumerate(header) if any(w in h for w in words)), None)

        joined = hint + "".join(header)
        if "工序" in joined and "设备名称" not in joined and "材料" not in joined:
            kind, name = "process", find("工序名称", "工序")
        elif "设备" in joined:
            kind, name = "equipment", find("设备名称", "名称")
        elif any(w in joined for w in ("材料", "物料", "化学品", "原辅")):
            kind, name = "material", find("名称", "材料", "物料")
        else:
            kind, name = "", None
        return cls(
            kind=kind,
            name=name,
            quantity=find("数量", "用量", "年用量", "台数"),
            flag=find("是否危险化学品", "危化品", "危险化学品", "是否特种设备", "特种设备"),
            stage=find("工段", "阶段"),
            description=find("说明", "内容", "描述", "主要设备"),
        )

    def read(self, row: list[str], found: Findings, source: Provenance, *, caption: str = "") -> None:
        """Add the item of one data row."""

        def at(i: int | None) -> str:
            return row[i].strip() if i is not None and i < len(row) else ""

        name = clean_name(at(self.name))
        if len(name) < 2 or name in ("合计", "小计"):
            return
        labelled = labelled_yes(at(self.flag))
        if self.kind == "process":
            found.processes.append(
                ExtractedProcess(name=name, stage=at(self.stage), description=at(self.description), source=source)
            )
        elif self.kind == "equipment":
            found.equipment.append(equipment_item(name, source, labelled=labelled, quantity=at(self.quantity)))
        elif self.kind == "material":
            labelled = labelled or "危险化学品" in caption
            found.materials.append(material_item(name, source, labelled=labelled, quantity=at(self.quantity)))
