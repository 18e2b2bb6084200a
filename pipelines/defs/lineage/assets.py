"""Group-lineage sources: the UCDP Actor Dataset and Stanford Mapping Militants links.

raw/ucdp_actors/*.csv, raw/mmp/{links,map_groups,maps}.csv -> staging.ucdp_actors, staging.mmp_* (typed,
every row loaded or quarantined) -> core.group_external_ids, core.group_relation_sources (every source's
assertion, reconciled) -> core.group_relations (sql/core/group_relations.sql, in the curated group).
A missing raw folder stages nothing: the staging tables exist empty (sql/schema.sql).
"""

import dagster as dg

from pipelines.defs.lineage.sources import mmp, ucdp_actors
from pipelines.defs.lineage.sources.base import LineageTable, stage_table
from pipelines.engine.sql_assets import folder_staging_asset, sql_model_asset

GROUP = "lineage"
DESCRIPTIONS = {
    "ucdp_actors": "UCDP Actor Dataset: one row per actor with its lineage fields (renames, splinters, alliances).",
    "mmp_links": "Stanford Mapping Militants relationship links (all / riv / aff / spl / mer) between MMP group ids.",
    "mmp_map_groups": "Stanford Mapping Militants: which groups each map shows.",
    "mmp_maps": "Stanford Mapping Militants maps (the Pakistan maps name the groups that matter here).",
    "acled_aggregates": "ACLED's published country-month events and fatalities by event type.",
}


def lineage_staging_asset(spec: LineageTable, group_name: str = GROUP) -> dg.AssetsDefinition:
    return folder_staging_asset(
        spec.table,
        DESCRIPTIONS[spec.table],
        f"{spec.source}/{spec.pattern}",
        group_name,
        lambda con, root: stage_table(con, spec, root),
    )


lineage_staging_assets = [lineage_staging_asset(t) for t in (*ucdp_actors.TABLES, *mmp.TABLES)]
lineage_core_assets = [
    sql_model_asset("core", name, GROUP) for name in ("group_external_ids", "group_relation_sources")
]
lineage_assets = [*lineage_staging_assets, *lineage_core_assets]
