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

from pipelines.defs.incidents.sources.registry import adapters
from pipelines.defs.operations.planner import staged_changes
from pipelines.engine.accounting import forget_file
from pipelines.engine.config import SQL_DIR
from pipelines.engine.warehouse import table_exists, transaction


@dataclass(frozen=True)
class Conformer:
    source: str  # core.incidents.source
    dataset: str  # dq.file_loads.dataset
    source_system: str  # which aliases resolve its perpetrators
    conform_sql: str
    perpetrators_sql: str | None
    whole_source: bool = False  # re-conform every file of the source when any changes
    # SQL over a conformed row (its incident_id) naming the system that resolves its names, when that differs
    # per row (each mapped dataset: 'mapped:<source_name>'); None: every row uses source_system.
    system_sql: str | None = None

    def system_of(self, prefix: str = "") -> str:
        if self.system_sql is None:
            return f"'{self.source_system}'"
        return self.system_sql.replace("incident_id", f"{prefix}incident_id")

    # Every version of every event (core.incident_versions); core.incidents then holds the current ones.
    versions_sql: str | None = None


def curated_conformer() -> Conformer:
    return Conformer(
        "curated", "incidents", "curated", (SQL_DIR / "core" / "incidents" / "curated.sql").read_text(), None
    )


def adapter_conformers() -> list[Conformer]:
    return [
        Conformer(
            a.name,
            a.name,
            a.source_system,
            a.conform_sql,
            a.perpetrators_sql,
            a.conform_whole_source,
            system_sql=MAPPED_SYSTEM_SQL if a.name == "mapped" else None,
            versions_sql=a.versions_sql,
        )
        for a in adapters()
    ]


VERSION_COLUMNS = {
    "release": "VARCHAR",
    "known_from": "TIMESTAMP",
    "known_to": "TIMESTAMP",
    "deleted_at": "TIMESTAMP",
    "closed_by": "VARCHAR",
    "is_current": "BOOLEAN",
}


def ensure_incident_versions(con: duckdb.DuckDBPyConnection, conformers: list[Conformer]) -> None:
    """core.incident_versions: the columns of core.incidents (whatever they are) plus VERSION_COLUMNS, and the
    table macro core.incidents_as_of. When core.incidents' columns changed, the table is made anew and the
    versioned sources are conformed again."""
    wanted = [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = "
            "'core' and table_name = 'incidents' order by ordinal_position"
        ).fetchall()
    ]
    wanted += list(VERSION_COLUMNS)
    existing = [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = "
            "'core' and table_name = 'incident_versions' order by ordinal_position"
        ).fetchall()
    ]
    if existing != wanted:
        if existing:
            con.execute("drop table core.incident_versions")
            con.execute(
                "delete from meta.conformed_files where source in (select unnest(?::varchar[]))",
                [[c.source for c in conformers if c.versions_sql]],
            )
        added = ", ".join(f"null::{t} as {c}" for c, t in VERSION_COLUMNS.items())
        con.execute(f"create table core.incident_versions as select *, {added} from core.incidents limit 0")
    con.execute((SQL_DIR / "macros" / "incidents_as_of.sql").read_text())


def _write_versions(con: duckdb.DuckDBPyConnection, c: Conformer, now: dt.datetime) -> None:
    """Every version of every event of a versioned source, perpetrators resolved as for core.incidents."""
    _resolve_names(
        con,
        "version_names",
        f"select distinct perpetrator_raw as name, '{c.source_system}' as system from ({c.versions_sql})",
    )
    con.execute("delete from core.incident_versions where source = ?", [c.source])
    # the violence class and the harmonized province as core.incidents has them (issue 14), so that
    # core.incidents_as_of(d) and an as-of build classify alike
    con.execute(
        f"insert into core.incident_versions by name select v.*, r.group_id, ?::timestamp as loaded_at, "
        "harmonize_admin1(v.country, v.admin1) as admin1_harmonized, vc.violence_class "
        f"from ({c.versions_sql}) v left join version_names r on r.perpetrator_raw = v.perpetrator_raw "
        "left join violence_rules vc on vc.incident_source = ? and vc.source_category = v.source_category",
        [now, c.source],
    )


# A mapped dataset resolves through its own source_name's aliases, then those of its mapping's alias_system
# (e.g. gtd), then those of system 'mapped', then the curated names: one virtual system per dataset.
MAPPED_SYSTEM_SQL = "'mapped:' || split_part(incident_id, ':', 1)"


