"""One-pass scoring: all periods in one run, against the pandas reference and against one period at a time.

Two demo enterprises share the database, so a join that lets one period's or one enterprise's rows into
another's shows up as a difference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from evals.bench.scoring import compare, load_tables
from kg.corpus import KnowledgeBase, load_knowledge_base
from scoring.compute import PeriodScorer
from scoring.db import IndicatorScore, UnitScore, open_records_db
from scoring.demo_data import DemoSpec, generate_demo
from scoring.periods import Period

REPO = Path(__file__).resolve().parents[2]
YEAR = [Period(2026, m) for m in range(1, 13)] + [Period(2026)]
NO_DISAGREEMENT = {"rows_missing": 0, "indicator_grades": 0, "indicator_values": 0, "unit_grades": 0, "unit_scores": 0}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base(REPO / "regulations_corpus")


@pytest.fixture
def engine(records_url: str, kb: KnowledgeBase) -> Engine:
    engine = open_records_db(records_url)
    for enterprise, seed in (("a", 7), ("b", 11)):
        spec = DemoSpec(enterprise_id=enterprise, seed=seed, people=60, positions=12, indicators=30, records=6000)
        generate_demo(engine, kb, spec)
    return engine


def _rows(engine: Engine, *, enterprise_id: str | None = None) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """Every stored indicator and unit score, without row ids, values rounded against summation order."""
    i, u = IndicatorScore, UnitScore
    ind = select(i.period_id, i.enterprise_id, i.level, i.unit_id, i.indicator_id, i.n_records, i.value, i.grade)
    units = select(u.period_id, u.enterprise_id, u.level, u.unit_id, u.parent_id, u.score, u.grade, u.veto_failed,
                   u.n_failing, u.n_unmeasured)  # fmt: skip
    if enterprise_id is not None:
        ind, units = ind.where(i.enterprise_id == enterprise_id), units.where(u.enterprise_id == enterprise_id)

    def rounded(row: Any) -> tuple[Any, ...]:
        return tuple(round(v, 9) if isinstance(v, float) else v for v in row)

    with engine.connect() as conn:
        return {rounded(r) for r in conn.execute(ind)}, {rounded(r) for r in conn.execute(units)}


def test_a_year_and_its_months_in_one_run_agree_with_pandas(engine: Engine) -> None:
    run = PeriodScorer(engine).run(*reversed(YEAR))
    assert run.periods == tuple(p.id for p in sorted(YEAR, key=lambda p: (p.first_month, p.id)))
    indicator_rows, unit_rows = _rows(engine)
    assert run.indicator_rows == len(indicator_rows) and run.unit_rows == len(unit_rows)
    tables = load_tables(engine)
    assert len(indicator_rows) == len(tables["assignments"]) * len(YEAR)
    for period in YEAR:
        assert compare(engine, tables, period) == NO_DISAGREEMENT, period.id
    year = {r[6] for r in unit_rows if r[0] == "2026" and r[2] == "岗位"}
    assert {"优秀", "待改进"} <= year  # the data gives the year differing grades


def test_one_run_writes_what_one_period_at_a_time_writes(engine: Engine) -> None:
    periods = [Period(2026, 3), Period(2026), Period(2026, 7)]
    scorer = PeriodScorer(engine)
    for period in periods:
        scorer.run(period)
    one_at_a_time = _rows(engine)
    scorer.run(*periods)
    assert _rows(engine) == one_at_a_time
    scorer.run(periods[0], periods[0])  # a period named twice is scored once
    assert _rows(engine) == one_at_a_time


def test_a_run_for_one_enterprise_replaces_only_its_rows(engine: Engine) -> None:
    periods = [Period(2026, 12), Period(2026)]
    scorer = PeriodScorer(engine)
    scorer.run(*periods)
    everything = _rows(engine)
    scorer.run(*periods, enterprise_id="a")
    assert _rows(engine) == everything
    scorer.run(Period(2026, 1), enterprise_id="b")
    january_b = _rows(engine, enterprise_id="b")
    assert {r[0] for r in january_b[1]} == {"2026-01", "2026-12", "2026"}
    assert {r[0] for r in _rows(engine, enterprise_id="a")[1]} == {"2026-12", "2026"}
