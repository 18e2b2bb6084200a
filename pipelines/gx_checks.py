"""Great Expectations suites from ``expectations/<schema>.<table>.json`` as Dagster asset checks.

GX's SQL datasource fails on DuckDB (GX issues #10738, #11579), so each suite runs on pandas batches
pulled from DuckDB: one source file at a time, at most BATCH_ROWS rows per batch, and only the columns
the suite names, so memory stays bounded whatever the table's size. Each expectation carries GX's own
``severity``: ``critical`` expectations form the suite's blocking ERROR check (``gx_errors``), the
``warning``/``info`` ones its WARN check (``gx_warnings``). ``import great_expectations`` costs
seconds, so it happens inside the checks, never at definition load.
"""

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import dagster as dg

from pipelines.checks import check_result
from pipelines.config import EXPECTATIONS_DIR
from pipelines.resources import WAREHOUSE_POOL, WarehouseResource

BATCH_VECTORS = 100  # DuckDB hands out 2,048-row vectors: about 200,000 rows per batch
SAMPLE_SIZE = 20
ERROR_SEVERITIES = {"critical"}
COLUMN_KWARGS = ("column", "column_A", "column_B")


@dataclass(frozen=True)
class Suite:
    schema: str
    table: str
    path: Path
    definition: dict

    @property
    def asset_key(self) -> dg.AssetKey:
        return dg.AssetKey([self.schema, self.table])

    @property
    def id_column(self) -> str | None:
        return self.definition.get("meta", {}).get("id_column")

    def expectations(self, severity: str) -> list[dict]:
        def is_error(e: dict) -> bool:
            return e.get("severity", "critical") in ERROR_SEVERITIES

        return [e for e in self.definition["expectations"] if is_error(e) == (severity == "ERROR")]

    def columns(self, expectations: list[dict]) -> list[str]:
        names: dict[str, None] = {}
        for expectation in expectations:
            kwargs = expectation.get("kwargs", {})
            for key in COLUMN_KWARGS:
                if key in kwargs:
                    names[kwargs[key]] = None
            for name in kwargs.get("column_list", []):
                names[name] = None
        return list(names)


def discover_suites(root: Path = EXPECTATIONS_DIR) -> list[Suite]:
    suites = []
    for path in sorted(root.glob("*.*.json")):
        schema, table = path.stem.split(".", 1)
        definition = json.loads(path.read_text())
        if not definition.get("expectations"):
            raise ValueError(f"{path}: a suite needs a non-empty 'expectations' list")
        suites.append(Suite(schema, table, path, definition))
    return suites


@cache
def _batch_definition():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # no bar per validation
    asset = context.data_sources.add_pandas("warehouse").add_dataframe_asset("batch")
    return gx, asset.add_batch_definition_whole_dataframe("whole")


def validate(con, suite: Suite, expectations: list[dict]) -> list[dict]:
    """Run expectations over the table batch by batch; one summary per expectation."""
    gx, batch_definition = _batch_definition()
    gx_suite = gx.ExpectationSuite(name=f"{suite.path.stem}", expectations=[dict(e) for e in expectations])
    id_column = suite.id_column
    columns = suite.columns(expectations)
    select = list(dict.fromkeys(([id_column] if id_column else []) + columns))
    table = f"{suite.schema}.{suite.table}"
    has_file = con.execute("select count(*) from information_schema.columns where table_schema = ? and "
                           "table_name = ? and column_name = 'source_file'", [suite.schema, suite.table]).fetchone()[0]
    files = [r[0] for r in con.execute(f"select distinct source_file from {table} order by 1").fetchall()] \
        if has_file else [None]
    summary = [{"type": e["type"], "kwargs": e.get("kwargs", {}), "success": True, "unexpected_count": 0,
                "sample": [], "batches": 0} for e in expectations]
    result_format = {"result_format": "COMPLETE", "return_unexpected_index_query": False}
    if id_column:
        result_format["unexpected_index_column_names"] = [id_column]
    for source_file in files:
        where = "where source_file = ?" if source_file is not None else ""
        cursor = con.execute(f"select {', '.join(select)} from {table} {where}",
                             [source_file] if source_file is not None else [])
        while not (frame := cursor.fetch_df_chunk(BATCH_VECTORS)).empty:
            batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
            outcome = batch.validate(gx_suite, result_format=result_format)
            for item, result in zip(summary, outcome.results):
                item["batches"] += 1
                item["success"] = item["success"] and bool(result.success)
                details = result.result or {}
                item["unexpected_count"] += int(details.get("unexpected_count") or 0)
                if result.exception_info and result.exception_info.get("raised_exception"):
                    item["success"] = False
                    item["error"] = result.exception_info.get("exception_message")
                for row in details.get("unexpected_index_list") or []:
                    if len(item["sample"]) < SAMPLE_SIZE:
                        item["sample"].append(str(row.get(id_column)) if id_column else str(row))
                if "observed_value" in details:
                    item["observed_value"] = str(details["observed_value"])
    return summary


def build_gx_check(suite: Suite, severity: str) -> dg.AssetChecksDefinition:
    name = "gx_errors" if severity == "ERROR" else "gx_warnings"
    expectations = suite.expectations(severity)

    @dg.asset_check(
        pool=WAREHOUSE_POOL,
        asset=suite.asset_key,
        name=name,
        blocking=severity == "ERROR",
        description=f"[{severity}] {len(expectations)} Great Expectations expectation(s) from "
                    f"expectations/{suite.path.name}",
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            summary = validate(con, suite, expectations)
            failed = [s for s in summary if not s["success"]]
            sample = [f"{s['type']}({s['kwargs'].get('column', '')}): {i}" for s in failed for i in s["sample"]]
            observed = "; ".join(f"{s['type']}({s['kwargs'].get('column', '')}) {s['unexpected_count']} unexpected"
                                 + (f" [{s['error']}]" if s.get("error") else "") for s in failed) or "all passed"
            result = check_result(context, con, suite.asset_key, name, severity,
                                  f"{len(expectations)} expectations", sum(s["unexpected_count"] for s in failed)
                                  or len(failed), sample[:SAMPLE_SIZE], observed)
        return dg.AssetCheckResult(
            passed=result.passed, asset_key=result.asset_key, check_name=result.check_name,
            severity=result.severity, description=result.description,
            metadata={**result.metadata, "expectations": dg.MetadataValue.json(
                [{k: v for k, v in s.items() if k != "sample"} for s in summary])},
        )

    return _check


def gx_asset_checks() -> list[dg.AssetChecksDefinition]:
    checks = []
    for suite in discover_suites():
        for severity in ("ERROR", "WARN"):
            if suite.expectations(severity):
                checks.append(build_gx_check(suite, severity))
    return checks
