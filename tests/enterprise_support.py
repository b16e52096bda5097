"""The document importer the enterprise tests use: over the national catalogues of the repository and,
when the statute texts are beside it, 国家危险废物名录 (both loaded once per test session)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from ingestion.catalogue_texts import read_drug_precursors
from ingestion.enterprise import EnterpriseDocumentImporter
from ingestion.entities import EntityExtractor
from ingestion.wastes import HazardousWasteList
from kg.catalogues import load_catalogues

REPO = Path(__file__).resolve().parents[1]
REGULATIONS = Path(os.environ.get("HSEKG_SHARED_DIR", REPO.parent / "shared")) / "regulations"


@functools.cache
def catalogue_facts() -> EntityExtractor:
    """The extractor over ``regulations_corpus/catalogues`` (the 易制毒 附表 when the statutes are there)."""
    precursors = read_drug_precursors(REGULATIONS) if (REGULATIONS / "易制毒化学品管理条例.md").is_file() else None
    return EntityExtractor(load_catalogues(REPO / "regulations_corpus" / "catalogues", drug_precursors=precursors))


@functools.cache
def waste_list() -> HazardousWasteList | None:
    """国家危险废物名录's rows, or None without the statute texts."""
    return HazardousWasteList.read(REGULATIONS) if (REGULATIONS / "国家危险废物名录.md").is_file() else None


def enterprise_importer(max_bytes: int = 10 * 2**20) -> EnterpriseDocumentImporter:
    """An importer deciding from the catalogues, as the container builds it."""
    return EnterpriseDocumentImporter(catalogue_facts(), max_bytes=max_bytes, wastes=waste_list())
