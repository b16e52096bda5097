"""Scoring benchmark: a year of records scored in SQL (SQLite), against a plain pandas groupby.

Run: ``python -m evals.bench.scoring [--records 500000 2000000] [--people 5000 --positions 300
--indicators 100] [--repeat 3] [--db-dir DIR] [--table]``. For each size it generates the demo
enterprise with that many records in a fresh SQLite file, scores the twelve months and the year in
SQL (one :meth:`~scoring.compute.PeriodScorer.run` over the thirteen periods), computes the same
grades with pandas, and prints one JSON line: generation time, the SQL time, peak RSS of each phase
(each phase runs in its own process, so the peaks do not mix), the pandas time (load and compute
apart), their ratio, and the disagreements between both over the thirteen periods. SQL and pandas
compute times are the median of ``--repeat`` runs. ``--table`` adds the Markdown table of
evals/README.md.

:func:`pandas_scores` is the independent reference the tests also use: the same rules as
:mod:`scoring.compute`, written as DataFrame operations over the raw tables.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import statistics
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
from sqlalchemy import Engine, create_engine, text

from kg.corpus import load_knowledge_base
from scoring.compute import GRADE_POINTS, UNIT_THRESHOLDS, VETO_CAP, PeriodScorer
from scoring.db import open_records_db
from scoring.demo_data import DemoSpec, generate_demo
from scoring.periods import Period

REPO = Path(__file__).resolve().parents[2]
KEY = ["level", "unit_id", "indicator_id"]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def load_tables(engine: Engine) -> dict[str, Any]:
    """The raw tables the reference needs, as DataFrames."""
    with engine.connect() as conn:
        return {
            "records": pd.read_sql(
                "SELECT level, unit_id, indicator_id, month, numerator AS num, denominator AS den "
                "FROM inspection_records",
                conn,
            ),
            "values": pd.read_sql("SELECT point_id, month, value, limit_value FROM monitoring_values", conn),
            "points": pd.read_sql(
                "SELECT id AS point_id, level, unit_id, indicator_id, limit_value AS point_limit "
                "FROM monitoring_points",
                conn,
            ),
            "assignments": pd.read_sql(
                "SELECT indicator_id, level, unit_id, weight, veto FROM indicator_assignments", conn
            ),
            "indicators": pd.read_sql(
                "SELECT id AS indicator_id, kind, comparator, excellent, qualified FROM indicators", conn
            ),
            "positions": pd.read_sql("SELECT id AS unit_id, department_id AS parent_id, weight FROM positions", conn),
            "departments": pd.read_sql(
                "SELECT id AS unit_id, enterprise_id AS parent_id, weight FROM departments", conn
            ),
            "enterprises": pd.read_sql("SELECT id AS unit_id FROM enterprises", conn),
        }


def _grade(values: Any, comparator: Any, excellent: Any, qualified: Any) -> Any:
    higher = comparator == ">="
    best = (higher & (values >= excellent)) | (~higher & (values <= excellent))
    ok = (higher & (values >= qualified)) | (~higher & (values <= qualified))
    grade = pd.Series("待改进", index=values.index, dtype=object)
    grade[ok] = "合格"
    grade[best] = "优秀"
    grade[values.isna()] = None
    return grade


def _indicator_scores(tables: dict[str, Any], period: Period) -> Any:
    def in_period(df: Any) -> Any:
        return df[(df["month"] >= period.first_month) & (df["month"] <= period.last_month)]

    rec = in_period(tables["records"])[[*KEY, "num", "den"]]
    mon = in_period(tables["values"]).merge(tables["points"], on="point_id")
    mon = mon.merge(tables["indicators"][["indicator_id", "kind"]], on="indicator_id")
    within = mon["value"] <= mon["limit_value"].fillna(mon["point_limit"])
    mon["num"] = (within == (mon["kind"] == "rate")).astype(float)
    mon["den"] = 1.0
    obs = pd.concat([rec, mon[[*KEY, "num", "den"]]], ignore_index=True)
    agg = obs.groupby(KEY, as_index=False).agg(n=("num", "size"), num=("num", "sum"), den=("den", "sum"))
    vals = tables["assignments"].merge(tables["indicators"], on="indicator_id").merge(agg, on=KEY, how="left")
    rate = 100.0 * vals["num"] / vals["den"].where(vals["den"] != 0)
    vals["value"] = rate.where(vals["kind"] != "count", vals["num"])
    vals["grade"] = _grade(vals["value"], vals["comparator"], vals["excellent"], vals["qualified"])
    vals["points"] = vals["grade"].map(GRADE_POINTS)
    vals["veto"] = vals["veto"].astype(bool)
    return vals


def _roll(children: Any, units: Any) -> Any:
    """Weighted mean of measured children's points per parent, veto cap, grade."""
    measured = children[children["points"].notna()].copy()
    measured["wp"] = measured["weight"] * measured["points"]
    sums = measured.groupby("parent", as_index=True).agg(wp=("wp", "sum"), w=("weight", "sum"))
    veto = children.groupby("parent")["veto_fail"].any()
    out = units.copy()
    out["raw"] = out["unit_id"].map(sums["wp"] / sums["w"].where(sums["w"] != 0))
    out["veto_failed"] = out["unit_id"].map(veto).fillna(False).astype(bool)
    capped = out["veto_failed"] & (out["raw"] > VETO_CAP)
    out["score"] = out["raw"].where(~capped, VETO_CAP)
    grade = pd.Series("待改进", index=out.index, dtype=object)
    for threshold, name in reversed(UNIT_THRESHOLDS):
        grade[out["score"] >= threshold] = name
    grade[out["score"].isna()] = None
    out["grade"] = grade
    return out


