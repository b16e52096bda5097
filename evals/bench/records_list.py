"""Records list benchmark: the API's page of an enterprise's records, newest first, with and without the
(enterprise_id, observed_at, id) index.

Run: ``python -m evals.bench.records_list [--records 500000]``. Prints one JSON line: the query plans and
the median milliseconds of the first page, a deep page and a month filter, on SQLite.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from kg.corpus import load_knowledge_base
from scoring.db import open_records_db
from scoring.demo_data import DemoSpec, generate_demo
from scoring.records import RecordFilter, RecordReader

REPO = Path(__file__).resolve().parents[2]
INDEX = "ix_records_enterprise_observed"
LIST_SQL = "SELECT id FROM inspection_records WHERE enterprise_id = 'demo' ORDER BY observed_at DESC, id DESC LIMIT 50"


def _median_ms(reader: RecordReader, where: RecordFilter, offset: int, repeat: int = 15) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        reader.find("demo", where, limit=50, offset=offset)
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def _measure(engine: Engine) -> dict[str, Any]:
    reader = RecordReader(engine)
    with engine.connect() as conn:
        plan = " / ".join(str(row[-1]) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {LIST_SQL}")))
    return {
        "plan": plan,
        "first_page_ms": _median_ms(reader, RecordFilter(), 0),
        "page_at_10000_ms": _median_ms(reader, RecordFilter(), 10_000),
        "month_filter_ms": _median_ms(reader, RecordFilter(period="2026-06"), 0),
    }


def main() -> None:
    """Generate the demo enterprise's records, measure with the index, drop it, measure again."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=500_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_records_db(f"sqlite:///{Path(tmp) / 'records.db'}")
        spec = DemoSpec(people=2000, positions=120, indicators=80, records=args.records, monitoring=False)
        generate_demo(engine, load_knowledge_base(REPO / "regulations_corpus"), spec)
        result: dict[str, Any] = {"records": args.records, "with_index": _measure(engine)}
        with engine.begin() as conn:
            conn.execute(text(f"DROP INDEX {INDEX}"))
        engine.dispose()  # pooled connections keep the old schema's plans
        result["without_index"] = _measure(engine)
        engine.dispose()
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
