"""marts.incident_facts kept up to date file by file: a new monthly file costs its own rows, not the warehouse.

Each row of the mart is one row of core.incidents with its group family (from marts.group_family_membership)
and periods, so the rows of one source file depend only on that file's incidents, the family membership and
the code. The row key of a file (pipelines/engine/file_rows.py) is the key of its rows in core.incidents
(meta.file_row_keys) with a digest of marts.group_family_membership: a changed membership changes every key,
and the whole mart is rebuilt (the digest is also the record's inputs_digest) with the same model,
sql/marts/incident_facts.sql, which the variable ``incident_facts_files`` restricts to the files replaced.
"""

from __future__ import annotations

import duckdb

from pipelines.engine.file_rows import RECORD, FileRowsModel, Refresh, refresh_file_rows
from pipelines.engine.warehouse import sql_model

TABLE = "marts.incident_facts"
FILES_VARIABLE = "incident_facts_files"


def family_digest(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of the content of marts.group_family_membership (a hundred rows or so), order ignored: the
    only table besides core.incidents that the mart's rows are computed from."""
    return con.execute(
        "select md5(coalesce(string_agg(m::varchar, chr(10) order by m::varchar), '')) "
        "from marts.group_family_membership m"
    ).fetchone()[0]


def refresh_incident_facts(con: duckdb.DuckDBPyConnection) -> Refresh:
    """Bring marts.incident_facts up to date with core.incidents, incrementally when that is exact."""
    families = family_digest(con)
    keys = (
        f"select source_file, md5(row_key || '{families}') as row_key from {RECORD} where table_name = 'core.incidents'"
    )
    # the guard: the mart holds a row per incident (core.incidents holding rows of a file its record does not
    # know of, which it should not, would leave the mart short)
    expected = "select count(*) from core.incidents"
    return refresh_file_rows(
        con,
        FileRowsModel(
            TABLE,
            sql_model("marts", "incident_facts"),
            keys,
            FILES_VARIABLE,
            create=True,
            expected_rows_sql=expected,
            inputs_digest=families,
            inputs_name="marts.group_family_membership",
        ),
    )
