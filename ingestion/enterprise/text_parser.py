"""Read processes, materials, equipment, pollutants, headcount and permit class from a loaded document.

Processes come from the process section (a heading naming 工艺/工序/流程), as numbered items
(``1. 下料：…``, ``工序2：焊接，…``), flow lines (``下料→冲压→焊接``) and process tables, and from
safety procedures titled ``XX工序安全操作规程``. Sub-headings naming a 工段/车间 give the stage; sub-items
(``（1）``, ``①``) under a numbered step fold into its description. The sections of a 建设项目环境影响报告表
that are not the production process — its 工程组成 beyond the 主体工程 (辅助工程, 公用工程, 储运工程, 环保工程,
依托工程) — and the facilities they hold (配电房, 空压站, 锅炉房, 危废暂存间, 仓库 …) and support work (维修,
保养, 交接班) are not processes.

Materials and equipment are decided by :class:`ingestion.enterprise.judge.CatalogueJudge` from the national
catalogues; pollutants come from pollution tables and 产污 lines (:mod:`ingestion.enterprise.pollution`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingestion.documents import Line, LoadedDocument, Table
from ingestion.enterprise.findings import Findings, clean_name, labelled_yes, split_items
from ingestion.enterprise.judge import CatalogueJudge
from ingestion.enterprise.lexicon import NEGATION, PERMIT_CLASSES
from ingestion.enterprise.models import ExtractedPollutant, ExtractedProcess, Provenance
from ingestion.enterprise.pollution import (
    INDICATORS,
    formulas_in,
    indicator_kind,
    kind_of,
    split_pollutants,
    waste_code,
)

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
#: the 工程组成 of a 建设项目环境影响报告表 other than its 主体工程: sections that are not the production process
_SUPPORT_SECTION = re.compile(
    r"公用工程|辅助工程|储运工程|环保工程|依托工程|办公及生活|公辅|原辅材料|主要设备|生产设备"
)
#: facilities of those 工程 (rooms and stations) and support work, which a process list may name
_SUPPORT_NAME = re.compile(
    r"(配电|变电|空压|锅炉房|泵房|水泵|危废|暂存|仓库|库房|仓储|物料用量|原料用量|维修|保养|检修|交接班|巡检|办公|食堂|宿舍)"
)
_SUB_ITEM = re.compile(r"^(?:（\d+）|\(\d+\)|[①-⑳]|[a-z][.)）])\s*")
_TOP_ITEM = re.compile(r"^(?:\d+[.、．)]|工序\s*[\d一二三四五六七八九十]+)")
#: words of a pollution table's header
_POLLUTION_HEADER = (
    "污染物",
    "污染因子",
    "排放口",
    "固废名称",
    "危废名称",
    "废物名称",
    "废物类别",
    "废物代码",
    "处置去向",
)
_DUST = re.compile(r"[\u4e00-\u9fff]{1,4}(?:粉尘|烟尘)")
_WASTE_LIST = re.compile(
    r"(危险废物|危废|一般固废|一般工业固体废物|一般固体废物|固体废物|固废)[^：:]{0,6}[：:](?P<items>.+)$"
)


@dataclass
class _Context:
    in_process: bool = False
    level: int = 0
    stage: str = ""
    #: index in ``found.processes`` of a step whose description may continue on the next line
    open_step: int | None = None
    #: the step sub-items fold into (the last top-level numbered step)
    parent_step: int | None = None
    #: the pollution kind the current section states (废气 …)
    section_kind: str = ""


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
    """Extract from one :class:`LoadedDocument` (the file label goes into every provenance).

    Args:
        judge: decides materials, equipment and wastes from the catalogues.
    """

    def __init__(self, judge: CatalogueJudge) -> None:
        self.judge = judge

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
        found.processes = [p for p in found.processes if not _SUPPORT_NAME.search(p.name)]
        return found

    def _heading(self, text: str, level: int, ctx: _Context, found: Findings, source: Provenance) -> None:
        ctx.open_step = ctx.parent_step = None
        title = _heading_text(text)
        ctx.section_kind = kind_of(title) if level <= 2 or kind_of(title) else ctx.section_kind
        procedure = _PROCEDURE.search(title)
        if procedure:
            name = clean_name(procedure.group("name"))
            found.processes.append(ExtractedProcess(name=name, stage=ctx.stage, source=source))
        machine = _EQUIPMENT_PROCEDURE.search(title)
        if machine and not procedure:
            found.equipment.append(self.judge.equipment(clean_name(machine.group("name")), source))
        if _SUPPORT_SECTION.search(title):
            ctx.in_process, ctx.stage = False, ""
        elif _PROCESS_SECTION.search(title) and not procedure:
            ctx.in_process, ctx.level, ctx.stage = True, level, ""
        elif ctx.in_process and level > ctx.level and _STAGE_HEADING.search(title):
            ctx.stage = title
        elif ctx.in_process and level <= ctx.level:
            ctx.in_process, ctx.stage = False, ""
        if _ARROW.search(title):
            self._flow(title, ctx, found, source)

    def _line(self, text: str, ctx: _Context, found: Findings, source: Provenance) -> None:
        self._facts(text, found, source, section_kind=ctx.section_kind)
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
        if step and ctx.parent_step is not None and _SUB_ITEM.match(text):
            # "（1）剪切：…" under "1. 下料：…": a sub-step of the step, not a step of its own
            parent = found.processes[ctx.parent_step]
            joined = "；".join(filter(None, [parent.description.rstrip("。；"), text.strip()]))
            found.processes[ctx.parent_step] = parent.model_copy(update={"description": joined})
            ctx.open_step = None
        elif step:
            name = clean_name(step.group("name"))
            if not any(w in name for w in _NOT_A_PROCESS):
                ctx.open_step = len(found.processes)
                if _TOP_ITEM.match(text):
                    ctx.parent_step = ctx.open_step
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
        for name, quantity, raw in split_items(items):
            if "设备" in what:
                labelled = "特种" in what
                found.equipment.append(
                    self.judge.equipment(name, source, labelled=labelled, quantity=quantity, notes=raw)
                )
            else:
                labelled = "危险" in what
                found.materials.append(self.judge.material(raw, name, source, labelled=labelled, quantity=quantity))

    def _mentions(self, text: str, found: Findings, source: Provenance) -> None:
        """Catalogue substances and special equipment named in running text (not negated)."""
        if not _POLLUTION_LINE.search(text):
            found.materials += self.judge.mentions(text, source)
        found.equipment += self.judge.equipment_mentions(text, source)

    def _facts(self, text: str, found: Findings, source: Provenance, *, section_kind: str = "") -> None:
        head = _HEADCOUNT.search(text)
        if head and found.headcount is None:
            found.headcount = (int(head.group(2)), source)
        classes = [c for c in PERMIT_CLASSES if c in text]
        if classes and ("管理类别" in text or found.permit_class is None):
            # "由登记管理转为重点管理": the last named class is the current one
            found.permit_class = (max(classes, key=text.rfind), source)
        if _POLLUTION_LINE.search(text):
            self._pollution_line(text, found, source, section_kind=section_kind)

    def _pollution_line(self, text: str, found: Findings, source: Provenance, *, section_kind: str = "") -> None:
        """The outlets, listed wastes and standard indicators a 产污/排放 line names."""
        outlets = _OUTLET.findall(text)
        for code in outlets:
            if code not in found.outlets:
                found.outlets.append(code)
        wastes = _WASTE_LIST.search(text)
        if wastes:
            kind = kind_of(wastes.group(1))
            body = re.split(r"[，,。]\s*(?:委托|交由|外售|由|送|定期|暂存|收集)", wastes.group("items"))[0]
            for name in split_pollutants(body):
                self._add_pollutant(found, name, kind, "", source, context=text)
            return
        line_kind = kind_of(text.split("：")[0]) if "：" in text else kind_of(text)
        for dust in dict.fromkeys(_DUST.findall(text)):
            # 颗粒物 of GB 16297-1996 表2 as plants name it by its source: 抛丸粉尘, 焊接烟尘
            found.pollutants.append(
                ExtractedPollutant(name=dust, kind="废气", outlet="、".join(outlets), source=source)
            )
        for term in [*_longest_terms(text, tuple(INDICATORS)), *formulas_in(text)]:
            if any(p.name == term and p.source == source for p in found.pollutants):
                continue
            kind = indicator_kind(term, line_kind or section_kind)
            found.pollutants.append(
                ExtractedPollutant(name=term, kind=kind or section_kind, outlet="、".join(outlets), source=source)
            )

    def _add_pollutant(
        self,
        found: Findings,
        name: str,
        kind: str,
        outlet: str,
        source: Provenance,
        *,
        context: str = "",
        code: str = "",
    ) -> None:
        """One pollutant or waste; a waste of no stated class is hazardous when the 名录 names it."""
        hw_class, waste = waste_code(code) if code else ("", "")
        basis = f"文件所列废物代码 {waste or hw_class}" if hw_class else ""
        if kind in ("危险废物", "固废") and not hw_class:
            match = self.judge.waste(name, context)
            if match is not None and (kind == "危险废物" or match.code):
                kind, hw_class, waste, basis = "危险废物", match.hw_class, match.code, match.basis
        if kind == "固废":
            kind = "一般固废" if "一般" in context else "固废"
        found.pollutants.append(
            ExtractedPollutant(
                name=name, kind=kind, outlet=outlet, source=source, hw_class=hw_class, waste_code=waste, basis=basis
            )
        )

    def _table(self, table: Table, found: Findings, file_label: str) -> None:
        if len(table.rows) < 2:
            return
        header = [c.strip() for c in table.rows[0]]
        process_table = any("工序" in h for h in header)
        if not process_table and any(w in h for h in header for w in _POLLUTION_HEADER):
            self._pollution_table(table, header, found, file_label)
            return
        if process_table:
            self._stream_column(table, header, found, file_label)
        columns = TableColumns.of(header)
        if columns.name is None:
            return
        for r, row in enumerate(table.rows[1:], start=1):
            cell = f"table {table.index} row {r}"
            source = Provenance(file=file_label, page=table.page, cell=cell)
            columns.read(row, found, source, self.judge, caption=table.caption)

    def _pollution_table(self, table: Table, header: list[str], found: Findings, file_label: str) -> None:
        """Every pollutant of every row, of the kind its 类别 cell, the header, caption or section states."""

        def find(*words: str) -> int | None:
            # the words in order of preference: 污染物种类 before a generic 名称
            return next((i for w in words for i, h in enumerate(header) if w in h), None)

        name = find("污染物名称", "污染因子", "污染物种类", "污染物", "固废名称", "危废名称", "废物名称", "名称")
        if name is None:
            return
        kind_col = find("废物类别", "类别", "类型", "属性")
        code_col = find("废物代码", "代码")
        outlet_col = find("排放口编号", "排放口", "编号")
        source_col = find("产污环节", "产生环节", "来源", "产生工序")
        table_kind = kind_of(table.caption + "".join(header))
        for r, row in enumerate(table.rows[1:], start=1):
            source = Provenance(file=file_label, page=table.page, cell=f"table {table.index} row {r}")

            def at(i: int | None, row: list[str] = row) -> str:
                return row[i].strip() if i is not None and i < len(row) else ""

            line = " ".join(row)
            outlets = _OUTLET.findall(at(outlet_col) or line)
            for code in outlets:
                if code not in found.outlets:
                    found.outlets.append(code)
            kind = kind_of(at(kind_col)) or table_kind or kind_of(at(name))
            code = at(code_col) or at(kind_col)
            for pollutant in split_pollutants(at(name)):
                own = kind or indicator_kind(pollutant, "") or kind_of(pollutant)
                self._add_pollutant(
                    found, pollutant, own, "、".join(outlets), source, context=f"{at(source_col)} {line}", code=code
                )

    def _stream_column(self, table: Table, header: list[str], found: Findings, file_label: str) -> None:
        """The 产污环节 column of a process table: each stream named, its kind from its own words."""
        col = next((i for i, h in enumerate(header) if "产污" in h or "污染" in h), None)
        if col is None:
            return
        for r, row in enumerate(table.rows[1:], start=1):
            if col >= len(row):
                continue
            source = Provenance(file=file_label, page=table.page, cell=f"table {table.index} row {r}")
            for name in split_pollutants(row[col]):
                kind = indicator_kind(name, "") or kind_of(name) or _stream_kind(name)
                self._add_pollutant(found, name, kind, "", source, context=" ".join(row))


#: how a stream's own name states its kind: 烟尘/粉尘/雾/废气 are air, 渣/料/污泥/包装/废X are solid wastes
def _stream_kind(name: str) -> str:
    if re.search(r"烟|尘|雾|废气|VOCs|总烃", name):
        return "废气"
    if re.search(r"废水|废液", name):
        return "废水"
    if re.search(r"渣|边角料|污泥|包装|废.{1,6}$", name):
        return "固废"
    return ""


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

    def read(
        self, row: list[str], found: Findings, source: Provenance, judge: CatalogueJudge, *, caption: str = ""
    ) -> None:
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
            notes = " ".join(at(i) for i in range(len(row)) if i not in (self.name, self.flag))
            found.equipment.append(
                judge.equipment(name, source, labelled=labelled, quantity=at(self.quantity), notes=notes)
            )
        elif self.kind == "material":
            labelled = labelled or "危险化学品" in caption
            notes = " ".join(at(i) for i in range(len(row)) if i not in (self.name, self.flag))
            found.materials.append(
                judge.material(at(self.name), name, source, labelled=labelled, quantity=at(self.quantity), notes=notes)
            )
