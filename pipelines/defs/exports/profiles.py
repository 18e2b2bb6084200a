"""Exports for other teams: profiles from ``exports.yaml`` written as files with a manifest.

An export reads the **published** warehouse read-only and writes
``<root>/<profile>/<YYYY-MM-DD>T<hhmmss>/`` (the tables in each format, plus ``manifest.json``). The files
are written into a hidden temporary folder beside it and renamed into place, so a reader never sees half
an export; then only the newest ``keep_last`` exports of the profile are kept.

Safety: profile and table names are plain slugs, filter values are bound as SQL parameters, filter
columns must be columns of the table, and no path under the export root may be a symlink or point
outside it. Nothing here imports Dagster.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.engine.config import PROJECT_ROOT

PROFILES_FILE = PROJECT_ROOT / "exports.yaml"
EXPORT_ROOT_ENV = "PIPELINES_EXPORT_ROOT"
FORMATS = ("parquet", "csv", "xlsx")
FILTERS = ("country", "years", "groups")
DEFAULT_FILTER_COLUMNS = {"country": "country", "years": "year", "groups": "group_family_id"}
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
TABLE_NAME = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{6}$")
XLSX_MAX_ROWS = 1_048_575  # one sheet, minus the header row


class ExportError(Exception):
    """A profile that is invalid, or an export that would write outside its root."""


@dataclass(frozen=True)
class ExportTable:
    name: str
    sql: str
    sorted_by_all: bool  # a whole table (`table:`) is sorted so that repeated exports compare byte for byte
    filter_columns: dict[str, str | None]


@dataclass(frozen=True)
class ExportProfile:
    name: str
    owner: str
    description: str
    formats: tuple[str, ...]
    keep_last: int
    tables: tuple[ExportTable, ...]
    filters: dict = field(default_factory=dict)


def check_name(name: object, what: str) -> str:
    if not isinstance(name, str) or not NAME.match(name):
        raise ExportError(
            f"{what} {name!r} is not allowed: use lower-case letters, digits, '_' and '-' "
            "(no '/', '..' or absolute paths); it becomes a file or folder name"
        )
    return name


def _string_list(value, what: str) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise ExportError(f"filter {what} must be a string or a non-empty list of strings, not {value!r}")
    return values


def _years(value) -> dict:
    if isinstance(value, list) and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return {"in": sorted(value)}
    if (
        isinstance(value, dict)
        and value
        and set(value) <= {"from", "to"}
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value.values())
    ):
        return dict(value)
    raise ExportError(
        f"filter years must be {{from: YEAR, to: YEAR}} (either optional) or a list of years, not {value!r}"
    )


def parse_filters(raw: dict | None) -> dict:
    raw = raw or {}
    if not isinstance(raw, dict) or set(raw) - set(FILTERS):
        raise ExportError(f"filters may only be {', '.join(FILTERS)}; got {raw!r}")
    filters = {}
    if raw.get("country") is not None:
        filters["country"] = _string_list(raw["country"], "country")
    if raw.get("years") is not None:
        filters["years"] = _years(raw["years"])
    if raw.get("groups") is not None:
        filters["groups"] = _string_list(raw["groups"], "groups")
    return filters


def parse_profile(name: str, spec: dict) -> ExportProfile:
    check_name(name, "profile name")
    if not isinstance(spec, dict):
        raise ExportError(f"profile {name}: expected a mapping")
    unknown = set(spec) - {"description", "owner", "formats", "keep_last", "filters", "tables"}
    if unknown:
        raise ExportError(f"profile {name}: unknown key(s) {sorted(unknown)}")
    formats = spec.get("formats") or []
    if not formats or any(f not in FORMATS for f in formats):
        raise ExportError(f"profile {name}: formats must be a non-empty list of {', '.join(FORMATS)}")
    keep_last = spec.get("keep_last", 5)
    if not isinstance(keep_last, int) or isinstance(keep_last, bool) or keep_last < 1:
        raise ExportError(f"profile {name}: keep_last must be a whole number >= 1")
    if not spec.get("owner"):
        raise ExportError(f"profile {name}: owner is required (who receives the export)")
    tables = []
    for entry in spec.get("tables") or []:
        if not isinstance(entry, dict):
            raise ExportError(f"profile {name}: each table must be a mapping")
        table_name = check_name(entry.get("name"), f"profile {name}: table name")
        if ("table" in entry) == ("sql" in entry):
            raise ExportError(f"profile {name}, table {table_name}: give exactly one of `table` or `sql`")
        if "table" in entry:
            if not isinstance(entry["table"], str) or not TABLE_NAME.match(entry["table"]):
                raise ExportError(f"profile {name}, table {table_name}: `table` must be schema.table")
            sql = f"select * from {entry['table']}"
        else:
            sql = str(entry["sql"]).strip().rstrip(";")
        columns = dict(DEFAULT_FILTER_COLUMNS)
        override = entry.get("filter_columns") or {}
        if not isinstance(override, dict) or set(override) - set(FILTERS):
            raise ExportError(f"profile {name}, table {table_name}: filter_columns may only map {FILTERS}")
        columns.update(override)
        tables.append(ExportTable(table_name, sql, "table" in entry, columns))
    if not tables:
        raise ExportError(f"profile {name}: at least one table is required")
    if len({t.name for t in tables}) != len(tables):
        raise ExportError(f"profile {name}: table names must be unique")
    return ExportProfile(
        name,
        str(spec["owner"]),
        str(spec.get("description") or "").strip(),
        tuple(formats),
        keep_last,
        tuple(tables),
        parse_filters(spec.get("filters")),
    )


def load_profiles(path: Path = PROFILES_FILE) -> dict[str, ExportProfile]:
    import yaml

    try:
        document = yaml.safe_load(Path(path).read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ExportError(f"cannot read export profiles from {path}: {exc}") from exc
    profiles = document.get("profiles") if isinstance(document, dict) else None
    if not isinstance(profiles, dict):
        raise ExportError(f"{path}: expected a top-level `profiles:` mapping")
    return {name: parse_profile(name, spec) for name, spec in profiles.items()}


def default_export_root(published: Path) -> Path:
    """``$PIPELINES_EXPORT_ROOT``, else ``exports/`` beside the published warehouse (warehouse/exports)."""
    return Path(os.environ.get(EXPORT_ROOT_ENV) or published.parent / "exports").absolute()


# ---- paths ----------------------------------------------------------------------------------------------
def profile_folder(root: Path, profile: str) -> Path:
    """``<root>/<profile>``, created if needed; refused when it is, or would resolve, outside the root."""
    check_name(profile, "profile name")
    root = Path(os.path.abspath(root))
    if root.is_symlink():
        raise ExportError(f"export root {root} is a symlink; give the real folder with --out")
    root.mkdir(parents=True, exist_ok=True)
    folder = root / profile
    if folder.is_symlink():
        raise ExportError(f"{folder} is a symlink; exports are never written through links (remove it)")
    folder.mkdir(exist_ok=True)
    if not folder.resolve().is_relative_to(root.resolve()):
        raise ExportError(f"{folder} resolves outside the export root {root}")
    return folder


def _inside(path: Path, folder: Path) -> Path:
    if path.is_symlink() or not path.resolve().is_relative_to(folder.resolve()) or path.parent != folder:
        raise ExportError(f"refusing to write {path}: outside {folder} or a symlink")
    return path


def prune(folder: Path, keep_last: int) -> list[Path]:
    """Delete all but the newest ``keep_last`` complete exports in a profile's folder."""
    exports = sorted(p for p in folder.iterdir() if STAMP.match(p.name) and p.is_dir() and not p.is_symlink())
    removed = exports[:-keep_last] if len(exports) > keep_last else []
    for old in removed:
        shutil.rmtree(_inside(old, folder))
    return removed


