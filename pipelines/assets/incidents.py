"""Incident sources: one partitioned staging asset per adapter (a partition per raw file), then the
conformed core.incidents / core.incident_perpetrators."""

import dagster as dg

from pipelines import incidents
from pipelines.assets.common import table_metadata
from pipelines.resources import WAREHOUSE_POOL, RawDirectoryResource, WarehouseResource
from pipelines.sources import acled
from pipelines.sources.base import SourceAdapter
from pipelines.sources.registry import adapters

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
    def _stage(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
               raw: RawDirectoryResource) -> dg.MaterializeResult:
        path = adapter.path_for(context.partition_key, raw.root)
        if not path.exists():
            raise FileNotFoundError(f"{path}: the file of partition {context.partition_key!r} is gone")
        with warehouse.connect() as con:
            load = adapter.stage(con, path, raw.root)
            preview = con.execute(f"select * from staging.{adapter.name} where source_file = ? limit 5",
                                  [load.source_file]).df()
        context.log.info(f"{load.source_file}: read {load.rows_read}, loaded {load.rows_loaded}, "
                         f"quarantined {load.rows_quarantined}"
                         + (f" (same bytes as {load.renamed_from}: renamed, not read again)" if load.renamed_from
                            else ""))
        return dg.MaterializeResult(metadata={
            "dagster/row_count": dg.MetadataValue.int(load.rows_loaded),
            "source_file": load.source_file,
            "sha256": load.sha256,
            "rows_read": dg.MetadataValue.int(load.rows_read),
            "rows_quarantined": dg.MetadataValue.int(load.rows_quarantined),
            "extra_columns": dg.MetadataValue.json(load.extra_columns),
            "preview": dg.MetadataValue.md(preview.to_markdown(index=False) if len(preview) else "(empty)"),
        })

    return _stage


staging_assets = [staging_asset(a) for a in adapters()]


# Both tables are written from the staged sources, resolving names through the aliases and the names classed
# "not a group" (pipelines/incidents.py): each depends on all of them, so that every asset reading either is
# downstream of every staged source (an incremental build selects by that).
CONFORM_DEPS = [*(a.key for a in staging_assets), dg.AssetKey(["staging", "curated_incidents"]),
                dg.AssetKey(["core", "group_aliases"]), dg.AssetKey(["staging", "curated_non_group_perpetrators"])]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["core", "incidents"], group_name=GROUP, kinds={"duckdb"},
                     description="One row per source event, every incident source conformed (sql/core/incidents/).",
                     deps=CONFORM_DEPS),
        dg.AssetSpec(["core", "incident_perpetrators"], group_name=GROUP, kinds={"duckdb"},
                     description="Every perpetrator of every incident (sql/core/incident_perpetrators/).",
                     deps=CONFORM_DEPS),
        dg.AssetSpec(["core", "incident_versions"], group_name=GROUP, kinds={"duckdb"},
                     description="Every version of every ACLED and UCDP GED event, with when it was known "
                                 "(sql/core/incident_versions/); core.incidents holds the current ones.",
                     deps=CONFORM_DEPS),
    ],
    pool=WAREHOUSE_POOL,
)
def core_incidents(context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw: RawDirectoryResource):
    with warehouse.connect() as con:
        removed = incidents.prune_removed_files(con, raw.root)
        deletions = acled.stage_deletions(con, raw.root)
        changed = incidents.sync_incidents(con, [incidents.curated_conformer(), *incidents.adapter_conformers()])
        counts = dict(con.execute("select source, count(*) from core.incidents group by all").fetchall())
        total = sum(counts.values())
        incidents_meta = table_metadata(con, "core", "incidents", total)
        perps = con.execute("select count(*) from core.incident_perpetrators").fetchone()[0]
        perps_meta = table_metadata(con, "core", "incident_perpetrators", perps)
        versions = dict(con.execute("select closed_by is not null, count(*) from core.incident_versions "
                                    "group by all").fetchall())
        versions_meta = table_metadata(con, "core", "incident_versions", sum(versions.values()))
    for load in deletions:
        context.log.info(f"{load.source_file}: read {load.rows_read}, loaded {load.rows_loaded}, "
                         f"quarantined {load.rows_quarantined}")
    context.log.info(f"conformed files per source: {changed or 'nothing changed'}; removed files: {removed or 'none'}")
    incidents_meta["rows_per_source"] = dg.MetadataValue.json(counts)
    incidents_meta["files_conformed"] = dg.MetadataValue.json(changed)
    yield dg.MaterializeResult(asset_key=["core", "incidents"], metadata=incidents_meta)
    yield dg.MaterializeResult(asset_key=["core", "incident_perpetrators"], metadata=perps_meta)
    versions_meta["closed_versions"] = dg.MetadataValue.int(versions.get(True, 0))
    yield dg.MaterializeResult(asset_key=["core", "incident_versions"], metadata=versions_meta)
