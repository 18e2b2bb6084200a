"""Helpers shared by asset factories: SQL models from files and materialization metadata."""

import math

import dagster as dg
import duckdb

from pipelines.engine.column_docs import column_descriptions, header_comment
from pipelines.engine.config import SQL_DIR
from pipelines.engine.file_rows import Refresh
from pipelines.engine.groups import domain_group
from pipelines.engine.resources import WAREHOUSE_POOL, RawDirectoryResource, WarehouseResource
from pipelines.engine.warehouse import create_table_as, model_dependencies, replace_table, sql_model

PREVIEW_ROWS = 10  # a table without a source column
PREVIEW_ROWS_PER_SOURCE = 3  # a table with one: rows of every source, not the first rows of one
PREVIEW_ROWS_MAX = 30


def markdown_preview(cursor: duckdb.DuckDBPyConnection) -> str:
    """The rows of an executed query as a Markdown table in which unknown values are blank cells, not ``nan`` /
    ``NaT`` / ``None``. Written from the rows directly: through pandas and tabulate it cost 27 ms a table, 55 times a
    build."""
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    if not rows:
        return "(empty)"

    def cell(value) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        return str(value).replace("|", "\\|").replace("\r", " ").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def table_schema(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dg.TableSchema:
    """The table's columns and types as built, described from sql/schema.sql and docs/data_dictionary.md."""
    docs = column_descriptions(schema, table)
    # duckdb_columns() rather than the information_schema view over it: half the time, on every materialization
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = current_database() "
        "and schema_name = ? and table_name = ? order by column_index",
        [schema, table],
    ).fetchall()
    return dg.TableSchema(columns=[dg.TableColumn(name, dtype, description=docs.get(name)) for name, dtype in columns])


def table_metadata(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, rows: int, where: str = "true", params: list | None = None
) -> dict:
    """Row count (per source where the table has one), table name, column schema and a preview sampled
    across sources, attached to every materialization. ``where`` restricts preview and counts (one file)."""
    columns = table_schema(con, schema, table)
    name = f"{schema}.{table}"
    params = params or []
    metadata = {
        "dagster/row_count": dg.MetadataValue.int(rows),
        "dagster/table_name": name,
        "dagster/column_schema": columns,
        "table": dg.MetadataValue.text(name),
    }
    if "source" in {c.name for c in columns.columns}:
        # A stable sample (by row id) of every source, so that a table of many sources does not preview one.
        preview = con.execute(
            f"select * exclude (_n) from (select *, row_number() over (partition by source order by hash(rowid)) as _n "
            f"from {name} where {where}) where _n <= {PREVIEW_ROWS_PER_SOURCE} order by source nulls last, _n "
            f"limit {PREVIEW_ROWS_MAX}",
            params,
        )
        preview_md = markdown_preview(preview)
        per_source = con.execute(
            f"select coalesce(source, '(none)'), count(*) from {name} where {where} group by all order by all", params
        ).fetchall()
        metadata["rows_per_source"] = dg.MetadataValue.json(dict(per_source)) if per_source else "none (empty)"
    else:
        preview_md = markdown_preview(
            con.execute(f"select * from {name} where {where} order by hash(rowid) limit {PREVIEW_ROWS}", params)
        )
    metadata["preview"] = dg.MetadataValue.md(preview_md)
    return metadata


def refresh_metadata(refresh: Refresh) -> dict:
    """How a table kept file by file was refreshed (pipelines/engine/file_rows.py); the CLI's progress line shows
    the mode and the rows inserted and deleted."""
    return {
        "mode": refresh.mode,
        "reason": refresh.reason,
        "rows_inserted": dg.MetadataValue.int(refresh.rows_inserted),
        "rows_deleted": dg.MetadataValue.int(refresh.rows_deleted),
        "files_replaced": dg.MetadataValue.json(refresh.files_replaced) if refresh.files_replaced else "none",
    }


def model_asset_args(layer: str, name: str, group_name: str) -> dict:
    """The ``dg.asset`` arguments of the asset of ``sql/<layer>/<name>.sql``: key, the tables it reads, ..."""
    sql = sql_model(layer, name)
    return {
        "key": [layer, name],
        "deps": [dg.AssetKey(list(ref)) for ref in model_dependencies(sql) if ref != (layer, name)],
        "group_name": domain_group(f"{layer}.{name}", group_name),
        "pool": WAREHOUSE_POOL,
        "description": header_comment(sql),
        "kinds": {"duckdb", "sql"},
        "metadata": {"sql_file": f"sql/{layer}/{name}.sql", "dagster/table_name": f"{layer}.{name}"},
    }


def sql_model_asset(layer: str, name: str, group_name: str, after=None) -> dg.AssetsDefinition:
    """An asset that replaces ``<layer>.<name>`` with the result of ``sql/<layer>/<name>.sql``.

    Contract tables (sql/schema.sql) keep their declared types; marts take the model's. ``after(con)``
    runs in the same connection once the table is built (statistics SQL cannot compute).
    """
    sql = sql_model(layer, name)

    @dg.asset(**model_asset_args(layer, name, group_name))
    def _model(warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            if layer == "marts":
                rows = create_table_as(con, layer, name, sql)
            else:
                rows = replace_table(con, layer, name, sql)
            if after is not None:
                after(con)
            return dg.MaterializeResult(metadata=table_metadata(con, layer, name, rows))

    return _model


def sql_models(layer: str, group_name: str, names: list[str] | None = None) -> list[dg.AssetsDefinition]:
    names = names or sorted(p.stem for p in (SQL_DIR / layer).glob("*.sql"))
    return [sql_model_asset(layer, n, group_name) for n in names]


def folder_staging_asset(table: str, description: str, raw_files: str, group_name: str, stage) -> dg.AssetsDefinition:
    """The asset of ``staging.<table>``, staged from every file matching ``raw/<raw_files>`` by
    ``stage(con, raw_root) -> (rows, loads)`` (curated tables, lineage and published-aggregate sources): one
    unpartitioned asset per table, its files listed and accounted in the materialization's metadata."""

    @dg.asset(
        key=["staging", table],
        group_name=domain_group(f"staging.{table}", group_name),
        pool=WAREHOUSE_POOL,
        description=f"{description} Typed rows of raw/{raw_files}.",
        kinds={"duckdb", "csv"},
        metadata={"raw_files": raw_files},
    )
    def _stage(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw: RawDirectoryResource
    ) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            rows, loads = stage(con, raw.root)
            for load in loads:
                context.log.info(
                    f"{load.source_file}: read {load.rows_read}, loaded {load.rows_loaded}, "
                    f"quarantined {load.rows_quarantined}"
                )
            if not loads:
                context.log.info(f"no raw/{raw_files}: staging.{table} is empty")
            metadata = table_metadata(con, "staging", table, rows)
        metadata["files"] = (
            dg.MetadataValue.json([load.source_file for load in loads]) if loads else f"none (no raw/{raw_files})"
        )
        metadata["rows_quarantined"] = dg.MetadataValue.int(sum(load.rows_quarantined for load in loads))
        return dg.MaterializeResult(metadata=metadata)

    return _stage
