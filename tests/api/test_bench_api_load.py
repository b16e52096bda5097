"""The API load benchmark, small: a real uvicorn server, concurrent clients, retried and duplicated batches,
exactly N records stored (no timing assertions)."""

from __future__ import annotations

import pytest

from evals.bench.api_load import LoadConfig, main, run_load


@pytest.mark.slow
def test_small_load_run_stores_exactly_n_records() -> None:
    config = LoadConfig(clients=4, records=200, batch_size=20, timeout_s=240)
    report = run_load(config)
    assert report.ok, report.reason
    assert (report.stored, report.accepted, report.rejected, report.http_errors) == (200, 200, 0, 0)
    assert (report.retried, report.duplicated) == (3, 1)  # 30 % and 10 % of 10 batches
    assert report.requests == 10 + 3 + 1 and report.duplicates_answered == 4 * 20


@pytest.mark.slow
def test_cli_prints_one_json_line_and_fails_past_the_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--clients", "2", "--records", "10", "--batch-size", "5", "--timeout", "0.5", "--json"]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and '"ok": false' in out[0]
