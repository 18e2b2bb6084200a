"""Conforming staged sources into core.incidents, one file version at a time.

core.incidents keeps, per source file, the rows of the version last conformed (meta.conformed_files).
A run conforms only the file versions that changed, and removes the rows of files that were replaced
or removed: the cost of a run follows the size of what changed, not of the warehouse.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.accounting import forget_file
from pipelines.config import SQL_DIR


@dataclass(frozen=True)
class Conformer:
    source: str  # core.incidents.source
    dataset: str  # dq.file_loads.dataset
    source_system: str  # which aliases resolve its perpetrators
    conform_sql: str
    perpetrators_sql: str | None
    whole_source: bool = False  # re-conform every file of the source when any changes


def curated_conformer() -> Conformer:
    return Conformer("curated", "incidents", "curated", (SQL_DIR / "core" / "incidents" / "curated.sql").read_text(),
                     None)


def adapter_conformers() -> list[Conformer]:
    from pipelines.sources.registry import adapters

    return [Conformer(a.name, a.name, a.source_system, a.conform_sql, a.perpetrators_sql, a.conform_whole_source)
            for a in adapters()]


def prune_removed_files(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> list[str]:
    """Files loaded earlier but gone from the raw directory: drop their staged rows."""
    from pipelines.sources.registry import adapters

    removed = []
    for adapter in adapters():
        present = {adapter.source_file(p, raw_dir) for p in adapter.files(raw_dir)}
        current = [r[0] for r in con.execute(
            "select source_file from dq.file_loads where source = ? and is_current", [adapter.name]).fetchall()]
        for source_file in current:
            if source_file not in present:
                forget_file(con, adapter.name, source_file)
                exists = con.execute("select count(*) from information_schema.tables where table_schema = "
                                     "'staging' and table_name = ?", [adapter.name]).fetchone()[0]
                if exists:
                    con.execute(f"delete from staging.{adapter.name} where source_file = ?", [source_file])
                removed.append(source_file)
    return removed


# A name is resolved with the source system's own spellings first, then the curated names, except when
# it is classed "not a group" for that system (New America's "Taliban" is a generic label there).
RESOLVE = """
    left join alias_lookup own on own.source_system = ? and own.alias_normalized = normalize_group_name({col})
    left join alias_lookup cur on cur.source_system = 'curated' and cur.alias_normalized = normalize_group_name({col})
        and not exists (select 1 from not_groups ng
                        where ng.source_system = ? and ng.alias_normalized = cur.alias_normalized)
