"""The analyst report: rebuilt from the published warehouse after every successful run."""

import dagster as dg

from pipelines.defs.report import build_report, default_report_path
from pipelines.engine.resources import WAREHOUSE_POOL, WarehouseResource

REPORT_KEY = dg.AssetKey(["report", "analyst_report"])


def analyst_report_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=REPORT_KEY,
        deps=upstream,
        group_name="report",
        # In the pool so that no later run swaps the published file in while the report reads it.
        pool=WAREHOUSE_POOL,
        description="Self-contained HTML report (trends, lineage, event studies, reconciliation, data quality) "
        "of the PUBLISHED warehouse, opened read-only after publishing; written to "
        "report/index.html beside the warehouse file.",
        kinds={"html"},
    )
    def analyst_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        result = build_report(warehouse.published, default_report_path(warehouse.published))
        context.log.info(f"report written to {result.path} ({len(result.charts)} charts)")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(result.path)),
                "charts": dg.MetadataValue.int(len(result.charts)),
                "too_little_data": ", ".join(result.too_little_data) or "none",
                "bytes": dg.MetadataValue.int(result.bytes),
            }
        )

    return analyst_report
