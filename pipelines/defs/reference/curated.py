"""Curated reference tables authored by this project (``raw/curated/*.csv``).

Each table has a spec: its columns, their types and allowed values. A file whose header does not
match is refused with an error naming the file and the column; a row that does not parse is
quarantined with the row number, the column at fault and the reason. See docs/curated_data.md.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.engine.accounting import FileLoad, QuarantinedRow, forget_gone_files, record_file_load, sha256_of
from pipelines.engine.config import PROJECT_ROOT
from pipelines.engine.reader import RawFileError, number_raw_rows, read_raw_file
from pipelines.engine.warehouse import transaction

PRECISIONS = ("day", "month", "year")
# The source systems a curated alias or "not a group" row may name: the incident sources' systems, the lineage
# sources', `curated` (every source), `mapped` (every mapped dataset), and the source_name of each ready-made
# mapping in mappings/ (that dataset only; any mapped dataset may also borrow a built-in system's spellings with
# the mapping key alias_system). docs/curated_data.md lists them; tests/test_mapping_keys.py checks it does.
BUILT_IN_SOURCE_SYSTEMS = ("gtd", "ucdp", "acled", "newamerica", "mmp", "curated", "mapped")


def _shipped_mapping_names() -> tuple[str, ...]:
    names = (
        re.search(r"^source_name:\s*([a-z0-9_]+)\s*$", p.read_text(encoding="utf-8"), re.M)
        for p in sorted((PROJECT_ROOT / "mappings").glob("*.yaml"))
    )
    return tuple(sorted(m.group(1) for m in names if m))


ALIAS_SOURCE_SYSTEMS = BUILT_IN_SOURCE_SYSTEMS + _shipped_mapping_names()
SLUG = re.compile(r"^[a-z0-9_]+$")
COUNTRIES = ("Pakistan", "Afghanistan", "India", "Iran", "Uzbekistan", "China", "Iraq/Syria", "Global")


class CuratedFileError(RawFileError):
    """A curated file whose header is not its table's (the reader refuses a file that is not UTF-8)."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "text"  # text, slug, date, int, float, bool, list
    required: bool = False
    allowed: tuple[str, ...] | None = None
    precision_of: str | None = None  # for a date: the column holding its precision

    @property
    def duckdb_type(self) -> str:
        return {
            "text": "VARCHAR",
            "slug": "VARCHAR",
            "date": "DATE",
            "int": "BIGINT",
            "float": "DOUBLE",
            "bool": "BOOLEAN",
            "list": "VARCHAR[]",
        }[self.type]


def _cols(*columns: Column) -> tuple[Column, ...]:
    return columns + (Column("source", required=True), Column("source_url", required=True))


def _date(name: str, required: bool = False, precision: str | None = None) -> Column:
    return Column(name, "date", required=required, precision_of=precision)


def _precision(name: str, required: bool = False) -> Column:
    return Column(name, required=required, allowed=PRECISIONS)


@dataclass(frozen=True)
class CuratedTable:
    name: str  # staging.curated_<name>
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    pattern: str = ""  # file glob inside raw/curated; default <name>.csv
    description: str = ""
    checks: tuple = field(default=())

    @property
    def glob(self) -> str:
        return self.pattern or f"{self.name}.csv"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


# The cross-source taxonomy of core.incidents.violence_class (docs/data_dictionary.md, "Violence classes").
VIOLENCE_CLASSES = (
    "non_state_attack",
    "state_vs_militant_clash",
    "militant_vs_militant_clash",
    "foreign_air_strike",
    "state_violence_against_civilians",
    "not_political_violence",
)

RELATION_TYPES = (
    "split_from",
    "faction_of",
    "merged_into",
    "rejoined",
    "pledged_allegiance_to",
    "renamed_to",
    "allied_with",
    "rival_of",
)

