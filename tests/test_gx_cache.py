"""The GX result cache (meta.gx_results): a run validates only the files whose rows or expectations changed,
and reports exactly what a validation of every file reports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from pipelines.defs.quality import gx_checks
from pipelines.defs.quality.checks import check_steps
from pipelines.engine.config import EXPECTATIONS_DIR
from tests.conftest import PROJECT_ROOT, copy_built, copy_curated, read_table, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

FILES = ["gtd/a.csv", "gtd/b.csv", "gtd/c.csv"]  # core.incidents: the curated file plus three copies of it


def incidents_suite(root=EXPECTATIONS_DIR) -> gx_checks.Suite:
    return next(s for s in gx_checks.discover_suites(root) if (s.schema, s.table) == ("core", "incidents"))


def all_checks(root=EXPECTATIONS_DIR):
    return [(s, sev) for s in gx_checks.discover_suites(root) for sev in ("ERROR", "WARN") if s.expectations(sev)]


def item(summary: list[dict], kind: str, column: str) -> dict:
    return next(s for s in summary if s["type"] == kind and s["kwargs"].get("column") == column)


def entries(con, severity: str = "ERROR", suite: str = "core.incidents.json") -> dict:
    """source_file -> (rows_hash, checked_at) of the stored entries of one suite and severity."""
    rows = con.execute(
        "select source_file, rows_hash, checked_at from meta.gx_results where suite = ? and severity = ?",
        [suite, severity],
    ).fetchall()
    assert len(rows) == len({r[0] for r in rows}), "one entry per file"
    return {r[0]: (r[1], r[2]) for r in rows}


def no_gx(*_args, **_kwargs):
    raise AssertionError("Great Expectations was used although every file is cached")


@pytest.fixture
def con(built_warehouse, tmp_path):
    """A writable copy of the curated warehouse whose core.incidents holds four files."""
    _, warehouse, _ = built_warehouse
    path = tmp_path / "w.duckdb"
    shutil.copy(warehouse, path)
    con = duckdb.connect(str(path))
    (original,) = con.execute("select distinct source_file from core.incidents").fetchone()
    for i, name in enumerate(FILES):
        con.execute(
            "insert into core.incidents by name select * replace (? as source_file, incident_id || ? as "
            "incident_id) from core.incidents where source_file = ?",
            [name, f"#{i}", original],
        )
    yield con
    con.close()


def test_every_expectation_of_the_shipped_suites_is_cacheable_and_table_wide_ones_are_not():
    used = {e["type"] for s in gx_checks.discover_suites() for e in s.definition["expectations"]}
    assert used <= gx_checks.CACHEABLE_EXPECTATIONS
    table_wide = {
        "expect_column_values_to_be_unique",
        "expect_compound_columns_to_be_unique",
        "expect_table_row_count_to_be_between",
        "expect_column_mean_to_be_between",
        "expect_column_min_to_be_between",
        "expect_column_max_to_be_between",
        "expect_column_values_to_be_increasing",
        "expect_column_values_to_be_of_type",
    }
    assert not table_wide & gx_checks.CACHEABLE_EXPECTATIONS


def test_each_result_is_reported_under_its_own_expectation(con):
    # GX returns results grouped by column: core.groups' source_url rules (5th and last) come out side by side
    suite = next(s for s in gx_checks.discover_suites() if s.table == "groups")
    con.execute("update core.groups set ideology = 'nonsense' where group_id = 'ttp'")
    summary = gx_checks.validate(con, suite, suite.expectations("ERROR"))
    failing = {
        (s["type"], s["kwargs"]["column"]): (s["unexpected_count"], s["sample"]) for s in summary if not s["success"]
    }
    assert failing == {("expect_column_values_to_be_in_set", "ideology"): (1, ["ttp"])}


def test_unchanged_tables_run_gx_on_no_file_and_report_what_a_cold_validation_reports(con, monkeypatch):
    # failures in two files, so that counts, samples and success are merged across files
    con.execute(
        "update core.incidents set fatalities_best = -1 where source_file = 'gtd/b.csv' and "
        "incident_id in (select incident_id from core.incidents where source_file = 'gtd/b.csv' "
        "order by incident_id limit 3)"
    )
    con.execute("update core.incidents set fatalities_best = -7, country = null where source_file = 'gtd/c.csv'")
    first = {(s.path.name, sev): gx_checks.validate_cached(con, s, sev) for s, sev in all_checks()}
    stored = con.execute("select * from meta.gx_results order by all").fetchall()

    monkeypatch.setattr(gx_checks, "_batch_definition", no_gx)
    warm = {(s.path.name, sev): gx_checks.validate_cached(con, s, sev) for s, sev in all_checks()}
    monkeypatch.undo()
    for key, validation in warm.items():
        assert validation.files_validated == 0 and validation.files_cached == validation.files, key
        assert validation.summary == first[key].summary, key
    assert con.execute("select * from meta.gx_results order by all").fetchall() == stored  # nothing rewritten
    incidents = warm[("core.incidents.json", "ERROR")]
    assert incidents.files == incidents.files_cached == 4

    con.execute("delete from meta.gx_results")
    for suite, severity in all_checks():
        cold = gx_checks.validate_cached(con, suite, severity)
        assert cold.files_cached == 0 and cold.files_validated == cold.files
        assert cold.summary == warm[(suite.path.name, severity)].summary
        assert cold.summary == gx_checks.validate(con, suite, suite.expectations(severity))

    fatalities = item(
        warm[("core.incidents.json", "ERROR")].summary, "expect_column_values_to_be_between", "fatalities_best"
    )
    failing = con.execute(
        "select incident_id from core.incidents where fatalities_best < 0 order by source_file"
    ).fetchall()
    assert fatalities["success"] is False and fatalities["unexpected_count"] == len(failing) == 3 + 43
    assert set(fatalities["sample"][:3]) == {r[0] for r in failing[:3]}  # file b's rows come before file c's
    assert len(fatalities["sample"]) == gx_checks.SAMPLE_SIZE
    country = item(warm[("core.incidents.json", "WARN")].summary, "expect_column_values_to_not_be_null", "country")
    assert country["unexpected_count"] == 43 and country["batches"] == 4


def test_a_fully_cached_validation_does_not_import_great_expectations(con):
    for suite, severity in all_checks():
        gx_checks.validate_cached(con, suite, severity)
    path = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()[0]
    con.close()
    script = (
        "import sys, duckdb\n"
        "from pipelines.defs.quality import gx_checks\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "counts = [gx_checks.validate_cached(con, s, sev).files_validated for s in gx_checks.discover_suites()\n"
        "          for sev in ('ERROR', 'WARN') if s.expectations(sev)]\n"
        "print(sum(counts), 'great_expectations' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, path],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "False"]


def test_a_changed_file_is_validated_again_alone(con):
    suite = incidents_suite()
    gx_checks.validate_cached(con, suite, "ERROR")
    before = entries(con)
    assert set(before) == {"curated/incidents.csv", *FILES}

    con.execute(
        "update core.incidents set fatalities_best = -2 where source_file = 'gtd/b.csv' and "
        "incident_id in (select incident_id from core.incidents where source_file = 'gtd/b.csv' "
        "order by incident_id limit 5)"
    )
    validation = gx_checks.validate_cached(con, suite, "ERROR")
    assert (validation.files_validated, validation.files_cached) == (1, 3)
    failing = sorted(
        r[0] for r in con.execute("select incident_id from core.incidents where fatalities_best < 0").fetchall()
    )
    fatalities = item(validation.summary, "expect_column_values_to_be_between", "fatalities_best")
    assert fatalities["unexpected_count"] == len(failing) == 5 and not fatalities["success"]
    assert sorted(fatalities["sample"]) == failing
    assert validation.summary == gx_checks.validate(con, suite, suite.expectations("ERROR"))
    after = entries(con)
    assert after["gtd/b.csv"] != before["gtd/b.csv"]
    assert {f: after[f] for f in after if f != "gtd/b.csv"} == {f: before[f] for f in before if f != "gtd/b.csv"}

    # the same multiset of values in other rows, one duplicated row, a value become NULL: each is a change
    con.execute(
        "update core.incidents set fatalities_best = case when incident_id like '%kabul_ambulance%' then 67 "
        "else 95 end where source_file = 'gtd/c.csv' and (incident_id like '%kabul_ambulance%' or "
        "incident_id like '%quetta_hazara_town%')"
    )
    con.execute("insert into core.incidents select * from core.incidents where source_file = 'gtd/a.csv' limit 1")
    assert gx_checks.validate_cached(con, suite, "ERROR").files_validated == 2
    con.execute("update core.incidents set wounded = 0 where source_file = 'curated/incidents.csv'")
    assert gx_checks.validate_cached(con, suite, "ERROR").files_validated == 1
    con.execute("update core.incidents set wounded = null where source_file = 'curated/incidents.csv'")
    assert gx_checks.validate_cached(con, suite, "ERROR").files_validated == 1
    # a column no expectation reads is not part of the fingerprint
    con.execute("update core.incidents set location = 'elsewhere' where source_file = 'gtd/a.csv'")
    assert gx_checks.validate_cached(con, suite, "ERROR").files_validated == 0

    # a removed file's entry goes
    con.execute("delete from core.incidents where source_file = 'gtd/c.csv'")
    validation = gx_checks.validate_cached(con, suite, "ERROR")
    assert (validation.files, validation.files_validated, validation.files_cached) == (3, 0, 3)
    assert set(entries(con)) == {"curated/incidents.csv", "gtd/a.csv", "gtd/b.csv"}
    assert validation.summary == gx_checks.validate(con, suite, suite.expectations("ERROR"))

    # the same rows in another order: same fingerprints, nothing to validate (a file's sample keeps the order
    # of its first validation)
    fingerprints = gx_checks._Target(con, suite, suite.expectations("ERROR")).fingerprints(con)
    con.execute("create or replace table core.incidents as select * from core.incidents order by incident_id desc")
    assert gx_checks._Target(con, suite, suite.expectations("ERROR")).fingerprints(con) == fingerprints
    assert gx_checks.validate_cached(con, suite, "ERROR").files_validated == 0


def test_an_edited_suite_or_another_gx_version_validates_every_file_again(con, tmp_path, monkeypatch):
    root = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, root)
    path = root / "core.incidents.json"
    definition = json.loads(path.read_text())
    gx_checks.validate_cached(con, incidents_suite(root), "ERROR")
    assert gx_checks.validate_cached(con, incidents_suite(root), "ERROR").files_validated == 0

    # altered kwargs: fatalities_best >= 50
    for expectation in definition["expectations"]:
        if expectation["kwargs"].get("column") == "fatalities_best":
            expectation["kwargs"]["min_value"] = 50
    path.write_text(json.dumps(definition))
    validation = gx_checks.validate_cached(con, incidents_suite(root), "ERROR")
    assert (validation.files_validated, validation.files_cached) == (4, 0)
    expected = con.execute("select count(*) from core.incidents where fatalities_best < 50").fetchone()[0]
    assert (
        item(validation.summary, "expect_column_values_to_be_between", "fatalities_best")["unexpected_count"]
        == expected
        > 0
    )

    # a new expectation
    definition["expectations"].append(
        {
            "type": "expect_column_values_to_be_in_set",
            "severity": "critical",
            "kwargs": {"column": "source", "value_set": ["gtd"]},
        }
    )
    path.write_text(json.dumps(definition))
    validation = gx_checks.validate_cached(con, incidents_suite(root), "ERROR")
    assert validation.files_validated == 4
    expected = con.execute("select count(*) from core.incidents where source <> 'gtd'").fetchone()[0]
    assert item(validation.summary, "expect_column_values_to_be_in_set", "source")["unexpected_count"] == expected
    assert gx_checks.validate_cached(con, incidents_suite(root), "ERROR").files_validated == 0
    assert len(entries(con)) == 4  # the old expectations' entries were replaced, not kept beside

    # another Great Expectations version
    versions = gx_checks._versions()
    monkeypatch.setattr(gx_checks, "_versions", lambda: {**versions, "great_expectations": "0.0.1"})
    assert gx_checks.validate_cached(con, incidents_suite(root), "ERROR").files_validated == 4
    assert gx_checks.validate_cached(con, incidents_suite(root), "ERROR").files_validated == 0


def test_errors_are_not_cached_and_table_wide_expectations_run_every_time(con, tmp_path):
    root = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, root)
    path = root / "core.incidents.json"
    definition = json.loads(path.read_text())
    definition["expectations"] = [
        {"type": "expect_column_values_to_not_be_null", "severity": "critical", "kwargs": {"column": "event_date"}},
        {"type": "expect_column_values_to_be_unique", "severity": "critical", "kwargs": {"column": "source_event_id"}},
        {
            "type": "expect_column_values_to_match_regex",
            "severity": "warning",
            "kwargs": {"column": "source", "regex": "("},
        },  # not a valid regex: GX reports an error
    ]
    path.write_text(json.dumps(definition))
    suite = incidents_suite(root)

    for _ in range(2):
        errors = gx_checks.validate_cached(con, suite, "WARN")
        assert errors.files_validated == 4 and errors.files_cached == 0
        # the message is the regex engine's: Python's re, or RE2 when pandas' strings are pyarrow-backed
        # (pyarrow comes with splink): "unterminated subpattern" / "Invalid regular expression: missing )"
        error = errors.summary[0]["error"]
        assert "unterminated subpattern" in error or "Invalid regular expression" in error, error
        assert not errors.summary[0]["success"]
    assert entries(con, "WARN") == {}

    gx_checks.validate_cached(con, suite, "ERROR")
    validation = gx_checks.validate_cached(con, suite, "ERROR")
    # the row-wise expectation comes from the cache; uniqueness runs again over every file
    assert (validation.files_validated, validation.files_cached) == (4, 4)
    assert [
        len(json.loads(r[0]))
        for r in con.execute(
            "select results from meta.gx_results where suite = ? and severity = 'ERROR'", [suite.path.name]
        ).fetchall()
    ] == [1] * 4
    assert validation.summary == gx_checks.validate(con, suite, suite.expectations("ERROR"))
    unique = validation.summary[1]
    # as before the cache, uniqueness is judged within each file's batches: the copies of a file do not
    # make each other's ids duplicates (cross-file keys are SQL checks: incident_id_unique)
    assert unique["success"] and unique["batches"] == 4


def test_the_dagster_checks_write_the_cache_and_say_what_they_validated(built_warehouse, tmp_path):
    import dagster as dg

    from pipelines.engine.resources import WarehouseResource
    from pipelines.engine.warehouse import build_path_for

    published = tmp_path / "w" / "warehouse.duckdb"
    build = build_path_for(published)
    build.parent.mkdir(parents=True)
    shutil.copy(built_warehouse[1], build)
    with duckdb.connect(str(build)) as con:
        con.execute(
            "insert into core.incidents by name select * replace ('gtd/new.csv' as source_file, incident_id "
            "|| '#new' as incident_id) from core.incidents"
        )
    suite = incidents_suite()
    checks = check_steps([gx_checks.gx_check(suite, severity) for severity in ("ERROR", "WARN")])
    job = dg.Definitions(
        assets=[dg.AssetSpec(suite.asset_key)],
        asset_checks=checks,
        jobs=[dg.define_asset_job("gx", selection=dg.AssetSelection.checks(*checks))],
        resources={"warehouse": WarehouseResource(path=str(published))},
    ).resolve_job_def("gx")

    def run() -> dict:
        result = job.execute_in_process(raise_on_error=False)  # a failed blocking check fails the run
        return {
            e.check_name: (e.passed, e.metadata["files_validated"].value, e.metadata["files_cached"].value)
            for e in result.get_asset_check_evaluations()
        }

    # both checks run in this one process, each writing the cache through its own warehouse connection
    recorded = "select count(*) from dq.check_results where asset = 'core.incidents' and check_name like 'gx_%'"
    (before,) = read_table(build, recorded)
    assert run() == {"gx_errors": (True, 1, 1), "gx_warnings": (True, 1, 1)}  # the curated file: from the build
    assert run() == {"gx_errors": (True, 0, 2), "gx_warnings": (True, 0, 2)}
    with duckdb.connect(str(build)) as con:
        con.execute("update core.incidents set latitude = 123 where incident_id like '%kabul_ambulance%#new'")
        assert len(entries(con, "ERROR")) == len(entries(con, "WARN")) == 2
    assert run() == {"gx_errors": (False, 1, 1), "gx_warnings": (True, 0, 2)}
    assert read_table(build, recorded) == [(before[0] + 6,)]


@pytest.fixture(scope="module")
def gtd_rows(shared_data):
    frame = pd.read_csv(shared_data / "gtd" / "gtd_0814_extract_31col.csv", dtype=str, keep_default_na=False)
    return frame[frame["country_txt"] == "Pakistan"].head(40).copy()


# The latest outcome of each check: a run that builds only what changed runs only the checks of what it rebuilt.
LATEST_CHECKS = (
    "select asset, check_name, severity, success, observed_value, unexpected_count, unexpected_sample "
    "from dq.check_results qualify row_number() over (partition by asset, check_name "
    "order by checked_at desc) = 1 order by all"
)
CACHE = "select suite, severity, source_file, expectations_hash, row_count, rows_hash, results from meta.gx_results"


def test_a_run_after_a_new_file_reports_what_a_cold_run_reports(gtd_rows, built_warehouse, tmp_path):
    first, second = gtd_rows.head(20), gtd_rows.tail(20).copy()
    second.loc[second.index[4], "attacktype1"] = "12"  # WARN: staging.gtd attacktype1 between 1 and 9
    # the curated data's warehouse, GTD files added run by run; the cold build below is from nothing
    raw, warehouse = copy_built(built_warehouse, tmp_path / "incremental")
    (raw / "gtd").mkdir()
    first.to_csv(raw / "gtd" / "a.csv", index=False)
    assert run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse)).returncode == 0
    cached_a = read_table(
        warehouse,
        "select severity, checked_at from meta.gx_results where source_file = 'gtd/a.csv' "
        "and suite = 'staging.gtd.json' order by all",
    )
    assert len(cached_a) == 2
    second.to_csv(raw / "gtd" / "b.csv", index=False)
    incremental = run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
    assert incremental.returncode == 0, incremental.stdout + incremental.stderr
    assert "WARN  staging.gtd:gx_warnings" in incremental.stdout

    cold_raw = copy_curated(tmp_path / "cold")
    (cold_raw / "gtd").mkdir()
    first.to_csv(cold_raw / "gtd" / "a.csv", index=False)
    second.to_csv(cold_raw / "gtd" / "b.csv", index=False)
    cold_warehouse = tmp_path / "cold" / "w.duckdb"
    cold = run_cli("run", "--raw", str(cold_raw), "--warehouse", str(cold_warehouse))
    assert cold.returncode == 0, cold.stdout + cold.stderr

    assert read_table(warehouse, LATEST_CHECKS) == read_table(cold_warehouse, LATEST_CHECKS)
    assert sorted(read_table(warehouse, CACHE)) == sorted(read_table(cold_warehouse, CACHE))
    # gtd/a.csv was not validated again: its entries are the first run's
    assert (
        read_table(
            warehouse,
            "select severity, checked_at from meta.gx_results where source_file = 'gtd/a.csv' "
            "and suite = 'staging.gtd.json' order by all",
        )
        == cached_a
    )
    ((observed, sample),) = read_table(
        warehouse,
        "select observed_value, unexpected_sample from dq.check_results "
        "where asset = 'staging.gtd' and check_name = 'gx_warnings' "
        "order by checked_at desc limit 1",
    )
    assert "1 unexpected" in observed and sample == [
        f"expect_column_values_to_be_between(attacktype1): {second.iloc[4]['eventid']}"
    ]