# ---- SQL -------------------------------------------------------------------------------------------------
def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def filtered_query(con: duckdb.DuckDBPyConnection, table: ExportTable, filters: dict) -> tuple[str, list]:
    """The table's query with the profile's filters as a WHERE clause; values as parameters."""
    columns = {row[0]: row[1] for row in con.execute(f"describe select * from ({table.sql}) as t").fetchall()}
    where, params = [], []
    for kind, value in filters.items():
        column = table.filter_columns.get(kind)
        if column is None:
            continue
        if column not in columns:
            raise ExportError(
                f"table {table.name}: filter {kind} applies to column {column!r}, which it does not "
                f"have (columns: {', '.join(columns)}); set filter_columns.{kind}"
            )
        ref = _quote(column)
        if kind == "years":
            if columns[column] in ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE"):
                ref = f"year({ref})"
            if "in" in value:
                where.append(f"list_contains(?::INTEGER[], {ref})")
                params.append(value["in"])
            if "from" in value:
                where.append(f"{ref} >= ?")
                params.append(value["from"])
            if "to" in value:
                where.append(f"{ref} <= ?")
                params.append(value["to"])
        else:
            where.append(f"list_contains(?::VARCHAR[], {ref})")
            params.append(value)
    sql = f"select * from ({table.sql}) as t"
    if where:
        sql += " where " + " and ".join(where)
    if table.sorted_by_all:
        sql += " order by all"
    return sql, params