"""


def _build_alias_lookup(con: duckdb.DuckDBPyConnection) -> None:
    # One group per (system, spelling); the check group_aliases__one_group_per_spelling guards that.
    con.execute("create or replace temp table alias_lookup as select source_system, alias_normalized, "
                "min(group_id) as group_id from core.group_aliases group by all")
    con.execute("create or replace temp table not_groups as select distinct source_system, "
                "normalize_group_name(perpetrator_raw) as alias_normalized from staging.curated_non_group_perpetrators")


def sync_incidents(con: duckdb.DuckDBPyConnection, conformers: list[Conformer]) -> dict[str, int]:
    """Bring core.incidents and core.incident_perpetrators up to date with what is staged."""
    _build_alias_lookup(con)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    changed: dict[str, int] = {}
    for c in conformers:
        current = set(con.execute("select source_file, sha256 from dq.file_loads where source = ? and dataset = ? "
                                  "and is_current", [c.source, c.dataset]).fetchall())
        done = set(con.execute("select source_file, sha256 from meta.conformed_files where source = ?",
                               [c.source]).fetchall())
        stale, todo = done - current, current - done
        if not stale and not todo:
            continue
        if c.whole_source:
            stale, todo = done, current
        files = sorted({f for f, _ in stale | todo})
        con.execute("begin transaction")
        try:
            con.execute("create or replace temp table files_to_conform as select unnest(?::varchar[]) as source_file",
                        [sorted({f for f, _ in todo})])
            # Rows belong to a conformer by the folder their source_file is in: a mapped dataset's rows carry
            # the mapping's own source name, not the adapter's.
            con.execute("delete from core.incidents where split_part(source_file, '/', 1) = ? "
                        "and source_file in (select unnest(?::varchar[]))",
                        [c.source, files])
            con.execute("delete from core.incident_perpetrators where source_file in (select unnest(?::varchar[])) "
                        "and split_part(source_file, '/', 1) = ?", [files, c.source])
            # A source that names our group itself (curated) keeps it; others resolve through the aliases.
            columns = [r[0] for r in con.execute(f"describe ({c.conform_sql})").fetchall()]
            given = "i.group_id, " if "group_id" in columns else ""
            con.execute(
                f"insert into core.incidents by name select i.* exclude ({'group_id, ' if given else ''}source_file), "
                f"i.source_file, coalesce({given}own.group_id, cur.group_id) as group_id, "
                f"?::timestamp as loaded_at from ({c.conform_sql}) i {RESOLVE.format(col='i.perpetrator_raw')} "
                "where i.source_file in (select source_file from files_to_conform)",
                [now, c.source_system, c.source_system],
            )
            if c.perpetrators_sql:
                con.execute(
                    "insert into core.incident_perpetrators by name select p.*, coalesce(own.group_id, cur.group_id) "
                    f"as group_id from ({c.perpetrators_sql}) p {RESOLVE.format(col='p.perpetrator_raw')} "
                    "where p.source_file in (select source_file from files_to_conform)",
                    [c.source_system, c.source_system],
                )
            con.execute("delete from meta.conformed_files where source = ?", [c.source])
            con.execute("insert into meta.conformed_files select ?, source_file, sha256, ? from "
                        "(select unnest(?::varchar[]) as source_file, unnest(?::varchar[]) as sha256)",
                        [c.source, now, [f for f, _ in sorted(current)], [s for _, s in sorted(current)]])
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        changed[c.source] = len(todo)
    _re_resolve(con, conformers)
    return changed


def _re_resolve(con: duckdb.DuckDBPyConnection, conformers: list[Conformer]) -> None:
    """Aliases may have changed since rows were conformed: resolve every perpetrator again."""
    systems = {c.source: c.source_system for c in conformers}
    con.execute("create or replace temp table source_systems as select unnest(?::varchar[]) as source, "
                "unnest(?::varchar[]) as source_system", [list(systems), list(systems.values())])
    resolved = """
        select s.source, x.alias_normalized, coalesce(own.group_id, cur.group_id) as group_id
        from source_systems s
        cross join (select distinct alias_normalized from alias_lookup) x
        left join alias_lookup own on own.source_system = s.source_system and own.alias_normalized = x.alias_normalized
        left join alias_lookup cur on cur.source_system = 'curated' and cur.alias_normalized = x.alias_normalized
            and not exists (select 1 from not_groups ng
                            where ng.source_system = s.source_system and ng.alias_normalized = x.alias_normalized)
    """
    con.execute(f"create or replace temp table resolved_names as {resolved}")
    con.execute("""
        update core.incidents i set group_id = r.group_id
        from (select i2.incident_id, r.group_id
              from core.incidents i2
              left join resolved_names r on r.source = split_part(i2.source_file, '/', 1)
                    and r.alias_normalized = normalize_group_name(i2.perpetrator_raw)
              where i2.source <> 'curated'  -- curated rows name their group themselves
              ) r
        where r.incident_id = i.incident_id and i.group_id is distinct from r.group_id
    """)
    con.execute("""
        update core.incident_perpetrators p set group_id = r.group_id
        from (select p2.incident_id, p2.role, p2.perpetrator_raw, r.group_id
              from core.incident_perpetrators p2
              left join resolved_names r on r.source = split_part(p2.source_file, '/', 1)
                    and r.alias_normalized = normalize_group_name(p2.perpetrator_raw)) r
        -- an incident may have several perpetrators in one role (ACLED 'associated'): match the name too
        where r.incident_id = p.incident_id and r.role = p.role and r.perpetrator_raw = p.perpetrator_raw
          and p.group_id is distinct from r.group_id
    """)
