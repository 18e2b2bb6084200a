"""A file that cannot be read fails alone and costs no data, in every layout of the warehouse folder; a blocked
run publishes nothing and says so (``query`` on stderr, the report at the top).

Small made-up files: a GTD file and a mapped dataset. A new version of the mapped file loses its id column, so
it cannot be staged; the expected rows are counted here from the CSV text with Python's csv module.
"""

from __future__ import annotations

import csv
import io
import re
import shutil

import duckdb
import pytest

from tests.conftest import copy_curated, read_table, run_cli

# builds a warehouse through the CLI or starts Dagster: left out of the quick loop (pytest -m "not slow")
pytestmark = pytest.mark.slow

MAPPING = """
source_name: user_attacks
description: attacks a user compiled from reports
id_column: Ref
columns:
  event_date: {column: Day, date_formats: ['%d/%m/%Y']}
  admin1: Province
  fatalities_best: {column: Dead, parser: int}
  perpetrator_raw: Group
constants:
  event_type: attack
  country: Pakistan
"""
MAPPED_V1 = "Ref,Day,Province,Dead,Group\nP-1,03/01/2019,KP,4,TTP\nP-2,15/01/2019,Balochistan,2,BLA\n"
# The new version renamed its id column: it cannot be read with the mapping (required column Ref missing).
MAPPED_BROKEN = (
    "Reference,Day,Province,Dead,Group\nP-1,03/01/2019,KP,4,TTP\nP-2,15/01/2019,Balochistan,2,BLA\n"
    "P-3,16/01/2019,Sindh,1,BLA\n"
)
MAPPED_FIXED = (
    "Ref,Day,Province,Dead,Group\nP-1,03/01/2019,KP,4,TTP\nP-2,15/01/2019,Balochistan,2,BLA\n"
    "P-3,16/01/2019,Sindh,1,BLA\n"
)
GTD_HEADER = "eventid,iyear,imonth,iday,country_txt,provstate,gname,nkill\n"
GTD_V1 = GTD_HEADER + "201001010001,2010,1,1,Pakistan,Punjab,Unknown,2\n"
GTD_V2 = GTD_V1 + "201001020001,2010,1,2,Pakistan,Sindh,Unknown,3\n"
MAPPED_FILE = "mapped/user/attacks.csv"
NOISY_FILE = "mapped/noisy/attacks.csv"
NOISY = "Ref,Day,Province,Dead,Group\nN-1,03/01/2019,KP,4,TTP\nN-2,someday,KP,1,TTP\nN-3,05/01/2019,KP,1,TTP\n"


def ids(text: str, prefix: str, column: str) -> set[str]:
    return {f"{prefix}:{row[column]}" for row in csv.DictReader(io.StringIO(text))}


def run(raw, warehouse):
    return run_cli("run", "--raw", str(raw), "--warehouse", str(warehouse))


def incidents(warehouse, source):
    return {r[0] for r in read_table(warehouse, f"select incident_id from core.incidents where source = '{source}'")}


@pytest.fixture(scope="module")
def first_build(tmp_path_factory):
    """raw/ with both files, built and published once; tests copy it."""
    root = tmp_path_factory.mktemp("failed_files")
    raw = copy_curated(root)
    (raw / "mapped" / "user").mkdir(parents=True)
    (raw / "mapped" / "user" / "mapping.yaml").write_text(MAPPING)
    (raw / MAPPED_FILE).write_text(MAPPED_V1)
    (raw / "gtd").mkdir()
    (raw / "gtd" / "events.csv").write_text(GTD_V1)
    (raw / "mapped" / "noisy").mkdir()
    (raw / "mapped" / "noisy" / "mapping.yaml").write_text(MAPPING.replace("user_attacks", "noisy_attacks"))
    (raw / NOISY_FILE).write_text(NOISY)
    warehouse = root / "warehouse" / "warehouse.duckdb"
    result = run(raw, warehouse)
    assert result.returncode == 0, result.stdout + result.stderr
    assert incidents(warehouse, "user_attacks") == ids(MAPPED_V1, "user_attacks", "Ref")
    (root / "first_run.txt").write_text(result.stdout)
    return root


def test_the_summary_gives_every_staged_files_counts_and_warns_above_one_percent_quarantined(first_build):
    out = (first_build / "first_run.txt").read_text()
    rows = list(csv.DictReader(io.StringIO(NOISY)))
    bad = [r for r in rows if not re.fullmatch(r"\d\d/\d\d/\d{4}", r["Day"])]
    line = next(x for x in out.splitlines() if x.strip().startswith(NOISY_FILE))
    assert re.findall(r"\d+", line.split(NOISY_FILE)[1]) == [
        str(len(rows)),
        str(len(rows) - len(bad)),
        str(len(bad)),
    ], line
    warn = next(x for x in out.splitlines() if x.strip().startswith(f"WARN  {NOISY_FILE}"))
    assert f"{len(bad) / len(rows):.1%} of its rows quarantined" in warn
    assert "matches none of the date_formats" in warn and f"({len(bad)})" in warn
    # the clean file has a counts line but no WARN
    assert any(x.strip().startswith(MAPPED_FILE) for x in out.splitlines())
    assert f"WARN  {MAPPED_FILE}" not in out


def layout(first_build, tmp_path, kind):
    """A copy of the first build: the whole folder, the published file alone, or the published file beside an
    empty working copy; then the mapped file replaced by a version that cannot be read and the GTD file grown."""
    shutil.copytree(first_build / "raw", tmp_path / "raw", symlinks=True)
    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse" / "warehouse.duckdb"
    if kind == "with_working_copy":
        shutil.copytree(first_build / "warehouse", tmp_path / "warehouse")
    else:
        warehouse.parent.mkdir()
        shutil.copy(first_build / "warehouse" / "warehouse.duckdb", warehouse)
        if kind == "empty_working_copy":
            (warehouse.parent / ".build").mkdir()
            duckdb.connect(str(warehouse.parent / ".build" / "warehouse.duckdb")).close()
    (raw / MAPPED_FILE).write_text(MAPPED_BROKEN)
    (raw / "gtd" / "events.csv").write_text(GTD_V2)
    return raw, warehouse


