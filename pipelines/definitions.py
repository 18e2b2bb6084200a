"""The one Dagster ``Definitions`` object: ``dagster dev -m pipelines.definitions``."""

from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from pipelines.defs.exports.assets import export_assets
from pipelines.defs.incidents.assets import core_incidents, partitions_for, source_coverage_asset, staging_assets
from pipelines.defs.incidents.run_inputs import run_inputs_asset
from pipelines.defs.incidents.sources.registry import adapters
from pipelines.defs.lineage.assets import lineage_assets
from pipelines.defs.linkage.assets import linkage_assets
from pipelines.defs.live.assets import build_live_schedules, live_assets
from pipelines.defs.marts.assets import mart_assets

# The jobs' names and selections live with the operations that launch them (runner and tests import them here).
from pipelines.defs.operations.jobs import (  # noqa: F401
    BUILD_JOB,
    INCREMENTAL_BUILD_JOB,
    REFRESH_JOB,
    incremental_selection,
    job_contents,
    load_job_name,
    planned_selection,
)
from pipelines.defs.operations.schedules import build_schedules
from pipelines.defs.operations.sensors import build_raw_files_sensor
from pipelines.defs.publish.assets import published_warehouse_asset
from pipelines.defs.quality.checks import check_steps, sql_checks
from pipelines.defs.quality.gx_checks import gx_checks
from pipelines.defs.reference.assets import (
    core_reference_assets,
    curated_checks,
    curated_staging_assets,
    published_staging_assets,
)
from pipelines.defs.report.assets import analyst_report_asset
from pipelines.engine.resources import build_resources
from pipelines.engine.sql_assets import sql_models


def build_definitions(
    raw_dir: Path | None = None,
    warehouse_path: Path | None = None,
    loggers: dict | None = None,
    incremental_sources: Sequence[str] = (),
) -> dg.Definitions:
    """Every asset, check, job, schedule and sensor. With ``incremental_sources`` (incident source adapters,
    e.g. ``["gtd"]``) also the job INCREMENTAL_BUILD_JOB: the part of the build job a change to files of
    those sources reaches (``python -m pipelines run`` uses it when nothing else changed)."""
    dq_models = sql_models("dq", "data_quality")
    unpartitioned = [
        run_inputs_asset,
        *curated_staging_assets,
        *published_staging_assets,
        *core_reference_assets,
        *lineage_assets,
        core_incidents,
        source_coverage_asset,
        *dq_models,
        *mart_assets,
        *linkage_assets,
    ]
    upstream = [key for a in unpartitioned for key in a.keys]
    publish = published_warehouse_asset(upstream)
    exports = export_assets(publish.key)
    # The report reads the published file, so it waits for publishing (and thereby for the marts).
    report = analyst_report_asset([*(key for a in mart_assets for key in a.keys), publish.key])
    # The checks of the staged sources run here too (over every staged file), before conforming.
    build_selection = dg.AssetSelection.assets(*unpartitioned, publish, report) | dg.AssetSelection.checks_for_assets(
        *staging_assets
    )
    build_job = dg.define_asset_job(
        BUILD_JOB,
        selection=build_selection,
        description="Conform what was staged, run every check, build every table, publish the warehouse.",
    )
    incremental_jobs = (
        [
            dg.define_asset_job(
                INCREMENTAL_BUILD_JOB,
                selection=incremental_selection(build_selection, incremental_sources),
                description=f"The part of {BUILD_JOB} that new, changed or removed files of {', '.join(incremental_sources)} "
                "reach: conform, check, rebuild what reads them, publish.",
            )
        ]
        if incremental_sources
        else []
    )
    refresh_job = dg.define_asset_job(
        REFRESH_JOB,
        selection=build_selection | dg.AssetSelection.assets(*exports),
        description="Rebuild every unpartitioned asset, publish, then write every export profile.",
    )
    # One job per source loads one file (one partition); the sensor launches them as files arrive.
    load_jobs = [
        dg.define_asset_job(
            load_job_name(a.name),
            selection=dg.AssetSelection.assets(asset).without_checks(),
            partitions_def=partitions_for(a),
            description=f"Stage one raw/{a.name}/ file.",
        )
        for a, asset in zip(adapters(), staging_assets)
    ]
    # The live API pulls: their own jobs and schedules, off unless their credentials are set (assets/live.py).
    live_jobs, live_schedules = build_live_schedules()
    return dg.Definitions(
        assets=[*staging_assets, *unpartitioned, publish, report, *exports, *live_assets],
        asset_checks=check_steps([*curated_checks, *sql_checks(), *gx_checks()]),
        jobs=[build_job, *incremental_jobs, refresh_job, *load_jobs, *live_jobs],
        schedules=[*build_schedules(build_job, refresh_job, build_selection), *live_schedules],
        sensors=[build_raw_files_sensor(load_jobs, build_job, build_selection)],
        resources=build_resources(raw_dir, warehouse_path),
        loggers=loggers,
        # One process runs every step of a run (a process per step cost seconds each, one at a time in the
        # DuckDB pool: a build launched from the UI took 10 min against under 1 min in process).
        executor=dg.in_process_executor,
    )


defs = build_definitions()