TABLES: tuple[CuratedTable, ...] = (
    CuratedTable(
        "groups",
        _cols(
            Column("group_id", "slug", required=True),
            Column("name", required=True),
            Column("short_name"),
            Column(
                "ideology",
                allowed=(
                    "deobandi_jihadist",
                    "salafi_jihadist",
                    "sectarian",
                    "ethnonationalist_separatist",
                    "islamist_political",
                    "anti_taliban_resistance",
                    "other",
                ),
            ),
            Column("base_country", allowed=COUNTRIES),
            _date("founded_on", precision="founded_precision"),
            _precision("founded_precision"),
            _date("dissolved_on", precision="dissolved_precision"),
            _precision("dissolved_precision"),
            _date("proscribed_pk_on"),
            Column("note"),
        ),
        key=("group_id",),
        description="Militant organisations active in Pakistan and Afghanistan.",
    ),
    CuratedTable(
        "group_aliases",
        _cols(
            Column("alias", required=True),
            Column("group_id", "slug", required=True),
            Column("source_system", required=True, allowed=ALIAS_SOURCE_SYSTEMS),
            Column("note"),
        ),
        key=("alias", "source_system"),
        description="How each source system spells each group.",
    ),
    CuratedTable(
        "non_group_perpetrators",
        (
            Column("perpetrator_raw", required=True),
            Column("source_system", required=True, allowed=ALIAS_SOURCE_SYSTEMS),
            Column(
                "reason",
                required=True,
                allowed=("unknown", "generic_description", "state_actor", "not_a_named_group", "other"),
            ),
            Column("note"),
        ),
        key=("perpetrator_raw", "source_system"),
        description="Perpetrator names that are deliberately not resolved to a group (Unknown, Gunmen, ...).",
    ),
    CuratedTable(
        "group_relations",
        _cols(
            Column("relation_id", "slug", required=True),
            Column("from_group_id", "slug", required=True),
            Column("to_group_id", "slug", required=True),
            Column("relation_type", required=True, allowed=RELATION_TYPES),
            _date("start_date", precision="start_precision"),
            _precision("start_precision"),
            _date("end_date", precision="end_precision"),
            _precision("end_precision"),
            Column("note"),
        ),
        key=("relation_id",),
        description="Dated relations between groups: splits, factions, mergers, pledges, alliances.",
    ),
    CuratedTable(
        "group_family_rulings",
        _cols(
            Column("relation_id", "slug", required=True),
            Column("ruling", required=True, allowed=("stays_in_movement", "own_organisation", "left_movement")),
            Column("note"),
        ),
        key=("relation_id",),
        description="Whether a split or faction stays in its parent's family (marts.group_family_membership).",
    ),
    CuratedTable(
        "mmp_group_crosswalk",
        _cols(
            Column("mmp_group_id", "int", required=True),
            Column("group_id", "slug", required=True),
            Column("mmp_name", required=True),
            Column("note"),
        ),
        key=("mmp_group_id",),
        description="Stanford Mapping Militants group ids that matter for Pakistan and Afghanistan, mapped to our groups.",
    ),
    CuratedTable(
        "leaders",
        _cols(
            Column("leader_id", "slug", required=True),
            Column("name", required=True),
            Column("aliases", "list"),
            Column("group_id", "slug"),
            Column(
                "role", allowed=("emir", "deputy_emir", "founder", "commander", "spokesman", "shura_member", "other")
            ),
            Column("note"),
        ),
        key=("leader_id",),
        description="Leaders and commanders.",
    ),
    CuratedTable(
        "leadership_events",
        _cols(
            Column("leadership_event_id", "slug", required=True),
            Column("leader_id", "slug", required=True),
            Column("group_id", "slug"),
            Column("event_type", required=True, allowed=("killed", "captured", "arrested", "died", "false_report")),
            _date("event_date", required=True, precision="event_precision"),
            _precision("event_precision", required=True),
            _date("announced_date"),
            _date("confirmed_by_group_date"),
            Column(
                "method",
                allowed=(
                    "drone_strike",
                    "raid",
                    "military_operation",
                    "arrest",
                    "ied",
                    "infighting",
                    "natural",
                    "unknown",
                ),
            ),
            Column("perpetrator"),
            Column("country"),
            Column("admin1"),
            Column("location"),
            Column("successor_leader_id", "slug"),
            Column("note"),
        ),
        key=("leadership_event_id",),
        description="Leaders killed, captured, arrested, died, or falsely reported dead.",
    ),
    CuratedTable(
        "policy_events",
        _cols(
            Column("policy_event_id", "slug", required=True),
            Column("name", required=True),
            Column(
                "category",
                required=True,
                allowed=("policy", "legislation", "institution", "military_operation", "diplomatic", "external"),
            ),
            _date("start_date", required=True, precision="start_precision"),
            _precision("start_precision", required=True),
            _date("end_date", precision="end_precision"),
            _precision("end_precision"),
            Column("scope_country"),
            Column("scope_admin1"),
            Column("target_group_id", "slug"),
            Column("description"),
        ),
        key=("policy_event_id",),
        description="Policies, laws, institutions, military operations and external shocks.",
    ),
    CuratedTable(
        "claims",
        _cols(
            Column("claim_id", required=True),
            Column(
                "subject_table",
                required=True,
                allowed=(
                    "groups",
                    "group_relations",
                    "leaders",
                    "leadership_events",
                    "policy_events",
                    "incidents",
                    "published_aggregates",
                ),
            ),
            Column("subject_id", required=True),
            Column("attribute", required=True),
            Column("value"),
            Column("is_preferred", "bool", required=True),
            Column("note"),
        ),
        key=("claim_id",),
        pattern="claims*.csv",
        description="One source's value for a disputed fact; every version of a dispute is kept.",
    ),
    CuratedTable(
        "published_aggregates",
        _cols(
            Column("publisher", required=True),
            Column("report"),
            Column("country", required=True),
            _date("period_start", required=True, precision="period_grain"),
            Column("period_grain", required=True, allowed=("year", "month")),
            Column("measure", required=True, allowed=("attacks", "killed", "injured", "suicide_attacks")),
            Column("value", "int", required=True),
            Column("definition"),
            Column("note"),
            Column("is_preferred", "bool", required=True),
        ),
        # several editions (reports) or definitions of one figure are several rows, one of them preferred
        key=("publisher", "report", "country", "period_start", "period_grain", "measure", "definition"),
        description="Published yearly or monthly totals (PIPS, PICSS, ...), every edition.",
    ),
    CuratedTable(
        "incidents",
        _cols(
            Column("source_event_id", "slug", required=True),
            _date("event_date", required=True, precision="date_precision"),
            _precision("date_precision", required=True),
            Column("country", required=True, allowed=COUNTRIES),
            Column("admin1"),
            Column("admin2"),
            Column("location"),
            Column("latitude", "float"),
            Column("longitude", "float"),
            Column(
                "attack_type",
                allowed=(
                    "bombing",
                    "suicide_bombing",
                    "armed_assault",
                    "hostage_taking",
                    "assassination",
                    "complex_attack",
                    "other",
                ),
            ),
            Column("target_type"),
            Column("perpetrator_raw"),
            Column("group_id", "slug"),
            Column("fatalities_low", "int"),
            Column("fatalities_high", "int"),
            Column("wounded", "int"),
            Column("is_suicide", "bool"),
            Column("note"),
        ),
        key=("source_event_id",),
        description="Notable incidents, authored by us from press and reports.",
    ),
    CuratedTable(
        "violence_classes",
        _cols(
            Column(
                "incident_source",
                required=True,
                allowed=("gtd", "ucdp_ged", "acled", "newamerica_drones", "mapped", "curated"),
            ),
            Column("source_category", required=True),
            Column("violence_class", required=True, allowed=VIOLENCE_CLASSES),
            Column("rule", required=True),
        ),
        key=("incident_source", "source_category"),
        description="The cross-source violence taxonomy: each source's own category -> one violence class.",
    ),
)

