"""marts.incident_facts kept up to date file by file: a new monthly file costs its own rows, not the warehouse.

Each row of the mart is one row of core.incidents with its group family (from marts.group_family_membership)
and periods, so the rows of one source file depend only on that file's incidents, the family membership and
the code. meta.incident_facts_inputs records, per source file, the key of the incidents the mart holds for it
(pipelines/defs/incidents/conform.py ``conformed_row_keys``) and what every row was computed with: the code fingerprint
(SQL, suites, package, libraries) and a digest of marts.group_family_membership. A refresh with the same code
and membership deletes the rows of the files whose key changed or that are gone, and inserts those of the files
whose key is new, running the model sql/marts/incident_facts.sql on only those files (the variable
``incident_facts_files``). Anything else rebuilds the mart whole with the same model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from pipelines.defs.incidents.conform import conformed_row_keys
from pipelines.engine.faults import fault_point
from pipelines.engine.fingerprint import code_fingerprint
from pipelines.engine.warehouse import sql_model, table_exists, transaction

TABLE = "marts.incident_facts"
FILES_VARIABLE = "incident_facts_files"


@dataclass
class Refresh:
    mode: str  # "incremental" or "full"
    reason: str
    rows: int = 0
    rows_inserted: int = 0
    rows_deleted: int = 0
    files_replaced: list[str] = field(default_factory=list)  # incremental: files whose rows were deleted/inserted


def family_digest(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of the content of marts.group_family_membership (a hundred rows or so), order ignored: the
    only table besides core.incidents that the mart's rows are computed from."""
    return con.execute(
        "select md5(coalesce(string_agg(m::varchar, chr(10) order by m::varchar), '')) "
        "from marts.group_family_membership m"
    ).fetchone()[0]


def _why_full(con: duckdb.DuckDBPyConnection, code: str, families: str) -> str | None:
    """None when the stored rows were computed with this code and family membership, else why the mart is rebuilt."""
    if not table_exists(con, "marts", "incident_facts"):
        return "the mart does not exist"
    built_with = con.execute(
        "select distinct code_fingerprint, group_family_digest from meta.incident_facts_inputs"
    ).fetchall()
    if not built_with:
        return "no record of what the mart holds"
    if len(built_with) > 1 or built_with[0][0] != code:
        return "code changed"
    if built_with[0][1] != families:
        return "marts.group_family_membership changed"
    return None


def _record(con: duckdb.DuckDBPyConnection, code: str, families: str) -> None:
    con.execute("delete from meta.incident_facts_inputs")
    con.execute(
        "insert into meta.incident_facts_inputs select source_file, row_key, ?, ? from conformed_row_keys",
        [code, families],
    )


def refresh_incident_facts(con: duckdb.DuckDBPyConnection) -> Refresh:
    """Bring marts.incident_facts up to date with core.incidents, incrementally when that is exact."""
    sql = sql_model("marts", "incident_facts")
    code, families = code_fingerprint(), family_digest(con)
    conformed_row_keys(con)
    why = _why_full(con, code, families)
    if why is None:
        refresh = _incremental(con, sql, code, families)
        if refresh is not None:
            return refresh
        why = "the mart's rows did not match core.incidents"
    return _full(con, sql, code, families, why)


def _full(con: duckdb.DuckDBPyConnection, sql: str, code: str, families: str, why: str) -> Refresh:
    con.execute(f"set variable {FILES_VARIABLE} = null")  # every incident
    with transaction(con):
        con.execute(f"create or replace table {TABLE} as {sql}")
        _record(con, code, families)
        fault_point("mart", TABLE)
    rows = con.execute(f"select count(*) from {TABLE}").fetchone()[0]
    return Refresh("full", why, rows, rows_inserted=rows)


class _RowsDiffer(Exception):
    """The incrementally refreshed mart would not hold exactly the rows of core.incidents."""


def _incremental(con: duckdb.DuckDBPyConnection, sql: str, code: str, families: str) -> Refresh | None:
    """Replace the rows of the files whose incidents changed; None (nothing changed) when the result would not
    hold exactly the rows of core.incidents."""
    # Rows to delete: files gone or whose key changed; rows to insert: files whose key is new (or changed).
    stale = [
        r[0]
        for r in con.execute(
            "select source_file from (select source_file, row_key from meta.incident_facts_inputs "
            "except select source_file, row_key from conformed_row_keys)"
        ).fetchall()
    ]
    new = [
        r[0]
        for r in con.execute(
            "select source_file from (select source_file, row_key from conformed_row_keys "
            "except select source_file, row_key from meta.incident_facts_inputs)"
        ).fetchall()
    ]
    files = sorted(set(stale) | set(new))
    try:
        with transaction(con):
            deleted = inserted = 0
            if files:
                deleted = con.execute(
                    f"delete from {TABLE} where list_contains(?::varchar[], source_file)", [files]
                ).fetchone()[0]
                if new:
                    con.execute(f"set variable {FILES_VARIABLE} = ?::varchar[]", [new])
                    inserted = con.execute(f"insert into {TABLE} by name {sql}").fetchone()[0]
                _record(con, code, families)
            # A guard, not a decision: core.incidents holding rows of a file the record does not know of (it
            # should not) would leave the mart short. The counts are kept by DuckDB, so this costs nothing.
            rows, expected = con.execute(
                f"select (select count(*) from {TABLE}), (select count(*) from core.incidents)"
            ).fetchone()
            if rows != expected:
                raise _RowsDiffer  # rolls the transaction back
            fault_point("mart", TABLE)
    except _RowsDiffer:
        return None
    finally:
        con.execute(f"set variable {FILES_VARIABLE} = null")
    reason = f"{len(files)} source file(s) changed" if files else "no incident changed"
    return Refresh("incremental", reason, rows, inserted, deleted, files)
