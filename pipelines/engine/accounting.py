"""Nothing lost: every row a loader reads is either loaded or quarantined, and both are recorded.

``record_file_load`` is the one writer every loader (incident sources, mapped datasets, curated tables,
lineage sources, ACLED deletions) records its files through. Writes are idempotent: loading the same file
version again replaces its accounting rows instead of adding to them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.engine.warehouse import transaction

# A run hashes each raw file more than once (change detection, staging, the no-op check): a file whose device,
# inode, size and modification time did not change is not read again within one process. That identifies the file
# behind a symlink or a relative path too, without resolving the path.
_DIGESTS: dict[tuple[int, int, int, int], str] = {}
_DIGESTS_KEPT = 4096


def sha256_of(path: Path) -> str:
    stat = os.stat(path)
    key = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    digest = _DIGESTS.get(key)
    if digest is None:
        if len(_DIGESTS) >= _DIGESTS_KEPT:  # a long-lived process (code server, daemon) keeps a bounded cache
            _DIGESTS.clear()
        digest = _DIGESTS[key] = _sha256(path)
    return digest


def forget_digests() -> None:
    """Hash every file again on its next sha256_of (benchmarks measure a first run's hashing)."""
    _DIGESTS.clear()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class QuarantinedRow:
    row_number: int  # 1-based data row (the header is row 0)
    column_name: str | None
    reason: str
    raw_values: dict


@dataclass
class FileLoad:
    source: str
    dataset: str
    source_file: str  # relative to the raw directory
    sha256: str
    rows_read: int = 0
    rows_loaded: int = 0
    quarantined: list[QuarantinedRow] = field(default_factory=list)
    quarantined_in_sql: int = 0  # rows a loader quarantined with a SQL select instead of a Python list
    extra_columns: list[str] = field(default_factory=list)  # headers the loader does not use
    renamed_from: str | None = None  # same bytes were loaded under this name, now gone: not read again
    error: str | None = None  # why the file could not be read (recorded with status 'failed')

    @property
    def rows_quarantined(self) -> int:
        return len(self.quarantined) + self.quarantined_in_sql


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def record_file_load(
    con: duckdb.DuckDBPyConnection,
    load: FileLoad,
    quarantine_select: str | None = None,
    params: list | None = None,
) -> None:
    """The one writer of dq.file_loads and dq.quarantine: every loader records each file version through it.

    A read version becomes current, earlier versions of the file stop being current and their quarantined
    rows are replaced. The quarantined rows come from ``load.quarantined`` and, for large files that stay in
    DuckDB, from ``quarantine_select`` returning (row_number, column_name, reason, raw_values JSON).
    A version that could not be read (``load.error``) is recorded with status 'failed' and its error, never
    current: the file's previous version (if any) stays current, with its staged rows, so a failed file costs
    no data; a later successful load of the same bytes replaces that row. Runs in the caller's transaction.
    """
    now = _now()
    if load.error is not None:
        con.execute(
            "delete from dq.file_loads where source = ? and source_file = ? and sha256 = ? and status = 'failed'",
            [load.source, load.source_file, load.sha256],
        )
    else:
        if load.rows_read != load.rows_loaded + load.rows_quarantined:
            raise AssertionError(
                f"{load.source_file}: read {load.rows_read} rows but loaded {load.rows_loaded} "
                f"and quarantined {load.rows_quarantined}"
            )
        forget_file(con, load.source, load.source_file)
        con.execute(
            "delete from dq.file_loads where source = ? and source_file = ? and sha256 = ?",
            [load.source, load.source_file, load.sha256],
        )
    con.execute(
        "insert into dq.file_loads by name select ? as source, ? as dataset, ? as source_file, ? as sha256, "
        "? as rows_read, ? as rows_loaded, ? as rows_quarantined, ? as is_current, ? as loaded_at, "
        "?::varchar[] as extra_columns, ? as status, ? as error",
        [
            load.source,
            load.dataset,
            load.source_file,
            load.sha256,
            load.rows_read,
            load.rows_loaded,
            load.rows_quarantined,
            load.error is None,
            now,
            load.extra_columns,
            "loaded" if load.error is None else "failed",
            load.error,
        ],
    )
    if quarantine_select:
        con.execute(
            "insert into dq.quarantine by name "
            f"select ? as source, ? as dataset, ? as source_file, ? as sha256, q.row_number, q.column_name, "
            f"q.reason, q.raw_values::JSON as raw_values, ? as quarantined_at from ({quarantine_select}) q",
            [load.source, load.dataset, load.source_file, load.sha256, now] + (params or []),
        )
    if load.quarantined:
        con.executemany(
            "insert into dq.quarantine by name select ? as source, ? as dataset, ? as source_file, ? as sha256, "
            "? as row_number, ? as column_name, ? as reason, ?::JSON as raw_values, ? as quarantined_at",
            [
                [
                    load.source,
                    load.dataset,
                    load.source_file,
                    load.sha256,
                    q.row_number,
                    q.column_name,
                    q.reason,
                    json.dumps(q.raw_values, ensure_ascii=False),
                    now,
                ]
                for q in load.quarantined
            ],
        )


def forget_file(con: duckdb.DuckDBPyConnection, source: str, source_file: str) -> None:
    """A file removed from the raw directory: its versions stop being current, its quarantine goes."""
    con.execute(
        "update dq.file_loads set is_current = false where source = ? and source_file = ?", [source, source_file]
    )
    con.execute("delete from dq.quarantine where source = ? and source_file = ?", [source, source_file])


def rename_file(con: duckdb.DuckDBPyConnection, source: str, old_file: str, new_file: str, sha256: str) -> None:
    """A loaded file moved or renamed with the same bytes: its current version and quarantine follow the name."""
    con.execute(
        "update dq.file_loads set source_file = ? where source = ? and source_file = ? and sha256 = ? and is_current",
        [new_file, source, old_file, sha256],
    )
    con.execute(
        "update dq.quarantine set source_file = ? where source = ? and source_file = ? and sha256 = ?",
        [new_file, source, old_file, sha256],
    )


def retire_source(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """The source's staging model changed: no version is current any more, so every file is staged again."""
    con.execute("update dq.file_loads set is_current = false where source = ?", [source])


def forget_gone_files(con: duckdb.DuckDBPyConnection, source: str, dataset: str, present: set[str]) -> None:
    """Files of (source, dataset) no longer in the raw directory: forgotten (``forget_file``)."""
    current = con.execute(
        "select distinct source_file from dq.file_loads where source = ? and dataset = ? and is_current",
        [source, dataset],
    ).fetchall()
    for (source_file,) in current:
        if source_file not in present:
            forget_file(con, source, source_file)


def record_failed_file(
    con: duckdb.DuckDBPyConnection, source: str, dataset: str, source_file: str, sha256: str, error: str
) -> None:
    """A file version that could not be read, recorded in its own transaction (``record_file_load``)."""
    with transaction(con):
        record_file_load(con, FileLoad(source, dataset, source_file, sha256, error=error))


def failed_files(con: duckdb.DuckDBPyConnection, since: dt.datetime | None = None) -> list[tuple[str, str, str]]:
    """(source_file, error, current version's sha256 or None) of every file whose latest attempt failed."""
    return con.execute(
        """
        select f.source_file, f.error, c.sha256
        from dq.file_loads f
        left join dq.file_loads c on c.source = f.source and c.source_file = f.source_file and c.is_current
        where f.status = 'failed' and (?::timestamp is null or f.loaded_at >= ?::timestamp)
          and f.loaded_at >= coalesce((select max(loaded_at) from dq.file_loads l where l.source = f.source
                                       and l.source_file = f.source_file and l.status = 'loaded'), f.loaded_at)
        order by f.source_file
    """,
        [since, since],
    ).fetchall()