def _sql_string(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _cell(value):
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, default=str, ensure_ascii=False)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones
    if isinstance(value, (uuid.UUID, dt.timedelta)):
        return str(value)
    return value


def write_xlsx(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str], path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=path.stem[:31])
    sheet.append(columns)
    result = con.execute(f"select * from {relation}")
    while batch := result.fetchmany(10_000):
        for row in batch:
            sheet.append([_cell(v) for v in row])
    book.save(path)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_table(
    con: duckdb.DuckDBPyConnection, table: ExportTable, filters: dict, formats: tuple[str, ...], folder: Path
) -> list[dict]:
    sql, params = filtered_query(con, table, filters)
    relation = f"export_{table.name.replace('-', '_')}"
    # A temporary table (allowed on a read-only connection): every format gets exactly the same rows.
    con.execute(f"create or replace temp table {relation} as {sql}", params)
    rows = con.execute(f"select count(*) from {relation}").fetchone()[0]
    described = con.execute(f"describe {relation}").fetchall()
    columns = [{"name": r[0], "type": r[1]} for r in described]
    entries = []
    for fmt in formats:
        path = _inside(folder / f"{table.name}.{fmt}", folder)
        if fmt == "parquet":
            con.execute(f"copy {relation} to {_sql_string(path)} (format parquet, compression zstd)")
        elif fmt == "csv":
            con.execute(f"copy {relation} to {_sql_string(path)} (format csv, header true)")
        else:
            if rows > XLSX_MAX_ROWS:
                raise ExportError(
                    f"table {table.name} has {rows:,} rows, more than one Excel sheet holds; "
                    "export it as parquet or csv"
                )
            write_xlsx(con, relation, [c["name"] for c in columns], path)
        entries.append(
            {
                "file": path.name,
                "table": table.name,
                "format": fmt,
                "rows": rows,
                "bytes": path.stat().st_size,
                "sha256": sha256_file(path),
                "columns": columns,
            }
        )
    con.execute(f"drop table {relation}")
    return entries


def _build_info(con: duckdb.DuckDBPyConnection) -> dict:
    row = con.execute(
        "select build_id, run_id, built_at from meta.build_info order by built_at desc limit 1"
    ).fetchone()
    if row is None:
        return {"build_id": None, "run_id": None, "built_at": None}
    return {"build_id": row[0], "run_id": row[1], "built_at": row[2].isoformat() if row[2] else None}


def _sources(con: duckdb.DuckDBPyConnection) -> list[dict]:
    rows = con.execute(
        "select source, dataset, source_file, sha256, rows_loaded from dq.file_loads "
        "where is_current order by source_file, dataset"
    ).fetchall()
    return [{"source": r[0], "dataset": r[1], "file": r[2], "sha256": r[3], "rows_loaded": r[4]} for r in rows]


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    manifest: dict
    removed: list[Path]


def run_export(
    profile: ExportProfile, warehouse: Path, root: Path, run_id: str | None = None, now: dt.datetime | None = None
) -> ExportResult:
    """Export one profile from the published warehouse into ``<root>/<profile>/<stamp>/``."""
    check_name(profile.name, "profile name")
    for table in profile.tables:
        check_name(table.name, "table name")
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: build one with `python -m pipelines run` first")
    folder = profile_folder(root, profile.name)
    created = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    stamp = created.strftime("%Y-%m-%dT%H%M%S")
    final = folder / stamp
    if final.exists() or final.is_symlink():
        raise ExportError(f"an export {final} already exists; wait a second and run it again")
    work = _inside(folder / f".{stamp}.partial-{os.getpid()}-{uuid.uuid4().hex[:8]}", folder)
    work.mkdir()
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            build = _build_info(con)
            files = [
                entry
                for table in profile.tables
                for entry in _write_table(con, table, profile.filters, profile.formats, work)
            ]
            sources = _sources(con)
        finally:
            con.close()
        manifest = {
            "profile": profile.name,
            "description": profile.description,
            "owner": profile.owner,
            "created_at": created.isoformat(),
            "dagster_run_id": run_id,
            "warehouse_build_id": build["build_id"],
            "warehouse_built_at": build["built_at"],
            "warehouse_built_by_run": build["run_id"],
            "filters": profile.filters,
            "files": files,
            # Every raw file version the published warehouse was built from (dq.file_loads, is_current).
            "sources": sources,
        }
        _inside(work / "manifest.json", work).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        os.rename(work, final)  # same folder, so atomic: readers see no export or a complete one
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return ExportResult(final, manifest, prune(folder, profile.keep_last))
