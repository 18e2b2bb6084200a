"""The interface every incident source adapter shares: detect, read, stage, describe quarantine.

An adapter reads one raw file into a temporary table ``raw_rows`` (every column VARCHAR, plus
``_row_number``, the 1-based data row), then its staging model ``sql/staging/<name>.sql`` types and
renames the columns and says, per row, whether to quarantine it (``_reject_column``,
``_reject_reason``). Rows with no reason go to ``staging.<name>``, the others to ``dq.quarantine`` with
their raw values. ``sql/core/incidents/<name>.sql`` conforms staged rows to ``core.incidents``.
Everything runs inside DuckDB, so a file of millions of rows never becomes a Python loop.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.defs.incidents.sources.registry import adapters
from pipelines.engine.accounting import FileLoad, record_file_load, rename_file, retire_source, sha256_of
from pipelines.engine.config import SQL_DIR
from pipelines.engine.faults import fault_point
from pipelines.engine.reader import RawFileError, clear_raw_rows, number_raw_rows, quote, read_raw_file
from pipelines.engine.warehouse import transaction


class SourceFileError(RawFileError):
    """A file that cannot be read at all; the message names the file and what is wrong."""


def _header_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def near_misses(missing: list[str], header: list[str]) -> dict[str, str]:
    """For each missing column, the header it probably is: equal but for case, spaces and punctuation
    (``Actor1`` for ``actor1``, ``event date`` for ``event_date``), else a close spelling."""
    import difflib

    keys = {}
    for h in header:
        keys.setdefault(_header_key(h), h)
    found = {}
    for column in missing:
        key = _header_key(column)
        if key in keys:
            found[column] = keys[key]
            continue
        close = difflib.get_close_matches(key, list(keys), n=1, cutoff=0.85) if key else []
        if close:
            found[column] = keys[close[0]]
    return found


def near_miss_hint(missing: list[str], header: list[str]) -> str:
    found = near_misses(missing, header)
    if not found:
        return ""
    pairs = ", ".join(f"{column!r} is probably {actual!r}" for column, actual in found.items())
    return (
        f"; headers must match exactly: {pairs} (rename the header in the file, or load it as a mapped "
        "dataset, docs/mappings.md)"
    )


def looks_like(header: list[str], this: str) -> str:
    """A next step for a file in the wrong folder: the adapter whose format it matches, or a known export."""
    keys = {_header_key(h) for h in header}
    if "gtdid" in keys or "perpetratorgroup" in keys or ("eventid" in keys and "iyear" not in keys and "date" in keys):
        return (
            "; this looks like a GTD website export (search results download), not the GTD data file: put it "
            "in raw/mapped/<dataset>/ with a mapping.yaml (docs/mappings.md; alias_system: gtd resolves GTD's "
            "spellings)"
        )
    for other in adapters():
        if other.name != this and other.required_columns and other.detect(header) is None:
            return f"; this looks like a {other.description} file: put it in raw/{other.name}/"
    return ""


@dataclass(frozen=True)
class SourceAdapter:
    """One source format. Subclasses override ``read_raw`` to pass reading options (a mapping's encoding,
    sheet and header row), never to read a file another way (pipelines/engine/reader.py is the one reader)."""

    name: str  # folder under raw/, value of `source`, table staging.<name>
    description: str
    source_system: str  # which core.group_aliases spellings apply
    required_columns: tuple[str, ...]
    known_columns: tuple[str, ...] = ()  # columns the staging model may use; missing ones become NULL
    # Further headers the staging model reads by pattern (e.g. repeated columns Source, Source_1, ...).
    known_column_pattern: str | None = None
    patterns: tuple[str, ...] = ("*.csv",)
    # True when a newer file replaces events of older ones (ACLED exports): every change re-conforms
    # all of the source's staged rows, so the conform model can keep the latest version of each event.
    conform_whole_source: bool = False

    # ---- files and partitions -------------------------------------------------------------------
    def folder(self, raw_dir: Path) -> Path:
        return raw_dir / self.name

    def files(self, raw_dir: Path) -> list[Path]:
        folder = self.folder(raw_dir)
        found = {p for pattern in self.patterns for p in folder.glob(pattern) if p.is_file()}
        return sorted(p for p in found if not p.name.startswith((".", "~$")))

    def partition_key(self, path: Path, raw_dir: Path) -> str:
        return path.relative_to(self.folder(raw_dir)).as_posix()

    def path_for(self, partition_key: str, raw_dir: Path) -> Path:
        # Normalise without following links: a raw file may be a symlink to a dataset kept elsewhere.
        folder = Path(os.path.normpath(self.folder(raw_dir)))
        path = Path(os.path.normpath(folder / partition_key))
        if not path.is_relative_to(folder) or path == folder:
            raise SourceFileError(f"partition {partition_key!r} points outside {folder}")
        return path

    def source_file(self, path: Path, raw_dir: Path) -> str:
        return f"{self.name}/{self.partition_key(path, raw_dir)}"

    # ---- detect and read ------------------------------------------------------------------------
    def detect(self, header: list[str]) -> str | None:
        """None when a file with this header is this source's format, else what is wrong."""
        missing = [c for c in self.required_columns if c not in header]
        if missing:
            return f"missing required column(s) {', '.join(missing)} for a {self.description} file"
        return None

    def read_raw(self, con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
        """Create temp tables ``raw_rows`` (all VARCHAR, in file order) and ``raw_rejects``; return the header."""
        return read_raw_file(con, path, required=self.required_columns)

    def extra_columns(self, con: duckdb.DuckDBPyConnection, header: list[str]) -> list[str]:
        """Headers the staging model does not read: accepted, and their names recorded in dq.file_loads."""
        known = set(self.required_columns) | set(self.known_columns)
        pattern = re.compile(self.known_column_pattern) if self.known_column_pattern else None
        return [c for c in header if c not in known and not (pattern and pattern.fullmatch(c))]

    def prepare(self, con: duckdb.DuckDBPyConnection) -> None:
        """Drop rows that are not data (e.g. an HXL hashtag row); runs before row numbers are given."""

    # ---- models ---------------------------------------------------------------------------------
    @property
    def stage_sql(self) -> str:
        return (SQL_DIR / "staging" / f"{self.name}.sql").read_text()

    @property
    def conform_sql(self) -> str:
        return (SQL_DIR / "core" / "incidents" / f"{self.name}.sql").read_text()

    @property
    def perpetrators_sql(self) -> str | None:
        path = SQL_DIR / "core" / "incident_perpetrators" / f"{self.name}.sql"
        return path.read_text() if path.exists() else None

    @property
    def versions_sql(self) -> str | None:
        """Every version of every event (core.incident_versions), for sources that publish revisions."""
        path = SQL_DIR / "core" / "incident_versions" / f"{self.name}.sql"
        return path.read_text() if path.exists() else None

    @property
    def alias_system_sql(self) -> str:
        """SQL over a conformed row (its incident_id) naming the alias system that resolves its names."""
        return f"'{self.source_system}'"

    @property
    def staging_table(self) -> str:
        return f"staging.{self.name}"

    # ---- stage ----------------------------------------------------------------------------------
    def stage(self, con: duckdb.DuckDBPyConnection, path: Path, raw_dir: Path) -> FileLoad:
        """Replace this file's rows in staging.<name>; quarantine what does not parse; account for all."""
        source_file = self.source_file(path, raw_dir)
        load = FileLoad(self.name, self.name, source_file, sha256_of(path))
        clear_raw_rows(con)
        if self._adopt_same_content(con, load, path, raw_dir):
            return load
        header = self.read_raw(con, path)
        problem = self.detect(header)
        if problem:
            other = [d for d in (";", "\t", "|") if len(header) == 1 and d in header[0]]
            hint = f" (the header looks delimited by {other[0]!r}; files must be comma-separated)" if other else ""
            if not hint:
                hint = near_miss_hint([c for c in self.required_columns if c not in header], header) or looks_like(
                    header, self.name
                )
            raise SourceFileError(f"{path}: {problem}{hint}")
        load.extra_columns = self.extra_columns(con, header)
        self.prepare(con)
        try:
            number_raw_rows(con, [c for c in self.known_columns if c not in header])
            # A view, not a table: the typed rows are written once, straight into staging.<name>.
            con.execute("drop table if exists typed")
            try:
                con.execute(f"create temp view typed as {self.stage_sql}")
            except duckdb.Error as exc:
                raise SourceFileError(f"{path}: staging failed ({exc})") from exc
            return self._store(con, load, source_file, path)
        finally:
            clear_raw_rows(con)

    def _store(self, con: duckdb.DuckDBPyConnection, load: FileLoad, source_file: str, path: Path) -> FileLoad:
        """Staged rows to staging.<name>, the rejected ones to dq.quarantine, the counts to dq.file_loads.

        The model runs once over every row, inserting those it accepts. Only when fewer rows went in than
        were read does it run again over the file to find the rejected ones (most files have none).
        """
        staged_columns = [
            r[0]
            for r in con.execute("select column_name from (describe typed)").fetchall()
            if not r[0].startswith("_reject")
        ]
        self._ensure_staging_table(con, staged_columns, "typed")
        with transaction(con):
            con.execute(f"delete from {self.staging_table} where source_file = ?", [source_file])
            try:
                inserted = con.execute(
                    f"insert into {self.staging_table} by name select * exclude (_reject_column, _reject_reason), "
                    f"? as source_file, ? as sha256 from typed where _reject_reason is null",
                    [source_file, load.sha256],
                ).fetchone()[0]
            except duckdb.Error as exc:
                raise SourceFileError(f"{path}: staging failed ({exc})") from exc
            parsed = con.execute("select count(*) from raw_rows").fetchone()[0]
            rejected = "where _reject_reason is not null" if inserted < parsed else "limit 0"
            # _row_number is the row's place in the file already (engine/reader.py counts the lines the CSV
            # reader rejected); a reader reject's row_number is its line, the header being line 1.
            con.execute(
                "create or replace temp table typed_rejects as select _row_number, _row_number as data_row, "
                f"_reject_column, _reject_reason from typed {rejected}"
            )
            rejected_by_model = con.execute("select count(*) from typed_rejects").fetchone()[0]
            rejected_by_reader = con.execute("select count(*) from raw_rejects").fetchone()[0]
            load.rows_read = parsed + rejected_by_reader
            load.rows_loaded = inserted
            # Quarantined: the rows the staging model rejected plus the lines the CSV reader could not parse.
            # (record_file_load refuses counts that do not add up.)
            load.quarantined_in_sql = rejected_by_model + rejected_by_reader
            record_file_load(
                con,
                load,
                "select t.data_row as row_number, t._reject_column as column_name, t._reject_reason as reason, "
                "to_json(r) as raw_values from typed_rejects t join raw_rows r using (_row_number) "
                "union all select row_number, column_name, reason, raw_values from raw_rejects",
            )
            fault_point("ingest", source_file)
        return load

    def _adopt_same_content(self, con: duckdb.DuckDBPyConnection, load: FileLoad, path: Path, raw_dir: Path) -> bool:
        """A file whose bytes are already loaded under another name of the same folder is not loaded twice.

        If that other file is gone, this is a rename: its staged rows, accounting and quarantine take the
        new name (True, nothing is read again). If it is still there, this is a copy: refused.
        """
        same = con.execute(
            "select source_file, rows_read, rows_loaded, rows_quarantined, extra_columns from dq.file_loads "
            "where source = ? and sha256 = ? and is_current and source_file <> ? order by source_file",
            [self.name, load.sha256, load.source_file],
        ).fetchall()
        same = [r for r in same if posixpath.dirname(r[0]) == posixpath.dirname(load.source_file)]
        if not same:
            return False
        old = same[0]
        if (raw_dir / old[0]).exists():
            raise SourceFileError(
                f"{path}: same content (sha256 {load.sha256[:12]}) as {old[0]}, which is "
                "already loaded; a copy is not loaded twice: remove one of the two files"
            )
        with transaction(con):
            con.execute(
                f"update {self.staging_table} set source_file = ? where source_file = ? and sha256 = ?",
                [load.source_file, old[0], load.sha256],
            )
            rename_file(con, self.name, old[0], load.source_file, load.sha256)
        load.rows_read, load.rows_loaded, load.quarantined_in_sql = old[1], old[2], old[3]
        load.extra_columns, load.renamed_from = list(old[4] or []), old[0]
        return True

    def ensure_staging_table(self, con: duckdb.DuckDBPyConnection) -> None:
        """Create an empty staging.<name> if no file was ever staged, so models can always read it; when the
        staging model's columns changed, recreate it now, so that the run stages every file of the source again
        (their versions stop being current before the run plans its loads)."""
        columns = ", ".join(
            f"null::varchar as {quote(c)}" for c in dict.fromkeys(self.required_columns + self.known_columns)
        )
        con.execute(f"create or replace temp table raw_rows as select 0::bigint as _row_number, {columns} limit 0")
        self._ensure_model_staging_table(con)

    def _ensure_model_staging_table(self, con: duckdb.DuckDBPyConnection) -> None:
        """staging.<name> for the model's columns over the empty ``raw_rows``. They come from DESCRIBE, which binds
        the model without running it (every run opens the working copy with this: the mapped model took 0.2 s to
        run on no rows, 0.03 s to describe)."""
        model = f"({self.stage_sql}\n)"  # the newline ends a trailing comment of the file
        columns = [r[0] for r in con.execute(f"describe {model}").fetchall() if not r[0].startswith("_reject")]
        self._ensure_staging_table(con, columns, model)

    def _ensure_staging_table(self, con: duckdb.DuckDBPyConnection, columns: list[str], model: str) -> None:
        """Create staging.<name> from the model's columns (``model``: a relation of the model's rows); recreate it
        when the model's columns changed."""
        wanted = columns + ["source_file", "sha256"]
        existing = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_schema = 'staging' "
                "and table_name = ? order by ordinal_position",
                [self.name],
            ).fetchall()
        ]
        if existing == wanted:
            return
        if existing:
            # The model changed: every file of this source has to be staged again.
            con.execute(f"drop table {self.staging_table}")
            retire_source(con, self.name)
        con.execute(
            f"create table {self.staging_table} as select * exclude (_reject_column, _reject_reason), "
            f"''::varchar as source_file, ''::varchar as sha256 from {model} limit 0"
        )
