"""Curated reference data: groups, lineage, leaders, policies, claims and published totals.

raw/curated/*.csv -> staging.curated_<table> (typed, every row loaded or quarantined)
                  -> core.<table> (sql/core/<table>.sql)
raw/acled_aggregates/*.csv -> staging.acled_aggregates -> core.published_aggregates (beside the curated totals)
"""

import dagster as dg

from pipelines.defs.lineage.assets import lineage_staging_asset
from pipelines.defs.quality.checks import CheckDefinition, check_result
from pipelines.defs.reference import curated, published_sources
from pipelines.engine.sql_assets import folder_staging_asset, sql_models

GROUP = "curated_reference"
CORE_REFERENCE_TABLES = [
    "groups",
    "group_aliases",
    "group_relations",
    "leaders",
    "leadership_events",
    "policy_events",
    "claims",
    "published_aggregates",
    "group_family_rulings",
]


def curated_staging_asset(table: curated.CuratedTable) -> dg.AssetsDefinition:
    return folder_staging_asset(
        f"curated_{table.name}",
        table.description,
        f"curated/{table.glob}",
        GROUP,
        lambda con, root: curated.stage_curated_table(con, table, root),
    )


def curated_clean_check(table: curated.CuratedTable) -> CheckDefinition:
    """Our own data must parse completely: a quarantined curated row blocks the run."""
    key = dg.AssetKey(["staging", f"curated_{table.name}"])

    def evaluate(context: dg.AssetCheckExecutionContext, con) -> dg.AssetCheckResult:
        rows = con.execute(
            "select source_file || ' row ' || row_number || ' [' || coalesce(column_name, '-') || ']: ' || reason "
            "from dq.quarantine where source = 'curated' and dataset = ? order by source_file, row_number",
            [table.name],
        ).fetchall()
        sample = [r[0] for r in rows[:20]]
        return check_result(
            context, con, key, "no_quarantined_rows", "ERROR", "every curated row parses", len(rows), sample
        )

    spec = dg.AssetCheckSpec(
        "no_quarantined_rows",
        asset=key,
        blocking=True,
        description="[ERROR] every row of the curated file(s) parses (see dq.quarantine)",
    )
    return CheckDefinition(spec, evaluate)


curated_staging_assets = [curated_staging_asset(t) for t in curated.TABLES]
curated_checks = [curated_clean_check(t) for t in curated.TABLES]
core_reference_assets = sql_models("core", "core_reference", CORE_REFERENCE_TABLES)
published_staging_assets = [lineage_staging_asset(t, group_name=GROUP) for t in published_sources.TABLES]