@pytest.mark.parametrize("kind", ["with_working_copy", "published_file_only"])
def test_a_file_that_fails_keeps_its_previous_rows_and_the_other_changes_publish(first_build, tmp_path, kind):
    raw, warehouse = layout(first_build, tmp_path, kind)
    result = run(raw, warehouse)
    out = result.stdout
    assert result.returncode == 4, out + result.stderr
    assert "PUBLISHED WITH FAILED FILES (exit 4)" in out
    assert f"{MAPPED_FILE}: its previous version" in out and "stays loaded" in out
    # The failed file's previous version is still published, the other file's new row too.
    assert incidents(warehouse, "user_attacks") == ids(MAPPED_V1, "user_attacks", "Ref")
    assert incidents(warehouse, "gtd") == ids(GTD_V2, "gtd", "eventid")
    # dq.file_loads: the failed version with its error, the previous one still current.
    rows = read_table(
        warehouse,
        "select status, is_current, rows_read, error from dq.file_loads "
        f"where source_file = '{MAPPED_FILE}' order by status",
    )
    assert [r[:3] for r in rows] == [("failed", False, 0), ("loaded", True, 2)]
    assert "Ref" in rows[0][3]
    # Every file still adds up.
    assert read_table(
        warehouse, "select count(*) from dq.file_loads where rows_read <> rows_loaded + rows_quarantined"
    ) == [(0,)]

    if kind == "with_working_copy":
        # Removed instead of fixed (on a copy of this state): the next run is incremental too and the file's rows go.
        # (Merged here in session 10: test_a_removed_failed_file_makes_the_next_run_incremental ran the same failing
        # run on the same layout before removing the file.)
        removed_raw, removed_warehouse = tmp_path / "removed" / "raw", tmp_path / "removed" / "warehouse"
        shutil.copytree(raw, removed_raw, symlinks=True)
        shutil.copytree(warehouse.parent, removed_warehouse)
        (removed_raw / MAPPED_FILE).unlink()
        again = run(removed_raw, removed_warehouse / warehouse.name)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "build: incremental" in again.stdout, again.stdout
        assert incidents(removed_warehouse / warehouse.name, "user_attacks") == set()

    # Fixed: the next run is incremental and loads the new version.
    (raw / MAPPED_FILE).write_text(MAPPED_FIXED)
    fixed = run(raw, warehouse)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "build: incremental" in fixed.stdout, fixed.stdout
    assert incidents(warehouse, "user_attacks") == ids(MAPPED_FIXED, "user_attacks", "Ref")


def test_a_build_that_would_drop_a_present_files_rows_never_publishes(first_build, tmp_path):
    """An empty working copy beside the published file: the failed file's rows are not in it, so no publish."""
    raw, warehouse = layout(first_build, tmp_path, "empty_working_copy")
    published = warehouse.read_bytes()
    result = run(raw, warehouse)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"not published: the build holds no rows of {MAPPED_FILE}" in result.stdout
    assert warehouse.read_bytes() == published


def test_a_blocked_run_publishes_nothing_and_query_and_report_say_so(first_build, tmp_path):
    raw, warehouse = layout(first_build, tmp_path, "with_working_copy")
    (raw / MAPPED_FILE).write_text(MAPPED_V1)
    # Two rows with one id and a negative count: blocking checks fail (incident_id_unique, GX).
    (raw / "gtd" / "events.csv").write_text(GTD_V1 + "201001010001,2010,1,3,Pakistan,Sindh,Unknown,-4\n")
    published = warehouse.read_bytes()
    result = run(raw, warehouse)
    assert result.returncode == 1, result.stdout + result.stderr
    assert warehouse.read_bytes() == published
    query = run_cli("query", "select count(*) from core.incidents where source = 'gtd'", "--warehouse", str(warehouse))
    assert query.returncode == 0 and query.stdout.splitlines()[2] == "1", query.stdout + query.stderr
    assert "the latest run" in query.stderr and "was blocked by" in query.stderr, query.stderr
    assert "core.incidents:incident_id_unique" in query.stderr and "rows)" in query.stderr
    assert "core.incidents" not in query.stdout
    page = (warehouse.parent / "report" / "index.html").read_text()
    top = page[page.index("<header>") : page.index("<h1>")]
    assert "run-notice" in top and "was blocked by" in top


def test_a_staging_table_of_an_older_model_is_staged_again_whole(first_build, tmp_path):
    """The working copy's staging.mapped has the columns of an older model (as after an upgrade): every mapped
    file is staged again in this run, so none of their rows is lost, though only the GTD file changed."""
    shutil.copytree(first_build / "raw", tmp_path / "raw", symlinks=True)
    shutil.copytree(first_build / "warehouse", tmp_path / "warehouse")
    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse" / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse.parent / ".build" / "warehouse.duckdb"))
    con.execute("alter table staging.mapped drop column alias_system")
    con.close()
    (raw / "gtd" / "events.csv").write_text(GTD_V2)
    result = run(raw, warehouse)
    assert result.returncode == 0, result.stdout + result.stderr
    assert incidents(warehouse, "user_attacks") == ids(MAPPED_V1, "user_attacks", "Ref")
    assert incidents(warehouse, "gtd") == ids(GTD_V2, "gtd", "eventid")
    assert f"    {MAPPED_FILE}" in result.stdout  # staged again: it has a counts line
