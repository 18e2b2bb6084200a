"""The one Dagster ``Definitions`` object: ``dagster dev -m pipelines.definitions``."""

from pathlib import Path

import dagster as dg

from pipelines.assets.common import sql_models
from pipelines.assets.exports import export_assets
from pipelines.assets.marts import mart_assets
from pipelines.assets.incidents import core_incidents, partitions_for, staging_assets
from pipelines.assets.lineage import lineage_assets
from pipelines.assets.publish import published_warehouse_asset
from pipelines.assets.report import analyst_report_asset
from pipelines.assets.reference import core_reference_assets, curated_checks, curated_staging_assets
from pipelines.checks import sql_asset_checks
from pipelines.gx_checks import gx_asset_checks
from pipelines.resources import build_resources
from pipelines.schedules import build_schedules
from pipelines.sensors import raw_files_sensor
from pipelines.sources.registry import adapters

BUILD_JOB = "build_warehouse"
REFRESH_JOB = "refresh_warehouse_and_exports"


def load_job_name(source: str) -> str:
    return f"load_{source}_file"


def build_definitions(raw_dir: Path | None = None, warehouse_path: Path | None = None,
                      loggers: dict | None = None) -> dg.Definitions:
    dq_models = sql_models("dq", "data_quality")
    unpartitioned = [*curated_staging_assets, *core_reference_assets, *lineage_assets, core_incidents, *dq_models, *mart_assets]
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
    return dg.Definitions(
        assets=[*staging_assets, *unpartitioned, publish, report, *exports],
        asset_checks=[*curated_checks, *sql_asset_checks(), *gx_asset_checks()],
        jobs=[build_job, refresh_job, *load_jobs],
        schedules=build_schedules(build_job, refresh_job),
        sensors=[raw_files_sensor],
        resources=build_resources(raw_dir, warehouse_path),
        loggers=loggers,
    )


defs = build_definitions()
