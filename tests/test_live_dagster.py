"""The live pulls in Dagster: schedules off without credentials (naming the missing variables), the pull
assets against the fake APIs staging through the adapters, secrets nowhere in metadata, logs, raw/ or the
warehouse, and no live asset in the jobs of the embedded default run."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pandas as pd
import pytest

from pipelines.definitions import BUILD_JOB, INCREMENTAL_BUILD_JOB, REFRESH_JOB, build_definitions, job_contents
from pipelines.defs.live.assets import ACLED_JOB, UCDP_JOB, ucdp_versions_due
from pipelines.engine.warehouse import build_path_for
from tests.conftest import copy_curated, read_table
from tests.fake_apis import ACLED_PASSWORD, ACLED_USER, UCDP_TOKEN, FakeApis

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

LIVE_KEYS = {dg.AssetKey(["raw", "ucdp_ged_api"]), dg.AssetKey(["raw", "acled_api"])}
CREDENTIALS = ("UCDP_API_TOKEN", "ACLED_API_USERNAME", "ACLED_API_PASSWORD")


def schedule(defs, name):
    return next(s for s in defs.schedules if s.name == name)


def test_without_credentials_the_schedules_are_off_and_say_which_variables_are_missing(monkeypatch, tmp_path):
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    defs = build_definitions(tmp_path / "raw", tmp_path / "w.duckdb")
    ucdp, acled = schedule(defs, "ucdp_monthly_pull"), schedule(defs, "acled_weekly_pull")
    assert ucdp.default_status == acled.default_status == dg.DefaultScheduleStatus.STOPPED
    assert "UCDP_API_TOKEN" in ucdp.description and "ACLED_API_USERNAME, ACLED_API_PASSWORD" in acled.description
    with dg.build_schedule_context(scheduled_execution_time=dt.datetime(2024, 7, 25, 3, tzinfo=dt.UTC)) as context:
        result = ucdp.evaluate_tick(context)
    assert result.skip_message and "UCDP_API_TOKEN" in result.skip_message and not result.run_requests
    with dg.build_schedule_context(scheduled_execution_time=dt.datetime(2024, 7, 23, 3, tzinfo=dt.UTC)) as context:
        result = acled.evaluate_tick(context)
    assert "ACLED_API_USERNAME, ACLED_API_PASSWORD" in result.skip_message


def test_the_default_run_jobs_hold_no_live_asset(tmp_path):
    defs = build_definitions(tmp_path / "raw", tmp_path / "w.duckdb", incremental_sources=["acled"])
    for job in (BUILD_JOB, INCREMENTAL_BUILD_JOB, REFRESH_JOB):
        assets, _ = job_contents(defs, job)
        assert not assets & LIVE_KEYS, job
    assert job_contents(defs, UCDP_JOB)[0] == {dg.AssetKey(["raw", "ucdp_ged_api"])}


def test_versions_due():
    assert ucdp_versions_due(dt.date(2024, 3, 25)) == ["24.0.2"]
    assert ucdp_versions_due(dt.date(2024, 1, 25)) == ["23.0.12"]
    assert ucdp_versions_due(dt.date(2025, 7, 25)) == ["25.0.6", "25.1"]


@pytest.fixture
def live_env(monkeypatch):
    with FakeApis() as fake:
        monkeypatch.setenv("UCDP_API_BASE_URL", f"{fake.url}/api")
        monkeypatch.setenv("UCDP_API_TOKEN", UCDP_TOKEN)
        monkeypatch.setenv("ACLED_API_BASE_URL", fake.url)
        monkeypatch.setenv("ACLED_API_USERNAME", ACLED_USER)
        monkeypatch.setenv("ACLED_API_PASSWORD", ACLED_PASSWORD)
        monkeypatch.setenv("PIPELINES_LIVE_START_DATE", "2020-01-01")
        yield fake


def test_scheduled_pulls_stage_through_the_adapters_and_leak_no_secret(shared_data, live_env, tmp_path):
    fake = live_env
    candidate = pd.read_csv(
        shared_data / "ucdp_ged" / "ged_candidate_v23_0_10_global.csv", dtype=str, keep_default_na=False
    )
    candidate = candidate[candidate["country"].isin(["Pakistan", "Afghanistan"])]
    fake.state.ucdp_versions["23.0.10"] = candidate.to_dict("records")
    acled = pd.read_csv(shared_data / "acled" / "acled_sample_2022h1_global.csv", dtype=str, keep_default_na=False)
    acled = acled[acled["country"].isin(["Pakistan", "Afghanistan"])]
    fake.state.acled_events = acled.to_dict("records")
    fake.state.acled_deletions = [{"event_id_cnty": acled["event_id_cnty"].iloc[0], "deleted_timestamp": 1700000000}]
    raw, warehouse = copy_curated(tmp_path), tmp_path / "warehouse" / "warehouse.duckdb"
    defs = build_definitions(raw, warehouse)
    ucdp = schedule(defs, "ucdp_monthly_pull")
    assert ucdp.default_status == dg.DefaultScheduleStatus.RUNNING
    with dg.instance_for_test() as instance:
        with dg.build_schedule_context(
            instance=instance,
            repository_def=defs.get_repository_def(),
            scheduled_execution_time=dt.datetime(2023, 11, 25, 3, tzinfo=dt.UTC),
        ) as ctx:
            tick = ucdp.evaluate_tick(ctx)
        assert [r.partition_key for r in tick.run_requests] == ["23.0.10", "23.1"]
        assert set(instance.get_dynamic_partitions("ucdp_ged_versions")) == {"23.0.10", "23.1"}  # added by the tick
        runs = [
            defs.resolve_job_def(UCDP_JOB).execute_in_process(instance=instance, partition_key=v)
            for v in ("23.0.10", "23.1")
        ]  # 23.1 is not in the fake: "not published", not a failure
        instance.add_dynamic_partitions("acled_pulls", ["20231128T030000Z"])
        runs.append(
            defs.resolve_job_def(ACLED_JOB).execute_in_process(instance=instance, partition_key="20231128T030000Z")
        )
        assert all(r.success for r in runs)
        assert "ucdp_ged_api_v23.0.10_pulled-" in instance.get_dynamic_partitions("ucdp_ged_files")[0]
        events = [e for r in runs for e in instance.all_logs(r.run_id)]
        metadata = [m for r in runs for m in r.get_asset_materialization_events()]
    working = build_path_for(warehouse)
    loads = read_table(
        working,
        "select source, rows_read, rows_loaded, rows_quarantined from dq.file_loads "
        "where source_file like '%_pulled-%' order by source",
    )
    assert [(s, r) for s, r, _, _ in loads] == [
        ("acled", len(acled)),
        ("acled_deletions", 1),
        ("ucdp_ged", len(candidate)),
    ]
    assert all(read == loaded + quarantined for _, read, loaded, quarantined in loads)
    secrets = (UCDP_TOKEN, ACLED_PASSWORD)
    text = repr(metadata) + "".join(repr(e) for e in events)
    assert not [s for s in secrets if s in text]
    for path in [*raw.rglob("*"), working]:
        if path.is_file():
            assert not [s for s in secrets if s.encode() in path.read_bytes()], path
