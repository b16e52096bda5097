"""Enterprise documents → a structured extraction: processes, materials, equipment, pollutants.

Reads 工艺流程说明, 安全操作规程, 环评报告表 sections and 排污许可证副本 (PDF, DOCX, Markdown through
:func:`ingestion.loaders.load_document`) and equipment / chemicals lists (Excel). Every item keeps its
provenance (file, page, paragraph or cell). Mapping onto the knowledge base lives in
``retrieval.enterprise_mapping``; this package does not import retrieval.
"""

from __future__ import annotations

from ingestion.enterprise.diff import ProcessMapDiffer
from ingestion.enterprise.importer import EnterpriseDocumentImporter
from ingestion.enterprise.models import (
    DocumentReport,
    EnterpriseExtraction,
    ExtractedEquipment,
    ExtractedMaterial,
    ExtractedPollutant,
    ExtractedProcess,
    ExtractionDiff,
    Provenance,
)

__all__ = [
    "DocumentReport",
    "EnterpriseDocumentImporter",
    "EnterpriseExtraction",
    "ExtractedEquipment",
    "ExtractedMaterial",
    "ExtractedPollutant",
    "ExtractedProcess",
    "ExtractionDiff",
    "ProcessMapDiffer",
    "Provenance",
]
