"""OCR benchmark: speed, per-page confidence and the limit tables recovered from the scanned standards.

Run: ``python -m evals.bench.ocr [--cache DIR] [PDF ...]`` (default: the image-only pages of
../shared/regulations_pdf). Without ``--cache`` every page is OCR'd afresh, so the pages/s printed are
the engine's; with it a second run shows the cached time. Prints per file: pages OCR'd, seconds,
pages/s, the confidence of each page, the clauses parsed, and per table caption the rows and limit
values recovered; then one JSON line with the totals.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

from ingestion.documents import LoadedDocument
from ingestion.loaders import load_document
from ingestion.loaders.pdf import PdfRegulationLoader
from ingestion.ocr import LOW_CONFIDENCE, PdfPageOcr, RapidOcrRecognizer
from ingestion.standards import parse_standard
from kg.errors import UnsupportedDocumentError

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "regulations_pdf"
DEFAULT = ("GB_8978-1996", "GB_16297-1996", "GB_12348-2008")


def _report(doc: LoadedDocument, seconds: float) -> dict[str, object]:
    standard = parse_standard(doc.lines, doc.tables, doc.ocr_pages)
    rows: Counter[str] = Counter()
    for t in doc.tables:
        if t.page in doc.ocr_pages:
            rows[t.caption.split(" ")[0] or "(no caption)"] += len(t.rows)
    limits = Counter(r.table for r in standard.limits if r.ocr_confidence is not None)
    pages = len(doc.ocr_pages)
    return {
        "file": doc.path.name,
        "ocr_pages": pages,
        "seconds": round(seconds, 1),
        "pages_per_s": round(pages / seconds, 3) if seconds else None,
        "confidence": {str(n): c for n, c in sorted(doc.ocr_pages.items())},
        "low_confidence_pages": [n for n, c in sorted(doc.ocr_pages.items()) if c < LOW_CONFIDENCE],
        "ocr_clauses": sum(1 for c in standard.clauses.values() if c.ocr_confidence is not None),
        "table_rows": dict(rows),
        "limit_values": dict(limits),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pdfs", nargs="*", type=Path)
    parser.add_argument("--cache", type=Path, default=None, help="OCR cache directory (default: none)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    pdfs = args.pdfs or [next(SHARED.glob(f"{prefix}*.pdf")) for prefix in DEFAULT]
    recognizer = RapidOcrRecognizer(threads=args.threads)
    totals = {"pages": 0, "seconds": 0.0}
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache or Path(tmp) / "fresh"
        loader = PdfRegulationLoader(ocr=PdfPageOcr(recognizer, cache_dir=cache))
        for pdf in pdfs:
            started = time.perf_counter()
            try:
                doc = load_document(pdf, max_bytes=100 * 2**20, loaders={".pdf": loader})
            except UnsupportedDocumentError as e:
                print(json.dumps({"file": pdf.name, "refused": str(e)}, ensure_ascii=False))
                continue
            report = _report(doc, time.perf_counter() - started)
            totals["pages"] += len(doc.ocr_pages)
            totals["seconds"] += float(str(report["seconds"]))
            print(json.dumps(report, ensure_ascii=False))
    rate = totals["pages"] / totals["seconds"] if totals["seconds"] else 0.0
    print(
        json.dumps(
            {"total_pages": totals["pages"], "seconds": round(totals["seconds"], 1), "pages_per_s": round(rate, 3)}
        )
    )


if __name__ == "__main__":
    main()
