"""The one Dagster ``Definitions`` object: ``dagster dev -m pipelines.definitions``."""

from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from pipelines.assets.common import sql_models
from pipelines.assets.exports import export_assets
from pipelines.assets.marts import mart_assets
from pipelines.assets.incidents import core_incidents, partitions_for, source_coverage_asset, staging_assets
from pipelines.assets.lineage import lineage_assets
from pipelines.assets.linkage import linkage_assets
from pipelines.assets.live import build_live_schedules, live_assets
from pipelines.assets.publish import published_warehouse_asset
from pipelines.assets.report import analyst_report_asset
from pipelines.assets.reference import (core_reference_assets, curated_checks, curated_staging_assets,
                                       published_staging_assets)
from pipelines.assets.run_inputs import RUN_INPUTS_KEY, run_inputs_asset
from pipelines.checks import sql_asset_checks
from pipelines.gx_checks import gx_asset_checks
from pipelines.resources import build_resources
from pipelines.schedules import build_schedules
from pipelines.sensors import build_raw_files_sensor
from pipelines.sources.registry import adapters

BUILD_JOB = "build_warehouse"
INCREMENTAL_BUILD_JOB = "build_warehouse_incremental"
REFRESH_JOB = "refresh_warehouse_and_exports"


def load_job_name(source: str) -> str:
    return f"load_{source}_file"


def incremental_selection(build_selection: dg.AssetSelection, sources: Sequence[str]) -> dg.AssetSelection:
    """What new, changed or removed files of the incident ``sources`` reach within the build job.

    Every asset downstream of those sources' staging assets (not the partitioned staging assets themselves,
    which the load jobs materialize) with its checks, publish and report among them (they are downstream of
    everything), and the checks of those staging assets. Assets outside it read nothing the change touches:
    their tables would come out as they are.
    """
    staged = [asset for adapter, asset in zip(adapters(), staging_assets) if adapter.name in sources]
    if len(staged) != len(set(sources)):
        raise KeyError(f"not incident sources: {sorted(set(sources) - {a.name for a in adapters()})}")
    reached = dg.AssetSelection.assets(*staged).downstream() - dg.AssetSelection.assets(*staging_assets)
    # meta.run_inputs (prune removed files, stamp the inputs) starts every build.
    return (reached & build_selection) | dg.AssetSelection.assets(RUN_INPUTS_KEY) | dg.AssetSelection.checks_for_assets(
        *staged)


def planned_selection(build_selection: dg.AssetSelection, graph, plan) -> tuple[list[dg.AssetKey],
                                                                                list[dg.AssetCheckKey]]:
    """The assets and checks of the build ``plan`` (pipelines/planner.py) chose: the whole build job, or for an
    incremental build what the changed incident sources reach. The CLI runs this subset of BUILD_JOB in
    process; the sensor and the daily schedule request it from the daemon."""
    selection = incremental_selection(build_selection, plan.build.sources) if plan.build.incremental \
        else build_selection
    return sorted(selection.resolve(graph)), sorted(selection.resolve_checks(graph))


def build_definitions(raw_dir: Path | None = None, warehouse_path: Path | None = None,
                      loggers: dict | None = None, incremental_sources: Sequence[str] = ()) -> dg.Definitions:
    """Every asset, check, job, schedule and sensor. With ``incremental_sources`` (incident source adapters,
    e.g. ``["gtd"]``) also the job INCREMENTAL_BUILD_JOB: the part of the build job a change to files of
    those sources reaches (``python -m pipelines run`` uses it when nothing else changed)."""
    dq_models = sql_models("dq", "data_quality")
    unpartitioned = [run_inputs_asset, *curated_staging_assets, *published_staging_assets, *core_reference_assets,
                     *lineage_assets, core_incidents, source_coverage_asset, *dq_models, *mart_assets, *linkage_assets]
    upstream = [key for a in unpartitioned for key in a.keys]
    publish = published_warehouse_asset(upstream)
    exports = export_assets(publish.key)
    # The report reads the published file, so it waits for publishing (and thereby for the marts).
    report = analyst_report_asset([*(key for a in mart_assets for key in a.keys), publish.key])
    # The checks of the staged sources run here too (over every staged file), before conforming.
    build_selection = dg.AssetSelection.assets(*unpartitioned, publish, report) | dg.AssetSelection.checks_for_assets(
        *staging_assets)
    build_job = dg.define_asset_job(
        BUILD_JOB, selection=build_selection,
        description="Conform what was staged, run every check, build every table, publish the warehouse.",
    )
    incremental_jobs = [dg.define_asset_job(
        INCREMENTAL_BUILD_JOB, selection=incremental_selection(build_selection, incremental_sources),
        description=f"The part of {BUILD_JOB} that new, changed or removed files of {', '.join(incremental_sources)} "
                    "reach: conform, check, rebuild what reads them, publish.",
    )] if incremental_sources else []
    refresh_job = dg.define_asset_job(
        REFRESH_JOB, selection=build_selection | dg.AssetSelection.assets(*exports),
        description="Rebuild every unpartitioned asset, publish, then write every export profile.",
    )
    # One job per source loads one file (one partition); the sensor launches them as files arrive.
    load_jobs = [
        dg.define_asset_job(load_job_name(a.name), selection=dg.AssetSelection.assets(asset).without_checks(),
                            partitions_def=partitions_for(a), description=f"Stage one raw/{a.name}/ file.")
        for a, asset in zip(adapters(), staging_assets)
    ]
    # The live API pulls: their own jobs and schedules, off unless their credentials are set (assets/live.py).
    live_jobs, live_schedules = build_live_schedules()
    return dg.Definitions(
        assets=[*staging_assets, *unpartitioned, publish, report, *exports, *live_assets],
        asset_checks=[*curated_checks, *sql_asset_checks(), *gx_asset_checks()],
        jobs=[build_job, *incremental_jobs, refresh_job, *load_jobs, *live_jobs],
        schedules=[*build_schedules(build_job, refresh_job, build_selection), *live_schedules],
        sensors=[build_raw_files_sensor(load_jobs, build_job, build_selection)],
        resources=build_resources(raw_dir, warehouse_path),
        loggers=loggers,
        # One process runs every step of a run (a process per step cost seconds each, one at a time in the
        # DuckDB pool: a build launched from the UI took 10 min against under 1 min in process).
        executor=dg.in_process_executor,
    )


def job_contents(definitions: dg.Definitions, job_name: str) -> tuple[set[dg.AssetKey], set[dg.AssetCheckKey]]:
    """The assets and the asset checks an asset job of ``definitions`` runs."""
    job = next(j for j in definitions.jobs if j.name == job_name)
    graph = definitions.resolve_asset_graph()
    return set(job.selection.resolve(graph)), set(job.selection.resolve_checks(graph))


defs = build_definitions()
