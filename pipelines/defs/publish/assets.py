"""Publishing: the working copy becomes the warehouse analysts read, only after a clean run."""

import dagster as dg

from pipelines.engine import warehouse as wh
from pipelines.engine.resources import WAREHOUSE_POOL, RawDirectoryResource, WarehouseResource


def published_warehouse_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=["meta", "published_warehouse"],
        deps=upstream,
        group_name="publish",
        pool=WAREHOUSE_POOL,
        description="Atomically swaps the working copy in as the published warehouse. Runs only when every "
        "upstream asset materialized and every blocking check passed.",
        kinds={"duckdb"},
    )
    def published_warehouse(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw: RawDirectoryResource
    ) -> dg.MaterializeResult:
        with wh.writer_lock(warehouse.published, wait=True):
            build_id = wh.publish(warehouse.published, context.run_id, raw.root)
        size = warehouse.published.stat().st_size
        context.log.info(f"published {warehouse.published} (build {build_id}, {size:,} bytes)")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(warehouse.published)),
                "build_id": build_id,
                "bytes": dg.MetadataValue.int(size),
            }
        )

    return published_warehouse
