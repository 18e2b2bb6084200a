"""`python -m pipelines run` builds the warehouse from the curated files; `query` reads it read-only."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest

from tests.conftest import CURATED_DIR, read_table, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

CORE_FROM_FILE = {
    "groups": "groups.csv",
    "group_relations": "group_relations.csv",
    "leaders": "leaders.csv",
    "leadership_events": "leadership_events.csv",
    "policy_events": "policy_events.csv",
    "published_aggregates": "published_aggregates.csv",
}


def csv_rows(pattern: str) -> int:
    return sum(len(pd.read_csv(p, dtype=str, keep_default_na=False)) for p in CURATED_DIR.glob(pattern))


def test_run_builds_every_core_table_with_every_curated_row(built_warehouse):
    _, warehouse, result = built_warehouse
    assert "SUCCESS" in result.stdout
    assert "built   core.groups" in result.stdout
    for table, file in CORE_FROM_FILE.items():
        (count,) = read_table(warehouse, f"select count(*) from core.{table}")[0]
        assert count == csv_rows(file), table
    (claims,) = read_table(warehouse, "select count(*) from core.claims")[0]
    assert claims == csv_rows("claims*.csv")
    (aliases,) = read_table(warehouse, "select count(distinct alias || source_system) from core.group_aliases")[0]
    assert aliases >= csv_rows("group_aliases.csv")


def test_file_loads_account_for_every_row(built_warehouse):
    _, warehouse, _ = built_warehouse
    loads = read_table(
        warehouse, "select source_file, rows_read, rows_loaded, rows_quarantined from dq.file_loads where is_current"
    )
    assert {row[0] for row in loads} == {f"curated/{p.name}" for p in CURATED_DIR.glob("*.csv")}
    for source_file, rows_read, rows_loaded, rows_quarantined in loads:
        expected = len(pd.read_csv(CURATED_DIR / source_file.split("/")[1], dtype=str))
        assert rows_read == expected == rows_loaded + rows_quarantined, source_file
        assert rows_quarantined == 0, source_file


def test_types_are_kept(built_warehouse):
    _, warehouse, _ = built_warehouse
    types = dict(
        read_table(
            warehouse,
            "select table_name || '.' || column_name, data_type "
            "from information_schema.columns where table_schema = 'core'",
        )
    )
    assert types["leadership_events.event_date"] == "DATE"
    assert types["published_aggregates.value"] == "BIGINT"
    assert types["claims.is_preferred"] == "BOOLEAN"
    assert types["leaders.aliases"] == "VARCHAR[]"
    # Blank stays unknown: a leadership event without an announced date has NULL, never a made-up date.
    blanks = sum(
        1
        for p in CURATED_DIR.glob("leadership_events.csv")
        for r in csv.DictReader(open(p, encoding="utf-8"))
        if r["announced_date"] == ""
    )
    (nulls,) = read_table(warehouse, "select count(*) from core.leadership_events where announced_date is null")[0]
    assert nulls == blanks


def test_aliases_are_normalised_for_matching(built_warehouse):
    _, warehouse, _ = built_warehouse
    rows = dict(read_table(warehouse, "select alias, alias_normalized from core.group_aliases"))
    assert rows["Tehrik-i-Taliban Pakistan (TTP)"] == "tehrik i taliban pakistan"


def test_checks_are_recorded_for_the_run(built_warehouse):
    _, warehouse, _ = built_warehouse
    rows = read_table(warehouse, "select check_name, severity, success from dq.check_results")
    names = {r[0] for r in rows}
    assert {"group_exists", "one_preferred", "no_quarantined_rows", "preferred_matches_main_table"} <= names
    assert all(r[2] for r in rows if r[1] == "ERROR")


def test_query_counts_groups(built_warehouse):
    _, warehouse, _ = built_warehouse
    result = run_cli("query", "select count(*) as n from core.groups", "--warehouse", str(warehouse), "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert int(rows[0]["n"]) >= 30


def test_query_formats_agree(built_warehouse):
    _, warehouse, _ = built_warehouse
    sql = "select group_id, founded_on from core.groups order by group_id"
    as_json = json.loads(run_cli("query", sql, "--warehouse", str(warehouse), "--format", "json").stdout)
    as_csv = list(
        csv.DictReader(io.StringIO(run_cli("query", sql, "--warehouse", str(warehouse), "--format", "csv").stdout))
    )
    as_table = run_cli("query", sql, "--warehouse", str(warehouse)).stdout
    assert [r["group_id"] for r in as_json] == [r["group_id"] for r in as_csv]
    assert [r["founded_on"] or "" for r in as_json] == [r["founded_on"] for r in as_csv]
    assert f"({len(as_json)} rows)" in as_table


def test_query_refuses_writes_and_changes_nothing(built_warehouse, tmp_path):
    _, warehouse, _ = built_warehouse
    before = read_table(warehouse, "select count(*) from core.groups")
    for statement in (
        "drop table core.groups",
        "delete from core.groups",
        "create table core.x as select 1",
        f"copy core.groups to '{tmp_path}/out.csv'",
        f"attach '{tmp_path}/other.duckdb' as other",
        "select * from read_csv('/etc/passwd')",
    ):
        result = run_cli("query", statement, "--warehouse", str(warehouse))
        assert result.returncode != 0, statement
        assert result.stderr.startswith("error: "), result.stderr
        assert "Traceback" not in result.stderr
    assert "read-only" in run_cli("query", "drop table core.groups", "--warehouse", str(warehouse)).stderr
    assert read_table(warehouse, "select count(*) from core.groups") == before
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "other.duckdb").exists()


def test_query_from_file(built_warehouse, tmp_path):
    _, warehouse, _ = built_warehouse
    sql_file = tmp_path / "q.sql"
    sql_file.write_text("select count(*) as n from core.policy_events")
    result = run_cli("query", "--file", str(sql_file), "--warehouse", str(warehouse), "--format", "json")
    assert json.loads(result.stdout)[0]["n"] == csv_rows("policy_events.csv")


def test_query_without_a_warehouse_says_how_to_build_one(tmp_path):
    result = run_cli("query", "select 1", "--warehouse", str(tmp_path / "none.duckdb"))
    assert result.returncode != 0
    assert "python -m pipelines run" in result.stderr


def test_environment_variables_set_the_defaults_and_a_rerun_gives_identical_tables(built_warehouse, tmp_path):
    """A second build from nothing on the same files, its folders given by the environment instead of flags (a
    folder that does not exist yet), holds the same tables; running it again doubles nothing. (One test since
    session 10: the environment-variables test built a warehouse from nothing of its own.)"""
    raw, warehouse, _ = built_warehouse
    copy = tmp_path / "elsewhere" / "again.duckdb"
    result = run_cli("run", env={"PIPELINES_RAW_DIR": str(raw), "PIPELINES_WAREHOUSE": str(copy)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert copy.exists()
    result = run_cli("query", "select count(*) from core.groups", env={"PIPELINES_WAREHOUSE": str(copy)})
    assert result.returncode == 0 and "(1 row)" in result.stdout
    for table in list(CORE_FROM_FILE) + ["claims", "group_aliases"]:
        sql = f"select * from core.{table} order by all"
        assert read_table(warehouse, sql) == read_table(copy, sql), table
    # and running the same warehouse twice does not double anything
    assert run_cli("run", "--raw", str(raw), "--warehouse", str(copy)).returncode == 0
    assert read_table(copy, "select count(*) from core.groups") == read_table(
        warehouse, "select count(*) from core.groups"
    )
    (loads,) = read_table(copy, "select count(*) from dq.file_loads")[0]
    assert loads == len(list(CURATED_DIR.glob("*.csv")))
