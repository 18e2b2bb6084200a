"""One lineage table: detect a raw file by its header, read it, type it in SQL, stage or quarantine rows.

A ``LineageTable`` reads every file matching its pattern in its raw folder into ``staging.<table>``
(declared in sql/schema.sql, so it exists empty when the folder is absent). The typing select runs in
DuckDB over ``raw_rows`` (every column VARCHAR plus ``_row_number``) and returns the staging columns plus
``_reject_column`` / ``_reject_reason``: rows with a reason are quarantined with their raw values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.defs.incidents.sources.base import SourceFileError
from pipelines.engine.accounting import FileLoad, forget_gone_files, record_file_load, sha256_of
from pipelines.engine.reader import number_raw_rows, read_raw_file
from pipelines.engine.warehouse import transaction


@dataclass(frozen=True)
class LineageTable:
    source: str  # dq.file_loads.source, and the folder under raw/
    dataset: str  # dq.file_loads.dataset
    table: str  # staging.<table>
    pattern: str  # file name glob inside the folder
    required_columns: tuple[str, ...]
    typing_sql: str  # select ... from raw_rows, with _reject_column and _reject_reason

    def files(self, raw_dir: Path) -> list[Path]:
        folder = raw_dir / self.source
        return sorted(p for p in folder.glob(self.pattern) if p.is_file() and not p.name.startswith("."))

    def detect(self, header: list[str]) -> str | None:
        missing = [c for c in self.required_columns if c not in header]
        return f"missing required column(s) {', '.join(missing)}" if missing else None


def stage_table(con: duckdb.DuckDBPyConnection, spec: LineageTable, raw_dir: Path) -> tuple[int, list[FileLoad]]:
    """Replace staging.<table> with the typed rows of every file; record each file in dq.file_loads."""
    loads: list[FileLoad] = []
    files = spec.files(raw_dir)
    present = {p.relative_to(raw_dir).as_posix() for p in files}
    with transaction(con):
        con.execute(f"delete from staging.{spec.table}")
        for path in files:
            relative = path.relative_to(raw_dir).as_posix()
            # Not strict, as these files were always read: a line with too many fields keeps its first ones.
            header = read_raw_file(con, path, strict=False)
            number_raw_rows(con)
            problem = spec.detect(header)
            if problem:
                raise SourceFileError(f"{path}: {problem} (not a {spec.source} {spec.dataset} file)")
            con.execute(f"create or replace temp table typed_rows as {spec.typing_sql}")
            con.execute(
                f"insert into staging.{spec.table} by name select * exclude (_reject_column, "
                f"_reject_reason, _row_number), ? as source_file, _row_number as source_row "
                f"from typed_rows where _reject_reason is null",
                [relative],
            )
            loaded = con.execute("select count(*) from typed_rows where _reject_reason is null").fetchone()[0]
            rejected = con.execute("select count(*) from typed_rows where _reject_reason is not null").fetchone()[0]
            unparsed = con.execute("select count(*) from raw_rejects").fetchone()[0]
            load = FileLoad(
                spec.source,
                spec.dataset,
                relative,
                sha256_of(path),
                rows_read=loaded + rejected + unparsed,
                rows_loaded=loaded,
                quarantined_in_sql=rejected + unparsed,
            )
            record_file_load(
                con,
                load,
                "select t._row_number as row_number, t._reject_column as column_name, t._reject_reason as reason, "
                "to_json(r) as raw_values from typed_rows t join raw_rows r using (_row_number) "
                "where t._reject_reason is not null "
                "union all select row_number, column_name, reason, raw_values from raw_rejects",
            )
            loads.append(load)
        # A file removed from the folder: its rows went with the delete above; its accounting stops being current.
        forget_gone_files(con, spec.source, spec.dataset, present)
    rows = con.execute(f"select count(*) from staging.{spec.table}").fetchone()[0]
    return rows, loads
