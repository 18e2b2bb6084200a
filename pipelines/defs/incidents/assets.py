"""Incident sources: one partitioned staging asset per adapter (a partition per raw file), then the
conformed core.incident_versions, core.incidents and core.incident_perpetrators."""

import dagster as dg

from pipelines.defs.incidents import conform
from pipelines.defs.incidents.run_inputs import RUN_INPUTS_KEY
from pipelines.defs.incidents.sources import acled
from pipelines.defs.incidents.sources.base import SourceAdapter
from pipelines.defs.incidents.sources.registry import adapters
from pipelines.engine.accounting import record_failed_file, sha256_of
from pipelines.engine.column_docs import header_comment
from pipelines.engine.resources import WAREHOUSE_POOL, RawDirectoryResource, WarehouseResource
from pipelines.engine.sql_assets import refresh_metadata, sql_model_asset, table_metadata
from pipelines.engine.warehouse import sql_model

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


# One asset writes the three tables, in order: core.incidents holds the current versions of core.incident_versions,
# and the check that says so (sql/checks/core/incident_versions__one_current_version_per_event.sql) reads both.
# Each table depends on what its SQL reads, except what this asset writes itself (the ACLED deletions it stages).
WRITTEN = {("core", table) for table in conform.TABLES} | {("staging", acled.DELETIONS_SOURCE)}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["core", table],
            group_name=GROUP,
            kinds={"duckdb", "sql"},
            description=header_comment(sql_model("core", table)),
            deps=[
                *(dg.AssetKey(list(ref)) for ref in conform.dependencies(table) if ref not in WRITTEN),
                RUN_INPUTS_KEY,
            ],
            metadata={"sql_file": f"sql/core/{table}.sql", "dagster/table_name": f"core.{table}"},
        )
        for table in conform.TABLES
    ],
    pool=WAREHOUSE_POOL,
)
def core_incidents(context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw: RawDirectoryResource):
    results = []
    with warehouse.connect() as con:
        # The rows of raw files that are gone were dropped by meta.run_inputs at the start of the build.
        deletions = acled.stage_deletions(con, raw.root)
        for table in conform.TABLES:
            refresh = conform.refresh(con, table)
            metadata = table_metadata(con, "core", table, refresh.rows)  # with its rows per source
            metadata.update(refresh_metadata(refresh))
            if table == "incident_versions":
                closed = con.execute("select count(*) from core.incident_versions where closed_by is not null")
                metadata["closed_versions"] = dg.MetadataValue.int(closed.fetchone()[0])
            results.append(dg.MaterializeResult(asset_key=["core", table], metadata=metadata))
            context.log.info(
                f"core.{table}: {refresh.mode} ({refresh.reason}): {refresh.rows_deleted:,} rows deleted, "
                f"{refresh.rows_inserted:,} inserted"
            )
    for load in deletions:
        context.log.info(
            f"{load.source_file}: read {load.rows_read}, loaded {load.rows_loaded}, quarantined {load.rows_quarantined}"
        )
    yield from results


# What each source, release and file covers, by country and month (sql/core/source_coverage.sql).
source_coverage_asset = sql_model_asset("core", "source_coverage", GROUP)
