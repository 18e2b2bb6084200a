"""Group-lineage sources: the UCDP Actor Dataset and Stanford Mapping Militants links.

raw/ucdp_actors/*.csv, raw/mmp/{links,map_groups,maps}.csv -> staging.ucdp_actors, staging.mmp_* (typed,
every row loaded or quarantined) -> core.group_external_ids, core.group_relation_sources (every source's
assertion, reconciled) -> core.group_relations (sql/core/group_relations.sql, in the curated group).
A missing raw folder stages nothing: the staging tables exist empty (sql/schema.sql).
"""

import dagster as dg

from pipelines.defs.lineage.sources import mmp, ucdp_actors
from pipelines.defs.lineage.sources.base import LineageTable, stage_table
from pipelines.engine.groups import domain_group
from pipelines.engine.resources import WAREHOUSE_POOL, RawDirectoryResource, WarehouseResource
from pipelines.engine.sql_assets import sql_model_asset, table_metadata

GROUP = "lineage"
DESCRIPTIONS = {
    "ucdp_actors": "UCDP Actor Dataset: one row per actor with its lineage fields (renames, splinters, alliances).",
    "mmp_links": "Stanford Mapping Militants relationship links (all / riv / aff / spl / mer) between MMP group ids.",
    "mmp_map_groups": "Stanford Mapping Militants: which groups each map shows.",
    "mmp_maps": "Stanford Mapping Militants maps (the Pakistan maps name the groups that matter here).",
    "acled_aggregates": "ACLED's published country-month events and fatalities by event type.",
}


def lineage_staging_asset(spec: LineageTable, group_name: str = GROUP) -> dg.AssetsDefinition:
    @dg.asset(
        key=["staging", spec.table],
        group_name=domain_group(f"staging.{spec.table}", group_name),
        pool=WAREHOUSE_POOL,
        description=f"{DESCRIPTIONS[spec.table]} Typed rows of raw/{spec.source}/{spec.pattern}.",
        kinds={"duckdb", "csv"},
        metadata={"raw_files": f"{spec.source}/{spec.pattern}"},
    )
    def _stage(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw: RawDirectoryResource
    ) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            rows, loads = stage_table(con, spec, raw.root)
            for load in loads:
                context.log.info(
                    f"{load.source_file}: read {load.rows_read}, loaded {load.rows_loaded}, "
                    f"quarantined {load.rows_quarantined}"
                )
            if not loads:
                context.log.info(f"no raw/{spec.source}/{spec.pattern}: staging.{spec.table} is empty")
            metadata = table_metadata(con, "staging", spec.table, rows)
        metadata["files"] = (
            dg.MetadataValue.json([load.source_file for load in loads])
            if loads
            else f"none (no raw/{spec.source}/{spec.pattern})"
        )
        metadata["rows_quarantined"] = dg.MetadataValue.int(sum(load.rows_quarantined for load in loads))
        return dg.MaterializeResult(metadata=metadata)

    return _stage


lineage_staging_assets = [lineage_staging_asset(t) for t in (*ucdp_actors.TABLES, *mmp.TABLES)]
lineage_core_assets = [
    sql_model_asset("core", name, GROUP) for name in ("group_external_ids", "group_relation_sources")
]
lineage_assets = [*lineage_staging_assets, *lineage_core_assets]
