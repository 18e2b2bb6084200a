"""Faults: a run killed at any point, two runs at once, a full disk or an unwritable folder never damage the
published warehouse, and the next run ends where an uninterrupted run would have. Re-runs change nothing;
renamed, replaced and deleted files are followed without loading anything twice."""

from __future__ import annotations

import shutil
import signal

import pandas as pd
import pytest

from tests.conftest import copy_built, copy_curated, copy_warehouse, read_table, run_cli, start_cli
from tests.content_hash import file_sha256, table_hashes

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

GTD_FILE = "gtd/gtd_0814_extract_31col.csv"
UCDP_FILE = "ucdp_ged/ged221_pakistan_hdx.csv"


def run(raw, warehouse, **env):
    return run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse), env=env)


@pytest.fixture(scope="module")
def states(shared_data, built_warehouse, tmp_path_factory):
    """Raw state A (curated + one GTD file), its published warehouse, raw state B (A + a second GTD file
    and a UCDP file) and the warehouse an uninterrupted run on B made from A's."""
    root = tmp_path_factory.mktemp("reliability")
    gtd = pd.read_csv(shared_data / GTD_FILE, dtype=str, keep_default_na=False)
    pak = gtd[gtd["country_txt"] == "Pakistan"]
    raw_a, published_a = copy_built(built_warehouse, root / "a")  # A: the curated data's warehouse, GTD added
    (raw_a / "gtd").mkdir()
    pak.head(300).to_csv(raw_a / "gtd" / "first.csv", index=False)
    raw_b = copy_curated(root / "b")
    shutil.copytree(raw_a / "gtd", raw_b / "gtd", dirs_exist_ok=True)
    pak.iloc[300:500].to_csv(raw_b / "gtd" / "second.csv", index=False)
    (raw_b / "ucdp_ged").mkdir()
    lines = (shared_data / UCDP_FILE).read_text(encoding="utf-8").splitlines(keepends=True)
    (raw_b / "ucdp_ged" / "ged.csv").write_text("".join(lines[:202]), encoding="utf-8")  # header, HXL, 200

    result = run(raw_a, published_a)
    assert result.returncode == 0, result.stdout + result.stderr
    reference = copy_warehouse(published_a, root / "ref")
    result = run(raw_b, reference)
    assert result.returncode == 0, result.stdout + result.stderr
    return {
        "root": root,
        "raw_a": raw_a,
        "raw_b": raw_b,
        "published_a": published_a,
        "reference": reference,
        "hashes_a": table_hashes(published_a),
        "hashes_ref": table_hashes(reference),
        "bytes_a": file_sha256(published_a),
    }


def test_the_reference_run_loaded_state_b(states):
    # the comparisons below would be empty if the uninterrupted run had not loaded the new files
    counts = dict(
        read_table(
            states["reference"], "select source_file, count(*) from core.incidents where source <> 'curated' group by 1"
        )
    )
    assert counts == {"gtd/first.csv": 300, "gtd/second.csv": 200, "ucdp_ged/ged.csv": 200}
    assert states["hashes_a"] != states["hashes_ref"]


@pytest.mark.parametrize(
    "point",
    [
        "ingest:gtd/second.csv",  # staging a file, before its transaction commits
        "check:core.incidents:incident_id_unique",  # in the checks, after core.incidents was rebuilt
        "mart:marts.attack_trends",  # building a mart, before its transaction commits
        "publish",  # the new file copied beside the published one, not swapped in
    ],
)
def test_a_run_killed_midway_leaves_the_published_warehouse_and_the_next_run_recovers(states, tmp_path, point):
    warehouse = copy_warehouse(states["published_a"], tmp_path / "w")
    killed = run(states["raw_b"], warehouse, PIPELINES_FAULT_AT=point)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    assert "summary" not in killed.stdout  # it really died half-way
    # What analysts read is the warehouse of state A, byte for byte, and it answers queries.
    assert file_sha256(warehouse) == states["bytes_a"]
    query = run_cli(
        "query",
        "select count(*) as n from core.incidents where source = 'gtd'",
        "--warehouse",
        str(warehouse),
        "--format",
        "csv",
    )
    assert query.returncode == 0 and query.stdout.splitlines()[1] == "300", query.stderr
    assert table_hashes(warehouse) == states["hashes_a"]

    again = run(states["raw_b"], warehouse)
    assert again.returncode == 0, again.stdout + again.stderr
    assert table_hashes(warehouse) == states["hashes_ref"]
    assert not list(warehouse.parent.glob(".*publishing*"))  # a copy left by a killed publish is cleared


def test_a_rerun_on_unchanged_inputs_changes_no_table(states, tmp_path):
    warehouse = copy_warehouse(states["reference"], tmp_path / "w")
    again = run(states["raw_b"], warehouse)
    assert again.returncode == 0 and "0 raw file(s) new or changed" in again.stdout
    assert table_hashes(warehouse) == states["hashes_ref"]


def test_a_second_run_started_during_a_run_is_refused_and_nothing_is_damaged(states, tmp_path):
    warehouse = copy_warehouse(states["published_a"], tmp_path / "w")
    first = start_cli("run", "--raw", str(states["raw_b"]), "--warehouse", str(warehouse))
    try:
        for line in first.lines():  # this line is printed once the first run holds the warehouse
            if "raw file(s) new or changed" in line:
                break
        second = run(states["raw_b"], warehouse)
        finished, _ = first.wait(600)
    except BaseException:
        first.kill()
        raise
    assert second.returncode == 3
    assert f"warehouse {warehouse} is being built by pid {first.pid}" in second.stderr
    assert "Traceback" not in second.stderr
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert table_hashes(warehouse) == states["hashes_ref"]


