"""Record linkage: core.event_links and core.event_clusters (pipelines/defs/linkage/matching.py, docs/linkage.md)."""

import dagster as dg

from pipelines.defs.linkage import matching as linkage
from pipelines.engine.resources import WAREHOUSE_POOL, WarehouseResource
from pipelines.engine.sql_assets import table_metadata
from pipelines.engine.warehouse import model_dependencies

GROUP = "record_linkage"  # with the linked-event marts (pipelines/engine/groups.py)
# what sql/linkage/event_link_input.sql reads (marts.incident_facts today)
INPUT_DEPS = [dg.AssetKey(list(ref)) for ref in model_dependencies(linkage.input_sql())]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["core", "event_links"],
            group_name=GROUP,
            kinds={"duckdb", "splink"},
            deps=INPUT_DEPS,
            description="Pairs of incidents that are the same event (Splink, Fellegi-Sunter), with the "
            "comparison values that decided them (docs/linkage.md).",
        ),
        dg.AssetSpec(
            ["core", "event_clusters"],
            group_name=GROUP,
            kinds={"duckdb"},
            deps=INPUT_DEPS,
            description="Every incident in one cluster of incidents telling the same event; one "
            "representative per cluster (docs/linkage.md).",
        ),
    ],
    pool=WAREHOUSE_POOL,
)
def event_linkage(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.connect() as con:
        result = linkage.relink(con)
        links_meta = table_metadata(con, "core", "event_links", result.links)
        clusters_rows = con.execute("select count(*) from core.event_clusters").fetchall()[0][0]
        clusters_meta = table_metadata(con, "core", "event_clusters", clusters_rows)
    context.log.info(
        f"{result.mode} ({result.reason}): {result.candidate_pairs:,} candidate pairs scored, "
        f"{result.links:,} links, {result.clusters:,} clusters"
    )
    links_meta.update(
        {
            "mode": result.mode,
            "reason": result.reason,
            "candidate_pairs_scored": dg.MetadataValue.int(result.candidate_pairs),
            "files_relinked": dg.MetadataValue.json(result.files_relinked),
        }
    )
    clusters_meta["clusters"] = dg.MetadataValue.int(result.clusters)
    yield dg.MaterializeResult(asset_key=["core", "event_links"], metadata=links_meta)
    yield dg.MaterializeResult(asset_key=["core", "event_clusters"], metadata=clusters_meta)


linkage_assets = [event_linkage]
