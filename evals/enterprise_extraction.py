"""Enterprise extraction quality on the fixtures of ``tests/fixtures/enterprise``: the fixtures and the scoring.

Per sector folder, the source texts are rendered to their formats (:func:`materialize`), imported (by
``evals.bench.enterprise_extraction``, which runs the importer and the mapper), and what was found
(:class:`Extracted`, plain names) is compared with ``expected.yaml``: precision and recall of processes,
hazardous materials and special equipment (micro-averaged over the sectors), and the share of expected
processes mapped to the expected template (a ``null`` template: the process must be reported as new).
Names match when one contains the other after dropping 工序/工段 suffixes (:func:`process_key`). No
application code is imported here; the harness prints the metrics as one JSON line::

    .venv/bin/python -m evals.bench.enterprise_extraction
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["FIXTURES", "Extracted", "materialize", "process_key", "score_case", "summarize"]

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "enterprise"
_FONT = "STSong-Light"
_BRACKETS = re.compile(r"[（(\[【][^）)\]】]*[）)\]】]")
_QUANTITY = re.compile(r"\s*(约)?\d+(\.\d+)?\s*(台套|台|套|辆|座|个|条|把|t/a|吨/年|kg/a|L/a|吨|t|kg|L|桶|瓶)\s*$")


@dataclass(frozen=True)
class Extracted:
    """What the system found in one sector's documents, as plain names.

    Args:
        processes: the extracted process steps.
        hazardous_materials: the materials flagged as hazardous chemicals.
        special_equipment: the equipment flagged as special equipment.
        mappings: ``(process name, template id or None)`` per mapped process, in the system's order.
        pollutants: the pollutants and wastes found (scored where ``expected.yaml`` lists them).
    """

    processes: list[str]
    hazardous_materials: list[str]
    special_equipment: list[str]
    mappings: list[tuple[str, str | None]]
    pollutants: list[str] = field(default_factory=list)


def process_key(name: str) -> str:
    """The key under which two spellings of a step are the same step: bracketed notes, trailing
    quantities, numbering, spaces and 工序/工段/岗位/作业/工艺/过程 suffixes dropped."""
    clean = _BRACKETS.sub("", name).strip(" \t:：。.;；")
    clean = re.sub(r"^(\d+[.、．)]|（\d+）|\(\d+\)|[①-⑳])\s*", "", clean)
    clean = _QUANTITY.sub("", clean).strip()
    return re.sub(r"(工序|工段|岗位|作业|工艺|过程)$", "", clean).replace(" ", "")


def _pdf(source: Path, target: Path) -> None:
    from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
    from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

    pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
    canvas = Canvas(str(target), pagesize=A4)
    y = A4[1] - 72
    canvas.setFont(_FONT, 11)
    for line in source.read_text(encoding="utf-8").splitlines():
        if line == "<<page>>":
            canvas.showPage()
            canvas.setFont(_FONT, 11)
            y = A4[1] - 72
            continue
        canvas.drawString(56, y, line)
        y -= 20
    canvas.showPage()
    canvas.save()


def _docx(source: Path, target: Path) -> None:
    import docx

    document = docx.Document()
    rows: list[list[str]] = []

    def flush() -> None:
        if rows:
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
            rows.clear()

    for line in source.read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not all(set(c) <= {"-", ":"} for c in cells):
                rows.append(cells)
            continue
        flush()
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            document.add_heading(line.lstrip("# "), level=level)
        elif line.strip():
            document.add_paragraph(line)
    flush()
    document.save(str(target))


def _xlsx(source: Path, target: Path) -> None:
    import openpyxl  # type: ignore[import-untyped]

    book = openpyxl.Workbook()
    book.remove(book.active)
    sheet = None
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.startswith("## sheet:"):
            sheet = book.create_sheet(line.split(":", 1)[1].strip())
        elif line.strip() and sheet is not None:
            sheet.append(line.split("\t"))
    book.save(str(target))


_RENDER: dict[str, tuple[str, Callable[[Path, Path], None]]] = {
    ".pdf.txt": (".pdf", _pdf),
    ".docx.md": (".docx", _docx),
    ".xlsx.tsv": (".xlsx", _xlsx),
}


def materialize(case: Path, out: Path) -> list[Path]:
    """Render the source texts of a fixture folder into ``out``; the document paths in name order."""
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for source in sorted(case.iterdir()):
        if source.name == "expected.yaml" or source.is_dir():
            continue
        suffix = next((s for s in _RENDER if source.name.endswith(s)), None)
        if suffix is None:
            target = out / source.name
            target.write_bytes(source.read_bytes())
        else:
            ext, render = _RENDER[suffix]
            target = out / (source.name[: -len(suffix)] + ext)
            render(source, target)
        paths.append(target)
    return paths


def _same(a: str, b: str) -> bool:
    ka, kb = process_key(a), process_key(b)
    return bool(ka and kb) and (ka in kb or kb in ka)


def _matched(found: Sequence[str], gold: Sequence[str]) -> int:
    """One-to-one greedy matching of found names to gold names."""
    left = list(gold)
    hits = 0
    for name in found:
        exact = next((g for g in left if process_key(g) == process_key(name)), None)
        match = exact or next((g for g in left if _same(g, name)), None)
        if match is not None:
            left.remove(match)
            hits += 1
    return hits


def score_case(result: Extracted, expected: dict[str, Any]) -> dict[str, Any]:
    """Counts (found, gold, matched) per field and the mapping hits of one sector (``expected.yaml``)."""
    fields = {
        "processes": (result.processes, expected["processes"]),
        "hazardous_materials": (result.hazardous_materials, expected["hazardous_materials"]),
        "special_equipment": (result.special_equipment, expected["special_equipment"]),
    }
    if "pollutants" in expected:
        gold = [p["name"] if isinstance(p, dict) else str(p) for p in expected["pollutants"]]
        fields["pollutants"] = (result.pollutants, gold)
    counts = {k: (len(found), len(gold), _matched(found, gold)) for k, (found, gold) in fields.items()}
    mapped = 0
    for name, template in (expected.get("mapping") or {}).items():
        m = next((m for m in result.mappings if process_key(m[0]) == process_key(name)), None)
        if m is not None and m[1] == template:
            mapped += 1
    return {"counts": counts, "mapped": mapped, "mapping_total": len(expected.get("mapping") or {})}


def summarize(cases: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Micro-averaged precision and recall per field, and the mapping accuracy."""
    out: dict[str, Any] = {"sectors": len(cases)}
    for name in ("processes", "hazardous_materials", "special_equipment", "pollutants"):
        scored = [c for c in cases if name in c["counts"]]
        if not scored:
            continue
        found = sum(c["counts"][name][0] for c in scored)
        gold = sum(c["counts"][name][1] for c in scored)
        hit = sum(c["counts"][name][2] for c in scored)
        precision = hit / found if found else 0.0
        recall = hit / gold if gold else 0.0
        out[f"{name}_precision"] = round(precision, 3)
        out[f"{name}_recall"] = round(recall, 3)
        out[f"{name}_f1"] = round(2 * precision * recall / (precision + recall), 3) if hit else 0.0
    total = sum(c["mapping_total"] for c in cases)
    out["mapping_accuracy"] = round(sum(c["mapped"] for c in cases) / total, 3) if total else 0.0
    return out
