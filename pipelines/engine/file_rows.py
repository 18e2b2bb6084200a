"""Tables kept file by file: a new monthly file costs its own rows, not the warehouse.

A table whose every row belongs to one raw file (``source_file``) is materialized from its model, restricted to a
set of files through a DuckDB variable (``getvariable(<files_variable>)`` NULL: every file). Its caller gives, per
file, a row key that changes whenever the file's rows may have changed (the file's version, and whatever else its
rows are computed from). meta.file_row_keys records, per table and file, the key of the rows the table holds and
the code fingerprint (SQL, suites, package, libraries) they were computed with. A refresh with the same code deletes
the rows of the files whose key changed or that are gone and inserts those of the files whose key is new, in one
transaction. Anything else (other code, no record, no table, a count that does not match) rebuilds the table whole
with the same model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from pipelines.engine.faults import fault_point
from pipelines.engine.fingerprint import code_fingerprint
from pipelines.engine.warehouse import create_macros, table_exists, transaction

RECORD = "meta.file_row_keys"


@dataclass
class Refresh:
    mode: str  # "incremental" or "full"
    reason: str
    rows: int = 0
    rows_inserted: int = 0
    rows_deleted: int = 0
    files_replaced: list[str] = field(default_factory=list)  # incremental: files whose rows were deleted/inserted


@dataclass(frozen=True)
class FileRowsModel:
    """``table`` (schema.name) computed by ``sql``, whose rows are those of the files ``keys_sql`` lists."""

    table: str
    sql: str
    keys_sql: str  # (source_file, row_key): every file whose rows the table should hold
    files_variable: str  # the DuckDB variable ``sql`` restricts its files by
    # True: a full rebuild makes the table anew from the model's columns (marts); False: the table exists with
    # its contract's columns and a full rebuild replaces its rows.
    create: bool = False
    # A guard, not a decision: the number of rows the table must hold after an incremental refresh (None: no guard).
    expected_rows_sql: str | None = None
    # What every row is computed from besides its file (a digest, and what it is of): when it changed, the table
    # is rebuilt whole rather than every file replaced.
    inputs_digest: str = ""
    inputs_name: str = ""


def refresh_file_rows(con: duckdb.DuckDBPyConnection, model: FileRowsModel) -> Refresh:
    """Bring ``model.table`` up to date with its model, incrementally when that is exact."""
    code = code_fingerprint()
    # the macros either query calls (group_of builds the alias lookup it reads), before the keys are computed
    create_macros(con, model.sql + "\n" + model.keys_sql)
    con.execute(
        f"create or replace temp table file_row_keys_now as select source_file, row_key from ({model.keys_sql})"
    )
    why = _why_full(con, model, code)
    if why is None:
        refresh = _incremental(con, model, code)
        if refresh is not None:
            return refresh
        why = f"{model.table} did not hold the rows expected"
    return _full(con, model, code, why)


def _why_full(con: duckdb.DuckDBPyConnection, model: FileRowsModel, code: str) -> str | None:
    """None when the stored rows were computed with this code and inputs and their files are recorded, else why
    the table is rebuilt."""
    if not table_exists(con, *model.table.split(".")):
        return "the table does not exist"
    built_with = con.execute(
        f"select distinct code_fingerprint, inputs_digest from {RECORD} where table_name = ?", [model.table]
    ).fetchall()
    if not built_with:
        return "no record of what the table holds"
    if len(built_with) > 1 or built_with[0][0] != code:
        return "code changed"
    if built_with[0][1] != model.inputs_digest:
        return f"{model.inputs_name} changed"
    return None


def _record(con: duckdb.DuckDBPyConnection, model: FileRowsModel, code: str) -> None:
    con.execute(f"delete from {RECORD} where table_name = ?", [model.table])
    con.execute(
        f"insert into {RECORD} select ?, source_file, row_key, ?, ? from file_row_keys_now order by source_file",
        [model.table, code, model.inputs_digest],
    )


def _full(con: duckdb.DuckDBPyConnection, model: FileRowsModel, code: str, why: str) -> Refresh:
    con.execute(f"set variable {model.files_variable} = null")  # every file
    with transaction(con):
        if model.create:
            con.execute(f"create or replace table {model.table} as {model.sql}")
        else:
            con.execute(f"delete from {model.table}")
            con.execute(f"insert into {model.table} by name {model.sql}")
        _record(con, model, code)
        fault_point("mart", model.table)
    rows = con.execute(f"select count(*) from {model.table}").fetchone()[0]
    return Refresh("full", why, rows, rows_inserted=rows)


class _RowsDiffer(Exception):
    """The incrementally refreshed table would not hold the rows expected."""


def _incremental(con: duckdb.DuckDBPyConnection, model: FileRowsModel, code: str) -> Refresh | None:
    """Replace the rows of the files whose key changed; None (nothing changed) when the guard fails."""
    # Rows to delete: files gone or whose key changed; rows to insert: files whose key is new (or changed).
    recorded = f"select source_file, row_key from {RECORD} where table_name = ?"
    stale = [
        r[0]
        for r in con.execute(
            f"select source_file from ({recorded} except select source_file, row_key from file_row_keys_now)",
            [model.table],
        ).fetchall()
    ]
    new = [
        r[0]
        for r in con.execute(
            f"select source_file from (select source_file, row_key from file_row_keys_now except {recorded})",
            [model.table],
        ).fetchall()
    ]
    files = sorted(set(stale) | set(new))
    try:
        with transaction(con):
            deleted = inserted = 0
            if files:
                deleted = con.execute(
                    f"delete from {model.table} where list_contains(?::varchar[], source_file)", [files]
                ).fetchone()[0]
                if new:
                    con.execute(f"set variable {model.files_variable} = ?::varchar[]", [sorted(new)])
                    inserted = con.execute(f"insert into {model.table} by name {model.sql}").fetchone()[0]
                _record(con, model, code)
            # The counts are kept by DuckDB, so this costs nothing.
            rows = con.execute(f"select count(*) from {model.table}").fetchone()[0]
            if model.expected_rows_sql is not None and rows != con.execute(model.expected_rows_sql).fetchone()[0]:
                raise _RowsDiffer  # rolls the transaction back
            fault_point("mart", model.table)
    except _RowsDiffer:
        return None
    finally:
        con.execute(f"set variable {model.files_variable} = null")
    reason = f"{len(files)} source file(s) changed" if files else "no source file changed"
    return Refresh("incremental", reason, rows, inserted, deleted, files)


def forget_table(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """The table was dropped or made anew: with no record of what it holds, its next refresh rebuilds it."""
    con.execute(f"delete from {RECORD} where table_name = ?", [table])
