"""The benchmark scripts work end to end on tiny files (correctness only: speed is for RESULTS.md)."""

import json
import subprocess
import sys

import duckdb
import pytest

from tests.conftest import PROJECT_ROOT

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

BENCHMARKS = PROJECT_ROOT / "benchmarks"


def run_script(name: str, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """``python benchmarks/<name> ARGS`` from the project root, as the README runs it."""
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / name), *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=timeout,
    )


def _csv(path):
    con = duckdb.connect()
    try:
        return con.execute("select * from read_csv(?, all_varchar = true)", [str(path)]).df()
    finally:
        con.close()


def test_generated_files_resample_real_rows_with_new_unique_ids(shared_data, tmp_path):
    result = run_script("generate.py", "--scale", "0.02", "--scale", "1.5", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    real_gtd = _csv(shared_data / "gtd" / "gtd_0814_extract_31col.csv")
    for scale in (0.02, 1.5):
        gtd = _csv(tmp_path / "gtd" / f"gtd_{scale:g}x_b0.csv")
        assert len(gtd) == round(scale * len(real_gtd))
        assert gtd["eventid"].is_unique
        assert list(gtd.columns) == list(real_gtd.columns)
        # each row is a real row under a new id: the real id is the new id without its 4-digit batch
        merged = gtd.assign(eventid=gtd["eventid"].str[:-4]).merge(real_gtd, how="left", indicator=True)
        assert (merged["_merge"] == "both").all()
    ucdp_path = tmp_path / "ucdp_ged" / "ucdp_0.02x_b0.csv"
    real_ucdp = shared_data / "ucdp_ged" / "ged221_pakistan_hdx.csv"
    # the HXL hashtag row stays under the header, as in the real file
    assert ucdp_path.read_text().splitlines()[1] == real_ucdp.read_text().splitlines()[1]
    ucdp = _csv(ucdp_path).iloc[1:]
    assert len(ucdp) == round(0.02 * 6416) and ucdp["id"].is_unique


def test_smoke_benchmark_loads_every_row_on_every_path(shared_data, built_warehouse, tmp_path):
    # the ingest path starts from the session's curated-only warehouse (the same CLI build run.py would make)
    _, base_warehouse, _ = built_warehouse
    result = run_script(
        "run.py", "--smoke", "--out", str(tmp_path), "--base-warehouse", str(base_warehouse), timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    report = (tmp_path / "report.md").read_text()
    assert "### 1. Full ingest" in report and "### 6. Start-up" in report
    rows = results["files"]["full"]["rows"]
    # the pipeline, DuckDB, pandas and the CLI run each hold every generated row
    assert results["ingest"]["rows"] == {"pipeline": rows, "duckdb": rows, "pandas": rows, "cli": rows}
    assert results["incremental"]["month_rows"] == results["files"]["month"]["rows"] > 0
    assert results["incremental"]["total_rows"] == rows + results["files"]["month"]["rows"]
    assert results["startup"]["noop_said_nothing_changed"]
    # the design's floor was measured: reading as text and writing each of the three tables
    assert set(results["ingest"]["floor_s"]) == {
        "read as text",
        "write staging.gtd",
        "write core.incidents",
        "write core.incident_perpetrators",
    }
    # GX and its plain-SQL translation agree on every expectation
    assert results["checks"]["gx"]["unexpected"] == results["checks"]["sql"]["unexpected"]
    assert results["checks"]["gx"]["sql_checks"] == results["checks"]["sql"]["sql_checks"]
    assert set(results["marts"]["0.02x"]) == {
        "attack_trends",
        "incident_facts",
        "policy_outcomes",
        "split_outcomes",
        "decapitation_event_study",
        "event_monthly_series",
        "source_reconciliation",
        "group_lineage",
    }


def test_live_pull_benchmark_runs_on_a_few_events(shared_data):
    result = run_script("live_pull.py", "--events", "1200", "--limit", "500")
    assert result.returncode == 0, result.stderr
    assert "rows read 1,200, loaded 1,200, quarantined 0; versions 1,200" in result.stdout
    assert "(5 requests)" in result.stdout  # the token, pages of 500, 500 and 200, the deletions page


def test_the_suite_summary_adds_up_module_times_and_cli_runs(tmp_path):
    """benchmarks/test_suite.py on a made-up durations output and CLI log: sums worked out by hand."""
    durations = tmp_path / "durations.txt"
    durations.write_text(
        "12.50s call     tests/test_a.py::test_one\n"
        "7.50s setup    tests/test_a.py::test_one\n"
        "3.00s call     tests/test_b.py::test_two[x]\n"
        "=================== 3 passed in 21.00s ===================\n"
    )
    cli_log = tmp_path / "cli.jsonl"
    cli_log.write_text(
        '{"test": "tests/test_a.py::test_one", "args": ["run"], "wall": 10.0, "cpu": 8.5}\n'
        '{"test": "tests/test_a.py::test_one", "args": ["query"], "wall": 1.0, "cpu": 0.5}\n'
    )
    result = run_script("test_suite.py", "--durations", str(durations), "--cli-log", str(cli_log), timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Suite: 21 s" in result.stdout
    assert "tests of 0.5 s or more: 23 s; of it in CLI runs: 11 s wall, 9 s CPU, 1 builds (`run`) of 2" in result.stdout
    assert "| test_a | 20.0 | 11.0 | 9.0 | 1 | 2 | 9.0 |" in result.stdout
    assert "| test_b | 3.0 | 0.0 | 0.0 | 0 | 0 | 3.0 |" in result.stdout
