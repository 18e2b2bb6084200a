"""A bad curated file never reaches analysts: rows are quarantined, checks block, the published file stays."""

from __future__ import annotations

import csv
import json

import pytest

from tests.conftest import copy_built, copy_curated, read_table, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow


def rewrite(path, edit):
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    fields = list(rows[0].keys())
    rows = edit(rows) or rows
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture()
def good_run(built_warehouse, tmp_path):
    """The curated data and the warehouse a run on it published (a copy of the session's)."""
    raw, warehouse = copy_built(built_warehouse, tmp_path)
    snapshot = read_table(warehouse, "select * from core.leadership_events order by all")
    return raw, warehouse, snapshot


def build_file(warehouse):
    return warehouse.parent / ".build" / warehouse.name


def test_unparseable_row_is_quarantined_named_and_blocks_publishing(good_run):
    raw, warehouse, snapshot = good_run
    published_bytes = warehouse.read_bytes()

    def break_a_date(rows):
        rows[2]["event_date"] = "2018-02-31"

    rewrite(raw / "curated" / "leadership_events.csv", break_a_date)
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
    assert result.returncode != 0
    assert "no_quarantined_rows" in result.stdout and "FAILED" in result.stdout
    quarantined = read_table(
        build_file(warehouse), "select source_file, row_number, column_name, reason, raw_values from dq.quarantine"
    )
    assert len(quarantined) == 1
    source_file, row_number, column, reason, raw_values = quarantined[0]
    assert (source_file, row_number, column) == ("curated/leadership_events.csv", 3, "event_date")
    assert "2018-02-31" in reason and json.loads(raw_values)["event_date"] == "2018-02-31"
    (read, loaded, held) = read_table(
        build_file(warehouse),
        "select rows_read, rows_loaded, rows_quarantined "
        "from dq.file_loads where source_file = 'curated/leadership_events.csv' "
        "and is_current",
    )[0]
    assert read == loaded + held and held == 1
    # What analysts already had is untouched.
    assert warehouse.read_bytes() == published_bytes
    assert read_table(warehouse, "select * from core.leadership_events order by all") == snapshot


def test_broken_reference_fails_its_check_with_the_offending_id(good_run):
    raw, warehouse, _ = good_run
    before = read_table(warehouse, "select count(*) from core.group_relations")

    def point_at_nothing(rows):
        rows[0]["to_group_id"] = "no_such_group"
        return rows

    rewrite(raw / "curated" / "group_relations.csv", point_at_nothing)
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
    assert result.returncode != 0
    assert "groups_exist" in result.stdout
    failed = read_table(
        build_file(warehouse),
        "select unexpected_sample, severity from dq.check_results where check_name = 'groups_exist' and not success",
    )
    relation_id = next(csv.DictReader(open(raw / "curated" / "group_relations.csv")))["relation_id"]
    assert failed and relation_id in failed[-1][0] and failed[-1][1] == "ERROR"
    assert read_table(warehouse, "select count(*) from core.group_relations") == before
    assert read_table(warehouse, "select count(*) from core.group_relations where to_group_id = 'no_such_group'") == [
        (0,)
    ]


def test_missing_column_names_file_and_column(tmp_path):
    raw = copy_curated(tmp_path)
    path = raw / "curated" / "policy_events.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace("start_precision", "precision_of_start")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
    assert result.returncode != 0
    assert "policy_events.csv" in result.stdout and "start_precision" in result.stdout
    assert not warehouse.exists()


def test_a_second_run_on_the_same_warehouse_is_refused_clearly(tmp_path):
    from pipelines.engine.warehouse import file_lock, run_lock_path_for

    raw = copy_curated(tmp_path)
    warehouse = tmp_path / "w.duckdb"
    with file_lock(run_lock_path_for(warehouse), warehouse, wait=False):
        result = run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
    assert result.returncode != 0
    assert "being built" in result.stderr
    assert not warehouse.exists()
