"""Enterprise extraction harness: import and map the fixtures of ``tests/fixtures/enterprise``, score them.

Renders each sector folder (:func:`evals.enterprise_extraction.materialize`), runs the document importer
and the process mapper over it, and scores what was found with :mod:`evals.enterprise_extraction`.
Prints one JSON line::

    .venv/bin/python -m evals.bench.enterprise_extraction
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from evals.enterprise_extraction import FIXTURES, REPO, Extracted, materialize, score_case, summarize
from ingestion.catalogue_texts import read_drug_precursors
from ingestion.enterprise import EnterpriseDocumentImporter
from ingestion.entities import EntityExtractor
from ingestion.wastes import HazardousWasteList
from kg.catalogues import load_catalogues
from kg.corpus import load_knowledge_base
from retrieval.enterprise_mapping import EnterpriseImport, EnterpriseMapper, catalog_from_knowledge_base

__all__ = ["extracted", "main", "run"]

#: the statute texts (as api.settings.Settings.regulations_dir defaults): 易制毒 附表, 危险废物名录
REGULATIONS = REPO.parent / "shared" / "regulations"


def extracted(result: EnterpriseImport) -> Extracted:
    """The plain names the scorer compares: extracted items and each mapped process's template."""
    ex = result.extraction
    return Extracted(
        processes=[p.name for p in ex.processes],
        hazardous_materials=[m.name for m in ex.hazardous_materials],
        special_equipment=[e.name for e in ex.special_equipment],
        mappings=[(m.name, m.template_id) for m in result.mappings],
        pollutants=[p.name for p in ex.pollutants],
    )


def run(
    fixtures: Path = FIXTURES, corpus: Path = REPO / "regulations_corpus", regulations: Path = REGULATIONS
) -> dict[str, Any]:
    """Import every fixture sector and score it: the importer decides from the national catalogues
    (``corpus/catalogues``, the 易制毒 附表) and 国家危险废物名录 (``regulations``, the statute texts)."""
    mapper = EnterpriseMapper(catalog_from_knowledge_base(load_knowledge_base(corpus)))
    catalogues = load_catalogues(corpus / "catalogues", drug_precursors=read_drug_precursors(regulations))
    importer = EnterpriseDocumentImporter(
        EntityExtractor(catalogues), max_bytes=20 * 2**20, wastes=HazardousWasteList.read(regulations)
    )
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in sorted(p for p in fixtures.iterdir() if (p / "expected.yaml").is_file()):
            expected = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
            paths = materialize(case, Path(tmp) / case.name)
            result = mapper.run(importer.run(paths), sector=expected["sector"])
            cases.append(score_case(extracted(result), expected))
    return summarize(cases)


def main(argv: list[str] | None = None) -> None:
    """Print the metrics as one JSON line (``--fixtures DIR``: another folder of plants, e.g. the frozen set's)."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fixtures", type=Path, default=FIXTURES, help="a folder of plant folders with expected.yaml")
    args = parser.parse_args(argv)
    sys.stdout.write(json.dumps(run(args.fixtures), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