TABLES_BY_NAME = {t.name: t for t in TABLES}


def _parse(column: Column, value: str, row: dict[str, str]) -> str | None:
    """Return an error message, or None when the value is acceptable for the column."""
    if value == "":
        return f"{column.name} is required" if column.required else None
    if column.allowed is not None and value not in column.allowed:
        return f"{column.name} {value!r} is not one of {', '.join(column.allowed)}"
    if column.type == "slug" and not SLUG.match(value):
        return f"{column.name} {value!r} is not a lowercase id ([a-z0-9_]+)"
    if column.type == "date":
        try:
            parsed = dt.date.fromisoformat(value)
        except ValueError:
            return f"{column.name} {value!r} is not a date (YYYY-MM-DD)"
        if len(value) != 10:
            return f"{column.name} {value!r} is not written as YYYY-MM-DD"
        precision = row.get(column.precision_of or "", "")
        if precision == "month" and parsed.day != 1:
            return f"{column.name} {value!r} has month precision but is not the first of the month"
        if precision == "year" and (parsed.month, parsed.day) != (1, 1):
            return f"{column.name} {value!r} has year precision but is not 1 January"
    if column.type == "int":
        if not re.fullmatch(r"-?\d+", value):
            return f"{column.name} {value!r} is not a whole number"
        if int(value) < 0:
            return f"{column.name} {value!r} is negative"
    if column.type == "float":
        try:
            float(value)
        except ValueError:
            return f"{column.name} {value!r} is not a number"
    if column.type == "bool" and value not in ("true", "false"):
        return f"{column.name} {value!r} is not true or false"
    return None


