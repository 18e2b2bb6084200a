"""A content hash of every table of a warehouse, blind to when and by which run it was built.

Two warehouses with equal hashes hold the same rows in every table (order ignored). Columns that only
say when or by which run something happened are left out; ``dq.check_results`` is a log of every run,
so only the latest outcome of each check is compared (a run that builds only what changed runs only the
checks of what it rebuilt: the others' latest outcome is an earlier run's).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

RUN_COLUMNS = {"loaded_at", "checked_at", "quarantined_at", "built_at", "conformed_at", "run_id", "build_id", "raw_dir"}


def table_hashes(warehouse: Path) -> dict[str, str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() and table_schema <> 'main' "
            "order by all"
        ).fetchall()
        hashes = {}
        for schema, table in tables:
            columns = [
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns where table_catalog = current_database() "
                    "and table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
            ]
            kept = ", ".join(f'"{c}"' for c in columns if c not in RUN_COLUMNS) or "count(*)"  # e.g. meta.working_copy
            where = ""
            if (schema, table) == ("dq", "check_results"):
                where = "qualify row_number() over (partition by asset, check_name order by checked_at desc) = 1"
            rows = sorted(repr(r) for r in con.execute(f'select {kept} from "{schema}"."{table}" {where}').fetchall())
            hashes[f"{schema}.{table}"] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        return hashes
    finally:
        con.close()


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
