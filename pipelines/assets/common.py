"""Helpers shared by asset factories: SQL models from files and materialization metadata."""


import dagster as dg
import duckdb

from pipelines.config import SQL_DIR
from pipelines.resources import WAREHOUSE_POOL, WarehouseResource
from pipelines.warehouse import create_table_as, model_dependencies, replace_table, sql_model

PREVIEW_ROWS = 10


def table_metadata(con: duckdb.DuckDBPyConnection, schema: str, table: str, rows: int) -> dict:
    """Row count and a Markdown preview, attached to every materialization."""
    preview = con.execute(f"select * from {schema}.{table} limit {PREVIEW_ROWS}").df()
    return {
        "dagster/row_count": dg.MetadataValue.int(rows),
        "table": dg.MetadataValue.text(f"{schema}.{table}"),
        "preview": dg.MetadataValue.md(preview.to_markdown(index=False) if len(preview) else "(empty)"),
    }


def model_asset_args(layer: str, name: str, group_name: str) -> dict:
    """The ``dg.asset`` arguments of the asset of ``sql/<layer>/<name>.sql``: key, the tables it reads, ..."""
    sql = sql_model(layer, name)
    return {
        "key": [layer, name],
        "deps": [dg.AssetKey(list(ref)) for ref in model_dependencies(sql) if ref != (layer, name)],
        "group_name": group_name,
        "pool": WAREHOUSE_POOL,
        "description": sql.splitlines()[0].lstrip("- ").strip() if sql.startswith("--") else None,
        "kinds": {"duckdb", "sql"},
        "metadata": {"sql_file": f"sql/{layer}/{name}.sql"},
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
