"""Incident sources: one partitioned staging asset per adapter (a partition per raw file), then the
conformed core.incidents / core.incident_perpetrators."""

import dagster as dg

from pipelines.defs.incidents import conform as incidents
from pipelines.defs.incidents.run_inputs import RUN_INPUTS_KEY
from pipelines.defs.incidents.sources import acled
from pipelines.defs.incidents.sources.base import SourceAdapter
from pipelines.defs.incidents.sources.registry import adapters
from pipelines.engine.accounting import record_failed_file, sha256_of
from pipelines.engine.resources import WAREHOUSE_POOL, RawDirectoryResource, WarehouseResource
from pipelines.engine.sql_assets import sql_model_asset, table_metadata

GROUP = "incidents"


def partitions_for(adapter: SourceAdapter) -> dg.DynamicPartitionsDefinition:
    return dg.DynamicPartitionsDefinition(name=f"{adapter.name}_files")


def staging_asset(adapter: SourceAdapter) -> dg.AssetsDefinition:
    @dg.asset(
        key=["staging", adapter.name],
        partitions_def=partitions_for(adapter),
        group_name=GROUP,
        pool=WAREHOUSE_POOL,
        description=f"{adapter.description} rows, typed as published; one partition per file in "
        f"raw/{adapter.name}/. Rows that do not parse go to dq.quarantine.",
        kinds={"duckdb"},
    )
    def _stage(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw: RawDirectoryResource
    ) -> dg.MaterializeResult:
        path = adapter.path_for(context.partition_key, raw.root)
        if not path.exists():
            raise FileNotFoundError(f"{path}: the file of partition {context.partition_key!r} is gone")
        with warehouse.connect() as con:
            try:
                load = adapter.stage(con, path, raw.root)
            except Exception as exc:
                # Fails alone and costs no data: recorded as failed, its previous version (if any) stays current.
                record_failed_file(
                    con,
                    adapter.name,
                    adapter.name,
                    adapter.source_file(path, raw.root),
                    sha256_of(path),
                    str(exc).strip() or type(exc).__name__,
                )
                raise
            # this file's rows: the partition's count, preview and (for mapped datasets) rows per source
            metadata = table_metadata(
                con, "staging", adapter.name, load.rows_loaded, "source_file = ?", [load.source_file]
            )
        context.log.info(
            f"{load.source_file}: read {load.rows_read}, loaded {load.rows_loaded}, "
            f"quarantined {load.rows_quarantined}"
            + (f" (same bytes as {load.renamed_from}: renamed, not read again)" if load.renamed_from else "")
        )
        return dg.MaterializeResult(
            metadata={
                **metadata,
                "source_file": load.source_file,
                "sha256": load.sha256,
                "rows_read": dg.MetadataValue.int(load.rows_read),
                "rows_quarantined": dg.MetadataValue.int(load.rows_quarantined),
                "extra_columns": dg.MetadataValue.json(load.extra_columns) if load.extra_columns else "none",
            }
        )

    return _stage


staging_assets = [staging_asset(a) for a in adapters()]


# Both tables are written from the staged sources, resolving names through the aliases and the names classed
# "not a group" (pipelines/defs/incidents/conform.py): each depends on all of them, so that every asset reading either is
# downstream of every staged source (an incremental build selects by that).
CONFORM_DEPS = [
    *(a.key for a in staging_assets),
    RUN_INPUTS_KEY,
    dg.AssetKey(["staging", "curated_incidents"]),
    dg.AssetKey(["core", "group_aliases"]),
    dg.AssetKey(["staging", "curated_non_group_perpetrators"]),
    dg.AssetKey(["staging", "curated_violence_classes"]),
]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["core", "incidents"],
            group_name=GROUP,
            kinds={"duckdb"},
            description="One row per source event, every incident source conformed (sql/core/incidents/).",
            deps=CONFORM_DEPS,
        ),
        dg.AssetSpec(
            ["core", "incident_perpetrators"],
            group_name=GROUP,
            kinds={"duckdb"},
            description="Every perpetrator of every incident (sql/core/incident_perpetrators/).",
            deps=CONFORM_DEPS,
        ),
        dg.AssetSpec(
            ["core", "incident_versions"],
            group_name=GROUP,
            kinds={"duckdb"},
            description="Every version of every ACLED and UCDP GED event, with when it was known "
            "(sql/core/incident_versions/); core.incidents holds the current ones.",
            deps=CONFORM_DEPS,
        ),
    ],
    pool=WAREHOUSE_POOL,
)
def core_incidents(context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw: RawDirectoryResource):
    with warehouse.connect() as con:
        # The rows of raw files that are gone were dropped by meta.run_inputs at the start of the build.
        deletions = acled.stage_deletions(con, raw.root)
        changed = incidents.sync_incidents(con, [incidents.curated_conformer(), *incidents.adapter_conformers()])
        total = con.execute("select count(*) from core.incidents").fetchone()[0]
        incidents_meta = table_metadata(con, "core", "incidents", total)  # with its rows per source
        perps = con.execute("select count(*) from core.incident_perpetrators").fetchone()[0]
        perps_meta = table_metadata(con, "core", "incident_perpetrators", perps)
        versions = dict(
            con.execute("select closed_by is not null, count(*) from core.incident_versions group by all").fetchall()
        )
        versions_meta = table_metadata(con, "core", "incident_versions", sum(versions.values()))
    for load in deletions:
        context.log.info(
            f"{load.source_file}: read {load.rows_read}, loaded {load.rows_loaded}, quarantined {load.rows_quarantined}"
        )
    context.log.info(f"conformed files per source: {changed or 'nothing changed'}")
    incidents_meta["files_conformed"] = dg.MetadataValue.json(changed) if changed else "none (no staged file changed)"
    yield dg.MaterializeResult(asset_key=["core", "incidents"], metadata=incidents_meta)
    yield dg.MaterializeResult(asset_key=["core", "incident_perpetrators"], metadata=perps_meta)
    versions_meta["closed_versions"] = dg.MetadataValue.int(versions.get(True, 0))
    yield dg.MaterializeResult(asset_key=["core", "incident_versions"], metadata=versions_meta)


# What each source, release and file covers, by country and month (sql/core/source_coverage.sql).
source_coverage_asset = sql_model_asset("core", "source_coverage", GROUP)