def read_curated_file(
    con: duckdb.DuckDBPyConnection, table: CuratedTable, path: Path, raw_dir: Path
) -> tuple[FileLoad, list[dict[str, str]]]:
    """Read one curated CSV: rows that parse, and a FileLoad accounting for every row.

    A row's number is its place among the file's data rows (the header is row 0), counting the lines the CSV
    reader could not parse and empty lines (engine/reader.py), so that every quarantined row points at its row in
    the file. An empty line is a blank row, quarantined as one with ``,,,`` lines, as Python's csv reader had it.
    """
    relative = path.relative_to(raw_dir).as_posix() if path.is_relative_to(raw_dir) else str(path)
    load = FileLoad("curated", table.name, relative, sha256_of(path))
    header = read_raw_file(con, path, encoding="utf-8")
    missing = [c for c in table.column_names if c not in header]
    unknown = [h for h in header if h not in table.column_names]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        raise CuratedFileError(f"{path}: header row: {'; '.join(parts)} (see docs/curated_data.md)")
    number_raw_rows(con)
    # a line the reader rejected is row (its line - 1): the header is line 1
    unparsed = {
        line - 1: (column, reason, json.loads(raw))
        for line, column, reason, raw in con.execute(
            "select row_number, column_name, reason, raw_values from raw_rejects"
        ).fetchall()
    }
    parsed = [(r[0], r[1:]) for r in con.execute("select * from raw_rows order by _row_number").fetchall()]
    blank = [(n, ()) for (n,) in con.execute("select row_number from raw_blank_rows").fetchall()]
    records = sorted([*parsed, *blank, *((n, None) for n in unparsed)], key=lambda record: record[0])
    good: list[dict[str, str]] = []
    seen_keys: dict[tuple, int] = {}
    for number, values in records:
        load.rows_read += 1
        if values is None:
            load.quarantined.append(QuarantinedRow(number, *unparsed[number]))
            continue
        if all((v or "").strip() == "" for v in values):
            load.quarantined.append(QuarantinedRow(number, None, "blank row", {}))
            continue
        row = {h: (v or "").strip() for h, v in zip(header, values)}
        error = None
        for column in table.columns:
            message = _parse(column, row[column.name], row)
            if message:
                error = (column.name, message)
                break
        if error is None:
            key = tuple(row[k] for k in table.key)
            if key in seen_keys:
                error = (table.key[0], f"duplicate key {key} (first seen in row {seen_keys[key]})")
            else:
                seen_keys[key] = number
        if error:
            load.quarantined.append(QuarantinedRow(number, error[0], error[1], row))
            continue
        row["source_row"] = str(number)
        row["source_file"] = relative
        good.append(row)
    load.rows_loaded = len(good)
    return load, good


def curated_files(table: CuratedTable, raw_dir: Path) -> list[Path]:
    return sorted((raw_dir / "curated").glob(table.glob))


def stage_curated_table(
    con: duckdb.DuckDBPyConnection, table: CuratedTable, raw_dir: Path
) -> tuple[int, list[FileLoad]]:
    """Replace staging.curated_<name> with every parsed row of the table's files; account for every file."""
    import pandas as pd

    loads: list[FileLoad] = []
    rows: list[dict[str, str]] = []
    for path in curated_files(table, raw_dir):
        load, good = read_curated_file(con, table, path, raw_dir)
        loads.append(load)
        rows.extend(good)
    # Keys must be unique across files too (claims come in several files).
    seen: dict[tuple, str] = {}
    unique_rows = []
    for row in rows:
        key = tuple(row[k] for k in table.key)
        if key in seen:
            load = next(x for x in loads if x.source_file == row["source_file"])
            load.rows_loaded -= 1
            load.quarantined.append(
                QuarantinedRow(
                    int(row["source_row"]),
                    table.key[0],
                    f"duplicate key {key} (also in {seen[key]})",
                    {k: v for k, v in row.items() if k not in ("source_row", "source_file")},
                )
            )
            continue
        seen[key] = row["source_file"]
        unique_rows.append(row)
    names = table.column_names + ["source_file", "source_row"]
    frame = pd.DataFrame(unique_rows, columns=names, dtype="string")
    casts = []
    for column in table.columns:
        value = f"nullif(\"{column.name}\", '')"
        if column.type == "list":
            casts.append(
                f"list_filter(list_transform(string_split({value}, ';'), lambda x: trim(x)), lambda x: x <> '') "
                f'as "{column.name}"'
            )
        else:
            casts.append(f'cast({value} as {column.duckdb_type}) as "{column.name}"')
    casts += ["source_file", "cast(source_row as BIGINT) as source_row"]
    con.register("curated_frame", frame)
    try:
        with transaction(con):
            con.execute(
                f"create or replace table staging.curated_{table.name} as select {', '.join(casts)} from curated_frame"
            )
            for load in loads:
                record_file_load(con, load)
            forget_gone_files(con, "curated", table.name, {load.source_file for load in loads})
    finally:
        con.unregister("curated_frame")
    return len(unique_rows), loads
