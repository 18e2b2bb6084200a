"""The one Dagster ``Definitions`` object: ``dagster dev -m pipelines.definitions``."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipelines.assets.publish import published_warehouse_asset
from pipelines.assets.reference import core_reference_assets, curated_checks, curated_staging_assets
from pipelines.checks import sql_asset_checks
from pipelines.resources import build_resources

BUILD_JOB = "build_warehouse"


def build_definitions(raw_dir: Path | None = None, warehouse_path: Path | None = None,
                      loggers: dict | None = None) -> dg.Definitions:
    assets = [*curated_staging_assets, *core_reference_assets]
    upstream = [key for a in assets for key in a.keys]
    publish = published_warehouse_asset(upstream)
    build_job = dg.define_asset_job(
        BUILD_JOB,
        selection=dg.AssetSelection.all(),
        description="Load every source, run every check, build every table, publish the warehouse.",
    )
    return dg.Definitions(
        assets=[*assets, publish],
        asset_checks=[*curated_checks, *sql_asset_checks()],
        jobs=[build_job],
        resources=build_resources(raw_dir, warehouse_path),
        loggers=loggers,
    )


defs = build_definitions()