def pandas_scores(tables: dict[str, Any], period: Period) -> tuple[Any, Any]:
    """(indicator scores, unit scores) of a period computed with pandas only."""
    ind = _indicator_scores(tables, period)
    own = ind.assign(parent=ind["unit_id"], veto_fail=ind["veto"] & (ind["grade"] == "待改进"))
    levels = []
    below: Any = None
    for level, units_key, child_units in (
        ("岗位", "positions", None),
        ("部门", "departments", "positions"),
        ("企业", "enterprises", "departments"),
    ):
        children = own[own["level"] == level][["parent", "weight", "points", "veto_fail"]]
        if child_units is not None:
            sub = below.merge(tables[child_units][["unit_id", "weight"]], on="unit_id")
            sub = sub.rename(columns={"parent_id": "parent", "score": "points"})[["parent", "weight", "points"]]
            children = pd.concat([children, sub.assign(veto_fail=False)], ignore_index=True)
        units = (
            tables[units_key][["unit_id", "parent_id"]]
            if "parent_id" in tables[units_key]
            else tables[units_key].assign(parent_id=None)
        )
        below = _roll(children, units)
        levels.append(below.assign(level=level))
    return ind, pd.concat(levels, ignore_index=True)


def compare(engine: Engine, tables: dict[str, Any], period: Period) -> dict[str, int]:
    """Disagreements between the SQL scores of a period and the pandas reference."""
    ind, units = pandas_scores(tables, period)
    with engine.connect() as conn:
        where = {"p": period.id}
        ind_sql = "SELECT level, unit_id, indicator_id, value, grade FROM indicator_scores WHERE period_id = :p"
        sql_ind = pd.read_sql(text(ind_sql), conn, params=where)
        unit_sql = "SELECT level, unit_id, score, grade FROM unit_scores WHERE period_id = :p"
        sql_units = pd.read_sql(text(unit_sql), conn, params=where)
    mi = ind.merge(sql_ind, on=KEY, how="outer", suffixes=("_pd", "_sql"), indicator=True)
    mu = units.merge(sql_units, on=["level", "unit_id"], how="outer", suffixes=("_pd", "_sql"), indicator=True)

    def differ(df: Any, col: str, tol: float | None) -> int:
        a, b = df[f"{col}_pd"], df[f"{col}_sql"]
        both_na = a.isna() & b.isna()
        if tol is None:
            return int((~both_na & (a.astype(object) != b.astype(object))).sum())
        return int((~both_na & ~((a - b).abs() <= tol)).sum())

    return {
        "rows_missing": int((mi["_merge"] != "both").sum() + (mu["_merge"] != "both").sum()),
        "indicator_grades": differ(mi, "grade", None),
        "indicator_values": differ(mi, "value", 1e-9),
        "unit_grades": differ(mu, "grade", None),
        "unit_scores": differ(mu, "score", 1e-9),
    }


