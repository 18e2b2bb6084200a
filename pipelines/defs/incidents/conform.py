"""core.incidents, core.incident_perpetrators and core.incident_versions: the SQL models sql/core/<table>.sql, each
over the parts of its sources (sql/core/<table>/<source>.sql), kept file by file (pipelines/engine/file_rows.py).

A source is known by its part files and its adapter (sources/base.py: the alias system of its rows, whether it is
conformed whole); our own incidents (curated) are a part without an adapter. The row key of a file says what its
rows are computed from: the file's version; for a source conformed whole (every versioned source, ucdp_ged keeping
the newest release of an event, mapped keeping the last file's row), the version of every file of the source
(an ACLED deletions file counts as a file of acled); the aliases and "not a group" names that resolve the source's
names (its own system's and the curated ones); and the violence classes of the source. When any of these changes,
the file's rows are written again.
"""

from __future__ import annotations

import duckdb

from pipelines.defs.incidents.sources.base import SourceAdapter
from pipelines.defs.incidents.sources.registry import adapters
from pipelines.engine.config import SQL_DIR
from pipelines.engine.file_rows import FileRowsModel, Refresh, forget_table, refresh_file_rows
from pipelines.engine.warehouse import create_macros, model_dependencies, sql_model

# In the order they are built: the current versions of ACLED and UCDP GED events come from core.incident_versions.
TABLES = ("incident_versions", "incidents", "incident_perpetrators")
CURATED = "curated"  # our own incidents (staging.curated_incidents, dq.file_loads dataset 'incidents')


def part_names(table: str) -> list[str]:
    """The sources with a part of ``core.<table>``: sql/core/<table>/<source>.sql."""
    return sorted(p.stem for p in (SQL_DIR / "core" / table).glob("*.sql"))


def part_sql(table: str, name: str) -> str:
    return (SQL_DIR / "core" / table / f"{name}.sql").read_text()


def _adapter(name: str) -> SourceAdapter | None:
    return next((a for a in adapters() if a.name == name), None)


def parts_view_sql(table: str) -> str:
    """The temp view ``<table>_parts`` that sql/core/<table>.sql reads: every part, union all by name, each row with
    the alias system that resolves its names (``perpetrator_system``)."""
    selects = []
    for name in part_names(table):
        adapter = _adapter(name)
        system = adapter.alias_system_sql if adapter else f"'{CURATED}'"
        selects.append(f"select *, {system} as perpetrator_system from (\n{part_sql(table, name)}\n)")
    return f"create or replace temp view {table}_parts as\n" + "\nunion all by name\n".join(selects)


def dependencies(table: str) -> list[tuple[str, str]]:
    """The warehouse tables ``core.<table>`` reads, parsed from its model and its parts, and the staging table of
    every source with a part (the files whose versions make the row keys)."""
    texts = [sql_model("core", table)] + [part_sql(table, n) for n in part_names(table)]
    found = model_dependencies("\n".join(texts))
    found += [("staging", n) for n in part_names(table) if _adapter(n) and ("staging", n) not in found]
    return [ref for ref in found if ref != ("core", table)]


def row_keys_sql(table: str) -> str:
    """(source_file, row_key) of every file whose rows ``core.<table>`` holds (the module's docstring says what a
    key covers). Reads dq.file_loads and the temp tables of sql/macros/group_of.sql."""
    sources = []
    for name in part_names(table):
        adapter = _adapter(name)
        if adapter is None:  # curated
            sources.append(f"('{CURATED}', 'incidents', '{CURATED}', false, false)")
            continue
        versioned = adapter.versions_sql is not None
        # a source's versions are recomputed whole
        whole = adapter.conform_whole_source or table == "incident_versions"
        sources.append(f"('{name}', '{name}', '{adapter.source_system}', {whole}, {versioned})")
    return f"""
        with sources(source, dataset, source_system, whole_source, versioned) as (values {", ".join(sources)}),
        files as (
            select s.source, f.source_file, f.sha256
            from sources s
            join dq.file_loads f on f.is_current and ((f.source = s.source and f.dataset = s.dataset)
                                                      or (s.versioned and f.source = s.source || '_deletions'))
        ),
        source_files as (
            select source, list([source_file, sha256] order by source_file) as files from files group by source
        ),
        -- a per-row system ('mapped:<source_name>') belongs to its source's system ('mapped')
        aliases as (
            select s.source, list([a.source_system, a.alias_normalized, a.group_id]
                                  order by a.source_system, a.alias_normalized) as aliases
            from sources s
            join alias_lookup a on split_part(a.source_system, ':', 1) in (s.source_system, '{CURATED}')
            group by s.source
        ),
        not_group_names as (
            select s.source, list([n.source_system, n.alias_normalized] order by n.source_system, n.alias_normalized)
                as names
            from sources s
            join not_groups n on split_part(n.source_system, ':', 1) = s.source_system
            group by s.source
        ),
        classes as (
            select incident_source as source,
                   list([source_category, violence_class] order by source_category) as rules
            from staging.curated_violence_classes group by all
        )
        select f.source_file,
               md5(to_json({{file: f.sha256, source_files: case when s.whole_source then sf.files end,
                             aliases: a.aliases, not_groups: n.names, classes: c.rules}})::varchar) as row_key
        from files f
        join sources s using (source)
        join source_files sf using (source)
        left join aliases a using (source)
        left join not_group_names n using (source)
        left join classes c using (source)
    """


def model(table: str) -> FileRowsModel:
    return FileRowsModel(f"core.{table}", sql_model("core", table), row_keys_sql(table), f"core_{table}_files")


VERSION_COLUMNS = {
    "release": "VARCHAR",
    "known_from": "TIMESTAMP",
    "known_to": "TIMESTAMP",
    "deleted_at": "TIMESTAMP",
    "closed_by": "VARCHAR",
    "is_current": "BOOLEAN",
}


def ensure_incident_versions(con: duckdb.DuckDBPyConnection) -> None:
    """core.incident_versions: the columns of core.incidents (whatever they are) plus VERSION_COLUMNS, and the
    table macro core.incidents_as_of. When core.incidents' columns changed, the table is made anew (and rebuilt
    whole by its next refresh)."""

    def columns(table: str) -> list[str]:
        return [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_catalog = current_database() "
                "and table_schema = 'core' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
        ]

    existing = columns("incident_versions")
    if existing != columns("incidents") + list(VERSION_COLUMNS):
        if existing:
            con.execute("drop table core.incident_versions")
        forget_table(con, "core.incident_versions")
        added = ", ".join(f"null::{t} as {c}" for c, t in VERSION_COLUMNS.items())
        con.execute(f"create table core.incident_versions as select *, {added} from core.incidents limit 0")
    con.execute((SQL_DIR / "macros" / "incidents_as_of.sql").read_text())


def refresh(con: duckdb.DuckDBPyConnection, table: str) -> Refresh:
    """Bring ``core.<table>`` up to date with what is staged, replacing the rows of the files whose key changed."""
    ensure_incident_versions(con)  # core.incident_versions is written, or read by the parts of ACLED and UCDP GED
    create_macros(con, "\n".join(part_sql(table, n) for n in part_names(table)))
    con.execute(parts_view_sql(table))
    return refresh_file_rows(con, model(table))