def test_a_full_disk_fails_the_run_clearly_and_leaves_the_published_file(states, tmp_path):
    # RLIMIT_FSIZE makes every write past the limit fail (EFBIG) the way a full disk fails it (ENOSPC),
    # without root or a special mount; Python ignores SIGXFSZ, so the write raises instead of killing.
    warehouse = copy_warehouse(states["published_a"], tmp_path / "w")
    limit = min(warehouse.stat().st_size, (warehouse.parent / ".build" / warehouse.name).stat().st_size) // 2
    full = run_cli(
        "run", "--raw", str(states["raw_b"]), "--warehouse", str(warehouse), timeout=600, file_size_limit=limit
    )
    assert full.returncode not in (0, -signal.SIGXFSZ), full.stdout + full.stderr
    assert "File too large" in full.stdout + full.stderr
    assert "published      no (the previous warehouse is unchanged)" in full.stdout or full.stderr.startswith("error: ")
    assert "Traceback" not in full.stderr
    assert file_sha256(warehouse) == states["bytes_a"]
    assert table_hashes(warehouse) == states["hashes_a"]


def test_an_unwritable_warehouse_folder_is_a_clear_error_and_the_published_file_stays(states, tmp_path):
    # Tests run as root, so chmod cannot make a folder unwritable: a file where a folder must be can.
    warehouse = copy_warehouse(states["published_a"], tmp_path / "w")
    shutil.rmtree(warehouse.parent / ".build")
    (warehouse.parent / ".build").write_text("not a folder")
    result = run(states["raw_b"], warehouse)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: cannot write the working copy of {warehouse}")
    assert "the published warehouse is unchanged" in result.stderr and "Traceback" not in result.stderr
    assert file_sha256(warehouse) == states["bytes_a"]

    blocked = tmp_path / "a-file"
    blocked.write_text("")
    result = run(states["raw_b"], blocked / "warehouse.duckdb")
    assert result.returncode == 2 and result.stderr.startswith("error: cannot write the working copy")


def test_renamed_replaced_and_deleted_files(states, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(states["raw_b"], raw)
    warehouse = copy_warehouse(states["reference"], tmp_path / "w")
    before = read_table(warehouse, "select * exclude (source_file, loaded_at) from core.incidents order by all")

    # Renamed: the same bytes under a new name are recognised by their sha256 and not read again.
    first_loaded = read_table(warehouse, "select loaded_at from dq.file_loads where source_file = 'gtd/second.csv'")
    (raw / "gtd" / "second.csv").rename(raw / "gtd" / "second_renamed.csv")
    result = run(raw, warehouse)
    assert result.returncode == 0, result.stdout + result.stderr
    # not read again: the accounting row is the original load's, under the new name
    assert (
        read_table(warehouse, "select loaded_at from dq.file_loads where source_file = 'gtd/second_renamed.csv'")
        == first_loaded
    )
    loads = read_table(
        warehouse, "select source_file, rows_read, is_current from dq.file_loads where source = 'gtd' order by all"
    )
    assert loads == [("gtd/first.csv", 300, True), ("gtd/second_renamed.csv", 200, True)]
    assert read_table(warehouse, "select * exclude (source_file, loaded_at) from core.incidents order by all") == before
    assert read_table(
        warehouse, "select count(*) from core.incidents where source_file = 'gtd/second_renamed.csv'"
    ) == [(200,)]
    assert read_table(warehouse, "select count(distinct source_file) from staging.gtd") == [(2,)]

    # A copy of a loaded file under a second name is refused, alone; nothing is doubled.
    shutil.copy(raw / "gtd" / "first.csv", raw / "gtd" / "first_copy.csv")
    result = run(raw, warehouse)
    assert result.returncode != 0
    assert "first_copy.csv: same content" in result.stdout and "as gtd/first.csv" in result.stdout
    assert "published      yes" in result.stdout
    assert read_table(warehouse, "select count(*) from core.incidents where source = 'gtd'") == [(500,)]
    (raw / "gtd" / "first_copy.csv").unlink()

    # Replaced by a new version: its rows are replaced, the old version stays in the history, not current.
    frame = pd.read_csv(raw / "gtd" / "first.csv", dtype=str, keep_default_na=False).head(250)
    frame.to_csv(raw / "gtd" / "first.csv", index=False)
    # Deleted: its rows go.
    (raw / "ucdp_ged" / "ged.csv").unlink()
    assert run(raw, warehouse).returncode == 0
    counts = dict(
        read_table(warehouse, "select source_file, count(*) from core.incidents where source <> 'curated' group by 1")
    )
    assert counts == {"gtd/first.csv": 250, "gtd/second_renamed.csv": 200}
    assert read_table(
        warehouse,
        "select source_file, rows_read, is_current from dq.file_loads "
        "where source <> 'curated' and status = 'loaded' order by all",
    ) == [
        ("gtd/first.csv", 250, True),
        ("gtd/first.csv", 300, False),
        ("gtd/second_renamed.csv", 200, True),
        ("ucdp_ged/ged.csv", 200, False),
    ]
    # the refused copy stays in the history as a failed attempt (issue 15: a failed file is recorded), never current
    assert read_table(
        warehouse,
        "select source_file, rows_read, is_current, error like '%same content%' "
        "from dq.file_loads where status = 'failed'",
    ) == [("gtd/first_copy.csv", 0, False, True)]
    assert read_table(warehouse, "select count(*) from staging.ucdp_ged") == [(0,)]
    # the result is what a warehouse built from nothing on the same files holds
    fresh = tmp_path / "fresh" / "warehouse.duckdb"
    assert run(raw, fresh).returncode == 0
    assert read_table(fresh, "select * exclude (loaded_at) from core.incidents order by all") == read_table(
        warehouse, "select * exclude (loaded_at) from core.incidents order by all"
    )
