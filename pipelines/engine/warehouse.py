"""DuckDB warehouse files: the working copy a run writes, and the published copy analysts read.

A run never writes the published file. It writes ``<dir>/.build/<name>`` (kept between runs, so a
new file only costs its own partition) and, once every blocking check has passed, copies it next to
the published file and swaps it in with ``os.replace``: readers see the old or the new warehouse,
never half of one. Nothing here imports Dagster, so the CLI's query path stays light.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from functools import cache as functools_cache
from pathlib import Path

import duckdb

from pipelines import __version__
from pipelines.engine.config import SQL_DIR
from pipelines.engine.faults import fault_point

SCHEMA_FILE = SQL_DIR / "schema.sql"
# Tables whose rows are history that a rebuild from raw cannot recreate: migrate them in place.
HISTORY_TABLES = {("dq", "check_results")}
TABLE_REF = re.compile(r"\b(staging|core|dq|marts)\.([a-z_][a-z0-9_]*)\b")
MACRO_DIR = SQL_DIR / "macros"  # table macros shared by models: sql/macros/<name>.sql creates <name>()
MACRO_CALL = re.compile(r"\b([a-z_][a-z0-9_]*)\s*\(")


class WarehouseBusyError(RuntimeError):
    """Another process is writing the same warehouse."""


def build_path_for(published: Path) -> Path:
    return published.parent / ".build" / published.name


def lock_path_for(published: Path) -> Path:
    """Held while a connection writes the working copy (DuckDB allows one writer per file)."""
    return published.parent / ".build" / (published.name + ".lock")


def run_lock_path_for(published: Path) -> Path:
    """Held for a whole CLI run, so that a second run is refused instead of interleaving."""
    return published.parent / ".build" / (published.name + ".run.lock")


# Lock files each thread of this process holds, with their nesting depth: a lock taken again by the same thread (an
# asset's connection inside a run that holds the working copy open; Dagster's in-process executor runs the steps
# in the caller's thread) is already held, where a second flock() on a new descriptor would wait for itself.
_held_locks: dict[tuple[Path, int], int] = {}


@contextlib.contextmanager
def file_lock(lock_file: Path, published: Path, wait: bool = True) -> Iterator[None]:
    """An exclusive lock on ``lock_file`` across processes; without ``wait``, refuse when it is held.
    Re-entrant within a thread; another thread of the same process waits (or is refused) like another process."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    key = (lock_file.resolve(), threading.get_ident())  # another thread of this process still waits
    if _held_locks.get(key):
        _held_locks[key] += 1
        try:
            yield
        finally:
            _held_locks[key] -= 1
        return
    with open(lock_file, "a+") as handle:
        flags = fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB
        try:
            fcntl.flock(handle, flags)
        except BlockingIOError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise WarehouseBusyError(
                f"warehouse {published} is being built by {holder}; wait for that run to finish and retry"
            ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        _held_locks[key] = 1
        try:
            yield
        finally:
            del _held_locks[key]
            fcntl.flock(handle, fcntl.LOCK_UN)


def writer_lock(published: Path, wait: bool = True):
    return file_lock(lock_path_for(published), published, wait)


def _columns(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """Every table's (column, type) list, in order, from one catalog query (one query per table cost ~0.3 s)."""
    rows = con.execute(
        "select table_schema, table_name, list((column_name, data_type) order by ordinal_position) "
        "from information_schema.columns where table_catalog = current_database() and table_schema <> 'main' "
        "group by all"
    ).fetchall()
    return {
        (schema, table): [tuple(c.values()) if isinstance(c, dict) else tuple(c) for c in columns]
        for schema, table, columns in rows
    }


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create what is missing and migrate tables whose contract changed.

    A rebuildable table whose columns differ from the contract is dropped and recreated (the next
    materialization fills it); a history table gains its new columns in place.
    """
    ddl = SCHEMA_FILE.read_text()
    reference = duckdb.connect()
    reference.execute(ddl)
    wanted, existing = _columns(reference), _columns(con)
    dropped = []
    for (schema, table), target in wanted.items():
        current = existing.get((schema, table))
        if current and current != target:
            if (schema, table) in HISTORY_TABLES:
                have = {name for name, _ in current}
                for name, dtype in target:
                    if name not in have:
                        con.execute(f'alter table {schema}.{table} add column "{name}" {dtype}')
            else:
                con.execute(f"drop table {schema}.{table}")
                dropped.append(f"{schema}.{table}")
    reference.close()
    con.execute(ddl)
    if dropped:
        # A table kept file by file (pipelines/engine/file_rows.py) with no record of what it holds is rebuilt whole.
        con.execute("delete from meta.file_row_keys where list_contains(?::varchar[], table_name)", [dropped])


_schema_applied: set[tuple] = set()
# Callables that create the staging tables of the domains above (pipelines/defs/incidents/sources/registry.py
# registers the adapters' tables): connect_build runs them with the contract, so every model can rely on them.
_staging_tables: list[Callable[[duckdb.DuckDBPyConnection], None]] = []


def register_staging_tables(ensure: Callable[[duckdb.DuckDBPyConnection], None]) -> None:
    """Have ``connect_build`` run ``ensure(con)`` on every working copy it opens (once per file per process)."""
    if ensure not in _staging_tables:
        _staging_tables.append(ensure)


# DuckDB's default memory limit is 80% of RAM; a bounded one makes big sorts, joins and aggregates spill
# to disk beside the working copy instead of growing the process (10 million incidents stay < 2 GB).
MEMORY_LIMIT_ENV = "PIPELINES_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "1GB"


# The warehouse files are written in DuckDB's 1.2 storage format, so that the DuckDB CLI on PyPI (duckdb-cli
# 1.5.x reads formats up to 1.5's, not 2.0's) and other clients of duckdb >= 1.2 open the published file
# (README, "SQL against the published file"). Set when a file is created; an older working copy is migrated.
STORAGE_VERSION = "v1.2.0"


def _memory_config(build_dir: Path) -> dict[str, str]:
    # Passed as connection configuration, never formatted into SQL: the path may hold any character.
    return {
        "memory_limit": os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT,
        "temp_directory": str(build_dir / "spill"),
        "storage_compatibility_version": STORAGE_VERSION,
    }


def _file_format(path: Path) -> int | None:
    """The storage version number in a DuckDB file's header (None when it is not a DuckDB file)."""
    import struct

    with open(path, "rb") as handle:
        head = handle.read(20)
    return struct.unpack("<Q", head[12:20])[0] if len(head) == 20 and head[8:12] == b"DUCK" else None


@functools_cache
def _wanted_format() -> int:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "probe.duckdb"
        duckdb.connect(str(probe), config={"storage_compatibility_version": STORAGE_VERSION}).close()
        return _file_format(probe)


def ensure_storage_version(path: Path) -> bool:
    """Rewrite a working copy written in a newer storage format (by an earlier version of this code, or seeded
    from such a published file) in STORAGE_VERSION; True when it did. Every table, view and macro is copied."""
    if not path.exists() or _file_format(path) in (None, _wanted_format()):
        return False
    partial = path.parent / f".{path.name}.migrating-{os.getpid()}"
    partial.unlink(missing_ok=True)
    con = duckdb.connect(config=_memory_config(path.parent))
    try:
        con.execute("attach ? as old_copy (read_only)", [str(path)])
        con.execute(f"attach ? as new_copy (storage_version '{STORAGE_VERSION}')", [str(partial)])
        con.execute("copy from database old_copy to new_copy")
        con.execute("detach new_copy")
        con.execute("detach old_copy")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        con.close()
    os.replace(partial, path)
    return True


def connect_build(published: Path) -> duckdb.DuckDBPyConnection:
    """Open the working copy read-write; the contract is applied once per file per process."""
    path = build_path_for(published)
    path.parent.mkdir(parents=True, exist_ok=True)
    seed_working_copy(published)
    ensure_storage_version(path)
    con = duckdb.connect(str(path), config=_memory_config(path.parent))
    _ensure_contract(con, path)
    return con


def _ensure_contract(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """The contract and the staging tables on the working copy ``path``, once per file per process."""
    stat = path.stat()
    marker = (str(path), stat.st_ino, SCHEMA_FILE.stat().st_mtime_ns, tuple(_staging_tables))
    if marker not in _schema_applied:
        apply_schema(con)
        for ensure in _staging_tables:  # staging tables every model can rely on
            ensure(con)
        _schema_applied.add(marker)


@contextlib.contextmanager
def working_copy_held_open(published: Path) -> Iterator[None]:
    """Hold the writer lock and one connection to the working copy for a whole run in this process.

    Every ``connect_build`` of the run then joins the database DuckDB already has open (0.5 ms) instead of
    opening the file again (35 ms: its catalog is read, and closing the last connection checkpoints), some 370
    times in a build. Other processes wait for the run (or, with ``wait=False``, are told it is busy) instead of
    writing between its assets."""
    with writer_lock(published, wait=True):
        anchor = connect_build(published)
        try:
            yield
        finally:
            anchor.close()


def seed_working_copy(published: Path) -> bool:
    """A published warehouse without its working copy (copied to a new folder, ``.build/`` deleted): the run
    starts from a copy of it, never from an empty file, so that what it does not load again (a file that
    fails, an unchanged file) keeps its rows. True when it seeded one."""
    path = build_path_for(published)
    if path.exists() or not published.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.parent / f".{path.name}.seeding-{os.getpid()}"
    try:
        shutil.copyfile(published, partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return True


class PublishRefusedError(RuntimeError):
    """Publishing this build would lose data that the published warehouse holds."""


def dropped_files(con: duckdb.DuckDBPyConnection, published: Path, raw_dir: Path | None) -> list[str]:
    """Files whose rows the published warehouse holds, still in the raw folder, but with no current version in
    the working copy (``con``): publishing it would drop their rows (a failed load into a fresh working copy)."""
    if raw_dir is None or not published.exists():
        return []
    try:
        reader = duckdb.connect(str(published), read_only=True)
    except duckdb.Error:
        return []
    try:
        if not table_exists(reader, "dq", "file_loads"):
            return []
        before = set(
            reader.execute(
                "select source, source_file from dq.file_loads where is_current and rows_loaded > 0"
            ).fetchall()
        )
    finally:
        reader.close()
    now = set(con.execute("select source, source_file from dq.file_loads where is_current").fetchall())
    return sorted(f for _, f in before - now if (raw_dir / f).exists())


def connect_readonly(published: Path) -> duckdb.DuckDBPyConnection:
    """Open the published warehouse for reading only; nothing can be written through it."""
    if not published.exists():
        raise FileNotFoundError(f"no warehouse at {published}: build one with `python -m pipelines run` first")
    return duckdb.connect(str(published), read_only=True)


def sql_model(layer: str, name: str) -> str:
    path = SQL_DIR / layer / f"{name}.sql"
    return path.read_text()


def _without_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def called_macros(sql: str) -> list[Path]:
    """The files of sql/macros/ whose macro ``sql`` calls (``<name>(`` for sql/macros/<name>.sql), in call order."""
    files = {p.stem: p for p in MACRO_DIR.glob("*.sql")}
    return [files[name] for name in dict.fromkeys(MACRO_CALL.findall(_without_comments(sql))) if name in files]


def model_dependencies(sql: str) -> list[tuple[str, str]]:
    """The warehouse tables a model reads, in order of first mention (like dbt's ref()); a macro of sql/macros/
    that it calls reads the macro's tables where it is called."""
    seen: dict[tuple[str, str], None] = {}
    text = _without_comments(sql)
    macros = {p.stem: p for p in called_macros(text)}
    for match in re.finditer(f"{TABLE_REF.pattern}|{MACRO_CALL.pattern}", text):
        if match.group(1):
            seen.setdefault((match.group(1), match.group(2)), None)
        elif match.group(3) in macros:
            for ref in TABLE_REF.finditer(_without_comments(macros[match.group(3)].read_text())):
                seen.setdefault((ref.group(1), ref.group(2)), None)
    return list(seen)


def create_macros(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """(Re)create the table macros of sql/macros/ that ``sql`` calls. DuckDB binds a table macro's tables when it
    is created, so it is created right before the model that calls it runs, when those tables exist."""
    for path in called_macros(sql):
        con.execute(path.read_text())


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return (
        con.execute(
            "select count(*) from information_schema.tables where table_catalog = current_database() "
            "and table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
        > 0
    )


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One DuckDB transaction: committed when the block ends, rolled back when it (or the commit) raises,
    so that a failed step leaves the tables as they were."""
    con.execute("begin transaction")
    try:
        yield con
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def replace_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, select_sql: str) -> int:
    """Replace a contract table's rows with a model's result in one transaction (idempotent)."""
    with transaction(con):
        create_macros(con, select_sql)
        con.execute(f"delete from {schema}.{table}")
        con.execute(f"insert into {schema}.{table} by name {select_sql}")
    return con.execute(f"select count(*) from {schema}.{table}").fetchone()[0]


def create_table_as(con: duckdb.DuckDBPyConnection, schema: str, table: str, select_sql: str) -> int:
    """Replace a table with a model's result, in one transaction (marts: the model defines the columns)."""
    with transaction(con):
        create_macros(con, select_sql)
        con.execute(f"create or replace table {schema}.{table} as {select_sql}")
        fault_point("mart", f"{schema}.{table}")
    return con.execute(f"select count(*) from {schema}.{table}").fetchone()[0]


def publish(published: Path, run_id: str | None, raw_dir: Path | None) -> str:
    """Stamp the build, then atomically swap the working copy in as the published warehouse."""
    build = build_path_for(published)
    build_id = uuid.uuid4().hex
    con = duckdb.connect(str(build), config=_memory_config(build.parent))  # the run's configuration (it may be open)
    try:
        _ensure_contract(con, build)  # a run has applied it already when it opened the working copy
        dropped = dropped_files(con, published, raw_dir)
        if dropped:
            raise PublishRefusedError(
                f"not published: the build holds no rows of {', '.join(dropped[:5])}"
                f"{f' and {len(dropped) - 5} more' if len(dropped) > 5 else ''}, still in {raw_dir} and loaded in "
                f"the published warehouse {published}, which stays as it was; fix or remove the file(s) and run again"
            )
        # The inputs are known only when the CLI runner started this very run (meta.run_inputs); else NULL.
        with transaction(con):
            con.execute("delete from meta.build_info")
            con.execute(
                "insert into meta.build_info by name select ? as build_id, ? as run_id, ? as built_at, ? as raw_dir, "
                "? as pipelines_version, r.inputs_fingerprint, r.code_fingerprint, r.raw_files "
                "from (select 1) left join (select * from meta.run_inputs where run_id = ? limit 1) r on true",
                [
                    build_id,
                    run_id,
                    dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    str(raw_dir) if raw_dir else None,
                    __version__,
                    run_id,
                ],
            )
            con.execute("delete from meta.run_inputs")
            # From here until a later run opens it, the working copy is this build (what the next run compares with).
            con.execute("delete from meta.working_copy")
            con.execute("insert into meta.working_copy values (?)", [build_id])
        con.execute("checkpoint")
    finally:
        con.close()
    published.parent.mkdir(parents=True, exist_ok=True)
    # A copy left by a publish that was killed half-way (callers hold the writer lock, so it is stale).
    for stale in published.parent.glob(f".{published.name}.publishing-*"):
        stale.unlink(missing_ok=True)
    staging_copy = published.parent / f".{published.name}.publishing-{os.getpid()}"
    try:
        shutil.copyfile(build, staging_copy)
        with open(staging_copy, "rb+") as handle:
            os.fsync(handle.fileno())
        fault_point("publish")
        os.replace(staging_copy, published)
        last_run_path_for(published).unlink(missing_ok=True)  # a blocked run's notice no longer holds
    finally:
        staging_copy.unlink(missing_ok=True)
    return build_id


# ---- the latest run's outcome, beside the published file -----------------------------------------------------
# A blocked run publishes nothing, so the published file cannot say that it was blocked: this small JSON file
# beside it does (``query`` and the report read it). It moves with the warehouse folder.
def last_run_path_for(published: Path) -> Path:
    return published.parent / f"{published.name}.last_run.json"


def write_last_run(published: Path, outcome: dict) -> None:
    import json

    target = last_run_path_for(published)
    partial = target.parent / f".{target.name}.{os.getpid()}"
    partial.write_text(json.dumps(outcome, indent=2, default=str) + "\n")
    os.replace(partial, target)


def read_last_run(published: Path) -> dict | None:
    import json

    try:
        return json.loads(last_run_path_for(published).read_text())
    except (OSError, ValueError):
        return None


def not_published_notice(published: Path) -> str | None:
    """One sentence when the latest run did not publish (blocked by checks or failed), else None."""
    last = read_last_run(published)
    if not last or last.get("published"):
        return None
    checks = last.get("blocking_checks") or []
    if checks:
        named = ", ".join(
            f"{c['check']} ({c['unexpected_count']:,} rows)" if c.get("unexpected_count") is not None else c["check"]
            for c in checks
        )
        why = f"was blocked by {len(checks)} ERROR check(s): {named}"
    else:
        steps = last.get("failed_steps") or []
        why = "failed" + (f" ({', '.join(steps[:5])})" if steps else "")
    return (
        f"the latest run ({last.get('finished_at')} UTC) {why}; nothing was published: this is the build of "
        f"{last.get('published_built_at') or 'an earlier run'}"
    )
