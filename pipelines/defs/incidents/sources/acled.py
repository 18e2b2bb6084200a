"""ACLED event export (CSV, columns per ACLED's codebook). ACLED is a living dataset: a newer export
carries events again under the same ``event_id_cnty`` with a newer ``timestamp`` when ACLED edited them."""

from pathlib import Path

import duckdb

from pipelines.defs.incidents.sources.base import SourceAdapter, SourceFileError
from pipelines.engine.accounting import FileLoad, forget_file, record_file_load, sha256_of
from pipelines.engine.config import SQL_DIR
from pipelines.engine.reader import clear_raw_rows, number_raw_rows, read_raw_file
from pipelines.engine.warehouse import transaction

# Columns the staging model uses (ACLED codebook, 2023 layout); older exports lack some of them.
KNOWN_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)

ADAPTER = SourceAdapter(
    name="acled",
    description="ACLED export",
    source_system="acled",
    required_columns=(
        "event_id_cnty",
        "event_date",
        "time_precision",
        "event_type",
        "sub_event_type",
        "actor1",
        "country",
        "fatalities",
        "timestamp",
    ),
    known_columns=KNOWN_COLUMNS,
    # A newer export replaces events of older ones: sql/core/incidents/acled.sql keeps the latest version.
    conform_whole_source=True,
)

__all__ = ["ADAPTER", "SourceFileError"]


# ---- deletions ----------------------------------------------------------------------------------------------
# ACLED reports a deleted event only through its deletions endpoint (event_id_cnty, deleted_timestamp). The pulls
# write them to raw/acled/deletions/ (pipelines/defs/live/pull.py); they are staged here, with the same accounting
# as every file, into staging.acled_deletions (source acled_deletions in dq.file_loads), and close events in
# core.incident_versions (sql/core/incident_versions/acled.sql).
DELETIONS_SOURCE = "acled_deletions"
DELETION_COLUMNS = ("event_id_cnty", "deleted_timestamp")


def deletion_files(raw_dir: Path) -> list[Path]:
    folder = raw_dir / "acled" / "deletions"
    return (
        sorted(p for p in folder.glob("*.csv") if p.is_file() and not p.name.startswith(".")) if folder.is_dir() else []
    )


def stage_deletions(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> list[FileLoad]:
    """Bring staging.acled_deletions up to date with raw/acled/deletions/: new or changed files staged, rows
    of removed files dropped. A file that cannot be read raises SourceFileError and changes nothing."""
    con.execute(
        "create table if not exists staging.acled_deletions (event_id_cnty varchar, deleted_timestamp "
        "bigint, source_file varchar, sha256 varchar)"
    )
    present = {f"acled/deletions/{p.name}": p for p in deletion_files(raw_dir)}
    current = dict(
        con.execute(
            "select source_file, sha256 from dq.file_loads where source = ? and is_current", [DELETIONS_SOURCE]
        ).fetchall()
    )
    loads = []
    with transaction(con):
        for source_file in sorted(set(current) - set(present)):
            forget_file(con, DELETIONS_SOURCE, source_file)
            con.execute("delete from staging.acled_deletions where source_file = ?", [source_file])
        for source_file, path in sorted(present.items()):
            sha256 = sha256_of(path)
            if current.get(source_file) == sha256:
                continue
            loads.append(_stage_deletion_file(con, path, source_file, sha256))
    return loads


def _stage_deletion_file(con: duckdb.DuckDBPyConnection, path: Path, source_file: str, sha256: str) -> FileLoad:
    load = FileLoad(DELETIONS_SOURCE, DELETIONS_SOURCE, source_file, sha256)
    header = read_raw_file(con, path)
    number_raw_rows(con)
    missing = [c for c in DELETION_COLUMNS if c not in header]
    if missing:
        raise SourceFileError(f"{path}: missing required column(s) {', '.join(missing)} for an ACLED deletions file")
    model = (SQL_DIR / "staging" / "acled_deletions.sql").read_text()
    con.execute(f"create or replace temp table typed_deletions as {model}")
    con.execute("delete from staging.acled_deletions where source_file = ?", [source_file])
    load.rows_loaded = con.execute(
        "insert into staging.acled_deletions select event_id_cnty, deleted_timestamp, ?, ? from typed_deletions "
        "where _reject_reason is null",
        [source_file, sha256],
    ).fetchone()[0]
    # lines the CSV reader could not parse are quarantined too, with their line
    load.rows_read = con.execute(
        "select (select count(*) from raw_rows) + (select count(*) from raw_rejects)"
    ).fetchone()[0]
    load.quarantined_in_sql = load.rows_read - load.rows_loaded
    record_file_load(
        con,
        load,
        "select t._row_number as row_number, t._reject_column as column_name, "
        "t._reject_reason as reason, to_json(r) as raw_values from typed_deletions t "
        "join raw_rows r using (_row_number) where t._reject_reason is not null "
        "union all select row_number, column_name, reason, raw_values from raw_rejects",
    )
    clear_raw_rows(con)
    return load