def prune_removed_files(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> list[str]:
    """Files loaded earlier but gone from the raw directory (pipelines/defs/operations/planner.py decides which): drop their
    staged rows. Called once per build run, by the asset meta.run_inputs, before anything reads them."""
    removed = []
    for source, source_file in staged_changes(con, raw_dir)[1]:
        forget_file(con, source, source_file)
        if table_exists(con, "staging", source):
            con.execute(f"delete from staging.{source} where source_file = ?", [source_file])
        removed.append(source_file)
    return removed


# A name resolves through sql/macros/group_of.sql (the one statement of the rule), on distinct names (a few
# thousand), never per row: the regular expressions of normalize_group_name then cost nothing at ten million
# incidents, and rows join on the raw name.
RESOLVE_NAMES = """
    select name as perpetrator_raw, system, group_of(system, normalize_group_name(name)) as group_id
    from ({names}) where name is not null
"""


def _build_violence_rules(con: duckdb.DuckDBPyConnection) -> None:
    """temp table violence_rules: the taxonomy of raw/curated/violence_classes.csv (empty before it is staged)."""
    if table_exists(con, "staging", "curated_violence_classes"):
        con.execute(
            "create or replace temp table violence_rules as select incident_source, source_category, "
            "violence_class from staging.curated_violence_classes"
        )
    else:
        con.execute(
            "create or replace temp table violence_rules (incident_source varchar, source_category varchar, "
            "violence_class varchar)"
        )


def _reclassify(con: duckdb.DuckDBPyConnection) -> None:
    """Stored rows (current and earlier versions) follow changes of the taxonomy: only rows whose class differs
    are written."""
    tables = ["core.incidents"] + (["core.incident_versions"] if table_exists(con, "core", "incident_versions") else [])
    with transaction(con):
        for table in tables:
            con.execute(f"""
                update {table} t set violence_class = r.violence_class
                from violence_rules r
                where r.incident_source = split_part(t.source_file, '/', 1) and r.source_category = t.source_category
                  and t.violence_class is distinct from r.violence_class
            """)
            con.execute(f"""
                update {table} t set violence_class = null
                where t.violence_class is not null and not exists (
                    select 1 from violence_rules r
                    where r.incident_source = split_part(t.source_file, '/', 1) and r.source_category = t.source_category)
            """)


def _build_alias_lookup(con: duckdb.DuckDBPyConnection) -> None:
    # One group per (system, spelling); the check group_aliases__one_group_per_spelling guards that.
    con.execute(
        "create or replace temp table alias_lookup as select source_system, alias_normalized, "
        "min(group_id) as group_id from core.group_aliases group by all"
    )
    con.execute(
        "create or replace temp table not_groups as select distinct source_system, "
        "normalize_group_name(perpetrator_raw) as alias_normalized from staging.curated_non_group_perpetrators"
    )
    if table_exists(con, "staging", "mapped"):
        # 'mapped:<source_name>': the dataset's own spellings first, then its alias_system's, then 'mapped'.
        con.execute("""
            create or replace temp table mapped_systems as
            select distinct source_name, alias_system from staging.mapped
        """)
        con.execute("""
            insert into alias_lookup
            select 'mapped:' || m.source_name, a.alias_normalized,
                   arg_min(a.group_id, case a.source_system when m.source_name then 1 when m.alias_system then 2
                                       else 3 end)
            from mapped_systems m
            join (select * from alias_lookup) a on a.source_system in (m.source_name, m.alias_system, 'mapped')
            group by all
        """)
        con.execute("""
            insert into not_groups
            select distinct 'mapped:' || m.source_name, n.alias_normalized
            from mapped_systems m
            join (select * from not_groups) n on n.source_system in (m.source_name, m.alias_system, 'mapped')
        """)
    # group_of() binds alias_lookup and not_groups when it is created: after they are.
    con.execute((SQL_DIR / "macros" / "group_of.sql").read_text())


def _resolve_names(con: duckdb.DuckDBPyConnection, table: str, names_sql: str) -> None:
    """temp table ``table``: (perpetrator_raw, system, group_id) for the distinct (name, system) ``names_sql``
    returns."""
    con.execute(f"create or replace temp table {table} as {RESOLVE_NAMES.format(names=names_sql)}")


def sync_incidents(con: duckdb.DuckDBPyConnection, conformers: list[Conformer]) -> dict[str, int]:
    """Bring core.incidents and core.incident_perpetrators up to date with what is staged."""
    ensure_incident_versions(con, conformers)
    _build_alias_lookup(con)
    _build_violence_rules(con)
    # Rows already conformed follow alias and taxonomy changes first; rows conformed below use today's.
    _re_resolve(con, conformers)
    _reclassify(con)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    changed: dict[str, int] = {}
    for c in conformers:
        # A versioned source's history also follows its deletions files (source <name>_deletions).
        current = set(
            con.execute(
                "select source_file, sha256 from dq.file_loads where is_current and ((source = ? "
                "and dataset = ?) or (? and source = ? || '_deletions'))",
                [c.source, c.dataset, c.versions_sql is not None, c.source],
            ).fetchall()
        )
        done = set(
            con.execute("select source_file, sha256 from meta.conformed_files where source = ?", [c.source]).fetchall()
        )
        stale, todo = done - current, current - done
        if not stale and not todo:
            continue
        if c.whole_source:
            stale, todo = done, current
        files = sorted({f for f, _ in stale | todo})
        with transaction(con):
            if c.versions_sql:
                _write_versions(con, c, now)
            con.execute(
                "create or replace temp table files_to_conform as select unnest(?::varchar[]) as source_file",
                [sorted({f for f, _ in todo})],
            )
            # Rows belong to a conformer by the folder their source_file is in: a mapped dataset's rows carry
            # the mapping's own source name, not the adapter's.
            con.execute(
                "delete from core.incidents where split_part(source_file, '/', 1) = ? "
                "and source_file in (select unnest(?::varchar[]))",
                [c.source, files],
            )
            con.execute(
                "delete from core.incident_perpetrators where source_file in (select unnest(?::varchar[])) "
                "and split_part(source_file, '/', 1) = ?",
                [files, c.source],
            )
            # A source that names our group itself (curated) keeps it; others resolve through the aliases.
            columns = [r[0] for r in con.execute(f"describe ({c.conform_sql})").fetchall()]
            given = "i.group_id, " if "group_id" in columns else ""
            in_files = "where source_file in (select source_file from files_to_conform)"
            # Only the name column of the model is computed here (DuckDB prunes the others).
            system = c.system_of()
            _resolve_names(
                con,
                "incident_names",
                f"select distinct perpetrator_raw as name, {system} as system from ({c.conform_sql}) {in_files}",
            )
            con.execute(
                f"insert into core.incidents by name select i.* exclude (_system, {'group_id, ' if given else ''}"
                f"source_file), i.source_file, coalesce({given}r.group_id) as group_id, ?::timestamp as loaded_at, "
                "harmonize_admin1(i.country, i.admin1) as admin1_harmonized, vc.violence_class "
                f"from (select *, {system} as _system from ({c.conform_sql}) {in_files}) i "
                "left join incident_names r on r.perpetrator_raw = i.perpetrator_raw and r.system = i._system "
                "left join violence_rules vc on vc.incident_source = ? and vc.source_category = i.source_category",
                [now, c.source],
            )
            if c.perpetrators_sql:
                _resolve_names(
                    con,
                    "perpetrator_names",
                    f"select distinct perpetrator_raw as name, {system} as system "
                    f"from ({c.perpetrators_sql}) {in_files}",
                )
                con.execute(
                    "insert into core.incident_perpetrators by name select p.* exclude (_system), r.group_id "
                    f"from (select *, {system} as _system from ({c.perpetrators_sql}) {in_files}) p "
                    "left join perpetrator_names r on r.perpetrator_raw = p.perpetrator_raw and r.system = p._system"
                )
            con.execute("delete from meta.conformed_files where source = ?", [c.source])
            con.execute(
                "insert into meta.conformed_files select ?, source_file, sha256, ? from "
                "(select unnest(?::varchar[]) as source_file, unnest(?::varchar[]) as sha256)",
                [c.source, now, [f for f, _ in sorted(current)], [s for _, s in sorted(current)]],
            )
        changed[c.source] = len(todo)
    return changed


def conformed_row_keys(con: duckdb.DuckDBPyConnection, conformers: list[Conformer] | None = None) -> None:
    """temp table ``conformed_row_keys`` (source_file, row_key): per file whose rows core.incidents holds, a
    key that changes whenever those rows may have changed, for tables built from them file by file.

    With the SQL models and the code (which callers compare themselves), a file's rows follow from: its
    version (meta.conformed_files); for a source conformed whole (``whole_source``, e.g. ucdp_ged keeps the
    newest release of an event), the version of every file of the source; and the groups the names of its
    source resolve to (meta.group_resolution: ``_re_resolve`` updates stored rows whenever that changes).
    """
    conformers = conformers if conformers is not None else [curated_conformer(), *adapter_conformers()]
    _build_violence_rules(con)
    con.execute(
        """
        create or replace temp table conformed_row_keys as
        with conformers as (select unnest(?::varchar[]) as source, unnest(?::boolean[]) as whole_source),
        source_files as (
            select source, list([source_file, sha256] order by source_file) as files
            from meta.conformed_files group by source
        ),
        resolution as (
            -- a per-row system ('mapped:<source_name>') belongs to its conformer's source ('mapped')
            select split_part(source, ':', 1) as source,
                   list([source, alias_normalized, group_id] order by source, alias_normalized) as groups
            from meta.group_resolution group by 1
        ),
        classes as (
            select incident_source as source, list([source_category, violence_class] order by source_category) as rules
            from violence_rules group by all
        )
        select f.source_file,
               md5(to_json({file: f.sha256,
                            -- a source no conformer claims any more counts as conformed whole
                            source_files: case when coalesce(c.whole_source, true) then s.files end,
                            groups: r.groups, classes: v.rules})::varchar) as row_key
        from meta.conformed_files f
        join source_files s using (source)
        left join conformers c using (source)
        left join resolution r using (source)
        left join classes v using (source)
    """,
        [[c.source for c in conformers], [c.whole_source for c in conformers]],
    )


def _re_resolve(con: duckdb.DuckDBPyConnection, conformers: list[Conformer]) -> int:
    """Aliases may have changed since rows were conformed: resolve again the names whose group changed.

    meta.group_resolution keeps, per source and normalised name, the group the aliases gave at the
    last run. Only names whose group differs now are looked up in the incident tables, so a run whose
    aliases did not change touches no stored row. Returns the number of names whose group changed.
    """
    systems = {c.source: c.source_system for c in conformers if c.system_sql is None}
    con.execute(
        "create or replace temp table source_systems as select unnest(?::varchar[]) as source, "
        "unnest(?::varchar[]) as source_system",
        [list(systems), list(systems.values())],
    )
    # A conformer whose rows resolve per row (mapped datasets): each system its rows use is its own unit.
    for c in conformers:
        if c.system_sql is not None:
            con.execute(
                f"insert into source_systems select distinct {c.system_of()} as source, {c.system_of()} "
                "from core.incidents where split_part(source_file, '/', 1) = ?",
                [c.source],
            )

    def unit(prefix: str = "") -> str:
        """The resolution unit of a stored row: its top folder, or its own system for per-row conformers."""
        folder = f"split_part({prefix}source_file, '/', 1)"
        cases = "".join(
            f" when {folder} = '{c.source}' then {c.system_of(prefix)}" for c in conformers if c.system_sql is not None
        )
        return f"case{cases} else {folder} end" if cases else folder

    resolved = """
        select s.source, x.alias_normalized, group_of(s.source_system, x.alias_normalized) as group_id
        from source_systems s
        cross join (select distinct alias_normalized from alias_lookup) x
    """
    con.execute(f"create or replace temp table resolved_names as select * from ({resolved}) where group_id is not null")
    with transaction(con):
        # A warehouse conformed before meta.group_resolution existed has no record: resolve every name once.
        recorded = con.execute("select count(*) from meta.group_resolution").fetchone()[0] > 0
        stored = con.execute("select count(*) from core.incidents where source <> 'curated'").fetchone()[0] > 0
        if recorded or not stored:
            con.execute("""
                create or replace temp table changed_names as
                select coalesce(n.source, o.source) as source, coalesce(n.alias_normalized, o.alias_normalized)
                       as alias_normalized
                from resolved_names n
                full join meta.group_resolution o on o.source = n.source and o.alias_normalized = n.alias_normalized
                where n.group_id is distinct from o.group_id
            """)
            names_filter = "join changed_names c on c.source = x.source and c.alias_normalized = x.alias_normalized"
        else:
            con.execute(
                "create or replace temp table changed_names as select source, alias_normalized from resolved_names"
            )
            names_filter = ""
        changed = con.execute("select count(*) from changed_names").fetchone()[0]
        if changed or not recorded:
            for table, where in (
                ("core.incidents", "where source <> 'curated'"),  # curated rows name their group
                ("core.incident_perpetrators", ""),
                ("core.incident_versions", ""),
            ):
                # The distinct raw names stored (one pass over one column), normalised once each.
                con.execute(f"""
                    create or replace temp table names_to_update as
                    select x.source, x.perpetrator_raw, r.group_id
                    from (select source, perpetrator_raw, normalize_group_name(perpetrator_raw) as alias_normalized
                          from (select distinct {unit()} as source, perpetrator_raw
                                from {table} {where})) x
                    {names_filter}
                    left join resolved_names r on r.source = x.source and r.alias_normalized = x.alias_normalized
                """)
                extra = "and t.source <> 'curated'" if where else ""
                con.execute(f"""
                    update {table} t set group_id = u.group_id
                    from names_to_update u
                    where {unit("t.")} = u.source and t.perpetrator_raw = u.perpetrator_raw
                      and t.group_id is distinct from u.group_id {extra}
                """)
            con.execute("delete from meta.group_resolution")
            con.execute(
                "insert into meta.group_resolution select source, alias_normalized, group_id from resolved_names"
            )
    return changed