def _periods(year: int) -> list[Period]:
    return [Period(year, m) for m in range(1, 13)] + [Period(year)]


def _phase_generate(url: str, spec: DemoSpec, out: Any) -> None:
    engine = open_records_db(url)
    kb = load_knowledge_base(REPO / "regulations_corpus")
    started = time.perf_counter()
    summary = generate_demo(engine, kb, spec)
    out.put({"generate_s": time.perf_counter() - started, "generate_rss_mb": _rss_mb(), **asdict(summary)})


def _phase_sql(url: str, year: int, repeat: int, out: Any) -> None:
    engine = open_records_db(url, migrate=False)
    scorer = PeriodScorer(engine)
    runs = [scorer.run(*_periods(year)) for _ in range(repeat)]
    out.put(
        {
            "sql_s": statistics.median(r.seconds for r in runs),
            "sql_runs_s": [r.seconds for r in runs],
            "sql_indicator_rows": runs[0].indicator_rows,
            "sql_unit_rows": runs[0].unit_rows,
            "sql_rss_mb": _rss_mb(),
        }
    )


def _phase_pandas(url: str, year: int, repeat: int, out: Any) -> None:
    engine = create_engine(url)
    started = time.perf_counter()
    tables = load_tables(engine)
    load_s = time.perf_counter() - started
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        for period in _periods(year):
            pandas_scores(tables, period)
        runs.append(time.perf_counter() - started)
    disagreements: dict[str, int] = {}
    for period in _periods(year):
        for key, n in compare(engine, tables, period).items():
            disagreements[key] = disagreements.get(key, 0) + n
    out.put(
        {
            "pandas_load_s": load_s,
            "pandas_compute_s": statistics.median(runs),
            "pandas_runs_s": runs,
            "pandas_rss_mb": _rss_mb(),
            "disagreements": disagreements,
        }
    )


def _run(target: Any, *args: Any) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result: dict[str, Any] = queue.get()
    proc.join()
    return result


def bench_size(db: Path, spec: DemoSpec, *, repeat: int) -> dict[str, Any]:
    """Generate ``spec`` into a fresh SQLite file and run the three phases on it."""
    db.unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    result: dict[str, Any] = {"backend": "sqlite"}
    result.update(_run(_phase_generate, url, spec))
    result.update(_run(_phase_sql, url, spec.year, repeat))
    result.update(_run(_phase_pandas, url, spec.year, repeat))
    result["ratio_sql_to_pandas_compute"] = result["sql_s"] / result["pandas_compute_s"]
    result["ratio_sql_to_pandas_total"] = result["sql_s"] / (result["pandas_compute_s"] + result["pandas_load_s"])
    result["agree"] = not any(result["disagreements"].values())
    result["db_mb"] = db.stat().st_size / 1e6
    return result


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| records | SQL s | pandas compute s | ratio | pandas load s | disagreements |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['records']:,} | {r['sql_s']:.3f} | {r['pandas_compute_s']:.3f} | "
            f"{r['ratio_sql_to_pandas_compute']:.2f} | {r['pandas_load_s']:.2f} | {sum(r['disagreements'].values())} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Parse arguments, run the three phases at each size, print one JSON line per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[500_000, 2_000_000])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--positions", type=int, default=300)
    parser.add_argument("--indicators", type=int, default=100)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3, help="runs of SQL and of pandas compute (median)")
    parser.add_argument("--db-dir", type=Path, default=None, help="keep the SQLite files here (default: temporary)")
    parser.add_argument("--table", action="store_true", help="also print the Markdown table of evals/README.md")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.db_dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for records in args.records:
            spec = DemoSpec(
                people=args.people,
                positions=args.positions,
                indicators=args.indicators,
                records=records,
                year=args.year,
            )
            result = bench_size(folder / f"records-{records}.db", spec, repeat=args.repeat)
            print(json.dumps({k: _rounded(v) for k, v in result.items()}, ensure_ascii=False), flush=True)
            results.append(result)
    if args.table:
        print(_table(results))


if __name__ == "__main__":
    main()
