"""Read an enterprise's documents into one :class:`EnterpriseExtraction`, with a report per document.

A document that yields nothing is reported with the reason, in Chinese for the people who read it
(image-only scan, unrelated such as a sales contract, or simply nothing recognisable); the caller decides
what an extraction with no items means.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from ingestion.documents import LoadedDocument
from ingestion.enterprise.excel import ExcelInventoryReader
from ingestion.enterprise.findings import Findings, process_key
from ingestion.enterprise.judge import CatalogueJudge
from ingestion.enterprise.lexicon import CONTRACT_MARKERS, DOCUMENT_KINDS, RELEVANCE_MARKERS
from ingestion.enterprise.models import (
    DocumentReport,
    EnterpriseExtraction,
    ExtractedEquipment,
    ExtractedMaterial,
    ExtractedPollutant,
    ExtractedProcess,
)
from ingestion.enterprise.text_parser import EnterpriseTextParser
from ingestion.entities import EntityExtractor
from ingestion.loaders import load_document, supported_suffixes
from ingestion.wastes import HazardousWasteList
from kg.errors import IngestionError, UnsupportedDocumentError

__all__ = ["EnterpriseDocumentImporter", "Progress"]

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]
_NAME = re.compile(r"(企业名称|单位名称|建设单位|排污单位名称)\s*[：:]\s*(?P<name>[^\s，,。；]{4,40})")
T = TypeVar("T", ExtractedMaterial, ExtractedEquipment)


#: Which documents define the order of the steps: process descriptions first, safety procedures last.
_ORDER = {"工艺流程说明": 0, "环评报告表": 1, "排污许可证副本": 2, "设备及化学品清单": 3, "安全操作规程": 4}


def _kind(path: Path, doc: LoadedDocument | None) -> str:
    """The document kind, from its file name, else from its first lines."""
    for head in (path.stem, "".join(line.text for line in (doc.lines[:5] if doc else []))):
        kind = next((kind for word, kind in DOCUMENT_KINDS if word in head), "")
        if kind:
            return kind
    return ""


def _unrelated_reason(text: str) -> str | None:
    contract = [w for w in CONTRACT_MARKERS if w in text]
    relevant = [w for w in RELEVANCE_MARKERS if w in text]
    if len(contract) >= 3 and len(relevant) < 3:
        markers = "、".join(contract[:4])
        return f"与工艺无关：内容像商务合同（{markers}），不是工艺、安全或环保文件"
    return None


class EnterpriseDocumentImporter:
    """Extract processes, materials, equipment and pollutants from an enterprise's files.

    Args:
        facts: the extractor over the national catalogues, which decides hazardous materials (危险化学品目录)
            and special equipment (特种设备目录).
        max_bytes: size limit per file.
        wastes: 国家危险废物名录's rows, for the codes of hazardous wastes (None: codes only as written).
        progress: called with one line per document (the CLI prints it).
    """

    def __init__(
        self,
        facts: EntityExtractor,
        *,
        max_bytes: int,
        wastes: HazardousWasteList | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.progress = progress or (lambda _message: None)
        self.judge = CatalogueJudge(facts, wastes)
        self.parser = EnterpriseTextParser(self.judge)
        self.excel = ExcelInventoryReader(self.judge, max_bytes=max_bytes)

    def run(self, paths: Sequence[Path], *, name: str = "") -> EnterpriseExtraction:
        """The merged extraction of ``paths`` in the given order."""
        reports: list[DocumentReport] = []
        everything: list[tuple[int, Findings]] = []
        found_name = ""
        for path in paths:
            report, findings, doc_name = self._one(path)
            reports.append(report)
            self.progress(f"{path.name}: {report.status}" + (f" ({report.reason})" if report.reason else ""))
            if findings is not None:
                everything.append((_ORDER.get(report.kind, 2), findings))
            found_name = found_name or doc_name
        # a stable sort: steps take their order from the process descriptions, then the other documents
        everything.sort(key=lambda pair: pair[0])
        return self._merge([f for _, f in everything], reports, name=name or found_name)

    def _one(self, path: Path) -> tuple[DocumentReport, Findings | None, str]:
        label = path.name
        try:
            suffix = path.suffix.lower()
            if suffix not in supported_suffixes() and suffix not in self.excel.suffixes:
                supported = ", ".join([*supported_suffixes(), *self.excel.suffixes])
                raise UnsupportedDocumentError(
                    f"unsupported format {suffix or '(no extension)'} (supported: {supported})"
                )
            if suffix in self.excel.suffixes:
                doc, findings = None, self.excel.run(path, label)
            else:
                doc = load_document(path, max_bytes=self.max_bytes)
                findings = None
        except IngestionError as e:
            logger.info("enterprise document %s failed: %s", path, e)
            return DocumentReport(file=label, kind=_kind(path, None), status="failed", reason=str(e)), None, ""
        warnings = list(doc.warnings) if doc else []
        if doc is not None:
            if doc.pages and len(doc.image_only_pages) >= doc.pages:
                reason = "扫描件：各页均无文字层，请先做文字识别（OCR）"
                return DocumentReport(file=label, kind=_kind(path, doc), status="failed", reason=reason), None, ""
            unrelated = _unrelated_reason(doc.text)
            if unrelated:
                return DocumentReport(file=label, status="unrelated", reason=unrelated), None, ""
            findings = self.parser.run(doc, label)
        assert findings is not None
        kind = _kind(path, doc)
        if findings.empty:
            reason = "未识别到工序、物料、设备或污染物"
            report = DocumentReport(file=label, kind=kind, status="empty", reason=reason, warnings=warnings)
            return report, findings, ""
        match = _NAME.search(doc.text) if doc else None
        report = DocumentReport(file=label, kind=kind, status="extracted", counts=findings.counts(), warnings=warnings)
        return report, findings, match.group("name") if match else ""

    def _merge(self, parts: list[Findings], reports: list[DocumentReport], *, name: str) -> EnterpriseExtraction:
        processes: dict[str, ExtractedProcess] = {}
        materials: list[ExtractedMaterial] = []
        equipment: list[ExtractedEquipment] = []
        pollutants: dict[tuple[str, str], ExtractedPollutant] = {}
        outlets: list[str] = []
        headcount = permit = None
        for part in parts:
            for p in part.processes:
                key = process_key(p.name)
                old = processes.get(key)
                if old is None:
                    processes[key] = p.model_copy(update={"name": key or p.name})
                else:
                    processes[key] = old.model_copy(
                        update={"description": old.description or p.description, "stage": old.stage or p.stage}
                    )
            materials = _merge_named(materials, part.materials, lambda m: m.hazardous)
            equipment = _merge_named(equipment, part.equipment, lambda e: e.special)
            for pol in part.pollutants:
                # one item per pollutant and kind: the outlets of its mentions joined, a written code kept
                old_pol = pollutants.get((pol.name, pol.kind))
                if old_pol is None:
                    pollutants[(pol.name, pol.kind)] = pol
                    continue
                outlets_of = [o for o in (old_pol.outlet + "、" + pol.outlet).split("、") if o]
                better = pol if pol.waste_code and not old_pol.waste_code else old_pol
                pollutants[(pol.name, pol.kind)] = better.model_copy(
                    update={"outlet": "、".join(dict.fromkeys(outlets_of))}
                )
            outlets += [o for o in part.outlets if o not in outlets]
            headcount = headcount or part.headcount
            permit = permit if permit and not part.permit_class else part.permit_class or permit
        ordered = [p.model_copy(update={"order": i}) for i, p in enumerate(processes.values(), start=1)]
        return EnterpriseExtraction(
            name=name,
            processes=ordered,
            materials=materials,
            equipment=equipment,
            pollutants=list(pollutants.values()),
            outlets=outlets,
            headcount=headcount[0] if headcount else None,
            headcount_source=headcount[1] if headcount else None,
            permit_class=permit[0] if permit else "",
            permit_source=permit[1] if permit else None,
            documents=reports,
        )


def _merge_named(have: list[T], new: list[T], flagged: Callable[[T], bool]) -> list[T]:
    """Add items, one per name; a bare term inside a longer name with the same flag is the same item."""
    out = list(have)
    for item in new:
        same = next((i for i, o in enumerate(out) if o.name == item.name or _contains(o, item, flagged)), None)
        if same is None:
            out.append(item)
        elif len(item.name) > len(out[same].name) or (flagged(item) and not flagged(out[same])):
            out[same] = item
    return out


def _contains(a: T, b: T, flagged: Callable[[T], bool]) -> bool:
    short, long = sorted((a.name, b.name), key=len)
    # 甲苯 inside 二甲苯 are two chemicals: names of two different catalogue entries are not variants
    return flagged(a) and flagged(b) and short in long and _entry(a) == _entry(b)


def _entry(item: ExtractedMaterial | ExtractedEquipment) -> str:
    return item.catalogue_name if isinstance(item, ExtractedMaterial) else item.catalogue_code
