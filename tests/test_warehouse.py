"""The warehouse file mechanics: the contract, migration, atomic publishing."""

from __future__ import annotations

import subprocess
import sys
import threading

import duckdb

from pipelines.engine import warehouse as wh


def test_contract_creates_every_schema_and_core_table(tmp_path):
    published = tmp_path / "w.duckdb"
    con = wh.connect_build(published)
    tables = {
        f"{s}.{t}" for s, t in con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    }
    con.close()
    for table in (
        "core.groups",
        "core.group_aliases",
        "core.group_relations",
        "core.leaders",
        "core.leadership_events",
        "core.policy_events",
        "core.claims",
        "core.published_aggregates",
        "dq.file_loads",
        "dq.quarantine",
        "dq.check_results",
    ):
        assert table in tables


def test_changed_contract_migrates_tables_and_keeps_check_history(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema core; create schema dq")
    con.execute("create table core.groups (group_id varchar, name varchar)")
    con.execute("insert into core.groups values ('ttp', 'TTP')")
    con.execute(
        "create table dq.check_results (run_id varchar, asset varchar, check_name varchar, "
        "severity varchar, success boolean, checked_at timestamp)"
    )
    con.execute("insert into dq.check_results values ('r1', 'core.groups', 'x', 'ERROR', true, now())")
    wh.apply_schema(con)
    columns = [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'core' and table_name = 'groups'"
        ).fetchall()
    ]
    assert "founded_on" in columns and "source_url" in columns
    assert con.execute("select count(*) from core.groups").fetchone()[0] == 0  # rebuilt by the next run
    assert con.execute("select run_id, unexpected_count from dq.check_results").fetchall() == [("r1", None)]
    con.close()


def test_publish_swaps_atomically_and_old_readers_keep_their_snapshot(tmp_path):
    published = tmp_path / "w.duckdb"
    con = wh.connect_build(published)
    con.execute("create table marts.t as select 1 as v")
    con.close()
    wh.publish(published, "run-1", None)
    reader = duckdb.connect(str(published), read_only=True)
    assert reader.execute("select v from marts.t").fetchall() == [(1,)]

    con = wh.connect_build(published)
    con.execute("create or replace table marts.t as select 2 as v")
    con.close()
    build_id = wh.publish(published, "run-2", None)
    # The reader that had the file open still sees a complete old state.
    assert reader.execute("select v from marts.t").fetchall() == [(1,)]
    reader.close()
    fresh = duckdb.connect(str(published), read_only=True)
    assert fresh.execute("select v from marts.t").fetchall() == [(2,)]
    assert fresh.execute("select build_id, run_id from meta.build_info").fetchall() == [(build_id, "run-2")]
    fresh.close()
    assert not list(tmp_path.glob(".*publishing*"))


def test_model_dependencies_are_read_from_sql():
    sql = "-- core.ignored in a comment\nselect * from staging.curated_groups g join core.groups c using (x)"
    assert wh.model_dependencies(sql) == [("staging", "curated_groups"), ("core", "groups")]


def _busy_elsewhere(published, in_thread: bool) -> bool:
    """Whether another thread (or process) is refused the writer lock of ``published`` right now."""
    if in_thread:
        outcome = []

        def try_lock():
            try:
                with wh.writer_lock(published, wait=False):
                    outcome.append(False)
            except wh.WarehouseBusyError:
                outcome.append(True)

        worker = threading.Thread(target=try_lock)
        worker.start()
        worker.join(30)
        return outcome == [True]
    probe = (
        "import sys; from pathlib import Path; from pipelines.engine import warehouse as wh\n"
        "try:\n    with wh.writer_lock(Path(sys.argv[1]), wait=False): sys.exit(0)\n"
        "except wh.WarehouseBusyError: sys.exit(3)\n"
    )
    return subprocess.run([sys.executable, "-c", probe, str(published)], timeout=60).returncode == 3


def test_a_run_holds_its_working_copy_and_the_writer_lock_for_its_whole_length(tmp_path):
    published = tmp_path / "warehouse.duckdb"
    with wh.working_copy_held_open(published):
        # the run's own assets take the lock again and connect, as before
        with wh.writer_lock(published, wait=True):
            con = wh.connect_build(published)
            con.execute("create table main.t as select 1 as x")
            con.close()
        # everyone else (another process, another thread of this one) is told the warehouse is busy
        assert _busy_elsewhere(published, in_thread=False)
        assert _busy_elsewhere(published, in_thread=True)
    # the rows written through the shared database are in the file once the run let go of it
    assert duckdb.connect(str(wh.build_path_for(published)), read_only=True).execute(
        "select x from main.t"
    ).fetchall() == [(1,)]
    assert not _busy_elsewhere(published, in_thread=False)
