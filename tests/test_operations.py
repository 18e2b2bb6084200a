"""Operations: the raw-file sensor, the schedules, and readers of the published file during a run."""

from __future__ import annotations

import csv
import time

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import BUILD_JOB, REFRESH_JOB, defs
from tests.conftest import copy_built, run_cli, start_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

# The sensor and the daily schedule are tested under a real daemon (tests/test_daemon.py): calling their
# functions directly would not catch what fails only under the daemon (a run request without a target).


# ---- schedules ----------------------------------------------------------------------------------------------
SCHEDULES_SNAPSHOT = {
    "daily_build": {"cron": "0 2 * * *", "timezone": "UTC", "job": BUILD_JOB, "status": "RUNNING"},
    "weekly_full_refresh": {"cron": "0 4 * * 0", "timezone": "UTC", "job": REFRESH_JOB, "status": "RUNNING"},
    # the live API pulls (pipelines/defs/live/assets.py): off while their credentials are not set, as here
    "ucdp_monthly_pull": {"cron": "0 3 25 * *", "timezone": "UTC", "job": "pull_ucdp_ged", "status": "STOPPED"},
    "acled_weekly_pull": {"cron": "0 3 * * 2", "timezone": "UTC", "job": "pull_acled", "status": "STOPPED"},
}
LIVE_SCHEDULES = {"ucdp_monthly_pull", "acled_weekly_pull"}  # tested in tests/test_live_dagster.py


def test_schedules_snapshot():
    schedules = {s.name: s for s in defs.schedules}
    snapshot = {
        name: {
            "cron": s.cron_schedule,
            "timezone": s.execution_timezone,
            "job": s.job_name,
            "status": s.default_status.value,
        }
        for name, s in schedules.items()
    }
    assert snapshot == SCHEDULES_SNAPSHOT


def test_schedule_targets_daily_builds_weekly_rebuilds_and_exports():
    graph = defs.resolve_asset_graph()
    exports = {k for k in graph.get_all_asset_keys() if k.path[0] == "exports"}
    partitioned = {k for k in graph.get_all_asset_keys() if graph.get(k).partitions_def is not None}
    unpartitioned = set(graph.get_all_asset_keys()) - partitioned
    assert len(exports) >= 2

    build = set(defs.resolve_job_def(BUILD_JOB).asset_layer.selected_asset_keys)
    refresh = set(defs.resolve_job_def(REFRESH_JOB).asset_layer.selected_asset_keys)
    assert build == unpartitioned - exports  # builds and publishes, no exports, no staging partitions
    assert refresh == unpartitioned  # everything unpartitioned, the exports included
    for key in exports:  # an export runs only after the warehouse it reads was published
        assert dg.AssetKey(["meta", "published_warehouse"]) in graph.get(key).parent_keys
    # the sensor may launch every job it names (a run request for a job it does not name fails under the daemon)
    sensor = next(s for s in defs.sensors if s.name == "raw_files_sensor")
    assert {BUILD_JOB} | {j.name for j in defs.jobs if j.name.startswith("load_")} <= {
        t.job_name for t in sensor.targets
    }


# ---- readers during a run -----------------------------------------------------------------------------------
COUNTS_SQL = (
    "select (select count(*) from core.incidents) as incidents, (select build_id from meta.build_info) as build"
)


def _query(warehouse) -> tuple[int, str]:
    result = run_cli("query", COUNTS_SQL, "--format", "csv", "--warehouse", str(warehouse), timeout=120)
    assert result.returncode == 0, result.stderr
    row = list(csv.DictReader(result.stdout.splitlines()))[0]
    return int(row["incidents"]), row["build"]


def test_queries_during_a_run_see_the_old_or_the_new_warehouse_and_the_run_succeeds(built_warehouse, tmp_path):
    raw, warehouse = copy_built(built_warehouse, tmp_path)  # a run on the curated data published it
    old = _query(warehouse)

    # One more curated incident: the next run publishes one more row.
    incidents = raw / "curated" / "incidents.csv"
    rows = list(csv.DictReader(incidents.open(newline="")))
    extra = dict(rows[-1], source_event_id=rows[-1]["source_event_id"] + "_second_report")
    with incidents.open("a", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(rows[0])).writerow(extra)

    # A reader that keeps the published file open through the whole run must not make it fail or wait.
    held = duckdb.connect(str(warehouse), read_only=True)
    run = start_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))
    seen = []
    try:
        while run.running():
            seen.append(_query(warehouse))
            time.sleep(0.2)  # leave the run most of the CPU
        finished, _ = run.wait(600)
        output = finished.stdout + finished.stderr
        seen.append(_query(warehouse))
        held_count = held.execute("select count(*) from core.incidents").fetchone()[0]
    finally:
        run.kill()
        held.close()

    assert finished.returncode == 0, output
    new = seen[-1]
    assert new[0] == old[0] + 1 and new[1] != old[1]
    assert len(seen) >= 3, "the run ended before the readers could query it"
    assert set(seen) <= {old, new}, set(seen)
    # Once the new warehouse is published, no reader sees the old one again.
    assert seen == sorted(seen, key=lambda s: s == new)
    assert held_count == old[0]  # the open reader kept its consistent snapshot
    assert not list(warehouse.parent.glob(".*publishing*"))
